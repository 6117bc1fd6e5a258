// SPDX-License-Identifier: GPL-2.0
/*
 * glibc-stacks: glibc's thread stacks, a real user of guard pages.
 *
 * From 2.42 on, glibc guards each thread stack it allocates with
 * madvise(MADV_GUARD_INSTALL) on the low end of the stack mapping, and only
 * where the kernel refuses that (EINVAL) with mprotect(PROT_NONE), which
 * splits the mapping: one more VMA per thread.  Older glibc (2.36 here)
 * always uses mprotect().  This program checks, through nothing but the
 * pthread API, which of the two the process got, and that the guard does
 * its job either way:
 *
 *   A  N live threads with default attributes add at most N + SLACK VMAs
 *      (guard: the guard is inside the stack's VMA, and neighbouring stacks
 *      may even merge), or at least 2N - SLACK (fallback: stack + PROT_NONE)
 *   B  unbounded recursion on a 64 KiB thread stack kills the process with
 *      SIGSEGV (in a child, which an alarm turns into SIGALRM if it hangs),
 *      and the fault is in the thread's guard, with si_code SEGV_MAPERR
 *      (guard) or SEGV_ACCERR (fallback)
 *   C  a thread created with pthread_attr_setguardsize(4 pages): each guard
 *      page faults on read and on write, with si_code SEGV_MAPERR (a guard
 *      marker) or SEGV_ACCERR (PROT_NONE), at the address touched; the page
 *      above the guard is usable; /proc/self/maps has no PROT_NONE VMA over
 *      the guard (guard), or has one (fallback)
 *   D  a stack glibc takes again from its cache after a join (same
 *      attributes, so the same address) still has its guard, as in C
 *
 * The VmFlags of the guarded stack's VMA (smaps) are reported, not tested:
 * only newer kernels mark a VMA that ever had guards ("gu").
 *
 * Usage: glibc-stacks [--expect guard|fallback] [--threads N] [--version]
 *   --expect guard     (default) the kernel has guard pages and glibc uses them
 *   --expect fallback  the kernel lacks them, or glibc predates them
 *   --threads N        threads of test A (default 64, at least 8)
 *   --version          print glibc's version and exit
 *
 * TAP on stdout; exit 0 only if every test passed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE	103
#endif

#define NTESTS		10
#define SLACK		4		/* VMAs test A forgives either way */
#define GUARD_PAGES	4		/* tests C and D */
#define C_STACK		(1UL << 20)	/* test C's stack size */
#define D_STACK		(128UL << 10)	/* test D's: no cached stack fits it */
#define B_STACK		(64UL << 10)	/* test B's */
#define B_TIMEOUT	20		/* seconds */

static bool expect_guard = true;
static unsigned long page;
static int tests, failed;

static void tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	failed += !ok;
}

static void fatal(const char *what, int err)
{
	printf("Bail out! %s: %s\n", what, strerror(err));
	exit(1);
}

/*
 * /proc/self/maps and smaps, read whole with read(2) into a static buffer:
 * no stdio, no malloc, so that reading them adds no mapping of its own.
 */
static char procbuf[4 << 20];

static ssize_t read_proc(const char *path, bool must)
{
	size_t len = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 && !must)
		return -1;
	if (fd < 0)
		fatal(path, errno);
	while ((n = read(fd, procbuf + len, sizeof(procbuf) - 1 - len)) > 0)
		len += n;
	if (n < 0)
		fatal(path, errno);
	close(fd);
	if (len >= sizeof(procbuf) - 1)
		fatal(path, EFBIG);
	procbuf[len] = '\0';
	return len;
}

static unsigned long count_vmas(void)
{
	size_t len = read_proc("/proc/self/maps", true), i;
	unsigned long lines = 0;

	for (i = 0; i < len; i++)
		lines += procbuf[i] == '\n';
	return lines;
}

/* A maps (or smaps header) line: "start-end perms ..." */
static bool vma_line(const char *l, unsigned long *start, unsigned long *end, char perms[5])
{
	return sscanf(l, "%lx-%lx %4s", start, end, perms) == 3;
}

/*
 * How /proc/self/maps covers [lo, hi): the number of PROT_NONE ("---p")
 * VMAs overlapping it, and whether one of them contains it all.
 */
static void guard_vmas(unsigned long lo, unsigned long hi, int *none, bool *covered)
{
	unsigned long s, e;
	char perms[5];
	char *l;

	read_proc("/proc/self/maps", true);
	*none = 0;
	*covered = false;
	for (l = procbuf; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		if (!vma_line(l, &s, &e, perms) || e <= lo || s >= hi)
			continue;
		if (!strcmp(perms, "---p")) {
			(*none)++;
			if (s <= lo && e >= hi)
				*covered = true;
		}
	}
}

