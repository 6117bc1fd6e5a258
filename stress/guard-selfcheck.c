// SPDX-License-Identifier: GPL-2.0
/*
 * guard-selfcheck: the checks of the other stress programs can fail.  Runs
 * each of them (from the directory this program is in) with one thing
 * broken on purpose, and passes only if that run fails, naming what broke;
 * and once unbroken, which must pass.
 *
 *   guard-selfcheck
 */
#include <libgen.h>
#include <sys/wait.h>
#include "guard_util.h"

static char dir[4096];

struct run {
	const char *what;
	const char *cmd;	/* relative to dir */
	int want_rc;		/* expected exit status */
	const char *want;	/* a line of the output must contain this */
	bool needs_failnth;	/* skipped without fault injection */
};

static const struct run runs[] = {
	{ "control: guard-stress passes unbroken",
	  "guard-stress -t 3 -p 2 -s 7", 0, "ok 3 guard-stress:", false },
	{ "guard-stress: a corrupted word of a page is caught",
	  "guard-stress -t 3 -s 7 -i data", 1, "reads a torn stamp", false },
	{ "guard-stress: a guard that is not there is caught",
	  "guard-stress -t 3 -s 7 -i guard", 1, "readable, expected a fault", false },
	{ "guard-stress: a wrong errno is caught",
	  "guard-stress -t 3 -s 7 -i errno", 1, "expected EINVAL", false },
	{ "guard-stress: another page's data in the race zone is caught",
	  "guard-stress -t 3 -s 7 -i race", 1, "foreign word", false },
	{ "guard-stress: a corrupted word of a shared file page is caught",
	  "guard-stress -t 2 -s 7 -N -i sdata", 1, "through MAP_SHARED, after write of", false },
	{ "guard-stress: a guard missing in a shared mapping is caught",
	  "guard-stress -t 2 -s 7 -N -i sguard", 1, "through MAP_SHARED, after install of", false },
	{ "guard-stress: data kept over a punched hole is caught",
	  "guard-stress -t 2 -s 7 -N -i punch", 1, "after fallocate(PUNCH_HOLE)", false },
	{ "guard-stress: data kept beyond a truncation is caught",
	  "guard-stress -t 2 -s 7 -N -i trunc", 1, "and back (before: ", false },
	{ "guard-stress: a private copy kept over MADV_DONTNEED is caught",
	  "guard-stress -t 2 -s 7 -N -i private", 1, "through MAP_PRIVATE, after dontneed of", false },
	{ "guard-stress: a fork child expecting a guard that is not there is caught",
	  "guard-stress -t 2 -s 7 -N -i child", 1, "fork child, ", false },
	{ "guard-fuzz: a corrupted page is caught, with the seed to replay",
	  "guard-fuzz -s 1 -n 300 -x 100", 1, "# replay: guard-fuzz -s 1 -n 101", false },
	{ "guard-fuzz: a file page changed behind the model's back is caught",
	  "guard-fuzz -s 1 -n 300 -X 100", 1, ", file page ", false },
	{ "guard-badinput: a wrong expected errno is caught",
	  "guard-badinput -x 1", 1, "not ok 1 install: unaligned start (+1) # got EINVAL, expected 0", false },
	{ "guard-badinput: a change behind the call's back is caught",
	  "guard-badinput -c 1", 1, "not ok 1 install: unaligned start (+1) # page 0: content zero", false },
	{ "guard-failnth: a page table page too many after munmap is caught",
	  "guard-failnth -k -x -m 5", 1, "VmPTE", true },
	{ "guard-failnth: a page table page too many in PageTables is caught",
	  "guard-failnth -k -X", 1, "PageTables", true },
	{ "guard-failnth: a memfd changed behind the program's back is caught (dry run)",
	  "guard-failnth -d -c -o memfd", 1, "memfd: dry run (no fault injection): the uninjected call and every check # memfd page 0 changed", false },
	{ "guard-failnth: a memfd changed behind the program's back is caught",
	  "guard-failnth -k -c -o memfd", 1, "# page 0: inconsistent content (foreign)", true },
};

static bool run_one(const struct run *r, char *why, size_t n)
{
	char cmd[8192], line[1024];
	bool seen = false;
	int status, rc;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s/%s 2>&1", dir, r->cmd);
	f = popen(cmd, "r");
	if (!f) {
		snprintf(why, n, "cannot run %s", r->cmd);
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, r->want))
			seen = true;
		/* Keep the TAP of the inner run out of ours. */
		if (!strncmp(line, "not ok ", 7) || strstr(line, "FAIL") ||
		    strstr(line, "replay") || strstr(line, r->want))
			printf("#   | %s", line);
	}
	status = pclose(f);
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (rc != r->want_rc || !seen) {
		snprintf(why, n, "exit %d (expected %d), \"%s\" %sseen", rc,
			 r->want_rc, r->want, seen ? "" : "not ");
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	char self[4096], why[512];
	unsigned int i;
	ssize_t l;
	bool failnth = access("/proc/thread-self/fail-nth", R_OK) == 0 &&
		       access("/sys/kernel/debug/fail_page_alloc/min-order", W_OK) == 0;

	(void)argc;
	l = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (l < 0) {
		snprintf(self, sizeof(self), "%s", argv[0]);
		l = strlen(self);
	}
	self[l] = 0;
	snprintf(dir, sizeof(dir), "%s", dirname(self));
	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_plan(ARRAY_SIZE(runs));
	for (i = 0; i < ARRAY_SIZE(runs); i++) {
		if (runs[i].needs_failnth && !failnth) {
			tap_skip_result("%s # SKIP no fault injection", runs[i].what);
			continue;
		}
		if (run_one(&runs[i], why, sizeof(why)))
			tap_result(true, "%s", runs[i].what);
		else
			tap_result(false, "%s: %s", runs[i].what, why);
	}
	tap_finish();
	return 0;
}
