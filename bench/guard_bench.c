// SPDX-License-Identifier: GPL-2.0
/*
 * guard_bench - what guard pages cost: madvise(MADV_GUARD_INSTALL) against
 * the PROT_NONE guards programs make today with mprotect() or with
 * mmap(MAP_FIXED).
 *
 * Sections (--only a,b,...):
 *   floor       what a call costs that finds nothing to do, per call: a
 *               null system call (getppid), MADV_GUARD_REMOVE on a page
 *               without a guard, mprotect() to the protection a page has,
 *               MADV_NORMAL on a page that has it: what a guard cannot
 *               cost less than;
 *   many        K single-page guards, one every STRIDE pages, in one
 *               anonymous mapping: time per guard, VMAs of the process,
 *               kernel memory per guard, the K at which a method fails;
 *   remove      removing K guards (one call per guard, and one call over
 *               the whole mapping), and munmap() of the mapping with the
 *               guards in place and after their removal;
 *   range       one guard over N unpopulated pages, and over N populated
 *               pages (zap + install): time per page, page-table memory;
 *               and over the N pages again once it was removed (for guard
 *               pages: the page tables are there, empty: range_refill);
 *   fault       touching a guard page against a PROT_NONE page (SIGSEGV
 *               delivery to a handler that siglongjmp()s out);
 *   contention  threads faulting fresh pages while another thread installs
 *               and removes a guard in a loop (mmap lock for reading), or
 *               toggles PROT_NONE with mprotect() or mmap(MAP_FIXED) (for
 *               writing): the faulting threads' throughput;
 *   fork        fork() of a process with K guards against K PROT_NONE
 *               regions.
 *
 * Every figure is the median of --reps runs.  The program prints a table
 * (one column per method, and each PROT_NONE method's ratio to the guard
 * pages' figure) and then every figure as CSV between the lines
 * "# guard_bench csv begin" and "# guard_bench csv end" (and into --csv
 * FILE).  Under QEMU without KVM absolute times mean little: compare
 * figures of one run with each other.  It refuses to run on a clock
 * coarser than a microsecond.
 *
 * On a kernel without MADV_GUARD_INSTALL it measures the PROT_NONE methods
 * only, so that two kernels' PROT_NONE figures can be compared too.
 *
 * --smoke checks the qualitative claims instead, as TAP: guards go past
 * vm.max_map_count without adding a VMA, PROT_NONE guards stop near it
 * with ENOMEM, a guard faults (also in a forked child) and a removed one
 * does not.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE	103
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

#define STRIDE		2	/* pages from one guard to the next */
#define MAX_REPS	64
#define MAX_RESULTS	1024
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum method { M_MADV, M_MPROTECT, M_MMAP, M_NONE, NR_METHODS };

static const char * const method_name[NR_METHODS] = {
	"madv", "mprotect", "mmap", "none",
};

/* Checkpoints of the many-guards sweep; 65536 and up are past max_map_count. */
static const long k_points[] = { 1, 10, 100, 1000, 10000, 30000, 65536, 131072 };
/* Range sizes in pages: 4 KiB up to 1 GiB. */
static const long n_points[] = { 1, 16, 512, 4096, 32768, 262144 };

static struct {
	int reps;
	long kmax;		/* the many-guards sweep goes up to this K */
	long range_max;		/* unpopulated ranges up to this many pages */
	long populated_max;	/* populated ranges up to this many pages */
	long fault_iters;
	double secs;		/* duration of one contention run */
	int fault_threads;	/* contention runs with 1 .. this many faulters */
	const char *only;
	const char *csv;
	bool smoke;
} opt = {
	.reps = 5,
	.kmax = 131072,
	.range_max = 262144,
	.populated_max = 65536,
	.fault_iters = 2000,
	.secs = 2.0,
	.fault_threads = 2,
};

static size_t ps;
static bool have_guard;		/* the kernel knows MADV_GUARD_INSTALL */

/* ---- results -------------------------------------------------------- */

struct result {
	const char *section;
	const char *metric;
	const char *unit;
	int method;
	long param;
	int n;
	double v[MAX_REPS];
};

static struct result results[MAX_RESULTS];
static int nr_results;

