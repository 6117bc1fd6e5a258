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
 *   guard-stress [-t SECS] [-k] [-p PROCS] [-T THREADS] [-R RACERS] [-s SEED]
 *		  [-i data|guard|errno|race]
 *	-t SECS	run for SECS seconds (default 60)
 *	-k	take the time from the kernel command line, guard_stress.secs=N,
 *		if it is there (the on-demand long run)
 *	-p	worker processes (default 2), -T chunk threads (3), -R race
 *		threads (2) per worker; -s seed (default: time)
 *	-i WHAT	break one thing on purpose, to show that the checks fail:
 *		data: corrupt one word of a page behind the model's back;
 *		guard: pretend to install a guard without doing it;
 *		errno: expect EINVAL from a call that must succeed;
 *		race: write a word of another page into a race-zone page
 *
 * TAP output, one line per worker and one for the whole run; exit 1 on any
 * failure.
 */
#include <pthread.h>
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
	OP_COLLAPSE, NR_OPS
};

static const char *const op_name[NR_OPS] = {
	"write", "verify", "install", "remove", "dontneed", "free",
	"cold/pageout", "populate", "mprotect", "mremap", "munmap+mmap", "fork",
	"collapse",
};

/* Per cent of the single-chunk operations (collapse: see chunk_thread()). */
static const int op_weight[NR_OPS] = {
	22, 22, 12, 10, 5, 5, 3, 4, 7, 3, 4, 3, 0,
};

/* Shared between the supervisor and the workers (MAP_SHARED). */
struct shared {
	volatile int stop;
	struct {
		unsigned long ops[NR_OPS];
		unsigned long race_ops;
		unsigned long guard_faults;	/* guards seen faulting */
		unsigned long collapsed;	/* MADV_COLLAPSE that worked */
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
	sh->w[worker_id].ops[op]++;

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
	sh->w[worker_id].ops[OP_COLLAPSE]++;
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

static void *chunk_thread(void *arg)
{
	struct targ *ta = arg;

	probe_init();
	while (!sh->stop) {
		int c = rnd_below(&ta->rs, CHUNKS);
		bool ok;

		if (rnd_below(&ta->rs, 200) == 0) {
			ok = op_collapse(&ta->rs);
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
	pthread_t th[2 * MAX_THREADS];
	struct targ ta[2 * MAX_THREADS];
	int t, c, i;

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
	for (t = 0; t < nthreads + nracers; t++) {
		ta[t].id = t < nthreads ? t : t - nthreads;
		ta[t].rs = rnd_seed(seed * 1000 + worker_id * 100 + t);
		if (pthread_create(&th[t], NULL,
				   t < nthreads ? chunk_thread : race_thread,
				   &ta[t])) {
			fail("pthread_create failed");
			return 1;
		}
	}
	for (t = 0; t < nthreads + nracers; t++)
		pthread_join(th[t], NULL);

	/* Final check: the whole region exactly, the race zone loosely. */
	for (c = 0; c < CHUNKS; c++)
		if (!verify_range(c, 0, CHUNK_PAGES, c % 4 == 0, NULL))
			break;
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
	bool from_cmdline = false, hung = false;
	int opt, w, o, status;

	seed = time(NULL);
	while ((opt = getopt(argc, argv, "t:kp:T:R:s:i:")) != -1) {
		switch (opt) {
		case 't': secs = atof(optarg); break;
		case 'k': from_cmdline = true; break;
		case 'p': nworkers = atoi(optarg); break;
		case 'T': nthreads = atoi(optarg); break;
		case 'R': nracers = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'i': inject = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-t SECS] [-k] [-p PROCS] [-T THREADS] [-R RACERS] [-s SEED] [-i data|guard|errno|race]\n",
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
		for (o = 0, total = 0; o < NR_OPS; o++)
			total += sh->w[w].ops[o];
		tap_result(WIFEXITED(status) && !WEXITSTATUS(status) &&
			   !sh->w[w].failures,
			   "worker %d: %lu chunk operations, %lu race operations, %lu guard faults seen, %lu failures (status %#x)",
			   w, total, sh->w[w].race_ops, sh->w[w].guard_faults,
			   sh->w[w].failures, status);
	}
	printf("# operations by kind (all workers):");
	for (o = 0, total = 0; o < NR_OPS; o++) {
		unsigned long n = 0;

		for (w = 0; w < nworkers; w++)
			n += sh->w[w].ops[o];
		total += n;
		printf(" %s %lu%s", op_name[o], n, o < NR_OPS - 1 ? "," : "\n");
	}
	for (w = 0; w < nworkers; w++) {
		race_total += sh->w[w].race_ops;
		faults += sh->w[w].guard_faults;
		collapsed += sh->w[w].collapsed;
	}
	printf("# %lu MADV_COLLAPSE calls made a huge page\n", collapsed);
	tap_result(!tap_fail && !hung,
		   "guard-stress: %.1f minutes, %lu operations (%.0f/s), %lu of them in the race zones, %lu guard faults checked, seed %llu",
		   el / 60, total + race_total, (total + race_total) / el,
		   race_total, faults, (unsigned long long)seed);
	tap_finish();
	return 0;
}
