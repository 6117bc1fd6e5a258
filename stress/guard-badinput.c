// SPDX-License-Identifier: GPL-2.0
/*
 * guard-badinput: every invalid (and every borderline valid) call of
 * madvise(MADV_GUARD_INSTALL / MADV_GUARD_REMOVE) and process_madvise() we
 * can think of, from a table: each row builds a layout of pages, makes one
 * call, checks the errno (or return value) and then checks the pages: by
 * default that nothing changed (same VMAs in /proc/self/maps, same data,
 * no page turned into a guard), otherwise the state the row expects.
 *
 * The expected results are those of mainline, which the series follows:
 * 6.15 semantics (guards in anonymous, shmem and file-backed mappings, shared
 * or private, read-only ones included).  Mainline 6.13 and 6.14 accepted
 * anonymous private mappings only; the rows that differ say so, and -a
 * checks those older expectations instead.  A mainline kernel (the
 * development host) serves as the oracle for the rest.
 *
 * Every row runs in a child process, so that a row that crashes (or leaves
 * a mess behind) cannot hide the others.  TAP output; exit 1 if any row
 * failed.
 *
 *   guard-badinput [-a] [-v] [-l] [-x ROW]
 *	-a	expect guards in anonymous private mappings only (6.13, 6.14)
 *	-v	print the maps of each row
 *	-l	list the rows
 *	-x ROW	run row ROW (1-based) expecting the wrong errno (the check
 *		must then fail: shows that it can)
 *	-c ROW	run row ROW and then, behind the checks' back, discard the
 *		first mapped page of its layout (MADV_DONTNEED): the "nothing
 *		changed" check must then fail
 */
#include <sys/wait.h>
#include "guard_util.h"

#define MAXPAGES 16

enum { I = MADV_GUARD_INSTALL, R = MADV_GUARD_REMOVE };

struct ctx {
	char *base;		/* first page of the layout */
	int npages;
	const char *layout;
	unsigned long start;	/* call arguments */
	size_t len;
	int advice;
	char maps_before[8192];
	int pidfd, fd;
	pid_t child;
	int expect_ret;		/* for process_madvise: bytes, or -1 */
	char skip[128];
	char why[256];
};

struct row {
	const char *name;
	/*
	 * The pages: one character each.
	 *   d  anonymous private read/write, stamped
	 *   z  anonymous private read/write, never touched
	 *   g  like d, then made a guard page
	 *   n  like d, then mprotect(PROT_NONE)
	 *   r  like d, then mprotect(PROT_READ)
	 *   -  a hole (nothing mapped)
	 */
	const char *layout;
	int advice;
	int first, npages;	/* call range, in pages of the layout */
	/* extra setup (may replace the layout); <0: skip, reason in ->skip */
	int (*prep)(struct ctx *c);
	int err;		/* expected errno, 0 = success */
	int err_file;		/* on kernels >= 6.15 if different, else -1 */
	/* expected pages afterwards, as layout; NULL = nothing changed */
	const char *after;
	/* call other than madvise(start, len, advice): returns 0 or errno */
	int (*call)(struct ctx *c);
	/* extra check afterwards; false (reason in ->why) fails the row */
	bool (*check)(struct ctx *c);
};

static bool verbose;
static bool file_guards = true;	/* file-backed guards (6.15), not -a */

/* ---- building and checking layouts --------------------------------------- */