static void record(const char *section, const char *metric, int method,
		   long param, const char *unit, double v)
{
	struct result *r;
	int i;

	for (i = 0; i < nr_results; i++) {
		r = &results[i];
		if (r->method == method && r->param == param &&
		    !strcmp(r->section, section) && !strcmp(r->metric, metric))
			goto found;
	}
	if (nr_results == MAX_RESULTS) {
		fprintf(stderr, "guard_bench: too many results\n");
		exit(1);
	}
	r = &results[nr_results++];
	r->section = section;
	r->metric = metric;
	r->unit = unit;
	r->method = method;
	r->param = param;
found:
	if (r->n < MAX_REPS)
		r->v[r->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const struct result *r, double *min, double *max)
{
	double s[MAX_REPS];

	memcpy(s, r->v, r->n * sizeof(s[0]));
	qsort(s, r->n, sizeof(s[0]), cmp_double);
	if (min)
		*min = s[0];
	if (max)
		*max = s[r->n - 1];
	if (r->n % 2)
		return s[r->n / 2];
	return (s[r->n / 2 - 1] + s[r->n / 2]) / 2;
}

static const struct result *find(const char *section, const char *metric,
				 int method, long param)
{
	int i;

	for (i = 0; i < nr_results; i++) {
		const struct result *r = &results[i];

		if (r->method == method && r->param == param &&
		    !strcmp(r->section, section) && !strcmp(r->metric, metric))
			return r;
	}
	return NULL;
}

/* ---- small helpers -------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "guard_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static bool want(const char *section)
{
	const char *p = opt.only;
	size_t len = strlen(section);

	if (!p)
		return true;
	while (*p) {
		if (!strncmp(p, section, len) && (p[len] == ',' || !p[len]))
			return true;
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
	return false;
}

/* Lines of /proc/self/maps: the VMAs vm.max_map_count counts. */
static long count_vmas(void)
{
	static char buf[1 << 16];
	long n = 0;
	ssize_t r;
	int fd;

	fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		die("/proc/self/maps");
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		ssize_t i;

		for (i = 0; i < r; i++)
			n += buf[i] == '\n';
	}
	close(fd);
	return n;
}

/* "Key:   123 kB" from a /proc file, -1 if absent. */
static long proc_kib(const char *path, const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long v = -1;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/*
 * Kernel memory that VMAs (unreclaimable slab) and page tables take,
 * system-wide: the guest runs nothing else.
 */
static long kmem_kib(void)
{
	return proc_kib("/proc/meminfo", "SUnreclaim") +
	       proc_kib("/proc/meminfo", "PageTables");
}

/*
 * VMAs are freed after an RCU grace period (per-VMA locks): let those of
 * the previous run go before kmem_kib() is taken as the baseline.
 * MEMBARRIER_CMD_GLOBAL waits for a grace period; the callbacks run soon
 * after it.
 */
static void settle(void)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
	syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
	nanosleep(&ts, NULL);
}

static long read_long(const char *path)
{
	char buf[64] = "";
	long v = -1;
	FILE *f;

	f = fopen(path, "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtol(buf, NULL, 10);
		fclose(f);
	}
	return v;
}

