// SPDX-License-Identifier: GPL-2.0
/*
 * contpte-guard: guard pages next to and inside 64 KiB anonymous folios
 * (multi-size THP).  On arm64 with 4 KiB pages and CONFIG_ARM64_CONTPTE a
 * 64 KiB folio faulted in whole is mapped with the contiguous bit over 16
 * PTEs, and installing or removing a marker in one of them has to unfold
 * the block through set_pte_at()/set_ptes() first; elsewhere (x86_64,
 * i386) the same sequences check the walker on large folios.
 *
 * Each case maps a fresh region aligned to 64 KiB, sets
 * hugepages-64kB/enabled to "always" (PMD-size THP to "never", so that
 * nothing larger is used), faults the folios in with a stamp in every word,
 * checks through /proc/self/pagemap and /proc/kpageflags that every chunk
 * it wanted as a folio is one 64 KiB folio (16 contiguous PFNs, the first
 * 16-aligned and a compound head, the others tails), then installs guards
 * and checks that:
 *   - every guarded page faults (SIGSEGV) on read and on write, and its
 *     pagemap entry has the guard bit (58);
 *   - every other page keeps its stamp, and a folio that no guard touched is
 *     still the same 64 KiB folio (same PFNs);
 *   - MADV_GUARD_REMOVE leaves a zero page where the guard was, writable,
 *     and the neighbours keep their data.
 * Cases: a guard inside a folio; guards on the pages right before and after
 * a folio (in empty neighbours, and then with folio neighbours: the pages
 * at both edges); a guard over one whole folio; a guard straddling two
 * folios; a guarded folio region forked (the child sees the same).
 *
 * TAP output.  If no 64 KiB folio can be had (no hugepages-64kB directory,
 * or the faults gave small pages), the folio checks are reported as not ok
 * with -r (the harness's runs, where 64 KiB folios are expected), else the
 * program says so and exits 4 (skip): it never passes without a 64 KiB folio.
 *   -r        require 64 KiB folios
 *   -x data   break on purpose: drop a neighbour of the guards
 *             (MADV_DONTNEED) after installing them: must fail
 *   -x guard  break on purpose: remove the guards right after installing
 *             them: must fail
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE	103
#endif

#define PAGE		4096UL
#define CHUNK		(64 * 1024UL)
#define PPC		(CHUNK / PAGE)		/* pages per chunk: 16 */
#define PM_PRESENT	(1ULL << 63)
#define PM_GUARD	(1ULL << 58)
#define PM_PFN		((1ULL << 55) - 1)
#define KPF_HEAD	(1ULL << 15)
#define KPF_TAIL	(1ULL << 16)

static const char *mthp = "/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled";
static const char *mthp_faults =
	"/sys/kernel/mm/transparent_hugepage/hugepages-64kB/stats/anon_fault_alloc";
static const char *pmdthp = "/sys/kernel/mm/transparent_hugepage/enabled";
static char old_mthp[64], old_pmd[64];
static int tests, failed, pagemap_fd = -1, kpf_fd = -1;
static bool require, no_folio, break_data, break_guard;

static void tap(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	failed += !ok;
}

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY), n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -1 : 0;
}

/* "always [madvise] never" -> "madvise" */
static void current_choice(const char *s, char *out, size_t len)
{
	const char *a = strchr(s, '['), *b = a ? strchr(a, ']') : NULL;

	snprintf(out, len, "%.*s", a && b ? (int)(b - a - 1) : 0, a ? a + 1 : "");
}

static void restore(void)
{
	static volatile sig_atomic_t done;

	if (done++)
		return;
	if (old_mthp[0])
		write_file(mthp, old_mthp);
	if (old_pmd[0])
		write_file(pmdthp, old_pmd);
}