static int build_layout(struct ctx *c, const char *layout)
{
	int i, n = strlen(layout);
	char *p;

	p = mmap(NULL, (n + 2) * PAGE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	/* Unmapped pages around the layout, so nothing merges with it. */
	munmap(p, PAGE);
	munmap(p + (n + 1) * PAGE, PAGE);
	p += PAGE;
	for (i = 0; i < n; i++) {
		char *pg = p + i * PAGE;

		if (layout[i] == '-') {
			munmap(pg, PAGE);
			continue;
		}
		if (mmap(pg, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != pg)
			return -1;
		if (layout[i] != 'z')
			stamp_page((uint64_t *)pg, (unsigned long)pg, 1);
		if (layout[i] == 'g' && madvise(pg, PAGE, MADV_GUARD_INSTALL))
			return -1;
		if (layout[i] == 'n' && mprotect(pg, PAGE, PROT_NONE))
			return -1;
		if (layout[i] == 'r' && mprotect(pg, PAGE, PROT_READ))
			return -1;
	}
	c->base = p;
	c->npages = n;
	c->layout = layout;
	return 0;
}

/* The lines of /proc/self/maps that overlap [lo, hi). */
static void maps_of(unsigned long lo, unsigned long hi, char *out, size_t sz)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	size_t used = 0;

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx", &s, &e) != 2 || e <= lo || s >= hi)
			continue;
		if (used + strlen(line) + 1 < sz) {
			strcpy(out + used, line);
			used += strlen(line);
		}
	}
	fclose(f);
}

/* Is @addr inside some VMA? */
static bool mapped(unsigned long addr)
{
	char m[1024];

	maps_of(addr, addr + 1, m, sizeof(m));
	return m[0] != 0;
}

/*
 * Check every page against @want (layout characters, as after the call):
 *   D  reads its stamp (generation 1)
 *   Z  reads zero
 *   G  a guard: a read faults with SEGV_MAPERR, process_vm_readv() EFAULT
 *   N  a read faults (PROT_NONE)
 *   R  reads its stamp, a write faults (PROT_READ)
 *   -  not mapped
 *   ?  anything
 * Lowercase layout characters are accepted too: d/r/n stay D/R/N, g G, z Z.
 */
static bool check_pages(struct ctx *c, const char *want)
{
	static uint64_t buf[WORDS];
	int i;

	for (i = 0; i < c->npages; i++) {
		char *pg = c->base + i * PAGE;
		unsigned long home = (unsigned long)pg, gen = 0, bad = 0;
		char w = want[i] & ~0x20;	/* upper case */
		enum page_seen s;
		struct iovec l = { buf, PAGE }, r = { pg, PAGE };
		int sig;

		if (want[i] == '?')
			continue;
		if (want[i] == '-') {
			if (mapped(home)) {
				snprintf(c->why, sizeof(c->why),
					 "page %d: mapped, expected a hole", i);
				return false;
			}
			continue;
		}
		if (!mapped(home)) {
			snprintf(c->why, sizeof(c->why),
				 "page %d: not mapped, expected '%c'", i, w);
			return false;
		}
		sig = probe_copy(pg, buf);
		if (w == 'G' || w == 'N') {
			if (sig != SIGSEGV) {
				snprintf(c->why, sizeof(c->why),
					 "page %d: readable, expected %s", i,
					 w == 'G' ? "a guard" : "PROT_NONE");
				return false;
			}
			if (w == 'G' && probe_code != SEGV_MAPERR) {
				snprintf(c->why, sizeof(c->why),
					 "page %d: si_code %d, a guard gives SEGV_MAPERR",
					 i, probe_code);
				return false;
			}
			if (w == 'G' && (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != -1 ||
					 errno != EFAULT)) {
				snprintf(c->why, sizeof(c->why),
					 "page %d: process_vm_readv() of a guard did not fail with EFAULT",
					 i);
				return false;
			}
			continue;
		}
		if (sig) {
			snprintf(c->why, sizeof(c->why),
				 "page %d: read faults (signal %d, code %d), expected '%c'",
				 i, sig, probe_code, w);
			return false;
		}
		s = classify_page(buf, home, &gen, &bad);
		if ((w == 'Z' && s != SEEN_ZERO) ||
		    ((w == 'D' || w == 'R') && (s != SEEN_STAMP || gen != 1))) {
			snprintf(c->why, sizeof(c->why),
				 "page %d: content %s (gen %lu, word %lu = %#lx), expected '%c'",
				 i, s == SEEN_ZERO ? "zero" : s == SEEN_STAMP ? "stamp" :
				 s == SEEN_TORN ? "torn" : "foreign", gen, bad,
				 (unsigned long)buf[bad], w);
			return false;
		}
		if (w == 'R' && probe_rewrite(pg) != SIGSEGV) {
			snprintf(c->why, sizeof(c->why),
				 "page %d: writable, expected read-only", i);
			return false;
		}
		if (w == 'D' && probe_rewrite(pg)) {
			snprintf(c->why, sizeof(c->why),
				 "page %d: write faults, expected writable", i);
			return false;
		}
	}
	return true;
}