/* Report (not test) the smaps VmFlags of the VMA that holds addr. */
static void report_vmflags(const char *who, unsigned long addr)
{
	unsigned long s, e;
	bool in = false;
	char perms[5];
	char *l, *nl;

	if (read_proc("/proc/self/smaps", false) < 0) {
		printf("# %s: no /proc/self/smaps: VmFlags unknown\n", who);
		return;
	}
	for (l = procbuf; *l; l = nl ? nl + 1 : l + strlen(l)) {
		nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		if (vma_line(l, &s, &e, perms)) {
			in = s <= addr && addr < e;
			if (in)
				printf("# %s: smaps VMA %lx-%lx %s\n", who, s, e, perms);
		} else if (in && !strncmp(l, "VmFlags:", 8)) {
			printf("# %s: %s (\"gu\": %s)\n", who, l,
			       strstr(l + 8, " gu") ? "yes" : "no");
			return;
		}
	}
	printf("# %s: no VmFlags found for 0x%lx\n", who, addr);
}

/*
 * Fault probes, run by the main thread on another thread's stack.  The
 * handler is installed only around the probes; a SIGSEGV outside a probe
 * (in any thread) gets the default action back and kills the process.
 */
static void default_action(int sig)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static sigjmp_buf probe_env;
static volatile sig_atomic_t probing;
static volatile int probe_code;
static void *volatile probe_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!probing) {
		default_action(sig);
		return;
	}
	probing = 0;
	probe_code = si->si_code;
	probe_addr = si->si_addr;
	siglongjmp(probe_env, 1);
}

enum touch { READ, WRITE, REWRITE };

/* 0 if the access went through, else the fault's si_code (never 0). */
static int touch(volatile char *p, enum touch how)
{
	char v;

	if (sigsetjmp(probe_env, 1))
		return probe_code ? probe_code : -1;
	probe_addr = NULL;
	probing = 1;
	switch (how) {
	case READ:
		v = *p;
		(void)v;
		break;
	case WRITE:		/* only ever aimed at a guard page */
		*p = 0x5a;
		break;
	case REWRITE:		/* a live stack: keep what is there */
		v = *p;
		*p = v;
		break;
	}
	probing = 0;
	return 0;
}

static const char *code_name(int code)
{
	switch (code) {
	case 0:			return "no fault";
	case SEGV_MAPERR:	return "SEGV_MAPERR";
	case SEGV_ACCERR:	return "SEGV_ACCERR";
	default:		return "another si_code";
	}
}

struct stack {
	unsigned long lo;	/* lowest usable address (pthread_attr_getstack) */
	unsigned long size;
	unsigned long guard;	/* guard size the thread reports */
};

static void stack_of(pthread_t t, struct stack *st)
{
	pthread_attr_t a;
	void *addr;
	size_t size, guard;
	int err;

	err = pthread_getattr_np(t, &a);
	if (err)
		fatal("pthread_getattr_np", err);
	pthread_attr_getstack(&a, &addr, &size);
	pthread_attr_getguardsize(&a, &guard);
	pthread_attr_destroy(&a);
	st->lo = (unsigned long)addr;
	st->size = size;
	st->guard = guard;
}

/*
 * Tests of one live guarded stack (C and D): every guard page faults on
 * read and on write with the si_code the mode expects, at the address
 * touched; the page above the guard is usable; and the maps agree.
 */
static void check_guard(const char *who, const struct stack *st)
{
	int want = expect_guard ? SEGV_MAPERR : SEGV_ACCERR;
	unsigned long glo = st->lo - GUARD_PAGES * page, a;
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO }, old;
	int code, bad = 0, first = 0, none, i;
	void *at = NULL;
	bool covered, up;

	printf("# %s: stack %#lx-%#lx (%lu KiB), guard %#lx-%#lx (reported %lu bytes)\n",
	       who, st->lo, st->lo + st->size, st->size >> 10, glo, st->lo, st->guard);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old);
	for (i = 0; i < 2 * GUARD_PAGES; i++) {
		a = glo + (i / 2) * page + (i % 2 ? page - 1 : 0);
		code = touch((volatile char *)a, i % 2 ? WRITE : READ);
		if (code != want || probe_addr != (void *)a) {
			if (!bad++) {
				first = code;
				at = probe_addr;
				printf("# %s: %s of %#lx: %s (%d) at %p\n", who,
				       i % 2 ? "write" : "read", a, code_name(code), code, at);
			}
		} else if (i == 0) {
			first = code;
		}
	}
	up = !touch((volatile char *)st->lo, READ) && !touch((volatile char *)st->lo, REWRITE);
	sigaction(SIGSEGV, &old, NULL);

	tap(!bad && st->guard == GUARD_PAGES * page,
	    "%s: the %d guard pages fault on read and write: %s%s (want %s)", who,
	    GUARD_PAGES, bad ? "" : "all ", code_name(first), code_name(want));
	tap(up, "%s: the page above the guard is usable", who);

	guard_vmas(glo, st->lo, &none, &covered);
	if (expect_guard)
		tap(none == 0, "%s: no PROT_NONE VMA over the guard (%d found)", who, none);
	else
		tap(covered, "%s: a PROT_NONE VMA covers the guard (%d overlap it)", who, none);
}

