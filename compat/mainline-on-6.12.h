/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Included (gcc -include) before every source file of mainline's selftests
 * when they are built for the 6.12 series' kernel: what those tests use that
 * 6.12 lacks and that is not part of the guard-region ABI.
 *
 * PIDFD_SELF (6.14): a sentinel pidfd naming the calling thread, which 6.12's
 * process_madvise() refuses with EBADF.  A pidfd of the calling process,
 * opened once, names the same mm.  (Without it, the three process_madvise
 * tests of guard-regions fail on 6.12 with EBADF.)
 *
 * Built so, mainline 7.3.4's guard-regions runs on the 6.12 series, and
 * exactly these tests fail, for what the series does not have yet:
 *   guard_regions.anon.smaps - no "gu" in smaps' VmFlags for a VMA that has
 *	had guards (VM_MAYBE_GUARD, mainline 6.19)
 *   guard_regions.shmem.smaps - the same
 *   guard_regions.file.smaps - the same
 */
#ifndef MAINLINE_ON_6_12_H
#define MAINLINE_ON_6_12_H

#include <sys/syscall.h>
#include <unistd.h>

static inline int mainline_on_6_12_pidfd_self(void)
{
	static int fd = -1;

	if (fd < 0)
		fd = syscall(SYS_pidfd_open, getpid(), 0);
	return fd;
}

#define PIDFD_SELF	mainline_on_6_12_pidfd_self()

#endif