/* ---- extra setups ---------------------------------------------------------- */

static int prep_mlock(struct ctx *c)
{
	return mlock(c->base, c->npages * PAGE);
}

static int prep_mlock_onfault(struct ctx *c)
{
	return syscall(__NR_mlock2, c->base, c->npages * PAGE, 1 /* ONFAULT */);
}

static int prep_mseal(struct ctx *c)
{
	if (sys_mseal(c->base, c->npages * PAGE)) {
		snprintf(c->skip, sizeof(c->skip), "mseal(): %s",
			 errname(errno));
		return -1;
	}
	return 0;
}

static int prep_unaligned(struct ctx *c)
{
	c->start += 1;
	return 0;
}

static int prep_unaligned_half(struct ctx *c)
{
	c->start += PAGE / 2;
	return 0;
}

static int prep_len_minus_page(struct ctx *c)
{
	c->len = -PAGE;		/* start + len wraps */
	return 0;
}

static int prep_len_max(struct ctx *c)
{
	c->len = (size_t)-1;	/* PAGE_ALIGN() rounds it to 0 */
	return 0;
}

static int prep_len_wrap_to_page(struct ctx *c)
{
	c->len = -c->start + PAGE;	/* end wraps around to PAGE */
	return 0;
}

static int prep_len_zero(struct ctx *c)
{
	c->len = 0;
	return 0;
}

static int prep_len_one(struct ctx *c)
{
	c->len = 1;	/* rounds up to one page */
	return 0;
}

static int prep_len_partial(struct ctx *c)
{
	c->len = PAGE + 1;	/* rounds up to two pages */
	return 0;
}

/* Above every mapping of the process: a huge length there maps nothing. */
static int prep_above_all(struct ctx *c)
{
	char line[512];
	unsigned long top = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx", &s, &e) == 2 &&
		    e > top && e <= 0x800000000000UL)
			top = e;
	}
	if (f)
		fclose(f);
	c->start = top;
	c->len = 1UL << 46;
	return 0;
}

static int prep_vsyscall(struct ctx *c)
{
	c->start = 0xffffffffff600000UL;
	c->len = PAGE;
	return 0;
}

static int prep_null(struct ctx *c)
{
	c->start = 0;
	c->len = PAGE;
	return 0;
}

static int prep_non_canonical(struct ctx *c)
{
	c->start = 0x800000000000UL;
	c->len = PAGE;
	return 0;
}

/* Replace the layout with a single mapping of another kind. */
static int replace(struct ctx *c, int prot, int flags, int fd, bool stamp)
{
	char *p;

	munmap(c->base, c->npages * PAGE);
	p = mmap(c->base, c->npages * PAGE, prot, flags | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	if (stamp) {
		int i;

		for (i = 0; i < c->npages; i++)
			stamp_page((uint64_t *)(p + i * PAGE),
				   (unsigned long)(p + i * PAGE), 1);
	}
	return 0;
}

static int prep_hugetlb(struct ctx *c)
{
	char *p = mmap(NULL, 2UL << 20, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (p == MAP_FAILED) {
		snprintf(c->skip, sizeof(c->skip),
			 "no huge pages (mmap(MAP_HUGETLB): %s)", errname(errno));
		return -1;
	}
	memset(p, 'h', 2UL << 20);
	c->base = p;
	c->npages = 0;		/* checked by check_hugetlb */
	c->start = (unsigned long)p;
	c->len = 2UL << 20;
	return 0;
}

static bool check_hugetlb(struct ctx *c)
{
	unsigned long i;

	for (i = 0; i < (2UL << 20); i += PAGE) {
		if (probe_read(c->base + i) || c->base[i] != 'h') {
			snprintf(c->why, sizeof(c->why),
				 "hugetlb page content lost at +%#lx", i);
			return false;
		}
	}
	return true;
}

static int prep_vvar(struct ctx *c)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long s = 0, e = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (strstr(line, "[vvar]") &&
		    sscanf(line, "%lx-%lx", &s, &e) == 2)
			break;
		s = 0;
	}
	if (f)
		fclose(f);
	if (!s) {
		snprintf(c->skip, sizeof(c->skip), "no [vvar] mapping");
		return -1;
	}
	c->base = (char *)s;
	c->npages = 0;
	c->start = s;
	c->len = PAGE;
	return 0;
}

