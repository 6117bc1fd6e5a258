// SPDX-License-Identifier: GPL-2.0
/*
 * guard-failnth: allocation failure inside MADV_GUARD_INSTALL.
 *
 * With the kernel's fault injection (CONFIG_FAULT_INJECTION, FAILSLAB,
 * FAIL_PAGE_ALLOC, debugfs) set so that every slab and page allocation is a
 * candidate (ignore-gfp-wait=N, min-order=0) and nothing fails by chance
 * (probability 0), the per-thread /proc/thread-self/fail-nth file fails
 * exactly the n-th allocation of the next system call.  For n = 1, 2, ...
 * until the call goes through with no failure injected, each variant below
 * maps a fresh range that needs page tables at every level (it straddles a
 * 512 GiB boundary: a PGD entry with nothing below it yet, so a PUD, a PMD
 * and a PTE table on each side, and a VMA with no anon_vma yet) and:
 *  - arms fail-nth and installs guards over it: the call either succeeds or
 *    fails with ENOMEM, nothing else;
 *  - checks every page: a guard, or what it held before (zero, or its
 *    stamp), never anything else; pages outside the call keep their data;
 *    after a success every page of the range is a guard;
 *  - installs again without injection (must succeed: all guards), removes
 *    the guards (all zero, data outside intact), writes every page and
 *    reads it back;
 *  - unmaps the range: VmPTE (this process's page tables) is back to its
 *    value before the mapping.
 * After each variant, PageTables (/proc/meminfo: every page table page in
 * the system, so also one that was unaccounted from VmPTE but not freed)
 * must be no higher than before it.
 * At the end, if kmemleak is there, a scan must report nothing.
 *
 * Variants: "fresh" (nothing populated: anon_vma, anon_vma_chain and both
 * sides' tables are allocated inside the call), "half" (the lower half
 * populated first: the call zaps part of it and allocates the upper
 * side's tables), "pmadv" (like fresh, through process_madvise() with two
 * ranges: also the iovec import; a partial success returns the bytes done),
 * "memfd" (a MAP_SHARED mapping of a memfd, like fresh: nothing mapped,
 * but every page of the file holds its stamp, written with pwrite(): a
 * page that is not a guard reads its stamp, never zero, after every
 * result; the guards hide the data and never change it: after removing
 * them every page reads its stamp again, and pread() finds the file as it
 * was after every call).
 *
 *   guard-failnth [-m MAX_N] [-k] [-r] [-K] [-x] [-X] [-c] [-d] [-o VARIANT] [-v] [-P]
 *	-m	give up (and fail) after MAX_N points per variant (default 400)
 *	-k	skip the kmemleak scan
 *	-r	require fault injection: fail instead of skipping
 *	-K	require kmemleak: fail instead of skipping its scan
 *	-x	expect one page table page more than the baseline in VmPTE
 *		after munmap (the leak check must then fail: shows that it can)
 *	-X	the same with PageTables after a variant
 *	-c	change a word of the memfd with pwrite() behind the
 *		program's back after the first injected call (the checks of
 *		the memfd variant must then fail)
 *	-d	dry run, where there is no fault injection: every variant
 *		once, uninjected, with all its checks (no ENOMEM required)
 *	-o	only this variant (the others pass as skipped)
 *	-v	print every try: n, result, VmPTE and PageTables
 *	-P	a lasting rise of PageTables - VmPTE fails (else it is only
 *		printed: on the debug kernel, kernel page tables (vmalloc,
 *		KASAN shadow) move it by 24-28 kB now and then)
 *
 * Needs root, debugfs and a kernel with the options above; skips (exit 4)
 * without them, unless -r.
 */
#include "guard_util.h"

#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define FPA		"/sys/kernel/debug/fail_page_alloc/"
#define FSL		"/sys/kernel/debug/failslab/"
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"

#define SIDE		8			/* pages on each side */
#define NPAGES		(2 * SIDE)
#define BOUNDARY	0x308000000000UL	/* 512 GiB aligned, 48.5 TiB */

static struct knob {
	const char *path, *val;
	char saved[64];
	bool set;
} knobs[] = {
	{ .path = FPA "ignore-gfp-wait", .val = "N" },
	{ .path = FPA "ignore-gfp-highmem", .val = "N" },
	{ .path = FPA "min-order", .val = "0" },
	{ .path = FPA "probability", .val = "0" },
	{ .path = FPA "verbose", .val = "0" },
	{ .path = FSL "ignore-gfp-wait", .val = "N" },
	{ .path = FSL "probability", .val = "0" },
	{ .path = FSL "verbose", .val = "0" },
};

