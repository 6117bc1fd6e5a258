// SPDX-License-Identifier: GPL-2.0
/*
 * guard-stress: several processes, each with several threads, for a bounded
 * time on the same ranges: install and remove guard pages on random
 * subranges, fault and write pages that carry a self-check (home address and
 * generation, see guard_util.h), MADV_DONTNEED/FREE/COLD/PAGEOUT,
 * MADV_POPULATE_READ/WRITE, mprotect(), mremap() away and back, munmap() and
 * mmap() again, fork() (the child checks what it inherited) with and without
 * MADV_WIPEONFORK, and MADV_COLLAPSE of a whole PMD.
 *
 * Layout: the first process fills a 2 MiB-aligned region of CHUNKS chunks
 * (THP-eligible) and installs some guards, then forks the worker processes,
 * which share its pages copy-on-write.  In each worker:
 *  - chunk threads pick a random chunk, lock it and apply one operation to a
 *    random subrange, keeping a model of every page (guard_model.h); every
 *    result is checked against the model: the errno of every call, that a
 *    guard always faults (SEGV_MAPERR, and EFAULT through GUP), that a page
 *    keeps exactly the data it should (its own home, the expected
 *    generation);
 *  - race threads hammer a separate race zone without locks: each owns some
 *    pages and writes and reads them, all of them install and remove guards,
 *    zap and page out random ranges of the whole zone.  There an owner may
 *    read zero, its own stamp of a generation it wrote, a torn stamp (a zap
 *    in the middle of a write) or a guard fault, but never a word of another
 *    page or of a generation it has not written yet.
 * At the end every worker checks its whole region and race zone.
 *
 * Shared backings: each worker also has a memfd (shmem) and a regular file
 * (in $GUARD_PAGES_FILE_DIR, else /tmp), each mapped MAP_SHARED (S),
 * MAP_PRIVATE (P) and once more MAP_SHARED (R).  Their chunks get the same
 * kinds of operations through S or P, plus MADV_REMOVE and
 * fallocate(PUNCH_HOLE) (the file's data there becomes zero), POSIX_FADV_
 * DONTNEED, ftruncate() shrink and grow back of the last chunks (SIGBUS
 * beyond the end in between; data zero, P's copies gone afterwards) and
 * MADV_COLLAPSE of the memfd; the model keeps the file's content apart
 * from S's and P's guards, protections and P's private copies.  A
 * truncation racer faults the last chunks in and out through R meanwhile
 * (mainline, at least up to 6.18, drops guards when truncation or a hole
 * punch races with such faults: the failure names the operation; -N
 * turns the racer off).
 *
 *   guard-stress [-t SECS] [-k] [-p PROCS] [-T THREADS] [-R RACERS] [-s SEED]
 *		  [-N] [-F] [-i WHAT]
 *	-t SECS	run for SECS seconds (default 60)
 *	-k	take the time from the kernel command line, guard_stress.secs=N,
 *		if it is there (the on-demand long run)
 *	-p	worker processes (default 2), -T chunk threads (3), -R race
 *		threads (2) per worker; -s seed (default: time)
 *	-i WHAT	break one thing on purpose, to show that the checks fail:
 *		data: corrupt one word of a page behind the model's back;
 *		guard: pretend to install a guard without doing it;
 *		errno: expect EINVAL from a call that must succeed;
 *		race: write a word of another page into a race-zone page;
 *		sdata: corrupt a word of a file page through S;
 *		sguard: pretend to install a guard in S;
 *		punch: keep the data of a hole punched with fallocate();
 *		trunc: keep the data beyond a truncation;
 *		private: keep a private copy in P over MADV_DONTNEED;
 *		child: a fork child expects a guard where there is none
 *	-N	no truncation racer
 *	-F	no shared backings (anonymous memory only)
 *
 * TAP output, one line per worker and one for the whole run; exit 1 on any
 * failure.
 */
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "guard_model.h"

#define CHUNK_PAGES	16
#define CHUNKS		64
#define REGION_PAGES	(CHUNK_PAGES * CHUNKS)	/* 4 MiB */
#define RACE_PAGES	64
#define MAX_WORKERS	8
#define MAX_THREADS	16

enum op {
	OP_WRITE, OP_VERIFY, OP_INSTALL, OP_REMOVE, OP_DONTNEED, OP_FREE,
	OP_COLD, OP_POPULATE, OP_MPROTECT, OP_MREMAP, OP_REMAP, OP_FORK,
	OP_COLLAPSE, OP_PUNCH, OP_TRUNCATE, NR_OPS
};

static const char *const op_name[NR_OPS] = {
	"write", "verify", "install", "remove", "dontneed", "free",
	"cold/pageout", "populate", "mprotect", "mremap", "munmap+mmap", "fork",
	"collapse", "punch", "truncate",
};

/* Per cent of the single-chunk operations (collapse: see chunk_thread()). */
static const int op_weight[NR_OPS] = {
	22, 22, 12, 10, 5, 5, 3, 4, 7, 3, 4, 3, 0, 0, 0,
};

/*
 * The same for the shared backings (free: only its EINVAL is checked;
 * truncate and collapse: see chunk_thread()).
 */
static const int sop_weight[NR_OPS] = {
	20, 20, 12, 10, 5, 1, 4, 4, 6, 3, 4, 3, 0, 8, 0,
};

/*
 * The shared backings: a memfd (shmem) and a regular file (in
 * $GUARD_PAGES_FILE_DIR, else /tmp), each per worker, each mapped MAP_SHARED
 * (S, whose address is the home of the file's stamps), MAP_PRIVATE (P,
 * whose copy-on-write copies carry P's address) and, for the truncation
 * race, MAP_SHARED once more (R, only read).  The file's content is modelled
 * apart from the mappings: a guard in S or P hides it, never changes it.
 */
enum backing { B_ANON, B_MEMFD, B_FILE, NR_BACKINGS };
static const char *const backing_name[NR_BACKINGS] = { "anon", "memfd", "file" };
#define MEMFD_CHUNKS	32	/* 2 MiB: MADV_COLLAPSE */
#define FILE_CHUNKS	16
#define TAIL_CHUNKS	4	/* truncation shrinks into the last ones */
#define SCHUNKS		(MEMFD_CHUNKS + FILE_CHUNKS)

struct spage {
	uint32_t fgen;		/* file content: 0 zero, else S's stamp */
	uint32_t pgen;		/* P's private copy (pcow) */
	uint8_t sguard, sprot;	/* S: guard, protection */
	uint8_t pguard, pprot;	/* P */
	uint8_t pcow;		/* P: 0 file, 1 a copy of S's stamp, 2 its own */
};

struct schunk {
	pthread_mutex_t lock;
	struct spage pg[CHUNK_PAGES];
	char last[128];		/* the last operation on it */
	char prev[3][128];	/* and the ones before */
};

struct sbacking {
	int fd, nchunks;
	char *s, *p, *r;
	bool punch;		/* fallocate(PUNCH_HOLE) supported */
	bool multi_move;	/* mremap() moves several of its VMAs */
	struct schunk *ch;
};

/* Shared between the supervisor and the workers (MAP_SHARED). */
struct shared {
	volatile int stop;
	struct {
		unsigned long ops[NR_BACKINGS][NR_OPS];
		unsigned long race_ops;
		unsigned long guard_faults;	/* guards seen faulting */
		unsigned long collapsed;	/* MADV_COLLAPSE that worked */
		unsigned long scollapsed;	/* ... of the memfd */
		unsigned long sigbus;		/* beyond EOF, checked */
		unsigned long failures;
		volatile unsigned long heartbeat;
	} w[MAX_WORKERS];
};

struct chunk {
	pthread_mutex_t lock;
	struct mpage pg[CHUNK_PAGES];
};

static struct shared *sh;
static int worker_id;
static char *region;
static char *race;
static struct chunk chunks[CHUNKS];
static struct schunk schunks[SCHUNKS];
static struct sbacking sb[NR_BACKINGS];
static bool shared_on = true, trunc_race = true;
/*
 * fork() write-protects every PTE of the process, and MADV_COLLAPSE refuses
 * (EINVAL) a range with no writable PTE: forks (readers) and the write-then-
 * collapse sequence (writer) exclude each other.
 */
static pthread_rwlock_t fork_lock = PTHREAD_RWLOCK_INITIALIZER;
static char *scratch[MAX_THREADS];
static int nthreads = 3, nracers = 2, nworkers = 2;
static uint64_t seed;
static const char *inject;
static volatile int injected;
static bool multi_vma_mremap;	/* kernel >= 6.17 moves several VMAs */
/* Highest generation each race thread has written, per race page. */
static uint32_t race_gen[RACE_PAGES];