static bool check_vvar(struct ctx *c)
{
	if (probe_read((void *)c->start)) {
		snprintf(c->why, sizeof(c->why), "[vvar] no longer readable");
		return false;
	}
	return true;
}

static int prep_shmem(struct ctx *c)
{
	return replace(c, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, true);
}

static int prep_memfd_private(struct ctx *c)
{
	int fd = memfd_create("guard-badinput", 0);

	if (fd < 0 || ftruncate(fd, c->npages * PAGE))
		return -1;
	return replace(c, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, true);
}

static int prep_rdonly_file_shared(struct ctx *c)
{
	char path[64];
	int fd = memfd_create("guard-badinput", 0), ro;

	if (fd < 0 || ftruncate(fd, c->npages * PAGE))
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY);
	if (ro < 0)
		return -1;
	return replace(c, PROT_READ, MAP_SHARED, ro, false);
}

static int prep_dev_zero_private(struct ctx *c)
{
	int fd = open("/dev/zero", O_RDWR);

	if (fd < 0) {
		snprintf(c->skip, sizeof(c->skip), "no /dev/zero");
		return -1;
	}
	return replace(c, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, true);
}

/* Content of a replaced mapping: stamps (shmem, memfd, /dev/zero). */
static bool check_stamped(struct ctx *c)
{
	return check_pages(c, "DDDD");
}

/* A read-only file: zeros, still readable. */
static bool check_rdonly_file(struct ctx *c)
{
	return check_pages(c, "ZZZZ");
}

static bool check_file_guarded(struct ctx *c)
{
	return check_pages(c, file_guards ? "GGGG" : "DDDD");
}

static bool check_rofile_guarded(struct ctx *c)
{
	return check_pages(c, file_guards ? "GGGG" : "ZZZZ");
}

static bool check_still_locked(struct ctx *c)
{
	if (proc_kb("/proc/self/status", "VmLck") < (long)(c->npages * PAGE / 1024)) {
		snprintf(c->why, sizeof(c->why), "VmLck dropped to %ld kB",
			 proc_kb("/proc/self/status", "VmLck"));
		return false;
	}
	return true;
}

/* ---- process_madvise() ------------------------------------------------------ */

/*
 * A child that inherits the layout and waits; the parent tries to put
 * guards into it.  The child then checks its own pages are unchanged.
 */
static int prep_foreign(struct ctx *c)
{
	int p[2];
	char ch;

	if (pipe(p))
		return -1;
	c->child = fork();
	if (c->child < 0)
		return -1;
	if (!c->child) {
		/* Wait for the parent's call, then check the pages. */
		close(p[1]);
		if (read(p[0], &ch, 1) != 1)
			_exit(3);
		_exit(check_pages(c, c->layout) ? 0 : 1);
	}
	close(p[0]);
	c->fd = p[1];
	c->pidfd = sys_pidfd_open(c->child);
	return c->pidfd < 0 ? -1 : 0;
}

static bool check_foreign(struct ctx *c)
{
	int status;

	if (write(c->fd, "x", 1) != 1)
		return false;
	waitpid(c->child, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(c->why, sizeof(c->why),
			 "the target process's pages changed (child status %#x)",
			 status);
		return false;
	}
	return check_pages(c, c->layout);
}