static bool leak_on_purpose, leak_global, verbose, pt_fatal, corrupt, dry;
static char why[512];
static int pidfd = -1;
static int memfd = -1;
static bool cur_shared;		/* the memfd variant is running */
static const char *only;	/* -o */

static bool read_file(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return false;
	r = read(fd, buf, n - 1);
	close(fd);
	if (r < 0)
		return false;
	buf[r] = 0;
	return true;
}

static bool write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t r;
	int e;

	if (fd < 0)
		return false;
	r = write(fd, val, strlen(val));
	e = r < 0 ? errno : EIO;	/* a short write has no errno */
	close(fd);
	if (r != (ssize_t)strlen(val)) {
		errno = e;
		return false;
	}
	return true;
}

static void restore_knobs(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(knobs); i++)
		if (knobs[i].set)
			write_file(knobs[i].path, knobs[i].saved);
}

static char *base(void)
{
	return (char *)(BOUNDARY - SIDE * PAGE);
}

static char *pg(int i)
{
	return base() + i * PAGE;
}

/* Pages [0, lo) are outside the call and hold stamps of generation 1. */
static bool check_range(int lo, bool all_guards, bool stamped_inside)
{
	uint64_t buf[WORDS];
	unsigned long gen, bad;
	int i;

	for (i = 0; i < NPAGES; i++) {
		enum page_seen s;
		int sig = probe_copy(pg(i), buf);

		if (sig) {
			if (i < lo || probe_code != SEGV_MAPERR) {
				snprintf(why, sizeof(why), "page %d faults (code %d)%s",
					 i, probe_code, i < lo ? " outside the call" : "");
				return false;
			}
			continue;
		}
		if (i >= lo && all_guards) {
			snprintf(why, sizeof(why), "page %d: not a guard after success", i);
			return false;
		}
		s = classify_page(buf, (unsigned long)pg(i), &gen, &bad);
		if (i < lo && (s != SEEN_STAMP || gen != 1)) {
			snprintf(why, sizeof(why), "page %d outside the call lost its data", i);
			return false;
		}
		/* A shared page reads its file's stamp, never zero. */
		if (s == SEEN_ZERO && (i >= lo) && !cur_shared)
			continue;
		if (s == SEEN_STAMP && gen == 1 && (i < lo || stamped_inside))
			continue;
		snprintf(why, sizeof(why), "page %d: inconsistent content (%s)", i,
			 s == SEEN_TORN ? "torn" : s == SEEN_FOREIGN ? "foreign" : "unexpected");
		return false;
	}
	return true;
}

/*
 * PageTables counts every process's tables, and the guest's other processes
 * (the shell running the tests, the timeout command) allocate and free some
 * now and then (372 -> 448 -> 364 kB moves seen on the debug kernel).  And
 * the total is late: each CPU keeps its own difference of the count until
 * vmstat folds it in, a stat_interval or more later, so a baseline taken
 * right after the previous test can be low and stay so for half a second
 * (a failure on arm64 right after boot fits that: 8 kB before a variant,
 * less than the shell's and timeout's own tables, then 64 kB for the 20 s
 * after it).  So fold them
 * first, through /proc/sys/vm/stat_refresh (root only), and then wait for
 * the value to hold still (the same for half a second, at most 10 s).
 */
static long others_pagetables(void)
{
	/* Where it cannot be written, the wait below must do. */
	write_file("/proc/sys/vm/stat_refresh", "1");
	/* Our own tables (stack, binary, libc) may grow meanwhile: not those. */
	return proc_kb("/proc/meminfo", "PageTables") -
	       proc_kb("/proc/self/status", "VmPTE");
}

static long stable_pagetables(void)
{
	long v = others_pagetables(), w;
	int same = 0, i;

	for (i = 0; i < 100 && same < 5; i++) {
		usleep(100000);
		w = others_pagetables();
		same = w == v ? same + 1 : 0;
		v = w;
	}
	return v;
}

/* The memfd's content: every page its stamp, whatever the calls did. */
static bool check_memfd(void)
{
	uint64_t buf[WORDS];
	unsigned long gen, bad;
	int i;

	for (i = 0; i < NPAGES; i++) {
		if (pread(memfd, buf, PAGE, (off_t)i * PAGE) != (ssize_t)PAGE ||
		    classify_page(buf, (unsigned long)pg(i), &gen, &bad) != SEEN_STAMP ||
		    gen != 1) {
			snprintf(why, sizeof(why), "memfd page %d changed (read with pread())", i);
			return false;
		}
	}
	return true;
}

enum variant { V_FRESH, V_HALF, V_PMADV, V_MEMFD, NR_VARIANTS };
static const char *const vname[] = { "fresh", "half", "pmadv", "memfd" };