static void on_term(int sig)
{
	restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- page contents ---- */

static uint64_t stamp_word(uintptr_t page, unsigned int i, unsigned int gen)
{
	return ((uint64_t)gen << 48) ^ ((uint64_t)page << 4) ^ i ^ 0x5a5a000000000001ULL;
}

static void stamp(char *p, unsigned int gen)
{
	uint64_t *w = (uint64_t *)p;

	for (unsigned int i = 0; i < PAGE / 8; i++)
		w[i] = stamp_word((uintptr_t)p, i, gen);
}

/* 1: every word is the stamp, 0: every word is zero, -1: anything else */
static int contents(const char *p, unsigned int gen)
{
	const uint64_t *w = (const uint64_t *)p;
	bool st = true, zero = true;

	for (unsigned int i = 0; i < PAGE / 8; i++) {
		st &= w[i] == stamp_word((uintptr_t)p, i, gen);
		zero &= w[i] == 0;
	}
	return st ? 1 : zero ? 0 : -1;
}

/* ---- fault probes ---- */

static sigjmp_buf probe_env;
static volatile sig_atomic_t probing;

static void on_segv(int sig)
{
	if (!probing) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	siglongjmp(probe_env, 1);
}

static bool faults(char *p, bool write)
{
	bool hit;

	probing = 1;
	if (sigsetjmp(probe_env, 1)) {
		hit = true;
	} else {
		if (write)
			*(volatile char *)p = 1;
		else
			(void)*(volatile char *)p;
		hit = false;
	}
	probing = 0;
	return hit;
}

/* ---- folios ---- */

static uint64_t pagemap(const char *p)
{
	uint64_t e = 0;

	if (pread(pagemap_fd, &e, 8, (off_t)((uintptr_t)p / PAGE) * 8) != 8)
		return 0;
	return e;
}

static uint64_t kpageflags(uint64_t pfn)
{
	uint64_t f = 0;

	if (kpf_fd < 0 || pread(kpf_fd, &f, 8, (off_t)(pfn * 8)) != 8)
		return 0;
	return f;
}

/* The PFN of the 64 KiB folio mapping the chunk at p, or 0 if it is not one. */
static uint64_t folio64(const char *p)
{
	uint64_t first = pagemap(p) & PM_PFN;

	if (!(pagemap(p) & PM_PRESENT) || !first || first % PPC)
		return 0;
	for (unsigned int i = 0; i < PPC; i++) {
		uint64_t e = pagemap(p + i * PAGE);
		uint64_t f = kpageflags(first + i);

		if (!(e & PM_PRESENT) || (e & PM_PFN) != first + i)
			return 0;
		if (kpf_fd >= 0 && !(i == 0 ? (f & KPF_HEAD) : (f & KPF_TAIL)))
			return 0;
	}
	/* not part of something larger */
	if (kpf_fd >= 0 && (kpageflags(first + PPC) & KPF_TAIL))
		return 0;
	return first;
}

/* A fresh region of n chunks, 64 KiB aligned. */
static char *region(unsigned int n)
{
	size_t len = n * CHUNK;
	char *raw = mmap(NULL, len + CHUNK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;

	if (raw == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	p = (char *)(((uintptr_t)raw + CHUNK - 1) & ~(CHUNK - 1));
	if (p > raw)
		munmap(raw, p - raw);
	munmap(p + len, raw + CHUNK - p);
	return p;
}

/* Fault chunk c in with one write (a 64 KiB folio if the kernel gives one), stamp it. */
static void fill_chunk(char *base, unsigned int c, unsigned int gen)
{
	char *p = base + c * CHUNK;

	p[0] = 1;
	for (unsigned int i = 0; i < PPC; i++)
		stamp(p + i * PAGE, gen);
}

/* Checks, with TAP lines, that the chunks in mask are 64 KiB folios. */
static bool want_folios(const char *what, char *base, unsigned int n, unsigned int mask,
			uint64_t *pfns)
{
	bool all = true;

	for (unsigned int c = 0; c < n; c++) {
		if (!(mask & (1u << c)))
			continue;
		pfns[c] = folio64(base + c * CHUNK);
		all &= pfns[c] != 0;
	}
	if (!all) {
		no_folio = true;
		if (require)
			tap(false, "%s: chunks 0x%x are 64 KiB folios", what, mask);
		else
			diag("%s: no 64 KiB folio (chunks 0x%x): the folio checks are skipped",
			     what, mask);
	} else {
		tap(true, "%s: chunks 0x%x are 64 KiB folios", what, mask);
	}
	return all;
}

/* The same folios as before (untouched by the guards). */
static void same_folios(const char *what, char *base, unsigned int n, unsigned int mask,
			const uint64_t *pfns)
{
	bool ok = true;

	for (unsigned int c = 0; c < n; c++) {
		if (!(mask & (1u << c)) || !pfns[c])
			continue;
		if (folio64(base + c * CHUNK) != pfns[c]) {
			diag("%s: chunk %u: folio pfn 0x%llx -> 0x%llx", what, c,
			     (unsigned long long)pfns[c],
			     (unsigned long long)folio64(base + c * CHUNK));
			ok = false;
		}
	}
	tap(ok, "%s: untouched folios 0x%x keep their PFNs", what, mask);
}

/*
 * The state of pages [0, npages) of base: guarded[] says which are guards;
 * expect[] the contents of the others (1 stamp of gen, 0 zero, 2 not
 * mapped: not read).
 */
static void check_pages(const char *what, char *base, unsigned int npages,
			const char *guarded, const signed char *expect, unsigned int gen)
{
	unsigned int bad_guard = 0, bad_data = 0, bad_bit = 0, nguards = 0;

	for (unsigned int i = 0; i < npages; i++) {
		char *p = base + i * PAGE;

		if (guarded[i]) {
			nguards++;
			if (!faults(p, false) || !faults(p, true)) {
				if (!bad_guard++)
					diag("%s: page %u: guard does not fault", what, i);
			}
			if (!(pagemap(p) & PM_GUARD)) {
				if (!bad_bit++)
					diag("%s: page %u: no guard bit in pagemap (0x%llx)", what, i,
					     (unsigned long long)pagemap(p));
			}
		} else if (expect[i] != 2) {
			int c = faults(p, false) ? -2 : contents(p, gen);

			if (c != expect[i]) {
				if (!bad_data++)
					diag("%s: page %u: %s, expected %s", what, i,
					     c == -2 ? "faults" : c == 1 ? "stamp" : c == 0 ? "zero" :
					     "foreign data", expect[i] ? "its stamp" : "zero");
			}
		}
	}
	if (nguards) {
		tap(!bad_guard, "%s: %u guards fault on read and write (%u bad)", what, nguards,
		    bad_guard);
		tap(!bad_bit, "%s: guards have the pagemap guard bit (%u bad)", what, bad_bit);
	}
	tap(!bad_data, "%s: other pages keep their data (%u bad)", what, bad_data);
}

static void madv(const char *what, char *p, size_t len, int advice)
{
	int r = madvise(p, len, advice);

	tap(r == 0, "%s: madvise(%s, %zu pages) = %d%s%s", what,
	    advice == MADV_GUARD_INSTALL ? "GUARD_INSTALL" : "GUARD_REMOVE",
	    (size_t)(len / PAGE), r, r ? " " : "", r ? strerror(errno) : "");
}

/*
 * One case: NC chunks, the chunks in `fill` faulted in as folios; guards on
 * pages [g0, g1); then removed; the guarded pages then read zero and take
 * writes.
 */
static void run_case(const char *what, unsigned int nc, unsigned int fill,
		     unsigned int g0, unsigned int g1, bool do_fork)
{
	unsigned int np = nc * PPC, gen = tests + 7;
	char *base = region(nc), guarded[64] = { 0 };
	signed char expect[64];
	uint64_t pfns[4] = { 0 };
	unsigned int touched = 0;

	diag("%s: %u chunks at %p, folios 0x%x, guards on pages [%u, %u)", what, nc,
	     (void *)base, fill, g0, g1);
	for (unsigned int c = 0; c < nc; c++)
		if (fill & (1u << c))
			fill_chunk(base, c, gen);
	want_folios(what, base, nc, fill, pfns);
	for (unsigned int i = 0; i < np; i++) {
		expect[i] = fill & (1u << (i / PPC)) ? 1 : 2;
		guarded[i] = i >= g0 && i < g1;
		if (guarded[i])
			touched |= 1u << (i / PPC);
	}

	madv(what, base + g0 * PAGE, (g1 - g0) * PAGE, MADV_GUARD_INSTALL);
	if (break_guard)
		madvise(base + g0 * PAGE, (g1 - g0) * PAGE, MADV_GUARD_REMOVE);
	if (break_data) {
		unsigned int n = g1 < np && expect[g1] == 1 ? g1 : g0 > 0 ? g0 - 1 : g1;

		if (n < np && expect[n] == 1)
			madvise(base + n * PAGE, PAGE, MADV_DONTNEED);
	}
	check_pages(what, base, np, guarded, expect, gen);
	same_folios(what, base, nc, fill & ~touched, pfns);

	if (do_fork) {
		pid_t pid = fork();
		int status = 0;

		if (pid == 0) {
			int before = failed;

			check_pages("child", base, np, guarded, expect, gen);
			_exit(failed != before);
		}
		waitpid(pid, &status, 0);
		tests += 3;	/* the child's TAP lines */
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}

	/* pages of empty chunks next to the guards: fault them in now (small pages) */
	for (unsigned int i = 0; i < np; i++) {
		if (expect[i] == 2 && !guarded[i]) {
			stamp(base + i * PAGE, gen);
			expect[i] = 1;
		}
	}
	madv(what, base + g0 * PAGE, (g1 - g0) * PAGE, MADV_GUARD_REMOVE);
	memset(guarded, 0, sizeof(guarded));
	for (unsigned int i = g0; i < g1; i++)
		expect[i] = 0;
	{
		char label[128];

		snprintf(label, sizeof(label), "%s, removed", what);
		check_pages(label, base, np, guarded, expect, gen);
		for (unsigned int i = g0; i < g1; i++)
			stamp(base + i * PAGE, gen);
		for (unsigned int i = g0; i < g1; i++)
			expect[i] = 1;
		snprintf(label, sizeof(label), "%s, rewritten", what);
		check_pages(label, base, np, guarded, expect, gen);
	}
	munmap(base, nc * CHUNK);
}

int main(int argc, char **argv)
{
	char buf[256];
	long faults0 = 0;
	struct sigaction sa = { .sa_handler = on_segv };

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-r")) {
			require = true;
		} else if (!strcmp(argv[i], "-x") && i + 1 < argc) {
			i++;
			break_data |= !strcmp(argv[i], "data");
			break_guard |= !strcmp(argv[i], "guard");
		} else {
			fprintf(stderr, "usage: %s [-r] [-x data|guard]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	kpf_fd = open("/proc/kpageflags", O_RDONLY);
	if (pagemap_fd < 0) {
		perror("/proc/self/pagemap");
		return 1;
	}
	if (kpf_fd < 0)
		diag("no /proc/kpageflags: folios judged by contiguous PFNs only");

	if (read_file(mthp, buf, sizeof(buf)) < 0) {
		diag("%s: %s: this kernel has no 64 KiB anonymous folios", mthp, strerror(errno));
		if (require) {
			printf("1..1\n");
			tap(false, "64 KiB anonymous folios (hugepages-64kB) available");
			return 1;
		}
		printf("1..0 # SKIP no hugepages-64kB\n");
		return 4;
	}
	current_choice(buf, old_mthp, sizeof(old_mthp));
	if (read_file(pmdthp, buf, sizeof(buf)) >= 0)
		current_choice(buf, old_pmd, sizeof(old_pmd));
	atexit(restore);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, on_term);
	if (write_file(mthp, "always") || (old_pmd[0] && write_file(pmdthp, "never"))) {
		diag("cannot set %s to always: %s", mthp, strerror(errno));
		return 1;
	}
	diag("hugepages-64kB: %s -> always, PMD-size THP: %s -> never", old_mthp,
	     old_pmd[0] ? old_pmd : "-");

	if (read_file(mthp_faults, buf, sizeof(buf)) > 0)
		faults0 = atol(buf);
	/* chunk k covers pages [16k, 16k + 16) */
	run_case("inside a folio", 3, 0x7, 16 + 5, 16 + 6, false);
	run_case("first page of a folio", 3, 0x7, 16, 17, false);
	run_case("last page of a folio", 3, 0x7, 31, 32, false);
	run_case("next to a folio, empty neighbours", 3, 0x2, 15, 16, false);
	run_case("after a folio, empty neighbour", 3, 0x2, 32, 33, false);
	run_case("next to a folio, both edges of the neighbours", 3, 0x5, 15, 17, false);
	run_case("over a whole folio", 3, 0x7, 16, 32, false);
	run_case("straddling two folios", 3, 0x7, 12, 20, false);
	run_case("half a folio, forked", 3, 0x7, 24, 32, true);
	run_case("over every folio", 3, 0x7, 0, 48, false);

	if (read_file(mthp_faults, buf, sizeof(buf)) > 0)
		diag("64 KiB folios allocated at fault (hugepages-64kB anon_fault_alloc): %ld",
		     atol(buf) - faults0);
	printf("1..%d\n", tests);
	if (no_folio && !require && !failed) {
		diag("no 64 KiB folio was allocated: reported as skipped, not passed");
		return 4;
	}
	diag("%d of %d failed", failed, tests);
	return failed ? 1 : 0;
}
