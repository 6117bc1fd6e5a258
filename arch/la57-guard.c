// SPDX-License-Identifier: GPL-2.0
/*
 * la57-guard: the guest runs 5-level paging, and guard pages work in the
 * part of the address space only 5-level paging has.
 *
 * x86_64 gives user space addresses above 2^47 only when the kernel runs
 * 5-level page tables (CONFIG_X86_5LEVEL, a CPU with LA57, no no5lvl) and
 * mmap() is given a hint above 2^47.  So: /proc/cpuinfo must have the la57
 * flag, a mapping with the hint 2^52 must land above 2^47 and hold data,
 * and MADV_GUARD_INSTALL on a never-touched mapping at 2^55 (a PGD entry
 * of its own: the walker allocates the P4D, PUD, PMD and PTE tables) must
 * give guards that fault and show in pagemap, which MADV_GUARD_REMOVE
 * turns back into zero pages.
 *
 * TAP.  -e: 5-level paging is expected (the harness's -cpu max boot): its
 * absence fails.  Without -e it is reported as a skip (exit 4).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE	103
#endif
#define PAGE		4096UL
#define PM_GUARD	(1ULL << 58)

static int tests, failed;

static __attribute__((unused)) void tap(bool ok, const char *what, unsigned long long v)
{
	printf("%s %d - %s (0x%llx)\n", ok ? "ok" : "not ok", ++tests, what, v);
	fflush(stdout);
	failed += !ok;
}

static sigjmp_buf env;
static __attribute__((unused)) void on_segv(int sig) { (void)sig; siglongjmp(env, 1); }
static __attribute__((unused)) bool faults(volatile char *p, bool write)
{
	if (sigsetjmp(env, 1))
		return true;
	if (write)
		*p = 1;
	else
		(void)*p;
	return false;
}

int main(int argc, char **argv)
{
	bool expect = argc > 1 && !strcmp(argv[1], "-e");
	char line[4096];
	bool la57 = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) && strstr(line, " la57"))
			la57 = true;
	if (f)
		fclose(f);
#if UINTPTR_MAX <= 0xffffffffUL
	printf("# cpuinfo la57: %s\n1..0 # SKIP a 32-bit address space\n", la57 ? "yes" : "no");
	return expect ? 1 : 4;
#else
	{
		size_t len = 2UL << 20;
		char *hi = mmap((void *)(1UL << 52), len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		bool five = hi != MAP_FAILED && (uintptr_t)hi >= (1UL << 47);
		struct sigaction sa = { .sa_handler = on_segv };
		int pm = open("/proc/self/pagemap", O_RDONLY);
		uint64_t e = 0;
		char *g;
		bool ok;

		printf("# cpuinfo la57: %s; mmap(hint 2^52) = %p\n", la57 ? "yes" : "no",
		       hi == MAP_FAILED ? NULL : (void *)hi);
		if (!expect && !(la57 && five)) {
			printf("1..0 # SKIP not running 5-level paging\n");
			return 4;
		}
		tap(la57, "/proc/cpuinfo has the la57 flag", la57);
		tap(five, "a user mapping with a hint above 2^47 lands above 2^47 (5-level paging)",
		    (uintptr_t)hi);
		if (!five) {
			printf("1..%d\n", tests);
			return 1;
		}
		ok = true;
		for (size_t i = 0; i < len; i += PAGE)
			*(uint64_t *)(hi + i) = (uintptr_t)hi + i;
		for (size_t i = 0; i < len; i += PAGE)
			ok &= *(uint64_t *)(hi + i) == (uintptr_t)hi + i;
		tap(ok, "data above 2^47 reads back", (uintptr_t)hi);

		sigaction(SIGSEGV, &sa, NULL);
		g = mmap((void *)(1UL << 55), 16 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		tap(g != MAP_FAILED && (uintptr_t)g >= (1UL << 52),
		    "a second mapping, at 2^55 (its own PGD entry)", (uintptr_t)g);
		if (g == MAP_FAILED)
			return 1;
		tap(madvise(g + 4 * PAGE, 8 * PAGE, MADV_GUARD_INSTALL) == 0,
		    "MADV_GUARD_INSTALL on 8 never-touched pages there (walker allocates P4D..PTE)",
		    (uintptr_t)(g + 4 * PAGE));
		ok = true;
		for (int i = 4; i < 12; i++)
			ok &= faults(g + i * PAGE, false) && faults(g + i * PAGE, true);
		tap(ok, "every guard faults on read and write", 8);
		ok = pm >= 0;
		for (int i = 0; i < 16 && ok; i++) {
			pread(pm, &e, 8, (off_t)(((uintptr_t)g / PAGE + i) * 8));
			ok = !!(e & PM_GUARD) == (i >= 4 && i < 12);
		}
		tap(ok, "pagemap: the guard bit on exactly the guarded pages", e);
		ok = !faults(g, true) && !faults(g + 15 * PAGE, true);
		tap(ok, "the pages around the guards are writable", 2);
		tap(madvise(g, 16 * PAGE, MADV_GUARD_REMOVE) == 0, "MADV_GUARD_REMOVE", 0);
		ok = true;
		for (int i = 4; i < 12; i++)
			ok &= !faults(g + i * PAGE, false) && g[i * PAGE] == 0;
		ok &= g[0] == 1 && g[15 * PAGE] == 1;
		tap(ok, "removed: zero pages where the guards were, the rest kept", 0);
		printf("1..%d\n", tests);
		return failed ? 1 : 0;
	}
#endif
}