static int prep_zombie(struct ctx *c)
{
	c->child = fork();
	if (c->child < 0)
		return -1;
	if (!c->child)
		_exit(0);
	c->pidfd = sys_pidfd_open(c->child);
	/* Let it exit, but do not reap it. */
	waitid(P_PID, c->child, NULL, WEXITED | WNOWAIT);
	return c->pidfd < 0 ? -1 : 0;
}

static int prep_dead(struct ctx *c)
{
	if (prep_zombie(c))
		return -1;
	waitpid(c->child, NULL, 0);
	return 0;
}

static int prep_self(struct ctx *c)
{
	c->pidfd = sys_pidfd_open(getpid());
	return c->pidfd < 0 ? -1 : 0;
}

static int prep_not_pidfd(struct ctx *c)
{
	c->pidfd = open("/dev/null", O_RDONLY);
	return c->pidfd < 0 ? -1 : 0;
}

static int pm_call(struct ctx *c, const struct iovec *iov, int n,
		   unsigned int flags)
{
	long ret = sys_process_madvise(c->pidfd, iov, n, c->advice, flags);

	if (ret < 0)
		return errno;
	if (ret != c->expect_ret) {
		snprintf(c->why, sizeof(c->why),
			 "process_madvise() returned %ld, expected %d", ret,
			 c->expect_ret);
		return -1;
	}
	return 0;
}

static int call_pm(struct ctx *c)
{
	struct iovec iov = { (void *)c->start, c->len };

	c->expect_ret = c->len;
	return pm_call(c, &iov, 1, 0);
}

static int call_pm_flags(struct ctx *c)
{
	struct iovec iov = { (void *)c->start, c->len };

	return pm_call(c, &iov, 1, 1);
}

/* Two ranges, the second unaligned: the first is done, its size returned. */
static int call_pm_partial(struct ctx *c)
{
	struct iovec iov[2] = {
		{ c->base, PAGE },
		{ c->base + 2 * PAGE + 1, PAGE },
	};

	c->expect_ret = PAGE;
	return pm_call(c, iov, 2, 0);
}

static int call_pm_too_many(struct ctx *c)
{
	static struct iovec iov[1025];
	int i;

	for (i = 0; i < 1025; i++) {
		iov[i].iov_base = c->base;
		iov[i].iov_len = PAGE;
	}
	return pm_call(c, iov, 1025, 0);
}

/* ---- the table --------------------------------------------------------------- */