static unsigned long home_of(int c, int i)
{
	return (unsigned long)region + ((unsigned long)c * CHUNK_PAGES + i) * PAGE;
}

static char *page_of(int c, int i)
{
	return (char *)home_of(c, i);
}

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = snprintf(msg, sizeof(msg), "# worker %d: FAIL: ", worker_id);
	n += vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(msg) - 2)
		n = sizeof(msg) - 2;
	msg[n++] = '\n';
	/* write(2), not stdio: also called in forked children. */
	if (write(1, msg, n) < 0)
		_exit(97);
	__atomic_add_fetch(&sh->w[worker_id].failures, 1, __ATOMIC_RELAXED);
}

static bool inject_now(const char *what)
{
	if (!inject || strcmp(inject, what) || injected)
		return false;
	return !__atomic_exchange_n(&injected, 1, __ATOMIC_RELAXED);
}

/* Check a call's result: @ret is 0 or -1 with errno; @want an errno or 0. */
static bool expect(const char *what, int c, int a, int b, long ret, int want)
{
	int got = ret == -1 ? errno : 0;

	if (!want && inject_now("errno"))
		want = EINVAL;
	if (got == want)
		return true;
	fail("%s on chunk %d pages [%d, %d): got %s, expected %s", what, c, a,
	     b, errname(got), errname(want));
	return false;
}

static bool verify_range(int c, int a, int b, bool gup, char *base)
{
	char why[256];
	int i;

	for (i = a; i < b; i++) {
		struct mpage *m = &chunks[c].pg[i];
		char *addr = base ? base + i * PAGE : page_of(c, i);

		if (!check_page(addr, home_of(c, i), m, gup, why, sizeof(why))) {
			fail("chunk %d page %d: %s", c, i, why);
			return false;
		}
		if (m->state == M_GUARD)
			sh->w[worker_id].guard_faults++;
	}
	return true;
}

/* Is [addr, addr + len) inside a single VMA? */
static bool single_vma(unsigned long addr, unsigned long len)
{
	char line[512];
	bool one = false;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s <= addr &&
		    addr < e) {
			one = addr + len <= e;
			break;
		}
	}
	if (f)
		fclose(f);
	return one;
}

static int fork_child(int c, bool wipe)
{
	char why[256];
	int i, j;

	/* The locked chunk: exactly as the model says (or wiped). */
	for (i = 0; i < CHUNK_PAGES; i++) {
		struct mpage m = chunks[c].pg[i];

		if (wipe && m.prot != M_NONE) {
			m.state = M_EMPTY;
		}
		if (!check_page(page_of(c, i), home_of(c, i), &m, i & 1,
				why, sizeof(why))) {
			fail("fork child%s: chunk %d page %d: %s",
			     wipe ? " (MADV_WIPEONFORK)" : "", c, i, why);
			return 1;
		}
		/* The child's writes must not reach the parent. */
		if (!write_page(page_of(c, i), home_of(c, i), &m, why,
				sizeof(why))) {
			fail("fork child: chunk %d page %d: %s", c, i, why);
			return 1;
		}
	}
	/*
	 * Everything else was being changed by other threads when we forked:
	 * it may fault or read zero or torn, but never foreign data.
	 */
	for (j = 0; j < CHUNKS; j++) {
		for (i = 0; i < CHUNK_PAGES && j != c; i++) {
			uint64_t buf[WORDS];
			unsigned long gen, bad;

			if (probe_copy(page_of(j, i), buf))
				continue;
			if (classify_page(buf, home_of(j, i), &gen, &bad) ==
			    SEEN_FOREIGN) {
				fail("fork child: chunk %d page %d: foreign word %lu = %#llx",
				     j, i, bad, (unsigned long long)buf[bad]);
				return 1;
			}
		}
	}
	return 0;
}

static bool op_fork(int c, uint64_t *rs)
{
	bool wipe = rnd_below(rs, 4) == 0;
	int status;
	pid_t pid;

	if (wipe && madvise(page_of(c, 0), CHUNK_PAGES * PAGE, MADV_WIPEONFORK))
		return expect("MADV_WIPEONFORK", c, 0, CHUNK_PAGES, -1, 0);
	pthread_rwlock_rdlock(&fork_lock);
	pid = fork();
	pthread_rwlock_unlock(&fork_lock);
	if (pid < 0)
		return expect("fork", c, 0, 0, -1, 0);
	if (!pid)
		_exit(fork_child(c, wipe));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fail("fork child of chunk %d: status %#x", c, status);
		return false;
	}
	if (wipe && madvise(page_of(c, 0), CHUNK_PAGES * PAGE, MADV_KEEPONFORK))
		return expect("MADV_KEEPONFORK", c, 0, CHUNK_PAGES, -1, 0);
	/* The parent's pages are unchanged by the child's writes. */
	return verify_range(c, 0, CHUNK_PAGES, false, NULL);
}

static bool op_mremap(int c, int t)
{
	unsigned long len = CHUNK_PAGES * PAGE;
	char *home = page_of(c, 0);
	bool one = single_vma((unsigned long)home, len);
	int want = (one || multi_vma_mremap) ? 0 : EFAULT;
	bool ok;
	void *p;

	p = mremap(home, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, scratch[t]);
	if (!expect("mremap away", c, 0, CHUNK_PAGES,
		    p == MAP_FAILED ? -1 : 0, want))
		return false;
	if (p == MAP_FAILED)
		return verify_range(c, 0, CHUNK_PAGES, false, NULL);
	if (p != scratch[t]) {
		fail("mremap moved chunk %d to %p, not %p", c, p, scratch[t]);
		return false;
	}
	/* Guards and data moved along (the stamps keep the home address). */
	ok = verify_range(c, 0, CHUNK_PAGES, t & 1, scratch[t]);
	p = mremap(scratch[t], len, len, MREMAP_MAYMOVE | MREMAP_FIXED, home);
	if (!expect("mremap back", c, 0, CHUNK_PAGES,
		    p == MAP_FAILED ? -1 : 0, 0))
		return false;
	/* Reserve the scratch area again. */
	p = mmap(scratch[t], len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != scratch[t]) {
		fail("scratch area of thread %d taken: %p", t, p);
		return false;
	}
	return ok && verify_range(c, 0, CHUNK_PAGES, false, NULL);
}

