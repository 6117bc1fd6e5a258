// SPDX-License-Identifier: GPL-2.0
/*
 * guard_prof - where the kernel spends its time installing and removing
 * guard pages: runs one workload at a time in a loop and takes the kernel's
 * own sampling profile of it (boot with profile=SHIFT, CONFIG_PROFILING).
 *
 * Workloads (--only a,b,...; --secs S each):
 *   fresh     MADV_GUARD_INSTALL over N unpopulated pages of a new mapping
 *             (page tables allocated), then munmap();
 *   refill    MADV_GUARD_INSTALL over N pages whose page tables exist and
 *             are empty, then MADV_GUARD_REMOVE: the walker's per-PTE path;
 *   many      K single-page guards at a stride of 2 pages, one call each,
 *             then one MADV_GUARD_REMOVE over the mapping: the per-call
 *             cost;
 *   populated MADV_GUARD_INSTALL over N populated 4 KiB pages (zap, then
 *             install), then MADV_GUARD_REMOVE and MADV_POPULATE_WRITE.
 *
 * For each workload it resets /proc/profile, runs the loop, and prints
 * what it did and the profile's non-zero buckets:
 *
 *   # guard_prof WORKLOAD: ITER iterations, NS ns per page|guard
 *   # profile WORKLOAD step=STEP
 *   p OFFSET COUNT          (OFFSET from _stext, in bytes)
 *   # profile end
 *
 * bench/profile.py turns that into per-function tables with System.map.
 * Without /proc/profile (a kernel booted without profile=) it says so and
 * fails: a profile that was not taken must not look like an empty one.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

static size_t ps;
static double secs = 10;
static long range_pages = 32768;	/* 128 MiB */
static long many_guards = 4096;
static const char *only;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what)
{
	printf("not ok - guard_prof: %s: %s\n", what, strerror(errno));
	exit(1);
}

static bool want(const char *name)
{
	const char *p = only;
	size_t n = strlen(name);

	if (!p)
		return true;
	while (p && *p) {
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static char *map_anon(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static void madv(char *p, size_t len, int advice, const char *what)
{
	if (madvise(p, len, advice))
		die(what);
}

static void reset_profile(void)
{
	int fd = open("/proc/profile", O_WRONLY);

	/* One byte: resets the counters; an int would set a multiplier. */
	if (fd < 0 || write(fd, "\n", 1) != 1)
		die("/proc/profile (boot with profile=SHIFT)");
	close(fd);
}

static void dump_profile(const char *name)
{
	static unsigned int buf[1 << 16];
	unsigned long idx = 0, total = 0;
	unsigned int step = 0;
	bool first = true;
	ssize_t n;
	int fd, i;

	fd = open("/proc/profile", O_RDONLY);
	if (fd < 0)
		die("/proc/profile");
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n / (int)sizeof(buf[0]); i++) {
			if (first) {
				step = buf[i];
				first = false;
				printf("# profile %s step=%u\n", name, step);
				continue;
			}
			if (buf[i]) {
				printf("p %lu %u\n", idx * step, buf[i]);
				total += buf[i];
			}
			idx++;
		}
	}
	if (n < 0)
		die("reading /proc/profile");
	close(fd);
	printf("# profile end %s samples=%lu\n", name, total);
}

/* Runs @one until --secs have passed; returns the iterations done. */
static long run(const char *name, long per_iter, const char *unit,
		void (*one)(char *), char *arg)
{
	uint64_t t0, t, end;
	long iters = 0;

	reset_profile();
	t0 = now_ns();
	end = t0 + (uint64_t)(secs * 1e9);
	do {
		one(arg);
		iters++;
	} while ((t = now_ns()) < end);
	printf("# guard_prof %s: %ld iterations, %.1f ns per %s\n", name,
	       iters, (double)(t - t0) / iters / per_iter, unit);
	dump_profile(name);
	return iters;
}

static void fresh_one(char *unused __attribute__((unused)))
{
	size_t len = range_pages * ps;
	char *p = map_anon(len);

	madv(p, len, MADV_GUARD_INSTALL, "fresh install");
	munmap(p, len);
}

static void refill_one(char *p)
{
	size_t len = range_pages * ps;

	madv(p, len, MADV_GUARD_INSTALL, "refill install");
	madv(p, len, MADV_GUARD_REMOVE, "refill remove");
}

static void many_one(char *p)
{
	long i;

	for (i = 0; i < many_guards; i++)
		madv(p + 2 * i * ps, ps, MADV_GUARD_INSTALL, "many install");
	madv(p, 2 * many_guards * ps, MADV_GUARD_REMOVE, "many remove");
}

static void populated_one(char *p)
{
	size_t len = range_pages * ps;

	madv(p, len, MADV_GUARD_INSTALL, "populated install");
	madv(p, len, MADV_GUARD_REMOVE, "populated remove");
	madv(p, len, MADV_POPULATE_WRITE, "populate");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "secs", required_argument, NULL, 't' },
		{ "pages", required_argument, NULL, 'n' },
		{ "guards", required_argument, NULL, 'k' },
		{ "only", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	char *p;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			secs = atof(optarg);
			break;
		case 'n':
			range_pages = atol(optarg);
			break;
		case 'k':
			many_guards = atol(optarg);
			break;
		case 'o':
			only = optarg;
			break;
		default:
			fprintf(stderr, "usage: guard_prof [--secs S] [--pages N] [--guards K] [--only fresh,refill,many,populated]\n");
			return 2;
		}
	}
	if (secs <= 0 || range_pages < 1 || many_guards < 1)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	ps = sysconf(_SC_PAGESIZE);

	if (want("fresh"))
		run("fresh", range_pages, "page", fresh_one, NULL);
	if (want("refill")) {
		p = map_anon(range_pages * ps);
		run("refill", range_pages, "page", refill_one, p);
		munmap(p, range_pages * ps);
	}
	if (want("many")) {
		p = map_anon(2 * many_guards * ps);
		run("many", many_guards, "guard", many_one, p);
		munmap(p, 2 * many_guards * ps);
	}
	if (want("populated")) {
		p = map_anon(range_pages * ps);
		madv(p, range_pages * ps, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
		madv(p, range_pages * ps, MADV_POPULATE_WRITE, "populate");
		run("populated", range_pages, "page", populated_one, p);
		munmap(p, range_pages * ps);
	}
	printf("ok - guard_prof\n");
	return 0;
}
