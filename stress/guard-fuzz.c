// SPDX-License-Identifier: GPL-2.0
/*
 * guard-fuzz: a seeded random sequence of mmap(MAP_FIXED[_NOREPLACE]),
 * munmap(), mremap() (moves), mprotect(), mlock()/munlock(), madvise()
 * (MADV_GUARD_INSTALL/REMOVE, DONTNEED, FREE, COLD, PAGEOUT, POPULATE_READ/
 * WRITE, WIPEONFORK/KEEPONFORK), fork() and reads and writes, over an
 * arena of ARENA pages at a fixed address, checked call by call against a
 * model of every page (mapped or not, guard, data and generation, home,
 * protection, mlock()ed, wipe-on-fork): the return value and errno of every
 * call, and after every call the content or fault of every page it touched
 * (and every FULL_EVERY operations, of the whole arena).
 *
 * The same seed gives the same sequence, so a failure replays:
 *
 *   guard-fuzz [-s SEED[,SEED...]] [-n OPS] [-v] [-x N]
 *	-s	seeds (default 1,2,3,4)
 *	-n	operations per seed (default 2000)
 *	-v	print every operation
 *	-x N	at operation N, change a word of a page behind the model's
 *		back and check the arena (the check must then fail: shows that
 *		it can)
 *
 * One TAP line per seed; a failure prints the seed, the operation number
 * and the last operations.
 */
#include <sys/wait.h>
#include "guard_model.h"

#define ARENA		96
#define MAXRANGE	24
#define FULL_EVERY	50
#define ARENA_ADDR	0x100000000000UL	/* 16 TiB, far from the rest */

struct fpage {
	struct mpage m;
	bool mapped;
	bool locked;
	bool wipe;
	unsigned long home;	/* where its stamps say it lives */
};

static struct fpage model[ARENA];
static char *arena = (char *)ARENA_ADDR;
static bool verbose;
static bool multi_vma_mremap;
static long corrupt_at = -1;
static char why[512];
static char hist[16][160];
static unsigned long nops;

#define addr_of(i)	(arena + (unsigned long)(i) * PAGE)

static void __attribute__((format(printf, 1, 2))) logop(const char *fmt, ...)
{
	va_list ap;
	char *h = hist[nops % 16];

	va_start(ap, fmt);
	vsnprintf(h, sizeof(hist[0]), fmt, ap);
	va_end(ap);
	if (verbose)
		printf("#   %lu: %s\n", nops, h);
}

static bool check_one(int i, bool gup)
{
	struct fpage *f = &model[i];
	char w[256];

	if (!f->mapped) {
		if (probe_read(addr_of(i)) != SIGSEGV || probe_code != SEGV_MAPERR) {
			snprintf(why, sizeof(why), "page %d: not mapped but readable", i);
			return false;
		}
		return true;
	}
	if (!check_page(addr_of(i), f->home, &f->m, gup, w, sizeof(w))) {
		snprintf(why, sizeof(why), "page %d: %s", i, w);
		return false;
	}
	return true;
}

static bool check_range(int a, int b, uint64_t *rs)
{
	int i;

	for (i = a; i < b; i++)
		if (!check_one(i, rnd_below(rs, 8) == 0))
			return false;
	return true;
}

/* VMA boundaries inside the arena, from /proc/self/maps. */
static int vmas_in(int a, int b)
{
	char line[512];
	int n = 0;
	unsigned long lo = (unsigned long)addr_of(a), hi = (unsigned long)addr_of(b);
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && e > lo && s < hi)
			n++;
	}
	if (f)
		fclose(f);
	return n;
}

static bool all_mapped(int a, int b)
{
	int i;

	for (i = a; i < b; i++)
		if (!model[i].mapped)
			return false;
	return true;
}

static bool none_mapped(int a, int b)
{
	int i;

	for (i = a; i < b; i++)
		if (model[i].mapped)
			return false;
	return true;
}

static bool expect_ret(const char *what, long ret, int want)
{
	int got = ret == -1 ? errno : 0;

	if (got == want)
		return true;
	snprintf(why, sizeof(why), "%s: got %s, expected %s", what,
		 errname(got), errname(want));
	return false;
}