static bool chunk_op(int c, int t, uint64_t *rs)
{
	struct chunk *ch = &chunks[c];
	int a = rnd_below(rs, CHUNK_PAGES);
	int b = a + 1 + rnd_below(rs, CHUNK_PAGES - a);
	unsigned long start = home_of(c, a), len = (b - a) * PAGE;
	unsigned long pick = rnd_below(rs, 100);
	char why[256];
	int op, i, want;
	long ret;

	for (op = 0; op < OP_FORK && pick >= (unsigned long)op_weight[op]; op++)
		pick -= op_weight[op];
	sh->w[worker_id].ops[B_ANON][op]++;

	switch (op) {
	case OP_WRITE:
		for (i = a; i < b; i++) {
			if (!write_page(page_of(c, i), home_of(c, i), &ch->pg[i],
					why, sizeof(why))) {
				fail("chunk %d page %d: %s", c, i, why);
				return false;
			}
			if (ch->pg[i].state == M_DATA && inject_now("data")) {
				((uint64_t *)page_of(c, i))[7] ^= 1ULL << 44;
				return verify_range(c, i, i + 1, false, NULL);
			}
		}
		return true;
	case OP_VERIFY:
		return verify_range(c, a, b, rnd_below(rs, 4) == 0, NULL);
	case OP_INSTALL:
		if (inject_now("guard")) {
			for (i = a; i < b; i++)
				ch->pg[i].state = M_GUARD;
			return verify_range(c, a, b, false, NULL);
		} else if (rnd_below(rs, 4) == 0) {
			/* process_madvise() on ourselves, two ranges */
			int pidfd = sys_pidfd_open(getpid());
			int m = (a + b) / 2;
			struct iovec iov[2] = {
				{ (void *)start, (m - a) * PAGE },
				{ page_of(c, m), (b - m) * PAGE },
			};

			ret = sys_process_madvise(pidfd, iov, 2,
						  MADV_GUARD_INSTALL, 0);
			close(pidfd);
			if (ret == (long)len)
				ret = 0;
			else if (ret >= 0) {
				fail("process_madvise(MADV_GUARD_INSTALL) returned %ld, expected %lu",
				     ret, len);
				return false;
			}
		} else {
			ret = madvise((void *)start, len, MADV_GUARD_INSTALL);
		}
		if (!expect("MADV_GUARD_INSTALL", c, a, b, ret, 0))
			return false;
		for (i = a; i < b; i++) {
			ch->pg[i].state = M_GUARD;
		}
		return true;
	case OP_REMOVE:
		ret = madvise((void *)start, len, MADV_GUARD_REMOVE);
		if (!expect("MADV_GUARD_REMOVE", c, a, b, ret, 0))
			return false;
		for (i = a; i < b; i++)
			if (ch->pg[i].state == M_GUARD)
				ch->pg[i].state = M_EMPTY;
		return true;
	case OP_DONTNEED:
		ret = madvise((void *)start, len, MADV_DONTNEED);
		if (!expect("MADV_DONTNEED", c, a, b, ret, 0))
			return false;
		for (i = a; i < b; i++)
			if (ch->pg[i].state != M_GUARD)
				ch->pg[i].state = M_EMPTY;
		return true;
	case OP_FREE:
		ret = madvise((void *)start, len, MADV_FREE);
		if (!expect("MADV_FREE", c, a, b, ret, 0))
			return false;
		for (i = a; i < b; i++)
			if (ch->pg[i].state == M_DATA)
				ch->pg[i].state = M_FREED;
		return true;
	case OP_COLD:
		ret = madvise((void *)start, len,
			      rnd_below(rs, 2) ? MADV_COLD : MADV_PAGEOUT);
		if (!expect("MADV_COLD/PAGEOUT", c, a, b, ret, 0))
			return false;
		return verify_range(c, a, b, false, NULL);
	case OP_POPULATE: {
		bool w = rnd_below(rs, 2);

		want = populate_errno(&ch->pg[a], b - a, w);
		ret = madvise((void *)start, len,
			      w ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
		if (!expect(w ? "MADV_POPULATE_WRITE" : "MADV_POPULATE_READ",
			    c, a, b, ret, want))
			return false;
		return verify_range(c, a, b, false, NULL);
	}
	case OP_MPROTECT: {
		/* Mostly back to read/write, so that the rest gets done. */
		int prot = rnd_below(rs, 3) ? M_RW : 1 + rnd_below(rs, 2);

		ret = mprotect((void *)start, len, mprot_bits(prot));
		if (!expect("mprotect", c, a, b, ret, 0))
			return false;
		for (i = a; i < b; i++)
			ch->pg[i].prot = prot;
		return verify_range(c, a, b, false, NULL);
	}
	case OP_MREMAP:
		return op_mremap(c, t);
	case OP_REMAP: {
		void *p;

		ret = munmap((void *)start, len);
		if (!expect("munmap", c, a, b, ret, 0))
			return false;
		p = mmap((void *)start, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != (void *)start) {
			fail("mmap back chunk %d pages [%d, %d): %p (%s)", c, a,
			     b, p, errname(errno));
			return false;
		}
		for (i = a; i < b; i++) {
			ch->pg[i].state = M_EMPTY;
			ch->pg[i].prot = M_RW;
		}
		return verify_range(c, a, b, false, NULL);
	}
	case OP_FORK:
		return op_fork(c, rs);
	}
	return true;
}

/*
 * MADV_COLLAPSE of one PMD-sized half of the region, all its chunks locked
 * (in order, and nobody waits for a second lock while holding one).  It
 * must fail if a guard is there, may fail for other reasons, and must not
 * change what any page reads.
 */
static bool op_collapse(uint64_t *rs)
{
	int per_pmd = (2 << 20) / (CHUNK_PAGES * PAGE);
	int c0 = rnd_below(rs, CHUNKS / per_pmd) * per_pmd, c, i, err;
	bool guard = false, ok = true, cleared;
	char why[256];
	long ret;

	for (c = c0; c < c0 + per_pmd; c++)
		pthread_mutex_lock(&chunks[c].lock);
	/*
	 * Half of the time, clear the way so that collapsing can work: map
	 * the 2 MiB afresh (one VMA), write some of it, guard a part (which
	 * splits a huge page) and remove the guards again.
	 */
	cleared = rnd_below(rs, 2);
	if (cleared)
		pthread_rwlock_wrlock(&fork_lock);
	if (cleared) {
		char *p = page_of(c0, 0);
		int n = per_pmd * CHUNK_PAGES;
		int a = rnd_below(rs, n), b = a + 1 + rnd_below(rs, n - a);

		ok = expect("munmap before MADV_COLLAPSE", c0, 0, n,
			    munmap(p, 2 << 20), 0);
		if (mmap(p, 2 << 20, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0) != p) {
			fail("mmap before MADV_COLLAPSE: %s", errname(errno));
			ok = false;
		}
		madvise(p, 2 << 20, MADV_HUGEPAGE);
		for (c = c0; c < c0 + per_pmd && ok; c++) {
			for (i = 0; i < CHUNK_PAGES && ok; i++) {
				struct mpage *m = &chunks[c].pg[i];

				m->state = M_EMPTY;
				m->prot = M_RW;
				if (rnd_below(rs, 4) &&
				    !write_page(page_of(c, i), home_of(c, i), m,
						why, sizeof(why))) {
					fail("before MADV_COLLAPSE: %s", why);
					ok = false;
				}
			}
		}
		ok = ok && expect("MADV_GUARD_INSTALL before MADV_COLLAPSE", c0,
				  a, b, madvise(p + a * PAGE, (b - a) * PAGE,
						MADV_GUARD_INSTALL), 0);
		for (i = a; i < b && ok; i++) {
			struct mpage *m = &chunks[c0 + i / CHUNK_PAGES].pg[i % CHUNK_PAGES];

			m->state = M_GUARD;
			if (!check_page(p + i * PAGE, (unsigned long)p + i * PAGE,
					m, false, why, sizeof(why))) {
				fail("before MADV_COLLAPSE: %s", why);
				ok = false;
			}
			m->state = M_EMPTY;
		}
		ok = ok && expect("MADV_GUARD_REMOVE before MADV_COLLAPSE", c0,
				  a, b, madvise(p + a * PAGE, (b - a) * PAGE,
						MADV_GUARD_REMOVE), 0);
	}
	for (c = c0; c < c0 + per_pmd; c++)
		for (i = 0; i < CHUNK_PAGES; i++)
			guard |= chunks[c].pg[i].state == M_GUARD;
	sh->w[worker_id].ops[B_ANON][OP_COLLAPSE]++;
	ret = madvise(page_of(c0, 0), 2 << 20, MADV_COLLAPSE);
	err = ret ? errno : 0;
	if (cleared)
		pthread_rwlock_unlock(&fork_lock);
	if (!ret)
		sh->w[worker_id].collapsed++;
	if (!ok) {
		/* reported above */
	} else if (!ret && guard) {
		fail("MADV_COLLAPSE of chunks [%d, %d) succeeded over a guard",
		     c0, c0 + per_pmd);
		ok = false;
	} else if (ret && err != EAGAIN && err != ENOMEM &&
		   (err != EINVAL || cleared)) {
		/* EINVAL: several VMAs, PROT_NONE, a guard...; not if cleared */
		fail("MADV_COLLAPSE of chunks [%d, %d): %s", c0, c0 + per_pmd,
		     errname(err));
		ok = false;
	}
	for (c = c0; c < c0 + per_pmd && ok; c++)
		ok = verify_range(c, 0, CHUNK_PAGES, false, NULL);
	for (c = c0 + per_pmd - 1; c >= c0; c--)
		pthread_mutex_unlock(&chunks[c].lock);
	return ok;
}

struct targ {
	int id;
	uint64_t rs;
};

/* ---- the shared backings (memfd, file) ---------------------------------- */

static struct schunk *sch(int b, int c)
{
	return &sb[b].ch[c];
}

static char *spage_of(int b, int c, int i)
{
	return sb[b].s + ((unsigned long)c * CHUNK_PAGES + i) * PAGE;
}

static char *ppage_of(int b, int c, int i)
{
	return sb[b].p + ((unsigned long)c * CHUNK_PAGES + i) * PAGE;
}

static const char *map_name(bool priv)
{
	return priv ? "MAP_PRIVATE" : "MAP_SHARED";
}

/*
 * What page @i of chunk @c reads through S (or P, @priv): a guard, the
 * file's content (stamped with S's address), or P's private copy.
 */
static void seff(int b, int c, int i, bool priv, struct mpage *m,
		 unsigned long *home)
{
	struct spage *sp = &sch(b, c)->pg[i];
	uint32_t gen = sp->fgen;
	bool guard = priv ? sp->pguard : sp->sguard;

	*home = (unsigned long)spage_of(b, c, i);
	m->prot = priv ? sp->pprot : sp->sprot;
	if (priv && sp->pcow) {
		gen = sp->pgen;
		if (sp->pcow == 2)
			*home = (unsigned long)ppage_of(b, c, i);
	}
	m->state = guard ? M_GUARD : gen ? M_DATA : M_EMPTY;
	m->gen = gen;
}

/* Is page @i of chunk @c's file content visible, non-zero, through S? */
static bool svisible(int b, int c, int i)
{
	struct spage *sp = &sch(b, c)->pg[i];

	return sp->fgen && !sp->sguard && sp->sprot != M_NONE;
}

/*
 * After a guard was found lost: count the chunk's lost guards (S and P)
 * and forget them, so that each loss is reported once, by the check that
 * follows the operation that lost it.
 */
static int lost_guards(int b, int c)
{
	int i, n = 0;

	for (i = 0; i < CHUNK_PAGES; i++) {
		struct spage *sp = &sch(b, c)->pg[i];

		if (sp->sguard && sp->sprot != M_NONE &&
		    !probe_read(spage_of(b, c, i))) {
			sp->sguard = 0;
			n++;
		}
		if (sp->pguard && sp->pprot != M_NONE &&
		    !probe_read(ppage_of(b, c, i))) {
			sp->pguard = 0;
			n++;
		}
	}
	return n;
}

/* Check pages [a, e) through S (which & 1) and P (which & 2). */
static bool sverify(int b, int c, int a, int e, int which, bool gup,
		    char *sbase, char *pbase)
{
	char why[256];
	struct mpage m;
	unsigned long home;
	int i, k;

	for (k = 0; k < 2; k++) {
		char *base = k ? pbase : sbase;

		if (!(which & (1 << k)))
			continue;
		for (i = a; i < e; i++) {
			char *addr = base ? base + i * PAGE :
				     k ? ppage_of(b, c, i) : spage_of(b, c, i);

			seff(b, c, i, k, &m, &home);
			if (!check_page(addr, home, &m, gup, why, sizeof(why))) {
				struct schunk *ch = sch(b, c);
				int lost = m.state == M_GUARD ? lost_guards(b, c) : 0;

				char more[64] = "";

				if (lost)
					snprintf(more, sizeof(more),
						 " (%d guards of this chunk lost)", lost);
				fail("%s chunk %d page %d through %s, after %s (before: %s; %s): %s%s",
				     backing_name[b], c, i, map_name(k), ch->last,
				     ch->prev[0], ch->prev[1], why, more);
				return false;
			}
			if (m.state == M_GUARD)
				sh->w[worker_id].guard_faults++;
		}
	}
	return true;
}

static bool sexpect(int b, int c, bool priv, const char *what, int a, int e,
		    long ret, int want)
{
	char w[128];

	snprintf(w, sizeof(w), "%s %s %s", backing_name[b], map_name(priv), what);
	return expect(w, c, a, e, ret, want);
}

/* Note the operation about to be done on a chunk. */
static void __attribute__((format(printf, 2, 3)))
note_op(struct schunk *ch, const char *fmt, ...)
{
	va_list ap;

	memcpy(ch->prev[2], ch->prev[1], sizeof(ch->prev[2]));
	memcpy(ch->prev[1], ch->prev[0], sizeof(ch->prev[1]));
	memcpy(ch->prev[0], ch->last, sizeof(ch->prev[0]));
	va_start(ap, fmt);
	vsnprintf(ch->last, sizeof(ch->last), fmt, ap);
	va_end(ap);
}

/* Write page @i through S or P as the model says one can. */
static bool swrite(int b, int c, int i, bool priv)
{
	struct spage *sp = &sch(b, c)->pg[i];
	char *addr = priv ? ppage_of(b, c, i) : spage_of(b, c, i);
	unsigned long home;
	struct mpage m;
	char why[256];
	bool writes;

	seff(b, c, i, priv, &m, &home);
	writes = m.prot == M_RW && m.state != M_GUARD;
	if (priv)
		home = (unsigned long)addr;
	if (!write_page(addr, home, &m, why, sizeof(why))) {
		fail("%s chunk %d page %d through %s: %s", backing_name[b], c, i,
		     map_name(priv), why);
		return false;
	}
	if (writes && priv) {
		sp->pcow = 2;
		sp->pgen = m.gen;
	} else if (writes) {
		sp->fgen = m.gen;
	}
	return true;
}

static int schild(int b, int c, bool inj)
{
	struct mpage m;
	unsigned long home;
	char why[256];
	int i, k;

	/* What the parent had, exactly: guards in S and P, file, copies. */
	for (k = 0; k < 2; k++) {
		for (i = 0; i < CHUNK_PAGES; i++) {
			char *addr = k ? ppage_of(b, c, i) : spage_of(b, c, i);

			seff(b, c, i, k, &m, &home);
			if (inj && m.state != M_GUARD && m.prot != M_NONE) {
				m.state = M_GUARD;
				inj = false;
			}
			if (!check_page(addr, home, &m, i & 1, why, sizeof(why))) {
				fail("fork child, %s chunk %d page %d through %s: %s",
				     backing_name[b], c, i, map_name(k), why);
				return 1;
			}
		}
	}
	/* Its own copies of P: they must not reach the parent. */
	for (i = 0; i < CHUNK_PAGES; i++)
		if (!swrite(b, c, i, true))
			return 1;
	return 0;
}

static bool sop_fork(int b, int c)
{
	/* Decided here: the child's inject_now() would be its own. */
	bool inj = inject_now("child");
	int status;
	pid_t pid;

	pthread_rwlock_rdlock(&fork_lock);
	pid = fork();
	pthread_rwlock_unlock(&fork_lock);
	if (pid < 0)
		return sexpect(b, c, false, "fork", 0, 0, -1, 0);
	if (!pid)
		_exit(schild(b, c, inj));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fail("fork child of %s chunk %d: status %#x", backing_name[b], c,
		     status);
		return false;
	}
	return sverify(b, c, 0, CHUNK_PAGES, 3, false, NULL, NULL);
}