/* Trailing fields left out of a row are NULL. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define ROW(...) { __VA_ARGS__ }

static const struct row rows[] = {
	/* Arguments. */
	ROW("install: unaligned start (+1)", "dddd", I, 0, 2, prep_unaligned, EINVAL, -1),
	ROW("remove: unaligned start (+1)", "dgdd", R, 0, 2, prep_unaligned, EINVAL, -1),
	ROW("install: unaligned start (+2048)", "dddd", I, 0, 2, prep_unaligned_half, EINVAL, -1),
	ROW("install: length -4096 wraps the address space", "dddd", I, 0, 4, prep_len_minus_page, EINVAL, -1),
	ROW("remove: length -4096 wraps the address space", "dgdd", R, 0, 4, prep_len_minus_page, EINVAL, -1),
	ROW("install: length SIZE_MAX (rounds up to 0)", "dddd", I, 0, 4, prep_len_max, EINVAL, -1),
	ROW("install: start + length wraps to 4096", "dddd", I, 0, 4, prep_len_wrap_to_page, EINVAL, -1),
	ROW("install: 64 TiB above every mapping", "dddd", I, 0, 4, prep_above_all, ENOMEM, -1),
	ROW("remove: 64 TiB above every mapping", "dgdd", R, 0, 4, prep_above_all, ENOMEM, -1),
	ROW("install: the vsyscall page (no VMA)", "dddd", I, 0, 4, prep_vsyscall, ENOMEM, -1),
	ROW("install: non-canonical address 0x800000000000", "dddd", I, 0, 4, prep_non_canonical, ENOMEM, -1),
	ROW("install: address 0", "dddd", I, 0, 4, prep_null, ENOMEM, -1),
	ROW("install: length 0 is a no-op", "dddd", I, 0, 4, prep_len_zero, 0, -1),
	ROW("install: length 1 rounds up to one page", "dddd", I, 0, 4, prep_len_one, 0, -1, "Gddd"),
	ROW("install: length 4097 rounds up to two pages", "dddd", I, 0, 4, prep_len_partial, 0, -1, "GGdd"),
	/* Holes. */
	ROW("install: range entirely unmapped", "d--d", I, 1, 2, NULL, ENOMEM, -1),
	ROW("install: hole inside, mapped parts are guarded", "dd-dd", I, 0, 5, NULL, ENOMEM, -1, "GG-GG"),
	ROW("remove: hole inside, mapped parts are cleared", "gg-gd", R, 0, 5, NULL, ENOMEM, -1, "ZZ-Zd"),
	ROW("install: hole at the start", "-ddd", I, 0, 4, NULL, ENOMEM, -1, "-GGG"),
	ROW("install: hole at the end", "ddd-", I, 0, 4, NULL, ENOMEM, -1, "GGG-"),
	/* Protections: allowed. */
	ROW("install: PROT_NONE mapping is allowed", "dnnd", I, 1, 2, NULL, 0, -1, "dNNd"),
	ROW("install: PROT_READ mapping is allowed", "drrd", I, 1, 2, NULL, 0, -1, "dGGd"),
	ROW("install: over a guard again is harmless", "dggd", I, 0, 4, NULL, 0, -1, "GGGG"),
	ROW("remove: where there is no guard changes nothing", "dzdd", R, 0, 4, NULL, 0, -1),
	/* Mapping kinds. */
	ROW("install: hugetlb", "dddd", I, 0, 4, prep_hugetlb, EINVAL, -1, "????", NULL, check_hugetlb),
	ROW("remove: hugetlb", "dddd", R, 0, 4, prep_hugetlb, EINVAL, -1, "????", NULL, check_hugetlb),
	ROW("install: mlock()ed", "dddd", I, 0, 4, prep_mlock, EINVAL, -1, NULL, NULL, check_still_locked),
	ROW("install: mlock()ed, one page", "dddd", I, 2, 1, prep_mlock, EINVAL, -1, NULL, NULL, check_still_locked),
	ROW("install: mlock2(MLOCK_ONFAULT)", "dddd", I, 0, 4, prep_mlock_onfault, EINVAL, -1),
	ROW("remove: mlock()ed is allowed", "dddd", R, 0, 4, prep_mlock, 0, -1, NULL, NULL, check_still_locked),
	ROW("install: sealed read-only anonymous", "rrrr", I, 0, 4, prep_mseal, EPERM, -1),
	ROW("install: sealed read-only anonymous, one page", "rrrr", I, 1, 1, prep_mseal, EPERM, -1),
	ROW("remove: sealed read-only anonymous is allowed", "rrrr", R, 0, 4, prep_mseal, 0, -1),
	ROW("install: sealed writable anonymous is allowed", "dddd", I, 1, 1, prep_mseal, 0, -1, "dGdd"),
	ROW("install: [vvar] (VM_PFNMAP | VM_IO)", "dddd", I, 0, 1, prep_vvar, EINVAL, -1, "????", NULL, check_vvar),
	ROW("remove: [vvar] (VM_PFNMAP | VM_IO)", "dddd", R, 0, 1, prep_vvar, EINVAL, -1, "????", NULL, check_vvar),
	ROW("install: shared anonymous (shmem)", "dddd", I, 0, 4, prep_shmem, EINVAL, 0, "????", NULL, check_file_guarded),
	ROW("remove: shared anonymous (shmem)", "dddd", R, 0, 4, prep_shmem, EINVAL, 0, "????", NULL, check_stamped),
	ROW("install: private file mapping (memfd)", "dddd", I, 0, 4, prep_memfd_private, EINVAL, 0, "????", NULL, check_file_guarded),
	ROW("install: shared mapping of an O_RDONLY file (no VM_MAYWRITE)", "dddd", I, 0, 4, prep_rdonly_file_shared, EINVAL, 0, "????", NULL, check_rofile_guarded),
	ROW("remove: shared mapping of an O_RDONLY file", "dddd", R, 0, 4, prep_rdonly_file_shared, EINVAL, 0, "????", NULL, check_rdonly_file),
	ROW("install: private /dev/zero mapping is anonymous: allowed", "dddd", I, 1, 2, prep_dev_zero_private, 0, -1, "dGGd"),
	/* Advice values around 102/103 (100 and 101 are MADV_HWPOISON and
	 * MADV_SOFT_OFFLINE: never called here). */
	ROW("advice 99", "dddd", 99, 0, 4, NULL, EINVAL, -1),
	ROW("advice 104", "dggd", 104, 0, 4, NULL, EINVAL, -1),
	ROW("advice 105", "dddd", 105, 0, 4, NULL, EINVAL, -1),
	ROW("advice 200", "dddd", 200, 0, 4, NULL, EINVAL, -1),
	ROW("advice 102 + 256", "dddd", 102 + 256, 0, 4, NULL, EINVAL, -1),
	ROW("advice 103 | 1 << 16", "dggd", 103 | 1 << 16, 0, 4, NULL, EINVAL, -1),
	ROW("advice -102", "dddd", -102, 0, 4, NULL, EINVAL, -1),
	ROW("advice -1", "dddd", -1, 0, 4, NULL, EINVAL, -1),
	ROW("advice INT_MAX", "dddd", 0x7fffffff, 0, 4, NULL, EINVAL, -1),
	/* process_madvise(). */
	ROW("process_madvise: install in another process", "dddd", I, 0, 4, prep_foreign, EINVAL, -1, NULL, call_pm, check_foreign),
	ROW("process_madvise: remove in another process", "dgdd", R, 0, 4, prep_foreign, EINVAL, -1, NULL, call_pm, check_foreign),
	ROW("process_madvise: install, exited (zombie) process", "dddd", I, 0, 4, prep_zombie, ESRCH, -1, NULL, call_pm),
	ROW("process_madvise: install, dead (reaped) process", "dddd", I, 0, 4, prep_dead, ESRCH, -1, NULL, call_pm),
	ROW("process_madvise: install, not a pidfd", "dddd", I, 0, 4, prep_not_pidfd, EBADF, -1, NULL, call_pm),
	ROW("process_madvise: install, flags 1", "dddd", I, 0, 4, prep_self, EINVAL, -1, NULL, call_pm_flags),
	ROW("process_madvise: install, 1025 ranges (> UIO_MAXIOV)", "dddd", I, 0, 4, prep_self, EINVAL, -1, NULL, call_pm_too_many),
	ROW("process_madvise: install on self is allowed", "dddd", I, 1, 2, prep_self, 0, -1, "dGGd", call_pm),
	ROW("process_madvise: remove on self is allowed", "dggd", R, 0, 4, prep_self, 0, -1, "dZZd", call_pm),
	ROW("process_madvise: second range unaligned: first done, size returned", "dddd", I, 0, 4, prep_self, 0, -1, "Gddd", call_pm_partial),
};
#pragma GCC diagnostic pop