static long do_install(enum variant v, int lo, int *err)
{
	long ret;

	if (v == V_PMADV) {
		struct iovec iov[2] = {
			{ pg(lo), (SIDE - lo) * PAGE },
			{ pg(SIDE), SIDE * PAGE },
		};

		ret = sys_process_madvise(pidfd, iov, 2, MADV_GUARD_INSTALL, 0);
		*err = ret < 0 ? errno : 0;
		return ret;
	}
	ret = madvise(pg(lo), (NPAGES - lo) * PAGE, MADV_GUARD_INSTALL);
	*err = ret < 0 ? errno : 0;
	return ret;
}

struct stats {
	int points;		/* failures injected */
	int enomem;		/* calls that returned ENOMEM */
	int recovered;		/* injected, and the call still succeeded */
	int partial;		/* process_madvise() did part of the ranges */
	int tries;
};

/* One n; returns 1 if done (no failure injected), 0 to go on, -1 failure. */
static int one_try(enum variant v, int n, int fnfd, struct stats *st)
{
	int lo = v == V_HALF ? SIDE - 2 : 0, i, err, len;
	long vmpte0, pt0, vmpte1, pt1, ret, full;
	bool injected;
	char buf[32];
	void *p;

	vmpte0 = proc_kb("/proc/self/status", "VmPTE");
	pt0 = proc_kb("/proc/meminfo", "PageTables");
	cur_shared = v == V_MEMFD;
	if (cur_shared)
		p = mmap(base(), NPAGES * PAGE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED_NOREPLACE, memfd, 0);
	else
		p = mmap(base(), NPAGES * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != base()) {
		snprintf(why, sizeof(why), "mmap at %p: %s", base(), errname(errno));
		return -1;
	}
	if (v == V_HALF)
		for (i = 0; i < SIDE; i++)
			stamp_page((uint64_t *)pg(i), (unsigned long)pg(i), 1);

	/* Nothing allocates between arming fail-nth and the call. */
	len = snprintf(buf, sizeof(buf), "%d", n);
	if (!dry && write(fnfd, buf, len) != len) {
		snprintf(why, sizeof(why), "arming fail-nth: %s", errname(errno));
		return -1;
	}
	ret = do_install(v, lo, &err);
	memset(buf, 0, sizeof(buf));
	if (!dry && (pread(fnfd, buf, sizeof(buf) - 1, 0) <= 0 ||
		     write(fnfd, "0", 1) != 1)) {
		snprintf(why, sizeof(why), "reading fail-nth: %s", errname(errno));
		return -1;
	}
	injected = !dry && strtol(buf, NULL, 10) == 0;
	/* -c: the memfd changes behind our back, once. */
	if (corrupt && cur_shared && (injected || dry)) {
		uint64_t w;

		if (pread(memfd, &w, 8, 7 * 8) == 8) {
			w ^= 1ULL << 44;
			if (pwrite(memfd, &w, 8, 7 * 8) == 8)
				corrupt = false;
		}
		if (verbose)
			printf("#   memfd n=%d: changed word 7 of page 0 with pwrite()\n", n);
	}
	st->tries++;
	st->points += injected;
	full = v == V_PMADV ? (NPAGES - lo) * (long)PAGE : 0;

	if (ret < 0 && err != ENOMEM) {
		snprintf(why, sizeof(why), "n=%d: MADV_GUARD_INSTALL failed with %s (only ENOMEM may)",
			 n, errname(err));
		return -1;
	}
	if (ret < 0 && !injected) {
		snprintf(why, sizeof(why), "n=%d: ENOMEM with no failure injected", n);
		return -1;
	}
	if (ret >= 0 && ret != full) {
		if (v != V_PMADV || ret != (SIDE - lo) * (long)PAGE) {
			snprintf(why, sizeof(why), "n=%d: returned %ld", n, ret);
			return -1;
		}
		st->partial++;
	}
	if (ret < 0)
		st->enomem++;
	else if (injected && ret == full)
		st->recovered++;
	if (!check_range(lo, ret == full, v == V_HALF || cur_shared) ||
	    (cur_shared && !check_memfd())) {
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
			 " (n=%d, call returned %ld)", n, ret);
		return -1;
	}
	/* Without injection it goes through, and the range still works. */
	if (madvise(pg(lo), (NPAGES - lo) * PAGE, MADV_GUARD_INSTALL)) {
		snprintf(why, sizeof(why), "n=%d: install again: %s", n, errname(errno));
		return -1;
	}
	if (!check_range(lo, true, false)) {
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
			 " (n=%d, after installing again)", n);
		return -1;
	}
	if (madvise(pg(lo), (NPAGES - lo) * PAGE, MADV_GUARD_REMOVE)) {
		snprintf(why, sizeof(why), "n=%d: remove: %s", n, errname(errno));
		return -1;
	}
	/* The guards hid the memfd's data and left it as it was. */
	if (cur_shared && (!check_range(NPAGES, false, true) || !check_memfd())) {
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
			 " (n=%d, after removing the guards)", n);
		return -1;
	}
	for (i = lo; i < NPAGES; i++) {
		if (probe_stamp(pg(i), (unsigned long)pg(i), 1)) {
			snprintf(why, sizeof(why), "n=%d: page %d faults after remove", n, i);
			return -1;
		}
	}
	if (!check_range(NPAGES, false, true)) {
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
			 " (n=%d, after writing every page)", n);
		return -1;
	}
	if (munmap(base(), NPAGES * PAGE)) {
		snprintf(why, sizeof(why), "munmap: %s", errname(errno));
		return -1;
	}
	vmpte1 = proc_kb("/proc/self/status", "VmPTE");
	pt1 = proc_kb("/proc/meminfo", "PageTables");
	if (verbose)
		printf("#   %s n=%d: %s%s, VmPTE %ld -> %ld kB, PageTables %ld -> %ld kB\n",
		       vname[v], n, ret < 0 ? errname(err) : "ok",
		       injected ? " (injected)" : "", vmpte0, vmpte1, pt0, pt1);
	if (leak_on_purpose)
		vmpte0 += 4;
	if (vmpte1 != vmpte0) {
		snprintf(why, sizeof(why), "n=%d: VmPTE %ld kB after munmap, %ld kB before",
			 n, vmpte1, vmpte0);
		return -1;
	}
	return injected ? 0 : 1;
}