/* Test A: VMAs of N live default threads. */
static pthread_barrier_t a_ready, a_go;

static void *a_thread(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&a_ready);
	pthread_barrier_wait(&a_go);
	return NULL;
}

static void test_a(int n)
{
	pthread_t *t = calloc(n, sizeof(*t));
	unsigned long before, during;
	long growth;
	int i, err;

	if (!t)
		fatal("calloc", errno);
	pthread_barrier_init(&a_ready, NULL, n + 1);
	pthread_barrier_init(&a_go, NULL, n + 1);
	before = count_vmas();
	for (i = 0; i < n; i++) {
		err = pthread_create(&t[i], NULL, a_thread, NULL);
		if (err)
			fatal("pthread_create (test A)", err);
	}
	pthread_barrier_wait(&a_ready);
	during = count_vmas();
	pthread_barrier_wait(&a_go);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&a_ready);
	pthread_barrier_destroy(&a_go);
	free(t);

	growth = (long)during - (long)before;
	printf("# A: %lu VMAs before, %lu with %d threads: +%ld\n", before, during, n, growth);
	if (expect_guard)
		tap(growth <= n + SLACK,
		    "%d threads added %ld VMAs: no VMA per guard (want at most %d)",
		    n, growth, n + SLACK);
	else
		tap(growth >= 2L * n - SLACK,
		    "%d threads added %ld VMAs: stack + PROT_NONE guard each (want at least %d)",
		    n, growth, 2 * n - SLACK);
}

/*
 * Test B: a stack overflow is a SIGSEGV, in the guard.  The child's thread
 * notes its guard's range in a shared page, and so does a SIGSEGV handler
 * (on an alternate stack) the fault's address and si_code; the handler
 * then puts the default action back and returns, so that the fault kills
 * the child as it would without a handler.
 */
struct b_record {
	unsigned long glo, ghi;		/* the thread's guard */
	unsigned long addr;		/* the fault */
	int code, faults;
};
static struct b_record *b_rec;
static volatile int b_stop = -1;	/* never reached: no infinite-recursion warning */
static char b_altstack[64 << 10];

static int __attribute__((noinline)) dive(int depth)
{
	volatile char frame[256];
	unsigned int i;

	for (i = 0; i < sizeof(frame); i += 32)
		frame[i] = (char)depth;
	if (depth == b_stop)
		return 0;
	/* using the frame after the call: no tail call */
	return dive(depth + 1) + frame[depth % sizeof(frame)];
}

static void b_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	b_rec->addr = (unsigned long)si->si_addr;
	b_rec->code = si->si_code;
	b_rec->faults++;
	default_action(sig);
}

static void *b_thread(void *arg)
{
	stack_t ss = { .ss_sp = b_altstack, .ss_size = sizeof(b_altstack) };
	struct sigaction sa = { .sa_sigaction = b_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK };
	struct stack st;

	(void)arg;
	stack_of(pthread_self(), &st);
	b_rec->glo = st.lo - st.guard;
	b_rec->ghi = st.lo;
	sigemptyset(&sa.sa_mask);
	if (sigaltstack(&ss, NULL) || sigaction(SIGSEGV, &sa, NULL))
		_exit(99);
	return (void *)(long)dive(0);
}

