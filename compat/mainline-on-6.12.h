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
 * Built so, mainline 7.3.4's guard-regions runs on the 6.12 series and every
 * test that runs passes.  These 21 skip by design for their backing (the
 * check fails if any other test skips, or one of these runs):
 *   guard_regions.anon.madvise_sequential - MADV_SEQUENTIAL: file-backed only
 *   guard_regions.anon.map_private - MAP_PRIVATE of a file: file-backed only
 *   guard_regions.anon.readonly_file - a read-only file: file-backed only
 *   guard_regions.anon.fault_around - fault-around: file-backed only
 *   guard_regions.anon.truncation - truncation: file-backed only
 *   guard_regions.anon.hole_punch - hole punching: file-backed only
 *   guard_regions.anon.memfd_write_seal - memfd seals: shmem only
 *   guard_regions.anon.truncation_race - truncation: file-backed only
 *   guard_regions.shmem.fork_cow - copy-on-write: anonymous only
 *   guard_regions.shmem.fork_wipeonfork - MADV_WIPEONFORK: anonymous only
 *   guard_regions.shmem.lazyfree - MADV_FREE: anonymous only
 *   guard_regions.shmem.readonly_file - needs a local file
 *   guard_regions.file.fork_cow - copy-on-write: anonymous only
 *   guard_regions.file.fork_wipeonfork - MADV_WIPEONFORK: anonymous only
 *   guard_regions.file.lazyfree - MADV_FREE: anonymous only
 *   guard_regions.file.uffd - the test registers anonymous or shmem only
 *   guard_regions.file.uffd_wp - the same
 *   guard_regions.file.memfd_write_seal - memfd seals: shmem only
 *   guard_regions.file.anon_zeropage - the zero page: anonymous or shmem only
 *   guard_regions.shmem.pagemap_scan_written - write tracking: anonymous only
 *   guard_regions.file.pagemap_scan_written - the same
 *
 * (Before the series had VM_MAYBE_GUARD, its three smaps tests failed: no
 * "gu" in VmFlags.)
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