static void set_empty(int i)
{
	model[i].mapped = true;
	model[i].m.state = M_EMPTY;
	model[i].m.prot = M_RW;
	model[i].m.gen = 0;
	model[i].locked = false;
	model[i].wipe = false;
	model[i].home = (unsigned long)addr_of(i);
}

/*
 * madvise() over [a, b) that applies @fn to each mapped page in order; a
 * hole gives ENOMEM at the end, a page @fn refuses (returns an errno) stops
 * the walk there with that errno.
 */
static int walk_model(int a, int b, int (*fn)(struct fpage *f))
{
	int i, err = 0, e;

	for (i = a; i < b; i++) {
		if (!model[i].mapped) {
			err = ENOMEM;
			continue;
		}
		e = fn(&model[i]);
		if (e)
			return e;
	}
	return err;
}

static int m_install(struct fpage *f)
{
	if (f->locked)
		return EINVAL;
	f->m.state = M_GUARD;
	return 0;
}

static int m_remove(struct fpage *f)
{
	if (f->m.state == M_GUARD)
		f->m.state = M_EMPTY;
	return 0;
}

static int m_dontneed(struct fpage *f)
{
	if (f->locked)
		return EINVAL;
	if (f->m.state != M_GUARD)
		f->m.state = M_EMPTY;
	return 0;
}

static int m_free(struct fpage *f)
{
	if (f->locked)
		return EINVAL;
	if (f->m.state == M_DATA)
		f->m.state = M_FREED;
	return 0;
}

static int m_cold(struct fpage *f)
{
	return f->locked ? EINVAL : 0;
}

static int m_wipe(struct fpage *f)
{
	f->wipe = true;
	return 0;
}

static int m_keep(struct fpage *f)
{
	f->wipe = false;
	return 0;
}

/*
 * Locked pages refuse DONTNEED and FREE: the walk stops with EINVAL, but
 * madvise() checks the VMAs one by one, so the pages before the first
 * locked one are done.
 */
static bool do_madvise(int a, int b, int advice, const char *name,
		       int (*fn)(struct fpage *f))
{
	int want;
	long ret;

	logop("madvise([%d, %d), %s)", a, b, name);
	want = walk_model(a, b, fn);
	ret = madvise(addr_of(a), (b - a) * PAGE, advice);
	return expect_ret(name, ret, want);
}

static int fork_check(void)
{
	int i;

	for (i = 0; i < ARENA; i++) {
		struct fpage f = model[i];

		if (f.mapped && f.wipe && f.m.prot != M_NONE)
			f.m.state = M_EMPTY;
		model[i] = f;
		model[i].locked = false;	/* mlock() is not inherited */
		if (!check_one(i, i % 3 == 0))
			return 1;
		if (f.mapped && !write_page(addr_of(i), f.home, &model[i].m,
					    why, sizeof(why)))
			return 1;
	}
	return 0;
}