static void read_str(const char *path, char *buf, size_t size)
{
	FILE *f;

	snprintf(buf, size, "?");
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, size, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

static char *map_anon(size_t len)
{
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static void unmap(char *p, size_t len)
{
	if (munmap(p, len))
		die("munmap");
}

/* Make [p, p + len) a guard with method m.  0 or -1 (errno). */
static int guard(int m, char *p, size_t len)
{
	switch (m) {
	case M_MADV:
		return madvise(p, len, MADV_GUARD_INSTALL);
	case M_MPROTECT:
		return mprotect(p, len, PROT_NONE);
	default:
		return mmap(p, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
			    MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0;
	}
}

/* Make [p, p + len) ordinary read-write memory again. */
static int unguard(int m, char *p, size_t len)
{
	switch (m) {
	case M_MADV:
		return madvise(p, len, MADV_GUARD_REMOVE);
	case M_MPROTECT:
		return mprotect(p, len, PROT_READ | PROT_WRITE);
	default:
		return mmap(p, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			    MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0;
	}
}

static char *guard_addr(char *base, long i)
{
	return base + i * STRIDE * ps;
}

/* Install k guards; returns how many went in (errno set when < k). */
static long install_guards(int m, char *base, long k)
{
	long i;

	for (i = 0; i < k; i++)
		if (guard(m, guard_addr(base, i), ps))
			break;
	return i;
}

/* Methods in a different order in every repetition. */
static int nth_method(int rep, int i, int nr)
{
	return (rep + i) % nr;
}

static bool method_runs(int m)
{
	return m != M_MADV || have_guard;
}

/* ---- the floor ------------------------------------------------------ */

/*
 * What a call costs that has nothing to do, for the per-guard figures to be
 * read against: a null system call, and madvise()/mprotect() on one page
 * of an anonymous mapping that leave it as it is.  Each figure is the mean
 * of FLOOR_CALLS calls, as the per-guard one at K=30000 is of 30000.
 */
#define FLOOR_CALLS	30000

enum floor_call { F_GETPPID, F_GUARD_REMOVE, F_MPROTECT, F_MADV_NORMAL, NR_FLOORS };

static const struct {
	const char *metric;
	int method;
	long param;
} floor_row[NR_FLOORS] = {
	/* syscall(), not getppid(): libc must not answer it itself */
	[F_GETPPID]	 = { "getppid_ns", M_NONE, 0 },
	/* no guard there, no page table either: mmap lock for reading */
	[F_GUARD_REMOVE] = { "noop_ns", M_MADV, 1 },
	/* to the protection it has: mmap lock for writing, no split */
	[F_MPROTECT]	 = { "noop_ns", M_MPROTECT, 1 },
	/* the advice the VMA has already: mmap lock for writing */
	[F_MADV_NORMAL]	 = { "madv_normal_ns", M_NONE, 1 },
};

static int floor_call(int f, char *p)
{
	switch (f) {
	case F_GETPPID:
		return syscall(SYS_getppid) < 0 ? -1 : 0;
	case F_GUARD_REMOVE:
		return madvise(p, ps, MADV_GUARD_REMOVE);
	case F_MPROTECT:
		return mprotect(p, ps, PROT_READ | PROT_WRITE);
	default:
		return madvise(p, ps, MADV_NORMAL);
	}
}

static void bench_floor(int f)
{
	char *p = map_anon(3 * ps);
	uint64_t t0;
	long i;

	t0 = now_ns();
	for (i = 0; i < FLOOR_CALLS; i++)
		if (floor_call(f, p + ps))	/* the middle page of three */
			die(floor_row[f].metric);
	record("floor", floor_row[f].metric, floor_row[f].method,
	       floor_row[f].param, "ns", (double)(now_ns() - t0) / FLOOR_CALLS);
	unmap(p, 3 * ps);
}

/* ---- many guards ---------------------------------------------------- */

static long fail_k[NR_METHODS];
static int fail_errno[NR_METHODS];

static void bench_many(int m)
{
	size_t len = opt.kmax * STRIDE * ps;
	uint64_t total = 0;
	long kmem0, k = 0;
	unsigned int i;
	char *base;
	int err = 0;

	settle();
	kmem0 = kmem_kib();
	base = map_anon(len);
	record("many", "vmas", m, 0, "count", count_vmas());
	for (i = 0; i <= ARRAY_SIZE(k_points); i++) {
		/* the checkpoints below kmax, then kmax */
		long next = i < ARRAY_SIZE(k_points) ? k_points[i] : opt.kmax;
		uint64_t t0;

		if (next > opt.kmax || (next == opt.kmax && i < ARRAY_SIZE(k_points)))
			continue;
		t0 = now_ns();
		for (; k < next; k++) {
			if (guard(m, guard_addr(base, k), ps)) {
				err = errno;
				break;
			}
		}
		total += now_ns() - t0;
		if (err && !k)
			break;
		/* On failure, a last point at the K reached. */
		record("many", "ns_per_guard", m, k, "ns", (double)total / k);
		record("many", "vmas", m, k, "count", count_vmas());
		if (k >= 10000)	/* below, slab caches blur it */
			record("many", "kmem_per_guard", m, k, "B",
			       (kmem_kib() - kmem0) * 1024.0 / k);
		if (err)
			break;
	}
	record("many", "max_guards", m, 0, "count", k);
	record("many", "fail_errno", m, 0, "errno", err);
	fail_k[m] = err ? k : -1;
	fail_errno[m] = err;
	unmap(base, len);
}

/* ---- removal and munmap -------------------------------------------- */

static void bench_remove(int m, long k)
{
	size_t len = k * STRIDE * ps;
	uint64_t t0;
	char *base;
	long i;

	if (m == M_NONE) {
		/* munmap() of the same mapping without guards */
		base = map_anon(len);
		t0 = now_ns();
		unmap(base, len);
		record("munmap", "guarded_ns", m, k, "ns", now_ns() - t0);
		return;
	}

	/* One call per guard. */
	base = map_anon(len);
	if (install_guards(m, base, k) < k)
		goto skip;
	t0 = now_ns();
	for (i = 0; i < k; i++)
		if (unguard(m, guard_addr(base, i), ps))
			die("removing a guard");
	record("remove", "ns_per_guard", m, k, "ns",
	       (double)(now_ns() - t0) / k);
	record("remove", "vmas_after", m, k, "count", count_vmas());
	t0 = now_ns();
	unmap(base, len);
	record("munmap", "after_remove_ns", m, k, "ns", now_ns() - t0);

	/* One call over the whole mapping. */
	base = map_anon(len);
	if (install_guards(m, base, k) < k)
		goto skip;
	t0 = now_ns();
	if (unguard(m, base, len))
		die("removing all guards");
	record("remove", "all_ns", m, k, "ns", now_ns() - t0);
	unmap(base, len);

	/* munmap() with the guards in place. */
	base = map_anon(len);
	if (install_guards(m, base, k) < k)
		goto skip;
	t0 = now_ns();
	unmap(base, len);
	record("munmap", "guarded_ns", m, k, "ns", now_ns() - t0);
	return;
skip:
	unmap(base, len);
}

/* ---- one guard over a range ---------------------------------------- */

static void bench_range(int m, long n, bool populated)
{
	const char *section = populated ? "range_populated" : "range";
	size_t len = n * ps;
	long pte0, pte1, rss0, rss1;
	uint64_t t0, t;
	char *p;

	p = map_anon(len);
	if (populated) {
		long i;

		/* 4 KiB pages, so that every page is a PTE to zap */
		madvise(p, len, MADV_NOHUGEPAGE);
		if (madvise(p, len, MADV_POPULATE_WRITE))
			for (i = 0; i < n; i++)
				p[i * ps] = 1;
	}
	pte0 = proc_kib("/proc/self/status", "VmPTE");
	rss0 = proc_kib("/proc/self/status", "RssAnon");
	t0 = now_ns();
	if (guard(m, p, len))
		die("guard over a range");
	t = now_ns() - t0;
	pte1 = proc_kib("/proc/self/status", "VmPTE");
	rss1 = proc_kib("/proc/self/status", "RssAnon");
	record(section, "ns_per_page", m, n, "ns", (double)t / n);
	record(section, "pt_kib", m, n, "KiB", pte1 - pte0);
	if (populated)
		record(section, "rss_freed_kib", m, n, "KiB", rss0 - rss1);
	if (!populated) {
		/*
		 * Again, once removed: for guard pages the page tables are
		 * there and empty, so this is the walker's loop over the PTEs
		 * alone.
		 */
		if (unguard(m, p, len))
			die("removing a guard over a range");
		t0 = now_ns();
		if (guard(m, p, len))
			die("guard over a range, again");
		record("range_refill", "ns_per_page", m, n, "ns",
		       (double)(now_ns() - t0) / n);
	}
	unmap(p, len);
}

/* ---- fault cost ----------------------------------------------------- */

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_code;

static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fault_code = si->si_code;
	siglongjmp(fault_jmp, 1);
}

static void catch_segv(bool on)
{
	struct sigaction sa = { 0 };

	if (on) {
		sa.sa_sigaction = segv_handler;
		/* SA_NODEFER: leaving by siglongjmp() needs no mask restore */
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	} else {
		sa.sa_handler = SIG_DFL;
	}
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL))
		die("sigaction");
}

/* Does reading p fault?  (SIGSEGV caught with catch_segv(true).) */
static bool faults(char *p)
{
	if (sigsetjmp(fault_jmp, 0))
		return true;
	*(volatile char *)p;
	return false;
}

static void bench_fault(int m)
{
	volatile long i, nr_faults = 0;
	char *p = map_anon(3 * ps);
	uint64_t t0;

	if (guard(m, p + ps, ps))
		die("guard");
	catch_segv(true);
	t0 = now_ns();
	for (i = 0; i < opt.fault_iters; i++) {
		if (sigsetjmp(fault_jmp, 0) == 0)
			*(volatile char *)(p + ps);
		else
			nr_faults++;
	}
	record("fault", "ns", m, 0, "ns",
	       (double)(now_ns() - t0) / opt.fault_iters);
	catch_segv(false);
	if (nr_faults != opt.fault_iters) {
		fprintf(stderr, "guard_bench: %s guard: %ld faults of %ld\n",
			method_name[m], (long)nr_faults, opt.fault_iters);
		exit(1);
	}
	record("fault", "si_code", m, 0, "code", fault_code);
	unmap(p, 3 * ps);
}

/* ---- contention ----------------------------------------------------- */

#define FAULT_PAGES	16384	/* 64 MiB per faulting thread */

struct worker {
	pthread_t tid;
	char *p;
	int m;
	unsigned long count;
};

static int stop;

static bool stopped(void)
{
	return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

static void *fault_worker(void *arg)
{
	struct worker *w = arg;
	unsigned long count = 0;
	long i;

	while (!stopped()) {
		for (i = 0; i < FAULT_PAGES && !stopped(); i++) {
			w->p[i * ps] = 1;
			count++;
		}
		/* fresh pages again: MADV_DONTNEED takes the lock for reading */
		madvise(w->p, FAULT_PAGES * ps, MADV_DONTNEED);
	}
	w->count = count;
	return NULL;
}

static void *toggle_worker(void *arg)
{
	struct worker *w = arg;
	unsigned long count = 0;

	while (!stopped()) {
		if (guard(w->m, w->p, ps) || unguard(w->m, w->p, ps))
			die("guard toggle");
		count++;
	}
	w->count = count;
	return NULL;
}

/*
 * nf threads fault in their own mappings while (unless m is M_NONE) one
 * thread puts a guard on a page of a third mapping and takes it off.
 * The mappings are kept apart by PROT_NONE gaps, so that no two merge.
 */
static void bench_contention(int m, int nf)
{
	size_t slot = (FAULT_PAGES + 1) * ps;
	size_t len = (nf + 1) * slot + ps;
	struct worker w[8] = { 0 };
	struct timespec ts;
	uint64_t t0, t;
	unsigned long faults = 0;
	char *res;
	int i;

	res = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		die("mmap");
	for (i = 0; i <= nf; i++) {
		w[i].p = res + i * slot + ps;
		w[i].m = m;
		if (mprotect(w[i].p, i < nf ? FAULT_PAGES * ps : 3 * ps,
			     PROT_READ | PROT_WRITE))
			die("mprotect");
		madvise(w[i].p, FAULT_PAGES * ps, MADV_NOHUGEPAGE);
	}
	w[nf].p += ps;	/* the middle page of three */

	__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
	t0 = now_ns();
	for (i = 0; i < nf; i++)
		if (pthread_create(&w[i].tid, NULL, fault_worker, &w[i]))
			die("pthread_create");
	if (m != M_NONE && pthread_create(&w[nf].tid, NULL, toggle_worker, &w[nf]))
		die("pthread_create");
	ts.tv_sec = (time_t)opt.secs;
	ts.tv_nsec = (long)((opt.secs - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nf; i++) {
		pthread_join(w[i].tid, NULL);
		faults += w[i].count;
	}
	t = now_ns() - t0;
	if (m != M_NONE)
		pthread_join(w[nf].tid, NULL);
	record("contention", "faults_per_s", m, nf, "1/s", faults * 1e9 / t);
	if (m != M_NONE)
		record("contention", "toggles_per_s", m, nf, "1/s",
		       w[nf].count * 1e9 / t);
	unmap(res, len);
}

/* ---- fork ------------------------------------------------------------- */

static void bench_fork(int m, long k)
{
	size_t len = (k ? k : 1) * STRIDE * ps;
	uint64_t t0, t1, t2;
	char *base;
	pid_t pid;
	int status;

	base = map_anon(len);
	if (m != M_NONE && install_guards(m, base, k) < k)
		goto out;
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid)
		_exit(0);
	t1 = now_ns();
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	t2 = now_ns();
	record("fork", "fork_ns", m, k, "ns", t1 - t0);
	record("fork", "fork_exit_wait_ns", m, k, "ns", t2 - t0);
out:
	unmap(base, len);
}

/* ---- output ------------------------------------------------------------ */

static char meta[2048];

static void add_meta(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add_meta(const char *fmt, ...)
{
	size_t used = strlen(meta);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(meta + used, sizeof(meta) - used, fmt, ap);
	va_end(ap);
}

static void print_csv(FILE *f)
{
	int i;

	fputs(meta, f);
	fprintf(f, "section,metric,method,param,unit,median,min,max,n\n");
	for (i = 0; i < nr_results; i++) {
		const struct result *r = &results[i];
		double min, max, med = median(r, &min, &max);

		fprintf(f, "%s,%s,%s,%ld,%s,%.6g,%.6g,%.6g,%d\n", r->section,
			r->metric, method_name[r->method], r->param, r->unit,
			med, min, max, r->n);
	}
}

static void fmt_value(char *buf, size_t size, const struct result *r)
{
	if (!r)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.4g", median(r, NULL, NULL));
}

/*
 * One line per (section, metric, param): the median of each method, and
 * mprotect's and mmap's figures divided by the guard pages' (madv) one;
 * for contention, every figure divided by the one without a toggler.
 */
static void print_table(void)
{
	int i, j, m;

	printf("%-16s %-18s %8s %6s %11s %11s %11s %11s %9s %9s\n",
	       "section", "metric", "param", "unit", "madv", "mprotect",
	       "mmap", "none", "mprot/madv", "mmap/madv");
	for (i = 0; i < nr_results; i++) {
		const struct result *r = &results[i], *row[NR_METHODS];
		char cell[NR_METHODS][32];
		const struct result *ref;
		bool seen = false;

		for (j = 0; j < i; j++)
			if (results[j].param == r->param &&
			    !strcmp(results[j].section, r->section) &&
			    !strcmp(results[j].metric, r->metric))
				seen = true;
		if (seen)
			continue;
		for (m = 0; m < NR_METHODS; m++) {
			row[m] = find(r->section, r->metric, m, r->param);
			fmt_value(cell[m], sizeof(cell[m]), row[m]);
		}
		printf("%-16s %-18s %8ld %6s %11s %11s %11s %11s", r->section,
		       r->metric, r->param, r->unit, cell[M_MADV],
		       cell[M_MPROTECT], cell[M_MMAP], cell[M_NONE]);
		ref = !strcmp(r->section, "contention") ? row[M_NONE] : row[M_MADV];
		for (m = M_MPROTECT; m <= M_MMAP; m++) {
			double a, b;

			if (!ref || !row[m]) {
				printf(" %9s", "-");
				continue;
			}
			a = median(row[m], NULL, NULL);
			b = median(ref, NULL, NULL);
			if (b)
				printf(" %9.3g", a / b);
			else
				printf(" %9s", "-");
		}
		printf("\n");
	}
	for (m = 0; m < M_NONE; m++) {
		if (!method_runs(m) || !find("many", "max_guards", m, 0))
			continue;
		if (fail_k[m] < 0)
			printf("# %s: all %ld guards installed\n",
			       method_name[m], opt.kmax);
		else
			printf("# %s: failed at K=%ld (%s)\n", method_name[m],
			       fail_k[m], strerror(fail_errno[m]));
	}
}

/* ---- the smoke test ----------------------------------------------------- */

static int nr_pass, nr_fail, nr_test;

#define SMOKE_STEP	7	/* check every 7th guard */

static void tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d ", ok ? "ok" : "not ok", ++nr_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		nr_pass++;
	else
		nr_fail++;
}

/*
 * PROT_NONE guards must stop at vm.max_map_count, with ENOMEM.  The count
 * of /proc/self/maps lines is within two of it: the maps file shows the
 * [vsyscall] gate area, which is no VMA, and mmap() checks the count
 * before it adds one.
 */
static void smoke_prot_none(int m, long max_map)
{
	long k = max_map, got, vmas;
	size_t len = k * STRIDE * ps;
	char *base = map_anon(len);
	int err;

	got = install_guards(m, base, k);
	err = errno;
	vmas = count_vmas();
	tap(got < k && err == ENOMEM && vmas >= max_map - 2 && vmas <= max_map + 2,
	    "%s PROT_NONE guards stop at vm.max_map_count=%ld: %ld guards, then %s, %ld VMAs",
	    method_name[m], max_map, got, got < k ? strerror(err) : "no failure",
	    vmas);
	unmap(base, len);
}

static int smoke(long max_map)
{
	long k = max_map + 4470, vmas0, vmas1, got, i, bad;
	size_t len = k * STRIDE * ps;
	char *base;
	int status;
	pid_t pid;

	printf("TAP version 13\n1..7\n");
	base = map_anon(len);
	vmas0 = count_vmas();
	got = install_guards(M_MADV, base, k);
	vmas1 = count_vmas();
	tap(got == k && vmas1 == vmas0,
	    "%ld guard pages past vm.max_map_count=%ld: %ld installed (%s), VMAs %ld -> %ld",
	    k, max_map, got, got == k ? "no error" : strerror(errno), vmas0,
	    vmas1);

	/* Every SMOKE_STEP-th guard: a SIGSEGV costs much on a debug kernel. */
	catch_segv(true);
	bad = 0;
	for (i = 0; i < got; i += SMOKE_STEP)
		bad += !faults(guard_addr(base, i)) + faults(guard_addr(base, i) + ps);
	tap(got && !bad, "guard pages fault, pages beside them do not (%ld wrong of %ld)",
	    bad, 2 * ((got + SMOKE_STEP - 1) / SMOKE_STEP));

	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		catch_segv(false);
		*(volatile char *)guard_addr(base, got / 2);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	tap(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	    "a forked child inherits the guards (status %#x)", status);

	bad = madvise(base, len, MADV_GUARD_REMOVE) ? got : 0;
	for (i = 0; i < got; i += SMOKE_STEP)
		bad += faults(guard_addr(base, i)) ||
		       *(volatile char *)guard_addr(base, i);
	tap(!bad && count_vmas() == vmas0,
	    "one MADV_GUARD_REMOVE over the mapping: no guard left (%ld wrong), no VMA added",
	    bad);
	catch_segv(false);
	unmap(base, len);

	smoke_prot_none(M_MPROTECT, max_map);
	smoke_prot_none(M_MMAP, max_map);

	/* A populated range: install zaps, the pages come back zeroed. */
	base = map_anon(64 * ps);
	memset(base, 0xaa, 64 * ps);
	bad = madvise(base, 64 * ps, MADV_GUARD_INSTALL) ||
	      madvise(base, 64 * ps, MADV_GUARD_REMOVE);
	for (i = 0; i < 64 * (long)ps; i++)
		bad += base[i] != 0;
	tap(!bad, "a guard over populated pages discards them (%ld wrong bytes)", bad);
	unmap(base, 64 * ps);

	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       nr_pass, nr_fail);
	return nr_fail ? 1 : 0;
}

/* ---- main --------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: guard_bench [--smoke] [--reps N] [--kmax K] [--range-max PAGES]\n"
		"                   [--populated-max PAGES] [--fault-iters N] [--secs S]\n"
		"                   [--fault-threads N] [--only SECTION,...] [--csv FILE]\n"
		"sections: floor many remove range fault contention fork\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "smoke", no_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "kmax", required_argument, NULL, 'k' },
		{ "range-max", required_argument, NULL, 'n' },
		{ "populated-max", required_argument, NULL, 'p' },
		{ "fault-iters", required_argument, NULL, 'f' },
		{ "secs", required_argument, NULL, 't' },
		{ "fault-threads", required_argument, NULL, 'T' },
		{ "only", required_argument, NULL, 'o' },
		{ "csv", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	char clocksource[64], thp[128];
	long max_map, i, k;
	struct timespec res;
	struct utsname u;
	uint64_t start;
	int c, rep, j;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.smoke = true;
			break;
		case 'r':
			opt.reps = atoi(optarg);
			break;
		case 'k':
			opt.kmax = atol(optarg);
			break;
		case 'n':
			opt.range_max = atol(optarg);
			break;
		case 'p':
			opt.populated_max = atol(optarg);
			break;
		case 'f':
			opt.fault_iters = atol(optarg);
			break;
		case 't':
			opt.secs = atof(optarg);
			break;
		case 'T':
			opt.fault_threads = atoi(optarg);
			break;
		case 'o':
			opt.only = optarg;
			break;
		case 'c':
			opt.csv = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || opt.reps < 1 || opt.reps > MAX_REPS ||
	    opt.kmax < 1 || opt.fault_iters < 1 || opt.secs <= 0 ||
	    opt.fault_threads < 1 || opt.fault_threads > 4)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	ps = sysconf(_SC_PAGESIZE);
	uname(&u);
	max_map = read_long("/proc/sys/vm/max_map_count");
	read_str("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		 clocksource, sizeof(clocksource));
	read_str("/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof(thp));
	clock_getres(CLOCK_MONOTONIC, &res);
	printf("# guard_bench: kernel %s %s, %ld cpus, page %zu, vm.max_map_count %ld\n",
	       u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), ps, max_map);
	printf("# clock: CLOCK_MONOTONIC resolution %ld ns, clocksource %s\n",
	       res.tv_sec * 1000000000L + res.tv_nsec, clocksource);
	if (res.tv_sec || res.tv_nsec > 1000) {
		printf("not ok - clock: CLOCK_MONOTONIC resolution %ld ns is coarser than 1 us: timings would be meaningless\n",
		       res.tv_sec * 1000000000L + res.tv_nsec);
		return 1;
	}
	if (max_map < 1) {
		printf("not ok - no /proc/sys/vm/max_map_count\n");
		return 1;
	}

	{
		char *p = map_anon(ps);

		have_guard = !madvise(p, ps, MADV_GUARD_INSTALL);
		unmap(p, ps);
	}
	if (opt.smoke) {
		if (!have_guard) {
			printf("TAP version 13\n1..1\nnot ok 1 MADV_GUARD_INSTALL: %s\n",
			       strerror(errno));
			return 1;
		}
		return smoke(max_map);
	}
	if (!have_guard)
		printf("# MADV_GUARD_INSTALL not supported (%s): PROT_NONE methods only\n",
		       strerror(errno));

	add_meta("# kernel=%s\n# machine=%s\n# cpus=%ld\n# page_size=%zu\n",
		 u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), ps);
	add_meta("# max_map_count=%ld\n# clocksource=%s\n# clock_res_ns=%ld\n",
		 max_map, clocksource, res.tv_nsec);
	add_meta("# thp=%s\n# reps=%d\n# stride_pages=%d\n# madv_guard=%s\n",
		 thp, opt.reps, STRIDE, have_guard ? "yes" : "no");
	add_meta("# kmax=%ld\n", opt.kmax);

	start = now_ns();
	if (want("floor")) {
		for (rep = 0; rep < opt.reps; rep++) {
			for (j = 0; j < NR_FLOORS; j++) {
				int f = nth_method(rep, j, NR_FLOORS);

				/* without guard pages, no MADV_GUARD_REMOVE */
				if (method_runs(floor_row[f].method))
					bench_floor(f);
			}
		}
		printf("# floor: done at %.1fs\n", (now_ns() - start) / 1e9);
	}
	if (want("many")) {
		for (rep = 0; rep < opt.reps; rep++)
			for (j = 0; j < M_NONE; j++)
				if (method_runs(nth_method(rep, j, M_NONE)))
					bench_many(nth_method(rep, j, M_NONE));
		printf("# many: done at %.1fs\n", (now_ns() - start) / 1e9);
	}
	if (want("remove")) {
		const long ks[] = { 1000, 30000, opt.kmax };

		for (i = 0; i < (long)ARRAY_SIZE(ks); i++) {
			k = ks[i];
			if (k > opt.kmax || (i && k <= ks[i - 1]))
				continue;
			for (rep = 0; rep < opt.reps; rep++) {
				for (j = 0; j < NR_METHODS; j++) {
					int m = nth_method(rep, j, NR_METHODS);

					/* only guard pages get to the largest K */
					if (method_runs(m) && (k < max_map / 2 - 100 ||
							       m == M_MADV || m == M_NONE))
						bench_remove(m, k);
				}
			}
		}
		printf("# remove: done at %.1fs\n", (now_ns() - start) / 1e9);
	}
	if (want("range")) {
		for (i = 0; i < (long)ARRAY_SIZE(n_points); i++) {
			for (rep = 0; rep < opt.reps; rep++) {
				for (j = 0; j < M_NONE; j++) {
					int m = nth_method(rep, j, M_NONE);

					if (!method_runs(m))
						continue;
					if (n_points[i] <= opt.range_max)
						bench_range(m, n_points[i], false);
					if (n_points[i] <= opt.populated_max)
						bench_range(m, n_points[i], true);
				}
			}
		}
		printf("# range: done at %.1fs\n", (now_ns() - start) / 1e9);
	}
	if (want("fault")) {
		for (rep = 0; rep < opt.reps; rep++)
			for (j = 0; j < 2; j++)
				if (method_runs(nth_method(rep, j, 2)))
					bench_fault(nth_method(rep, j, 2));
		printf("# fault: done at %.1fs\n", (now_ns() - start) / 1e9);
	}
	if (want("contention")) {
		int nf;

		for (nf = 1; nf <= opt.fault_threads; nf++) {
			for (rep = 0; rep < opt.reps; rep++) {
				for (j = 0; j < NR_METHODS; j++) {
					int m = nth_method(rep, j, NR_METHODS);

					if (method_runs(m))
						bench_contention(m, nf);
				}
			}
		}
		printf("# contention: done at %.1fs\n", (now_ns() - start) / 1e9);
	}
	if (want("fork")) {
		const long ks[] = { 1000, 10000, 30000, opt.kmax };

		for (rep = 0; rep < opt.reps; rep++)
			bench_fork(M_NONE, 0);
		for (i = 0; i < (long)ARRAY_SIZE(ks); i++) {
			k = ks[i];
			if (k > opt.kmax || (i && k <= ks[i - 1]))
				continue;
			for (rep = 0; rep < opt.reps; rep++) {
				for (j = 0; j < M_NONE; j++) {
					int m = nth_method(rep, j, M_NONE);

					if (method_runs(m) && (k < max_map / 2 - 100 ||
							       m == M_MADV))
						bench_fork(m, k);
				}
			}
		}
		printf("# fork: done at %.1fs\n", (now_ns() - start) / 1e9);
	}
	add_meta("# seconds=%.1f\n", (now_ns() - start) / 1e9);

	printf("\n");
	print_table();
	printf("\n# guard_bench csv begin\n");
	print_csv(stdout);
	printf("# guard_bench csv end\n");
	if (opt.csv) {
		FILE *f = fopen(opt.csv, "w");

		if (!f)
			die(opt.csv);
		print_csv(f);
		fclose(f);
	}
	return 0;
}