static void test_b(void)
{
	int want = expect_guard ? SEGV_MAPERR : SEGV_ACCERR;
	pthread_attr_t a;
	pthread_t t;
	int status, err;
	pid_t pid;

	b_rec = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b_rec == MAP_FAILED)
		fatal("mmap", errno);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fatal("fork", errno);
	if (pid == 0) {
		default_action(SIGSEGV);
		alarm(B_TIMEOUT);
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, B_STACK);
		err = pthread_create(&t, &a, b_thread, NULL);
		if (err)
			_exit(100 + err);
		pthread_join(t, NULL);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		fatal("waitpid", errno);
	if (WIFSIGNALED(status))
		printf("# B: the child died of signal %d (%s)\n", WTERMSIG(status),
		       strsignal(WTERMSIG(status)));
	else
		printf("# B: the child exited with %d\n", WEXITSTATUS(status));
	tap(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	    "unbounded recursion on a %lu KiB thread stack dies of SIGSEGV", B_STACK >> 10);
	printf("# B: guard %#lx-%#lx, fault at %#lx, %s (%d), %d fault(s) seen\n",
	       b_rec->glo, b_rec->ghi, b_rec->addr, code_name(b_rec->code), b_rec->code,
	       b_rec->faults);
	tap(b_rec->faults == 1 && b_rec->glo < b_rec->ghi &&
	    b_rec->addr >= b_rec->glo && b_rec->addr < b_rec->ghi && b_rec->code == want,
	    "the overflow faults in the thread's guard with %s (want %s)",
	    code_name(b_rec->code), code_name(want));
	munmap(b_rec, page);
}

/* Tests C and D: a thread with a 4-page guard, waiting while it is probed. */
static pthread_barrier_t g_hold;

static void *g_thread(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&g_hold);
	return NULL;
}

static pthread_t start_guarded(unsigned long stacksize, struct stack *st)
{
	pthread_attr_t a;
	pthread_t t;
	int err;

	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, stacksize);
	pthread_attr_setguardsize(&a, GUARD_PAGES * page);
	pthread_barrier_init(&g_hold, NULL, 2);
	err = pthread_create(&t, &a, g_thread, NULL);
	if (err)
		fatal("pthread_create (guarded)", err);
	pthread_attr_destroy(&a);
	stack_of(t, st);
	return t;
}

static void stop_guarded(pthread_t t)
{
	pthread_barrier_wait(&g_hold);
	pthread_join(t, NULL);
	pthread_barrier_destroy(&g_hold);
}

static void test_c(void)
{
	struct stack st;
	pthread_t t = start_guarded(C_STACK, &st);

	check_guard("C", &st);
	report_vmflags("C", st.lo - page);
	stop_guarded(t);
}

static void test_d(void)
{
	struct stack first, st;
	const char *tun = getenv("GLIBC_TUNABLES");
	pthread_t t;

	t = start_guarded(D_STACK, &first);
	stop_guarded(t);
	t = start_guarded(D_STACK, &st);
	printf("# D: first stack at %#lx, second at %#lx\n", first.lo, st.lo);
	if (st.lo != first.lo && tun && strstr(tun, "stack_cache_size"))
		tap(true, "D: the second thread reuses the cached stack # SKIP not reused: GLIBC_TUNABLES=%s", tun);
	else
		tap(st.lo == first.lo && st.size == first.size,
		    "D: the second thread reuses the cached stack");
	check_guard("D", &st);
	stop_guarded(t);
}

/* What the kernel itself says, for the log: does it take MADV_GUARD_INSTALL? */
static void report_kernel(void)
{
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int r, err;

	if (p == MAP_FAILED)
		fatal("mmap", errno);
	r = madvise(p, page, MADV_GUARD_INSTALL);
	err = errno;
	munmap(p, page);
	printf("# kernel: madvise(MADV_GUARD_INSTALL) %s\n", r ? strerror(err) : "works");
}

static void usage(const char *me)
{
	fprintf(stderr, "usage: %s [--expect guard|fallback] [--threads N] [--version]\n", me);
	exit(2);
}

int main(int argc, char **argv)
{
	int threads = 64, i;
	char *end;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("%s\n", gnu_get_libc_version());
			return 0;
		} else if (!strcmp(argv[i], "--expect") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "guard"))
				expect_guard = true;
			else if (!strcmp(argv[i], "fallback"))
				expect_guard = false;
			else
				usage(argv[0]);
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			threads = strtol(argv[++i], &end, 0);
			if (*end || threads < 8 || threads > 4096)
				usage(argv[0]);
		} else {
			usage(argv[0]);
		}
	}
	page = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("# glibc %s, expecting %s\n", gnu_get_libc_version(),
	       expect_guard ? "guard markers (MADV_GUARD_INSTALL)" : "the PROT_NONE fallback");
	report_kernel();
	printf("1..%d\n", NTESTS);
	test_a(threads);
	test_b();
	test_c();
	test_d();
	printf("# %d of %d tests failed\n", failed, tests);
	return failed || tests != NTESTS;
}
