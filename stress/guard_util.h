/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the guard-page stress programs: TAP output, a seeded
 * random number generator, self-checking page contents and fault probes.
 *
 * A page "stamp" fills every 64-bit word of a page with a value that encodes
 * the page's home address, the word's index and a generation:
 *
 *	word = gen << 44 | (home >> 12) << 9 | index
 *
 * (gen is 20 bits, never 0), so a word that is neither 0 nor the stamp of
 * its own page and index is garbage or data from another page, whatever the
 * generation; an exact check also knows the generation.
 */
#ifndef GUARD_UTIL_H
#define GUARD_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE	103
#endif
#ifndef MADV_COLD
#define MADV_COLD		20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK		18
#define MADV_KEEPONFORK		19
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE	0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE	0x02
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC		0x0001U
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open		434
#endif
#ifndef __NR_process_madvise
#define __NR_process_madvise	440
#endif
#ifndef __NR_mseal
#define __NR_mseal		462
#endif

#define PAGE		4096UL
#define WORDS		(PAGE / sizeof(uint64_t))
#define GEN_MASK	0xfffffUL

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- TAP ---------------------------------------------------------------- */

static unsigned int tap_n, tap_pass, tap_fail, tap_skip;

static inline void tap_plan(unsigned int n)
{
	printf("TAP version 13\n1..%u\n", n);
	fflush(stdout);
}

static inline void __attribute__((format(printf, 2, 3)))
tap_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		tap_pass++;
	else
		tap_fail++;
}

static inline void __attribute__((format(printf, 1, 2)))
tap_skip_result(const char *fmt, ...)
{
	va_list ap;

	printf("ok %u ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	tap_skip++;
}

/* kselftest's closing line; parse.py counts from it. Exits. */
static inline void tap_finish(void)
{
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       tap_pass, tap_fail, tap_skip);
	fflush(stdout);
	exit(tap_fail ? 1 : 0);
}

/* ---- random numbers (xorshift64*, seeded, reproducible) ----------------- */

static inline uint64_t rnd_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static inline uint64_t rnd_seed(uint64_t seed)
{
	/* splitmix64 of the seed, never 0 */
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z ? z : 1;
}

/* Uniform in [0, n). */
static inline unsigned long rnd_below(uint64_t *s, unsigned long n)
{
	return n ? (unsigned long)(rnd_next(s) % n) : 0;
}

/* ---- time ---------------------------------------------------------------- */

static inline double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- page stamps --------------------------------------------------------- */

static inline uint64_t stamp_word(unsigned long home, unsigned long gen,
				  unsigned long i)
{
	return (uint64_t)(gen & GEN_MASK) << 44 |
	       (uint64_t)((home >> 12) & ((1UL << 35) - 1)) << 9 | i;
}

static inline unsigned long next_gen(unsigned long gen)
{
	gen = (gen + 1) & GEN_MASK;
	return gen ? gen : 1;
}

static inline void stamp_page(volatile uint64_t *p, unsigned long home,
			      unsigned long gen)
{
	unsigned long i;

	for (i = 0; i < WORDS; i++)
		p[i] = stamp_word(home, gen, i);
}

/* Page verdicts (what a copy of a page holds). */
enum page_seen {
	SEEN_ZERO,	/* all zero */
	SEEN_STAMP,	/* a whole stamp of its own home, of one generation */
	SEEN_TORN,	/* only zero words and words of its own home and index */
	SEEN_FOREIGN,	/* a word that belongs to no generation of this page */
};

/*
 * Classify a copy of a page whose home is @home; the generation of a whole
 * stamp goes to *@gen.  On SEEN_FOREIGN, *@bad is the first bad word index.
 */
static inline enum page_seen classify_page(const uint64_t *p,
					   unsigned long home,
					   unsigned long *gen,
					   unsigned long *bad)
{
	unsigned long i, g = 0, zeros = 0;
	bool mixed = false;

	for (i = 0; i < WORDS; i++) {
		uint64_t w = p[i];

		if (!w) {
			zeros++;
			continue;
		}
		if ((w & ((1ULL << 44) - 1)) != (stamp_word(home, 0, i) &
						 ((1ULL << 44) - 1)) ||
		    !(w >> 44)) {
			*bad = i;
			return SEEN_FOREIGN;
		}
		if (!g)
			g = w >> 44;
		else if (g != w >> 44)
			mixed = true;
	}
	if (zeros == WORDS)
		return SEEN_ZERO;
	*gen = g;
	return (zeros || mixed) ? SEEN_TORN : SEEN_STAMP;
}

/* ---- fault probes -------------------------------------------------------- */

static __thread sigjmp_buf probe_jmp;
static __thread volatile int probe_active;
static __thread volatile int probe_sig, probe_code;
static __thread volatile unsigned long probe_addr;

static void probe_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!probe_active) {
		/* A fault outside a probe: report it and die loudly. */
		char msg[128];
		int n = snprintf(msg, sizeof(msg),
				 "not ok unexpected signal %d at %p (code %d)\n",
				 sig, si->si_addr, si->si_code);

		if (write(2, msg, n) < 0)
			_exit(99);
		signal(sig, SIG_DFL);
		raise(sig);
		_exit(98);
	}
	probe_sig = sig;
	probe_code = si->si_code;
	probe_addr = (unsigned long)si->si_addr;
	siglongjmp(probe_jmp, 1);
}