/* ---- running a row -------------------------------------------------------- */

static int expected_err(const struct row *r)
{
	return (file_guards && r->err_file >= 0) ? r->err_file : r->err;
}

static int run_row(int n, const struct row *r, bool wrong, bool corrupt)
{
	struct ctx c;
	int err, want = expected_err(r);
	unsigned long lo, hi;
	char maps_after[8192];
	bool ok = true;

	memset(&c, 0, sizeof(c));
	c.pidfd = -1;
	c.advice = r->advice;
	if (build_layout(&c, r->layout)) {
		printf("not ok %d %s # setup failed: %s\n", n, r->name, errname(errno));
		return 1;
	}
	c.start = (unsigned long)c.base + r->first * PAGE;
	c.len = r->npages * PAGE;
	if (r->prep && r->prep(&c)) {
		if (c.skip[0]) {
			printf("ok %d %s # SKIP %s\n", n, r->name, c.skip);
			return 4;
		}
		printf("not ok %d %s # setup failed: %s\n", n, r->name, errname(errno));
		return 1;
	}
	lo = (unsigned long)c.base - PAGE;
	hi = (unsigned long)c.base + (c.npages + 1) * PAGE;
	maps_of(lo, hi, c.maps_before, sizeof(c.maps_before));

	if (wrong)
		want = want == EINVAL ? 0 : EINVAL;

	if (r->call) {
		err = r->call(&c);
	} else {
		err = madvise((void *)c.start, c.len, c.advice) ? errno : 0;
	}
	if (err != want) {
		if (err < 0)
			printf("not ok %d %s # %s\n", n, r->name, c.why);
		else
			printf("not ok %d %s # got %s, expected %s\n", n, r->name,
			       errname(err), errname(want));
		ok = false;
	}
	if (corrupt) {
		const char *l = r->layout;

		madvise(c.base + (strspn(l, "-")) * PAGE, PAGE, MADV_DONTNEED);
	}
	if (ok && !r->after && c.npages) {
		/* Nothing changed: same VMAs, same pages. */
		maps_of(lo, hi, maps_after, sizeof(maps_after));
		if (strcmp(c.maps_before, maps_after)) {
			printf("not ok %d %s # the VMAs changed\n", n, r->name);
			printf("# before:\n%s# after:\n%s", c.maps_before, maps_after);
			ok = false;
		} else if (!check_pages(&c, r->layout)) {
			printf("not ok %d %s # %s\n", n, r->name, c.why);
			ok = false;
		}
	}
	if (ok && r->after && c.npages && !check_pages(&c, r->after)) {
		printf("not ok %d %s # %s\n", n, r->name, c.why);
		ok = false;
	}
	if (ok && r->check && !r->check(&c)) {
		printf("not ok %d %s # %s\n", n, r->name, c.why);
		ok = false;
	}
	if (verbose) {
		maps_of(lo, hi, maps_after, sizeof(maps_after));
		printf("# maps after:\n%s", maps_after);
	}
	if (ok)
		printf("ok %d %s # %s\n", n, r->name, errname(want));
	fflush(stdout);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	unsigned int i, n = ARRAY_SIZE(rows);
	int opt, wrong_row = 0, corrupt_row = 0;

	while ((opt = getopt(argc, argv, "avlx:c:")) != -1) {
		switch (opt) {
		case 'a':
			file_guards = false;
			break;
		case 'v':
			verbose = true;
			break;
		case 'l':
			for (i = 0; i < n; i++)
				printf("%u %s\n", i + 1, rows[i].name);
			return 0;
		case 'x':
			wrong_row = atoi(optarg);
			break;
		case 'c':
			corrupt_row = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: %s [-a] [-v] [-l] [-x ROW] [-c ROW]\n", argv[0]);
			return 2;
		}
	}
	probe_init();
	tap_plan(n);
	printf("# %u rows; expectations of %s\n", n, file_guards ?
	       "6.15 (file-backed guards)" : "6.13 (anonymous only, -a)");
	for (i = 0; i < n; i++) {
		int status;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (!pid) {
			int rc = run_row(i + 1, &rows[i], wrong_row == (int)i + 1,
					 corrupt_row == (int)i + 1);

			fflush(stdout);
			_exit(rc);
		}
		waitpid(pid, &status, 0);
		tap_n++;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			tap_pass++;
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == 4) {
			tap_skip++;
		} else {
			tap_fail++;
			if (!WIFEXITED(status))
				printf("not ok %u %s # the row's process died (status %#x)\n",
				       i + 1, rows[i].name, status);
		}
	}
	printf("# %u bad or borderline inputs tried, %u passed, %u failed, %u skipped\n",
	       n, tap_pass, tap_fail, tap_skip);
	tap_finish();
	return 0;
}