/*
 * Scan, and read what kmemleak reports into out: 0, or the errno of the
 * failed step.  EPERM from the write: kmemleak is built in but off (booted
 * with kmemleak=off, or it turned itself off after an error of its own).
 */
static int kmemleak_scan(char *out, size_t n)
{
	/* Objects younger than 5 s are never reported. */
	sleep(6);
	errno = 0;
	if (!write_file(KMEMLEAK, "scan") || !write_file(KMEMLEAK, "scan"))
		return errno ? errno : EIO;
	return read_file(KMEMLEAK, out, n) ? 0 : errno ? errno : EIO;
}

int main(int argc, char **argv)
{
	static char leaks[65536];
	int opt, max_n = 400, fnfd, v, n, r, total_points = 0;
	bool kmemleak = true, require = false, require_leak = false, ok;
	unsigned int i;
	double t0 = now_sec();

	while ((opt = getopt(argc, argv, "m:krKxXcdo:vP")) != -1) {
		switch (opt) {
		case 'm': max_n = atoi(optarg); break;
		case 'k': kmemleak = false; break;
		case 'r': require = true; break;
		case 'K': require_leak = true; break;
		case 'x': leak_on_purpose = true; break;
		case 'X': leak_global = true; pt_fatal = true; break;
		case 'P': pt_fatal = true; break;
		case 'c': corrupt = true; break;
		case 'o': only = optarg; break;
		case 'd': dry = true; kmemleak = false; break;
		case 'v': verbose = true; break;
		default:
			fprintf(stderr, "usage: %s [-m MAX_N] [-k] [-r] [-K] [-x] [-X] [-c] [-d] [-o VARIANT] [-v] [-P]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_plan(NR_VARIANTS + 1);
	memfd = open_backing(false, "guard-failnth", NPAGES);
	for (i = 0; memfd >= 0 && i < NPAGES; i++) {
		uint64_t page[WORDS];

		stamp_page(page, (unsigned long)pg(i), 1);
		if (pwrite(memfd, page, PAGE, (off_t)i * PAGE) != (ssize_t)PAGE)
			break;
	}
	if (memfd < 0 || (int)i != NPAGES) {
		printf("# cannot set up the memfd: %s\n", errname(errno));
		return 1;
	}
	fnfd = dry ? -1 : open(FAIL_NTH, O_RDWR);
	if (!dry && (fnfd < 0 || access(FPA "min-order", W_OK) ||
		     access(FSL "probability", W_OK))) {
		for (v = 0; v < NR_VARIANTS + 1; v++) {
			const char *name = v < NR_VARIANTS ? vname[v] : "kmemleak";

			if (require)
				tap_result(false, "%s # no fault injection (%s, %s)",
					   name, FAIL_NTH, FPA);
			else
				tap_skip_result("%s # SKIP needs root, debugfs, CONFIG_FAULT_INJECTION, FAIL_PAGE_ALLOC, FAILSLAB",
						name);
		}
		if (require)
			tap_finish();
		printf("# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:%d error:0\n",
		       NR_VARIANTS + 1);
		return 4;
	}
	for (i = 0; i < ARRAY_SIZE(knobs) && !dry; i++) {
		if (!read_file(knobs[i].path, knobs[i].saved, sizeof(knobs[i].saved)))
			continue;
		knobs[i].set = write_file(knobs[i].path, knobs[i].val);
		if (!knobs[i].set) {
			printf("# cannot set %s\n", knobs[i].path);
			restore_knobs();
			return 1;
		}
	}
	if (kmemleak && access(KMEMLEAK, W_OK)) {
		printf("# no kmemleak (%s)\n", KMEMLEAK);
		kmemleak = false;
		if (require_leak) {
			restore_knobs();
			tap_result(false, "kmemleak # %s missing: CONFIG_DEBUG_KMEMLEAK", KMEMLEAK);
			tap_finish();
		}
	}
	probe_init();
	pidfd = sys_pidfd_open(getpid());

	for (v = 0; v < NR_VARIANTS; v++) {
		struct stats st = { 0 };
		long pt0, pt1 = 0;

		if (only && strcmp(only, vname[v])) {
			tap_skip_result("%s # SKIP -o %s", vname[v], only);
			continue;
		}
		pt0 = stable_pagetables();

		r = 0;
		for (n = 1; n <= max_n; n++) {
			r = one_try(v, n, fnfd, &st);
			if (r)
				break;
		}
		if (r == 1) {
			/*
			 * A table allocated but never linked in would be in
			 * PageTables and never in VmPTE.  Others' tables come
			 * and go (+24 kB for more than half a second seen):
			 * only a rise that lasts 20 s fails.
			 */
			if (leak_global)
				pt0 -= 4;
			pt1 = stable_pagetables();
			for (i = 0; i < 40 && pt1 > pt0; i++)
				pt1 = stable_pagetables();
		}
		if (r == 1 && pt1 > pt0 && !pt_fatal)
			printf("# %s: PageTables - VmPTE %ld kB after, %ld kB before (not ours: VmPTE was exact)\n",
			       vname[v], pt1, pt0);
		ok = r == 1 && (st.enomem > 0 || dry) && (pt1 <= pt0 || !pt_fatal);
		if (r == 0)
			snprintf(why, sizeof(why), "still injecting after %d points", max_n);
		else if (r == 1 && !st.enomem && !dry)
			snprintf(why, sizeof(why), "no injected failure made the call fail");
		else if (r == 1 && pt1 > pt0 && pt_fatal)
			snprintf(why, sizeof(why), "PageTables - VmPTE %ld kB after, %ld kB before",
				 pt1, pt0);
		total_points += st.points;
		if (dry)
			tap_result(ok, "%s: dry run (no fault injection): the uninjected call and every check%s%s",
				   vname[v], ok ? "" : " # ", ok ? "" : why);
		else
			tap_result(ok, "%s: %d allocation failure points injected: %d ENOMEM, %d recovered, %d partial; then success with none%s%s",
				   vname[v], st.points, st.enomem, st.recovered, st.partial,
				   ok ? "" : " # ", ok ? "" : why);
		munmap(base(), NPAGES * PAGE);
	}
	restore_knobs();
	if (fnfd >= 0)
		close(fnfd);

	if (kmemleak) {
		double t = now_sec();
		int err = kmemleak_scan(leaks, sizeof(leaks));

		if (err == EPERM && !require_leak) {
			/* Not a leak, and not a scan either: say which. */
			tap_skip_result("kmemleak # SKIP off (kmemleak=off, or stopped after an error)");
		} else {
			ok = !err;
			if (err)
				printf("# kmemleak scan failed: %s\n", strerror(err));
			if (ok && leaks[0]) {
				char *l, *save;
				int shown = 0;

				for (l = strtok_r(leaks, "\n", &save); l && shown < 40;
				     l = strtok_r(NULL, "\n", &save), shown++)
					printf("#   %s\n", l);
				ok = false;
			}
			tap_result(ok, "kmemleak: %s (scan %.0f s)",
				   ok ? "no leak reported" :
				   err ? "no scan" : "leaks reported",
				   now_sec() - t);
		}
	} else {
		tap_skip_result("kmemleak # SKIP not available or -k");
	}
	printf("# %d allocation failure points injected in %.0f s\n", total_points,
	       now_sec() - t0);
	tap_finish();
	return 0;
}