static bool sop_mremap(int b, int c, int t, bool priv)
{
	unsigned long len = CHUNK_PAGES * PAGE;
	char *home = priv ? ppage_of(b, c, 0) : spage_of(b, c, 0);
	bool one = single_vma((unsigned long)home, len);
	int want = (one || (multi_vma_mremap && sb[b].multi_move)) ? 0 : EFAULT;
	bool ok;
	void *p;

	p = mremap(home, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, scratch[t]);
	if (!sexpect(b, c, priv, "mremap away", 0, CHUNK_PAGES,
		     p == MAP_FAILED ? -1 : 0, want))
		return false;
	if (p == MAP_FAILED)
		return sverify(b, c, 0, CHUNK_PAGES, 3, false, NULL, NULL);
	if (p != scratch[t]) {
		fail("mremap moved %s chunk %d to %p, not %p", backing_name[b],
		     c, p, scratch[t]);
		return false;
	}
	ok = sverify(b, c, 0, CHUNK_PAGES, priv ? 2 : 1, t & 1,
		     priv ? NULL : scratch[t], priv ? scratch[t] : NULL);
	p = mremap(scratch[t], len, len, MREMAP_MAYMOVE | MREMAP_FIXED, home);
	if (!sexpect(b, c, priv, "mremap back", 0, CHUNK_PAGES,
		     p == MAP_FAILED ? -1 : 0, 0))
		return false;
	p = mmap(scratch[t], len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != scratch[t]) {
		fail("scratch area of thread %d taken: %p", t, p);
		return false;
	}
	return ok && sverify(b, c, 0, CHUNK_PAGES, 3, false, NULL, NULL);
}