static inline void probe_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = probe_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/*
 * Copy a page to @buf; returns 0, or the signal number if the access faulted
 * (then probe_addr/probe_code tell where and how).
 */
static inline int probe_copy(const void *page, void *buf)
{
	probe_sig = 0;
	if (sigsetjmp(probe_jmp, 1) == 0) {
		probe_active = 1;
		memcpy(buf, page, PAGE);
		asm volatile("" ::: "memory");
	}
	probe_active = 0;
	return probe_sig;
}

/* Read one byte; returns 0 or the signal. */
static inline int probe_read(const void *addr)
{
	probe_sig = 0;
	if (sigsetjmp(probe_jmp, 1) == 0) {
		probe_active = 1;
		(void)*(const volatile char *)addr;
	}
	probe_active = 0;
	return probe_sig;
}

/* Stamp a page; returns 0, or the signal if it faulted part way. */
static inline int probe_stamp(void *page, unsigned long home, unsigned long gen)
{
	probe_sig = 0;
	if (sigsetjmp(probe_jmp, 1) == 0) {
		probe_active = 1;
		stamp_page(page, home, gen);
		asm volatile("" ::: "memory");
	}
	probe_active = 0;
	return probe_sig;
}

/*
 * Write one word that keeps the page's content (a word read back and
 * written again); returns 0 or the signal.  A write fault on a page that
 * reads fine means a write-protected page.
 */
static inline int probe_rewrite(void *addr)
{
	probe_sig = 0;
	if (sigsetjmp(probe_jmp, 1) == 0) {
		volatile uint64_t *w = addr;

		probe_active = 1;
		*w = *w;
	}
	probe_active = 0;
	return probe_sig;
}

/* ---- system calls glibc may not wrap ------------------------------------- */

static inline int sys_pidfd_open(pid_t pid)
{
	return syscall(__NR_pidfd_open, pid, 0);
}

static inline long sys_process_madvise(int pidfd, const struct iovec *iov,
				       size_t n, int advice, unsigned int flags)
{
	return syscall(__NR_process_madvise, pidfd, iov, n, advice, flags);
}

static inline int sys_mseal(void *addr, size_t len)
{
	return syscall(__NR_mseal, addr, len, 0);
}

/*
 * The shared backings of the file-backed guard tests: a memfd (shmem) or a
 * regular file in $GUARD_PAGES_FILE_DIR (the guest's ramfs), else /tmp,
 * unlinked at once; @pages long.  Returns the fd or -1 (errno set).
 */
static inline int open_backing(bool file, const char *tag, unsigned long pages)
{
	char path[4096];
	const char *dir = getenv("GUARD_PAGES_FILE_DIR");
	int fd;

	if (!file) {
		fd = syscall(__NR_memfd_create, tag, MFD_CLOEXEC);
	} else {
		snprintf(path, sizeof(path), "%s/%s.%d.XXXXXX",
			 dir && *dir ? dir : "/tmp", tag, getpid());
		fd = mkstemp(path);
		if (fd >= 0)
			unlink(path);
	}
	if (fd >= 0 && ftruncate(fd, pages * PAGE)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The directory open_backing() puts its file in. */
static inline const char *backing_dir(void)
{
	const char *dir = getenv("GUARD_PAGES_FILE_DIR");

	return dir && *dir ? dir : "/tmp";
}

/* Does the backing support fallocate(PUNCH_HOLE)? (ramfs does not.) */
static inline bool punch_supported(int fd)
{
	return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			 PAGE) == 0;
}

/*
 * Does mremap() move two VMAs of @fd at once?  Kernels from 6.17 move
 * several VMAs, but not of a file whose get_unmapped_area() is its own
 * (ramfs): EFAULT.
 */
static inline bool multi_vma_move_ok(int fd)
{
	char *src, *dst;
	bool ok;

	src = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	dst = mmap(NULL, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED || dst == MAP_FAILED)
		return false;
	mprotect(src + PAGE, PAGE, PROT_READ);
	ok = mremap(src, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		    dst) == dst;
	munmap(src, 2 * PAGE);
	munmap(dst, 2 * PAGE);
	return ok;
}

/* Read the value of "Key:" (in kB) from a /proc file; -1 if absent. */
static inline long proc_kb(const char *file, const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* Is the running kernel at least MAJOR.MINOR? */
static inline bool kernel_at_least(int major, int minor)
{
	char buf[128];
	int ma = 0, mi = 0;
	FILE *f = fopen("/proc/sys/kernel/osrelease", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	if (sscanf(buf, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

static inline const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EPERM: return "EPERM";
	case EFAULT: return "EFAULT";
	case ESRCH: return "ESRCH";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case EEXIST: return "EEXIST";
	case EACCES: return "EACCES";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EBUSY: return "EBUSY";
	default: return strerror(e);
	}
}

#endif /* GUARD_UTIL_H */