static bool one_op(uint64_t *rs)
{
	int a = rnd_below(rs, ARENA);
	int b = a + 1 + rnd_below(rs, (ARENA - a < MAXRANGE ? ARENA - a : MAXRANGE));
	unsigned long len = (b - a) * PAGE;
	int op = rnd_below(rs, 22), i, want;
	long ret;
	void *p;

	switch (op) {
	case 0: case 1: case 2:
		logop("write [%d, %d)", a, b);
		for (i = a; i < b; i++) {
			if (!model[i].mapped)
				continue;
			if (!write_page(addr_of(i), model[i].home, &model[i].m,
					why, sizeof(why)))
				return false;
		}
		return true;
	case 3: case 4:
		logop("check [%d, %d)", a, b);
		return check_range(a, b, rs);
	case 5: case 6:
		if (!do_madvise(a, b, MADV_GUARD_INSTALL, "MADV_GUARD_INSTALL", m_install))
			return false;
		break;
	case 7: case 8:
		if (!do_madvise(a, b, MADV_GUARD_REMOVE, "MADV_GUARD_REMOVE", m_remove))
			return false;
		break;
	case 9:
		if (!do_madvise(a, b, MADV_DONTNEED, "MADV_DONTNEED", m_dontneed))
			return false;
		break;
	case 10:
		if (!do_madvise(a, b, MADV_FREE, "MADV_FREE", m_free))
			return false;
		break;
	case 11:
		if (!do_madvise(a, b, rnd_below(rs, 2) ? MADV_COLD : MADV_PAGEOUT,
				"MADV_COLD/PAGEOUT", m_cold))
			return false;
		break;
	case 12: {
		bool wipe = rnd_below(rs, 2);

		if (!do_madvise(a, b, wipe ? MADV_WIPEONFORK : MADV_KEEPONFORK,
				wipe ? "MADV_WIPEONFORK" : "MADV_KEEPONFORK",
				wipe ? m_wipe : m_keep))
			return false;
		break;
	}
	case 13: {
		bool w = rnd_below(rs, 2);

		if (!all_mapped(a, b))
			return true;
		logop("madvise([%d, %d), MADV_POPULATE_%s)", a, b, w ? "WRITE" : "READ");
		for (i = a, want = 0; i < b && !want; i++)
			want = populate_errno(&model[i].m, 1, w);
		ret = madvise(addr_of(a), len, w ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
		if (!expect_ret("MADV_POPULATE", ret, want))
			return false;
		break;
	}
	case 14: {
		int prot = rnd_below(rs, 3);

		logop("mprotect([%d, %d), %s)", a, b, mprot_name[prot]);
		/* Applied up to the first hole, which gives ENOMEM. */
		want = model[a].mapped ? 0 : ENOMEM;
		for (i = a; i < b && !want; i++) {
			if (!model[i].mapped) {
				want = ENOMEM;
				break;
			}
		}
		ret = mprotect(addr_of(a), len, mprot_bits(prot));
		if (!expect_ret("mprotect", ret, want))
			return false;
		for (i = a; i < b && model[i].mapped; i++)
			model[i].m.prot = prot;
		break;
	}
	case 15: case 16: {
		bool noreplace = rnd_below(rs, 2);

		logop("mmap([%d, %d), %s)", a, b, noreplace ? "MAP_FIXED_NOREPLACE" : "MAP_FIXED");
		want = (noreplace && !none_mapped(a, b)) ? EEXIST : 0;
		p = mmap(addr_of(a), len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS |
			 (noreplace ? MAP_FIXED_NOREPLACE : MAP_FIXED), -1, 0);
		if (!expect_ret("mmap", p == MAP_FAILED ? -1 : 0, want))
			return false;
		if (p != MAP_FAILED && p != addr_of(a)) {
			snprintf(why, sizeof(why), "mmap returned %p", p);
			return false;
		}
		if (!want)
			for (i = a; i < b; i++)
				set_empty(i);
		break;
	}
	case 17:
		logop("munmap([%d, %d))", a, b);
		ret = munmap(addr_of(a), len);
		if (!expect_ret("munmap", ret, 0))
			return false;
		for (i = a; i < b; i++)
			model[i].mapped = false;
		break;
	case 18: {
		/* Move a mapped range to an unmapped one. */
		int n = b - a, d = rnd_below(rs, ARENA - n + 1), vmas;
		struct fpage tmp[MAXRANGE];

		if (!all_mapped(a, b) || !none_mapped(d, d + n) ||
		    (d < b && d + n > a))
			return true;
		vmas = vmas_in(a, b);
		logop("mremap([%d, %d) -> %d), %d VMAs", a, b, d, vmas);
		want = (vmas == 1 || multi_vma_mremap) ? 0 : EFAULT;
		p = mremap(addr_of(a), len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
			   addr_of(d));
		if (!expect_ret("mremap", p == MAP_FAILED ? -1 : 0, want))
			return false;
		if (!want) {
			memcpy(tmp, &model[a], n * sizeof(tmp[0]));
			for (i = a; i < b; i++)
				model[i].mapped = false;
			memcpy(&model[d], tmp, n * sizeof(tmp[0]));
			a = d;
			b = d + n;
		}
		break;
	}
	case 19: {
		bool lock = rnd_below(rs, 2);

		if (!all_mapped(a, b))
			return true;
		if (lock) {
			/* Only where every page can be faulted in. */
			for (i = a; i < b; i++)
				if (model[i].m.state == M_GUARD ||
				    model[i].m.prot == M_NONE)
					return true;
		}
		logop("%s([%d, %d))", lock ? "mlock" : "munlock", a, b);
		ret = lock ? mlock(addr_of(a), len) : munlock(addr_of(a), len);
		if (!expect_ret(lock ? "mlock" : "munlock", ret, 0))
			return false;
		for (i = a; i < b; i++)
			model[i].locked = lock;
		break;
	}
	case 20: {
		int status;
		pid_t pid;

		if (rnd_below(rs, 4))
			return true;
		logop("fork");
		fflush(stdout);
		pid = fork();
		if (!pid) {
			if (fork_check()) {
				printf("#   fork child: %s\n", why);
				fflush(stdout);
				_exit(1);
			}
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || status) {
			snprintf(why, sizeof(why), "fork child failed (status %#x)", status);
			return false;
		}
		return check_range(0, ARENA, rs);
	}
	case 21:
		/* Reads through process_vm_readv() of a whole range. */
		logop("gup check [%d, %d)", a, b);
		for (i = a; i < b; i++)
			if (!check_one(i, true))
				return false;
		return true;
	}
	return check_range(a, b, rs);
}

static bool run_seed(uint64_t seed, unsigned long n)
{
	uint64_t rs = rnd_seed(seed);
	void *p;
	int i;

	munmap(arena, ARENA * PAGE);
	p = mmap(arena, ARENA * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != arena) {
		snprintf(why, sizeof(why), "cannot map the arena at %p: %s",
			 arena, errname(errno));
		return false;
	}
	for (i = 0; i < ARENA; i++)
		set_empty(i);
	for (nops = 0; nops < n; nops++) {
		if ((long)nops == corrupt_at) {
			for (i = 0; i < ARENA; i++) {
				if (model[i].mapped && model[i].m.prot != M_NONE &&
				    model[i].m.state == M_DATA) {
					((uint64_t *)addr_of(i))[3] ^= 1;
					break;
				}
			}
			logop("corrupted page %d, full check", i);
			if (!check_range(0, ARENA, &rs))
				return false;
		}
		if (!one_op(&rs))
			return false;
		if (nops % FULL_EVERY == FULL_EVERY - 1 && !check_range(0, ARENA, &rs)) {
			logop("full check");
			return false;
		}
	}
	munlock(arena, ARENA * PAGE);
	munmap(arena, ARENA * PAGE);
	return true;
}

int main(int argc, char **argv)
{
	char seeds_def[] = "1,2,3,4", *seeds = seeds_def, *s;
	unsigned long n = 2000, total = 0;
	double t0 = now_sec();
	int opt, count = 0;

	while ((opt = getopt(argc, argv, "s:n:vx:")) != -1) {
		switch (opt) {
		case 's': seeds = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 0); break;
		case 'v': verbose = true; break;
		case 'x': corrupt_at = atol(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-s SEED[,SEED...]] [-n OPS] [-v] [-x N]\n",
				argv[0]);
			return 2;
		}
	}
	multi_vma_mremap = kernel_at_least(6, 17);
	probe_init();
	for (s = seeds; *s; s = strchr(s, ',') ? strchr(s, ',') + 1 : s + strlen(s))
		count++;
	tap_plan(count);
	for (s = seeds; *s; s = strchr(s, ',') ? strchr(s, ',') + 1 : s + strlen(s)) {
		uint64_t seed = strtoull(s, NULL, 0);
		double t = now_sec();
		bool ok = run_seed(seed, n);
		unsigned int k;

		total += nops;
		if (!ok) {
			printf("# seed %llu failed at operation %lu: %s\n",
			       (unsigned long long)seed, nops, why);
			printf("# last operations:\n");
			for (k = nops > 15 ? nops - 15 : 0; k <= nops; k++)
				printf("#   %u: %s\n", k, hist[k % 16]);
			printf("# replay: guard-fuzz -s %llu -n %lu -v\n",
			       (unsigned long long)seed, nops + 1);
		}
		tap_result(ok, "seed %llu: %lu operations%s (%.1f s)",
			   (unsigned long long)seed, ok ? nops : nops + 1,
			   ok ? "" : ", FAILED", now_sec() - t);
	}
	printf("# %d seeds, %lu operations, %.0f operations/s\n", count, total,
	       total / (now_sec() - t0));
	tap_finish();
	return 0;
}