static bool schunk_op(int b, int c, int t, uint64_t *rs)
{
	struct schunk *ch = sch(b, c);
	struct sbacking *bk = &sb[b];
	int a = rnd_below(rs, CHUNK_PAGES);
	int e = a + 1 + rnd_below(rs, CHUNK_PAGES - a);
	bool priv = rnd_below(rs, 5) < 2;
	char *start = priv ? ppage_of(b, c, a) : spage_of(b, c, a);
	unsigned long len = (e - a) * PAGE;
	off_t off = ((off_t)c * CHUNK_PAGES + a) * PAGE;
	unsigned long pick = rnd_below(rs, 100);
	int op, i, want, how;
	long ret;

	for (op = 0; op < OP_TRUNCATE && pick >= (unsigned long)sop_weight[op]; op++)
		pick -= sop_weight[op];
	sh->w[worker_id].ops[b][op]++;
	note_op(ch, "%s of [%d, %d) through %s", op_name[op], a, e,
		map_name(priv));

	switch (op) {
	case OP_WRITE:
		for (i = a; i < e; i++) {
			if (!swrite(b, c, i, priv))
				return false;
			if (!priv && svisible(b, c, i) && ch->pg[i].sprot == M_RW &&
			    inject_now("sdata")) {
				((uint64_t *)spage_of(b, c, i))[7] ^= 1ULL << 44;
				return sverify(b, c, i, i + 1, 1, false, NULL, NULL);
			}
		}
		return true;
	case OP_VERIFY:
		return sverify(b, c, a, e, 3, rnd_below(rs, 4) == 0, NULL, NULL);
	case OP_INSTALL:
		if (!priv && inject_now("sguard")) {
			for (i = a; i < e; i++)
				ch->pg[i].sguard = 1;
			return sverify(b, c, a, e, 1, false, NULL, NULL);
		} else if (rnd_below(rs, 4) == 0) {
			int pidfd = sys_pidfd_open(getpid());
			int m = (a + e) / 2;
			struct iovec iov[2] = {
				{ start, (m - a) * PAGE },
				{ start + (m - a) * PAGE, (e - m) * PAGE },
			};

			ret = sys_process_madvise(pidfd, iov, 2,
						  MADV_GUARD_INSTALL, 0);
			close(pidfd);
			if (ret == (long)len)
				ret = 0;
			else if (ret >= 0) {
				fail("%s process_madvise(MADV_GUARD_INSTALL) returned %ld, expected %lu",
				     backing_name[b], ret, len);
				return false;
			}
		} else {
			ret = madvise(start, len, MADV_GUARD_INSTALL);
		}
		if (!sexpect(b, c, priv, "MADV_GUARD_INSTALL", a, e, ret, 0))
			return false;
		for (i = a; i < e; i++) {
			if (priv) {
				ch->pg[i].pguard = 1;
				ch->pg[i].pcow = 0;	/* zapped */
			} else {
				ch->pg[i].sguard = 1;
			}
		}
		/* The other mapping sees the file as before. */
		return sverify(b, c, a, e, 3, false, NULL, NULL);
	case OP_REMOVE:
		ret = madvise(start, len, MADV_GUARD_REMOVE);
		if (!sexpect(b, c, priv, "MADV_GUARD_REMOVE", a, e, ret, 0))
			return false;
		for (i = a; i < e; i++) {
			if (priv)
				ch->pg[i].pguard = 0;
			else
				ch->pg[i].sguard = 0;
		}
		/* The file's page shows again. */
		return sverify(b, c, a, e, priv ? 2 : 1, false, NULL, NULL);
	case OP_DONTNEED:
		ret = madvise(start, len, MADV_DONTNEED);
		if (!sexpect(b, c, priv, "MADV_DONTNEED", a, e, ret, 0))
			return false;
		for (i = a; i < e && priv; i++) {
			struct spage *sp = &ch->pg[i];

			/* Injected: a private copy that differs is kept. */
			if (!sp->pguard && sp->pcow && sp->pprot != M_NONE &&
			    (sp->pcow == 2 || sp->pgen != sp->fgen) &&
			    inject_now("private"))
				continue;
			if (!sp->pguard)
				sp->pcow = 0;
		}
		return sverify(b, c, a, e, 3, false, NULL, NULL);
	case OP_FREE:
		/* Anonymous memory only. */
		ret = madvise(start, len, MADV_FREE);
		return sexpect(b, c, priv, "MADV_FREE", a, e, ret, EINVAL) &&
		       sverify(b, c, a, e, 3, false, NULL, NULL);
	case OP_COLD:
		how = rnd_below(rs, 3);
		if (how == 2) {
			ret = posix_fadvise(bk->fd, off, len, POSIX_FADV_DONTNEED);
			if (ret)
				errno = ret, ret = -1;
		} else {
			ret = madvise(start, len, how ? MADV_PAGEOUT : MADV_COLD);
		}
		if (!sexpect(b, c, priv, how == 2 ? "POSIX_FADV_DONTNEED" :
			     how ? "MADV_PAGEOUT" : "MADV_COLD", a, e, ret, 0))
			return false;
		return sverify(b, c, a, e, 3, false, NULL, NULL);
	case OP_POPULATE: {
		bool w = rnd_below(rs, 2);
		struct mpage m[CHUNK_PAGES];
		unsigned long home;
		int stop;

		for (i = a; i < e; i++)
			seff(b, c, i, priv, &m[i - a], &home);
		want = populate_errno(m, e - a, w);
		for (stop = a; stop < e && !populate_errno(&m[stop - a], 1, w); stop++)
			;
		ret = madvise(start, len,
			      w ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
		if (!sexpect(b, c, priv, w ? "MADV_POPULATE_WRITE" :
			     "MADV_POPULATE_READ", a, e, ret, want))
			return false;
		/* Writing P's pages in copies the file's. */
		for (i = a; i < stop && priv && w; i++) {
			if (!ch->pg[i].pcow) {
				ch->pg[i].pcow = 1;
				ch->pg[i].pgen = ch->pg[i].fgen;
			}
		}
		return sverify(b, c, a, e, 3, false, NULL, NULL);
	}
	case OP_MPROTECT: {
		int prot = rnd_below(rs, 3) ? M_RW : 1 + rnd_below(rs, 2);

		ret = mprotect(start, len, mprot_bits(prot));
		if (!sexpect(b, c, priv, "mprotect", a, e, ret, 0))
			return false;
		for (i = a; i < e; i++) {
			if (priv)
				ch->pg[i].pprot = prot;
			else
				ch->pg[i].sprot = prot;
		}
		return sverify(b, c, a, e, 3, false, NULL, NULL);
	}
	case OP_MREMAP:
		return sop_mremap(b, c, t, priv);
	case OP_REMAP: {
		void *p;

		ret = munmap(start, len);
		if (!sexpect(b, c, priv, "munmap", a, e, ret, 0))
			return false;
		p = mmap(start, len, PROT_READ | PROT_WRITE,
			 (priv ? MAP_PRIVATE : MAP_SHARED) | MAP_FIXED_NOREPLACE,
			 bk->fd, off);
		if (p != start) {
			fail("mmap back %s chunk %d pages [%d, %d) %s: %p (%s)",
			     backing_name[b], c, a, e, map_name(priv), p,
			     errname(errno));
			return false;
		}
		for (i = a; i < e; i++) {
			if (priv) {
				ch->pg[i].pguard = 0;
				ch->pg[i].pprot = M_RW;
				ch->pg[i].pcow = 0;
			} else {
				ch->pg[i].sguard = 0;
				ch->pg[i].sprot = M_RW;
			}
		}
		return sverify(b, c, a, e, 3, false, NULL, NULL);
	}
	case OP_FORK:
		return sop_fork(b, c);
	case OP_PUNCH: {
		bool data = false, zero = true;

		how = rnd_below(rs, 4);
		for (i = a; i < e; i++)
			data |= svisible(b, c, i);
		if (how == 0 && priv) {
			/* Not a shared mapping: refused, nothing punched. */
			ret = madvise(start, len, MADV_REMOVE);
			zero = false;
			want = EACCES;
		} else if (how < 2) {
			ret = madvise(spage_of(b, c, a), len, MADV_REMOVE);
			snprintf(ch->last, sizeof(ch->last),
				 "MADV_REMOVE of [%d, %d) through MAP_SHARED%s",
				 a, e, trunc_race ? " (faults racing in a second mapping)" : "");
			priv = false;
			want = bk->punch ? 0 : EOPNOTSUPP;
		} else {
			ret = fallocate(bk->fd, FALLOC_FL_PUNCH_HOLE |
					FALLOC_FL_KEEP_SIZE, off, len);
			snprintf(ch->last, sizeof(ch->last),
				 "fallocate(PUNCH_HOLE) of [%d, %d)%s", a, e,
				 trunc_race ? " (faults racing in a second mapping)" : "");
			want = bk->punch ? 0 : EOPNOTSUPP;
		}
		if (!sexpect(b, c, priv, how < 2 ? "MADV_REMOVE" :
			     "fallocate(PUNCH_HOLE)", a, e, ret, want))
			return false;
		if (want)
			zero = false;
		if (zero && data && how >= 2 && inject_now("punch"))
			zero = false;
		/* The file's data is gone, guards and P's copies stay. */
		for (i = a; i < e && zero; i++)
			ch->pg[i].fgen = 0;
		/* The whole chunk: a large folio may straddle the range. */
		return sverify(b, c, 0, CHUNK_PAGES, 3, false, NULL, NULL);
	}
	}
	return true;
}

/*
 * ftruncate() the file to a page in its last TAIL_CHUNKS chunks and back:
 * the data beyond becomes zero, P's copies there are gone (truncation
 * unmaps private copies too), the guards stay in S and P.  In between, a
 * page beyond the end gives SIGBUS, or SIGSEGV where it is a guard.  All
 * the chunks from the cut on are locked (in order).
 */
static bool op_truncate(int b, uint64_t *rs)
{
	struct sbacking *bk = &sb[b];
	int n = bk->nchunks, c0 = n - 1 - rnd_below(rs, TAIL_CHUNKS);
	int cut = c0 * CHUNK_PAGES + rnd_below(rs, CHUNK_PAGES);
	int j = cut + rnd_below(rs, n * CHUNK_PAGES - cut), c, i, k, sig, want;
	bool ok = true, data = false, zero = true;
	struct spage *sp;

	/* From the chunk before: a large folio may straddle the cut. */
	c0--;
	for (c = c0; c < n; c++)
		pthread_mutex_lock(&sch(b, c)->lock);
	sh->w[worker_id].ops[b][OP_TRUNCATE]++;
	for (c = c0; c < n; c++)
		note_op(sch(b, c), "ftruncate to page %d and back%s", cut,
			trunc_race ? " (faults racing in a second mapping)" : "");
	ok = sexpect(b, cut / CHUNK_PAGES, false, "ftruncate (shrink)", cut % CHUNK_PAGES,
		     CHUNK_PAGES, ftruncate(bk->fd, (off_t)cut * PAGE), 0);
	/* Beyond the end: SIGBUS, a guard SIGSEGV. */
	sp = &sch(b, j / CHUNK_PAGES)->pg[j % CHUNK_PAGES];
	for (k = 0; k < 2 && ok; k++) {
		char *addr = (k ? bk->p : bk->s) + (unsigned long)j * PAGE;
		bool guard = k ? sp->pguard : sp->sguard;
		int prot = k ? sp->pprot : sp->sprot;

		want = guard || prot == M_NONE ? SIGSEGV : SIGBUS;
		sig = probe_read(addr);
		/*
		 * shmem may keep a large folio (MADV_COLLAPSE makes them)
		 * across the end when it cannot split it, zeroed beyond,
		 * and map it there (mainline: "shmem can map beyond
		 * i_size"): zero is all it may read then.
		 */
		if (!sig && want == SIGBUS && b == B_MEMFD) {
			uint64_t buf[WORDS];
			unsigned long g, bad;

			if (!probe_copy(addr, buf) &&
			    classify_page(buf, 0, &g, &bad) == SEEN_ZERO)
				sig = want;
		}
		if (sig != want) {
			struct stat st;
			uint64_t w0 = sig ? 0 : *(volatile uint64_t *)addr;

			if (fstat(bk->fd, &st))
				st.st_size = -1;
			struct schunk *ch = sch(b, j / CHUNK_PAGES);

			fail("%s page %d through %s (%s, %s) beyond the end after ftruncate to page %d: signal %d, expected %d (size %lld pages, word 0 %#llx, pcow %d; before: %s; %s; %s)",
			     backing_name[b], j, map_name(k), guard ? "guard" : "no guard",
			     mprot_name[prot], cut, sig, want,
			     (long long)st.st_size / (long long)PAGE,
			     (unsigned long long)w0, sp->pcow, ch->prev[0],
			     ch->prev[1], ch->prev[2]);
			ok = false;
		}
		if (sig == SIGBUS)
			sh->w[worker_id].sigbus++;
	}
	ok = sexpect(b, c0, false, "ftruncate (grow back)", 0, CHUNK_PAGES,
		     ftruncate(bk->fd, (off_t)n * CHUNK_PAGES * PAGE), 0) && ok;
	for (i = cut; i < n * CHUNK_PAGES; i++)
		data |= svisible(b, i / CHUNK_PAGES, i % CHUNK_PAGES);
	if (data && inject_now("trunc"))
		zero = false;
	for (i = cut; i < n * CHUNK_PAGES && zero; i++) {
		sp = &sch(b, i / CHUNK_PAGES)->pg[i % CHUNK_PAGES];
		sp->fgen = 0;
		sp->pcow = 0;
	}
	for (c = c0; c < n && ok; c++)
		ok = sverify(b, c, 0, CHUNK_PAGES, 3, c & 1, NULL, NULL);
	for (c = n - 1; c >= c0; c--)
		pthread_mutex_unlock(&sch(b, c)->lock);
	return ok;
}

/*
 * MADV_COLLAPSE of the memfd's 2 MiB through S, every memfd chunk locked:
 * it may work or not (EINVAL, EAGAIN, ENOMEM, EBUSY), and changes nothing
 * S or P reads, guards included.
 */
static bool op_scollapse(void)
{
	int b = B_MEMFD, c, err;
	bool ok = true;
	long ret;

	for (c = 0; c < sb[b].nchunks; c++) {
		pthread_mutex_lock(&sch(b, c)->lock);
		note_op(sch(b, c), "MADV_COLLAPSE of the memfd");
	}
	sh->w[worker_id].ops[b][OP_COLLAPSE]++;
	ret = madvise(sb[b].s, (unsigned long)sb[b].nchunks * CHUNK_PAGES * PAGE,
		      MADV_COLLAPSE);
	err = ret ? errno : 0;
	if (!ret)
		sh->w[worker_id].scollapsed++;
	else if (err != EINVAL && err != EAGAIN && err != ENOMEM && err != EBUSY) {
		fail("MADV_COLLAPSE of the memfd: %s", errname(err));
		ok = false;
	}
	for (c = 0; c < sb[b].nchunks && ok; c++)
		ok = sverify(b, c, 0, CHUNK_PAGES, 3, false, NULL, NULL);
	for (c = sb[b].nchunks - 1; c >= 0; c--)
		pthread_mutex_unlock(&sch(b, c)->lock);
	return ok;
}

/*
 * The truncation race: fault pages of the last TAIL_CHUNKS chunks of both
 * backings in and out through R, a third mapping, without locks, while
 * chunk threads truncate and punch there.  R reads the file's content
 * (stamps of S's address), zero, a torn stamp, or SIGBUS beyond the end.
 */
static void *trunc_racer(void *arg)
{
	struct targ *ta = arg;
	uint64_t buf[WORDS];

	probe_init();
	while (!sh->stop) {
		int b = B_MEMFD + rnd_below(&ta->rs, 2);
		int n = sb[b].nchunks * CHUNK_PAGES, lo = n - TAIL_CHUNKS * CHUNK_PAGES;
		int i = lo + rnd_below(&ta->rs, n - lo);
		unsigned long gen, bad, home = (unsigned long)sb[b].s + i * PAGE;
		char *p = sb[b].r + (unsigned long)i * PAGE;
		int sig;

		sh->w[worker_id].race_ops++;
		sh->w[worker_id].heartbeat++;
		if (rnd_below(&ta->rs, 16) == 0) {
			if (madvise(sb[b].r + (unsigned long)lo * PAGE,
				    (unsigned long)(n - lo) * PAGE, MADV_DONTNEED))
				expect("truncation racer MADV_DONTNEED", -1, lo, n, -1, 0);
			continue;
		}
		sig = probe_copy(p, buf);
		if (sig == SIGBUS)
			continue;
		if (sig) {
			fail("truncation racer: %s page %d: signal %d (code %d) at %#lx",
			     backing_name[b], i, sig, probe_code, probe_addr);
			return NULL;
		}
		if (classify_page(buf, home, &gen, &bad) == SEEN_FOREIGN) {
			fail("truncation racer: %s page %d: foreign word %lu = %#llx",
			     backing_name[b], i, bad, (unsigned long long)buf[bad]);
			return NULL;
		}
	}
	return NULL;
}

/* Each worker's own memfd and file, mapped S, P and R; stamps and guards. */
static bool setup_shared(void)
{
	uint64_t rs = rnd_seed(seed * 7 + worker_id);
	int b, c, i;

	for (b = B_MEMFD; b < NR_BACKINGS; b++) {
		struct sbacking *bk = &sb[b];
		unsigned long len;
		char *p;

		bk->nchunks = b == B_MEMFD ? MEMFD_CHUNKS : FILE_CHUNKS;
		bk->ch = &schunks[b == B_MEMFD ? 0 : MEMFD_CHUNKS];
		len = (unsigned long)bk->nchunks * CHUNK_PAGES * PAGE;
		bk->fd = open_backing(b == B_FILE, "guard-stress",
				      bk->nchunks * CHUNK_PAGES);
		if (bk->fd < 0) {
			fail("%s: cannot create it in %s: %s", backing_name[b],
			     b == B_FILE ? backing_dir() : "memfd", errname(errno));
			return false;
		}
		bk->punch = punch_supported(bk->fd);
		bk->multi_move = multi_vma_move_ok(bk->fd);
		/* S 2 MiB-aligned, so that the memfd can collapse. */
		p = mmap(NULL, len + (2UL << 20), PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			goto fail;
		bk->s = (char *)(((unsigned long)p + (2UL << 20) - 1) & ~((2UL << 20) - 1));
		if (mmap(bk->s, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 bk->fd, 0) != bk->s)
			goto fail;
		madvise(bk->s, len, MADV_HUGEPAGE);
		bk->p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			     bk->fd, 0);
		bk->r = mmap(NULL, len, PROT_READ, MAP_SHARED, bk->fd, 0);
		if (bk->p == MAP_FAILED || bk->r == MAP_FAILED)
			goto fail;
		for (c = 0; c < bk->nchunks; c++) {
			struct schunk *ch = sch(b, c);

			pthread_mutex_init(&ch->lock, NULL);
			snprintf(ch->last, sizeof(ch->last), "setup");
			for (i = 0; i < CHUNK_PAGES; i++) {
				struct spage *sp = &ch->pg[i];

				sp->sprot = sp->pprot = M_RW;
				if (rnd_below(&rs, 2) && !swrite(b, c, i, false))
					return false;
				if (rnd_below(&rs, 4) == 0 && !swrite(b, c, i, true))
					return false;
				if (rnd_below(&rs, 8) == 0) {
					if (madvise(spage_of(b, c, i), PAGE, MADV_GUARD_INSTALL))
						goto fail;
					sp->sguard = 1;
				}
				if (rnd_below(&rs, 8) == 0) {
					if (madvise(ppage_of(b, c, i), PAGE, MADV_GUARD_INSTALL))
						goto fail;
					sp->pguard = 1;
					sp->pcow = 0;
				}
			}
		}
		if (!worker_id)
			printf("# %s: %d KiB%s%s, MAP_SHARED, MAP_PRIVATE and a third mapping racing truncation: %s; PUNCH_HOLE %ssupported\n",
			       backing_name[b], bk->nchunks * CHUNK_PAGES * 4,
			       b == B_FILE ? " in " : "",
			       b == B_FILE ? backing_dir() : "",
			       trunc_race ? "on" : "off (-N)",
			       bk->punch ? "" : "not ");
		continue;
fail:
		fail("setting up the %s: %s", backing_name[b], errname(errno));
		return false;
	}
	return true;
}


static void *chunk_thread(void *arg)
{
	struct targ *ta = arg;

	probe_init();
	while (!sh->stop) {
		int c = rnd_below(&ta->rs, shared_on ? CHUNKS + SCHUNKS : CHUNKS);
		bool ok;

		if (rnd_below(&ta->rs, 200) == 0) {
			ok = op_collapse(&ta->rs);
		} else if (shared_on && rnd_below(&ta->rs, 400) == 0) {
			ok = op_scollapse();
		} else if (shared_on && rnd_below(&ta->rs, 100) == 0) {
			ok = op_truncate(B_MEMFD + rnd_below(&ta->rs, 2), &ta->rs);
		} else if (c >= CHUNKS) {
			int b = c < CHUNKS + MEMFD_CHUNKS ? B_MEMFD : B_FILE;

			c -= b == B_MEMFD ? CHUNKS : CHUNKS + MEMFD_CHUNKS;
			pthread_mutex_lock(&sch(b, c)->lock);
			ok = schunk_op(b, c, ta->id, &ta->rs);
			pthread_mutex_unlock(&sch(b, c)->lock);
		} else {
			pthread_mutex_lock(&chunks[c].lock);
			ok = chunk_op(c, ta->id, &ta->rs);
			pthread_mutex_unlock(&chunks[c].lock);
		}
		sh->w[worker_id].heartbeat++;
		if (!ok && sh->w[worker_id].failures > 20)
			break;
	}
	return NULL;
}

/* ---- the race zone ----------------------------------------------------- */

static bool race_check(int i, bool owner, uint32_t maxgen, const char *when)
{
	uint64_t buf[WORDS];
	unsigned long gen = 0, bad = 0, home = (unsigned long)race + i * PAGE;
	enum page_seen s;

	if (probe_copy((void *)home, buf)) {
		/*
		 * A guard installed while we copy faults part way through the
		 * page: anywhere in it, but nowhere else.
		 */
		if (probe_code != SEGV_MAPERR || probe_addr < home ||
		    probe_addr >= home + PAGE) {
			fail("race page %d: fault code %d at %#lx", i, probe_code,
			     probe_addr);
			return false;
		}
		return true;
	}
	s = classify_page(buf, home, &gen, &bad);
	if (s == SEEN_FOREIGN) {
		fail("race page %d (%s): foreign word %lu = %#llx", i, when, bad,
		     (unsigned long long)buf[bad]);
		return false;
	}
	if (owner && (s == SEEN_STAMP || s == SEEN_TORN) && gen > maxgen) {
		fail("race page %d (%s): generation %lu, only %u written", i,
		     when, gen, maxgen);
		return false;
	}
	return true;
}

static void *race_thread(void *arg)
{
	struct targ *ta = arg;
	int me = ta->id;
	uint64_t *rs = &ta->rs;

	probe_init();
	while (!sh->stop) {
		int i = rnd_below(rs, RACE_PAGES / nracers) * nracers + me;
		int a = rnd_below(rs, RACE_PAGES);
		int b = a + 1 + rnd_below(rs, RACE_PAGES - a);
		char *p = race + i * PAGE;
		long ret = 0;

		sh->w[worker_id].race_ops++;
		switch (rnd_below(rs, 8)) {
		case 0:
		case 1:
			/* Generations stay below 2^20 in the race zone. */
			if (race_gen[i] < GEN_MASK) {
				race_gen[i]++;
				probe_stamp(p, (unsigned long)p, race_gen[i]);
				if (inject_now("race")) {
					/* The owner's next write could hide it: look now. */
					if (probe_rewrite(p) == 0) {
						((uint64_t *)p)[9] = stamp_word((unsigned long)p + PAGE,
										race_gen[i], 9);
						race_check(i, true, race_gen[i], "injected");
					} else {
						injected = 0;	/* a guard: next time */
					}
				}
			}
			break;
		case 2:
			if (!race_check(i, true, race_gen[i], "owner"))
				return NULL;
			break;
		case 3:
			/* Someone else's page: never foreign data either. */
			if (!race_check(a, false, 0, "reader"))
				return NULL;
			break;
		case 4:
			ret = madvise(race + a * PAGE, (b - a) * PAGE,
				      MADV_GUARD_INSTALL);
			break;
		case 5:
			ret = madvise(race + a * PAGE, (b - a) * PAGE,
				      MADV_GUARD_REMOVE);
			break;
		case 6:
			ret = madvise(race + a * PAGE, (b - a) * PAGE,
				      rnd_below(rs, 2) ? MADV_DONTNEED : MADV_FREE);
			break;
		case 7:
			ret = madvise(race + a * PAGE, (b - a) * PAGE,
				      rnd_below(rs, 2) ? MADV_COLD : MADV_PAGEOUT);
			break;
		}
		if (ret && !expect("race zone madvise", -1, a, b, ret, 0))
			return NULL;
		sh->w[worker_id].heartbeat++;
	}
	return NULL;
}

/* ---- a worker process ---------------------------------------------------- */

static int worker(void)
{
	pthread_t th[2 * MAX_THREADS + 1];
	struct targ ta[2 * MAX_THREADS + 1];
	int t, c, i, b, nt = nthreads + nracers;

	race = mmap(NULL, RACE_PAGES * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (race == MAP_FAILED) {
		fail("mmap race zone: %s", errname(errno));
		return 1;
	}
	for (t = 0; t < nthreads; t++) {
		scratch[t] = mmap(NULL, CHUNK_PAGES * PAGE, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (scratch[t] == MAP_FAILED) {
			fail("mmap scratch: %s", errname(errno));
			return 1;
		}
	}
	if (shared_on && !setup_shared())
		return 1;
	if (shared_on && trunc_race)
		nt++;
	for (t = 0; t < nt; t++) {
		ta[t].id = t < nthreads ? t : t - nthreads;
		ta[t].rs = rnd_seed(seed * 1000 + worker_id * 100 + t);
		if (pthread_create(&th[t], NULL,
				   t < nthreads ? chunk_thread :
				   t < nthreads + nracers ? race_thread : trunc_racer,
				   &ta[t])) {
			fail("pthread_create failed");
			return 1;
		}
	}
	for (t = 0; t < nt; t++)
		pthread_join(th[t], NULL);

	/* Final check: the whole region exactly, the race zone loosely. */
	for (c = 0; c < CHUNKS; c++)
		if (!verify_range(c, 0, CHUNK_PAGES, c % 4 == 0, NULL))
			break;
	for (b = B_MEMFD; b < NR_BACKINGS && shared_on; b++) {
		for (c = 0; c < sb[b].nchunks; c++) {
			if (!sverify(b, c, 0, CHUNK_PAGES, 3, c % 4 == 0, NULL, NULL))
				break;
		}
	}
	if (madvise(race, RACE_PAGES * PAGE, MADV_GUARD_REMOVE))
		expect("MADV_GUARD_REMOVE of the race zone", -1, 0, RACE_PAGES, -1, 0);
	for (i = 0; i < RACE_PAGES; i++) {
		if (probe_read(race + i * PAGE)) {
			fail("race page %d still faults after MADV_GUARD_REMOVE", i);
			break;
		}
		if (!race_check(i, true, race_gen[i], "final"))
			break;
	}
	return sh->w[worker_id].failures ? 1 : 0;
}

/* The region every worker starts from: stamps, and a few guards. */
static void setup_region(void)
{
	uint64_t rs = rnd_seed(seed);
	char *p;
	int c, i;

	p = mmap(NULL, REGION_PAGES * PAGE + (2UL << 20), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	region = (char *)(((unsigned long)p + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	madvise(region, REGION_PAGES * PAGE, MADV_HUGEPAGE);
	for (c = 0; c < CHUNKS; c++) {
		pthread_mutex_init(&chunks[c].lock, NULL);
		for (i = 0; i < CHUNK_PAGES; i++) {
			struct mpage *m = &chunks[c].pg[i];

			stamp_page((uint64_t *)page_of(c, i), home_of(c, i), 1);
			m->state = M_DATA;
			m->gen = 1;
			m->prot = M_RW;
			if (rnd_below(&rs, 8) == 0) {
				if (madvise(page_of(c, i), PAGE, MADV_GUARD_INSTALL)) {
					perror("MADV_GUARD_INSTALL");
					exit(1);
				}
				m->state = M_GUARD;
			}
		}
	}
}

static long cmdline_secs(void)
{
	char buf[4096], *s;
	FILE *f = fopen("/proc/cmdline", "r");
	long v = -1;

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (s = strstr(buf, "guard_stress.secs=")))
		v = strtol(s + strlen("guard_stress.secs="), NULL, 10);
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	pid_t pids[MAX_WORKERS];
	double secs = 60, t0, el;
	unsigned long total = 0, race_total = 0, faults = 0, collapsed = 0;
	unsigned long scollapsed = 0, sigbus = 0, bt[NR_BACKINGS];
	int b;
	bool from_cmdline = false, hung = false;
	int opt, w, o, status;

	seed = time(NULL);
	while ((opt = getopt(argc, argv, "t:kp:T:R:s:i:NF")) != -1) {
		switch (opt) {
		case 't': secs = atof(optarg); break;
		case 'k': from_cmdline = true; break;
		case 'p': nworkers = atoi(optarg); break;
		case 'T': nthreads = atoi(optarg); break;
		case 'R': nracers = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'i': inject = optarg; break;
		case 'N': trunc_race = false; break;
		case 'F': shared_on = false; break;
		default:
			fprintf(stderr, "usage: %s [-t SECS] [-k] [-p PROCS] [-T THREADS] [-R RACERS] [-s SEED] [-N] [-F] [-i data|guard|errno|race|sdata|sguard|punch|trunc|private|child]\n",
				argv[0]);
			return 2;
		}
	}
	if (from_cmdline && cmdline_secs() > 0)
		secs = cmdline_secs();
	if (nworkers < 1 || nworkers > MAX_WORKERS || nthreads < 1 ||
	    nthreads > MAX_THREADS || nracers < 1 || nracers > MAX_THREADS) {
		fprintf(stderr, "bad -p/-T/-R\n");
		return 2;
	}
	multi_vma_mremap = kernel_at_least(6, 17);
	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_plan(nworkers + 1);
	printf("# seed %llu, %.0f s, %d processes x (%d chunk + %d race threads), %d KiB region + %d KiB race zone each%s%s\n",
	       (unsigned long long)seed, secs, nworkers, nthreads, nracers,
	       REGION_PAGES * 4, RACE_PAGES * 4, inject ? ", injecting: " : "",
	       inject ? inject : "");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	probe_init();
	setup_region();

	t0 = now_sec();
	for (w = 0; w < nworkers; w++) {
		pids[w] = fork();
		if (!pids[w]) {
			worker_id = w;
			_exit(worker());
		}
	}
	/* Run; stop early once a worker has failed a lot. */
	while ((el = now_sec() - t0) < secs) {
		usleep(200000);
		for (w = 0; w < nworkers; w++)
			if (sh->w[w].failures > 20)
				secs = 0;
	}
	sh->stop = 1;
	el = now_sec() - t0;
	/* Give them time to finish their operation and final check. */
	for (w = 0; w < nworkers; w++) {
		double deadline = now_sec() + 300;

		while (waitpid(pids[w], &status, WNOHANG) == 0) {
			if (now_sec() > deadline) {
				printf("# worker %d hangs: killing it\n", w);
				kill(pids[w], SIGKILL);
				waitpid(pids[w], &status, 0);
				hung = true;
				break;
			}
			usleep(100000);
		}
		for (b = 0, total = 0; b < NR_BACKINGS; b++)
			for (o = 0, bt[b] = 0; o < NR_OPS; o++)
				bt[b] += sh->w[w].ops[b][o];
		total = bt[B_ANON] + bt[B_MEMFD] + bt[B_FILE];
		tap_result(WIFEXITED(status) && !WEXITSTATUS(status) &&
			   !sh->w[w].failures,
			   "worker %d: %lu chunk operations (anon %lu, memfd %lu, file %lu), %lu race operations, %lu guard faults seen, %lu failures (status %#x)",
			   w, total, bt[B_ANON], bt[B_MEMFD], bt[B_FILE],
			   sh->w[w].race_ops, sh->w[w].guard_faults,
			   sh->w[w].failures, status);
	}
	total = 0;
	for (b = 0; b < NR_BACKINGS; b++) {
		unsigned long sum = 0;

		if (b != B_ANON && !shared_on)
			continue;
		printf("# operations by kind (all workers, %s):", backing_name[b]);
		for (o = 0; o < NR_OPS; o++) {
			unsigned long n = 0;

			for (w = 0; w < nworkers; w++)
				n += sh->w[w].ops[b][o];
			sum += n;
			/* Only the kinds this backing has. */
			if (b == B_ANON ? o < OP_PUNCH : o != OP_FREE || n)
				printf(" %s %lu,", op_name[o], n);
		}
		printf(" total %lu\n", sum);
		total += sum;
	}
	for (w = 0; w < nworkers; w++) {
		race_total += sh->w[w].race_ops;
		faults += sh->w[w].guard_faults;
		collapsed += sh->w[w].collapsed;
		scollapsed += sh->w[w].scollapsed;
		sigbus += sh->w[w].sigbus;
	}
	printf("# %lu MADV_COLLAPSE calls made a huge page (memfd: %lu); %lu SIGBUS beyond a truncated end checked\n",
	       collapsed, scollapsed, sigbus);
	tap_result(!tap_fail && !hung,
		   "guard-stress: %.1f minutes, %lu operations (%.0f/s), %lu of them in the race zones, %lu guard faults checked, seed %llu",
		   el / 60, total + race_total, (total + race_total) / el,
		   race_total, faults, (unsigned long long)seed);
	tap_finish();
	return 0;
}
