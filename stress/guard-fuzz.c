// SPDX-License-Identifier: GPL-2.0
/*
 * guard-fuzz: a seeded random sequence of mmap(MAP_FIXED[_NOREPLACE]),
 * munmap(), mremap() (moves), mprotect(), mlock()/munlock(), madvise()
 * (MADV_GUARD_INSTALL/REMOVE, DONTNEED, FREE, COLD, PAGEOUT, POPULATE_READ/
 * WRITE, WIPEONFORK/KEEPONFORK), fork() and reads and writes, over an
 * arena of ARENA pages at a fixed address, checked call by call against a
 * model of every page (mapped or not, guard, data and generation, home,
 * protection, mlock()ed, wipe-on-fork): the return value and errno of every
 * call, and after every call the content or fault of every page it touched
 * (and every FULL_EVERY operations, of the whole arena).
 *
 * Mappings are anonymous or of a memfd (shmem) or a regular file (in
 * $GUARD_PAGES_FILE_DIR, else /tmp), MAP_SHARED or MAP_PRIVATE at a random
 * offset; the content of the two files is modelled apart from the
 * mappings (a guard hides it and never changes it; a MAP_PRIVATE page may
 * hold a private copy), and the sequences also punch holes
 * (MADV_REMOVE, fallocate(PUNCH_HOLE)) and truncate a file and grow it back
 * (SIGBUS beyond the end in between, data beyond zero afterwards, private
 * copies there gone, guards kept).
 *
 * The same seed gives the same sequence, so a failure replays:
 *
 *   guard-fuzz [-s SEED[,SEED...]] [-n OPS] [-v] [-x N] [-X N]
 *	-s	seeds (default 1,2,3,4)
 *	-n	operations per seed (default 2000)
 *	-v	print every operation
 *	-x N	at operation N, change a word of a page behind the model's
 *		back and check the arena (the check must then fail: shows that
 *		it can)
 *	-X N	the same with a word of a file page (pwrite() to the file
 *		behind the model's back) that a mapping shows
 *
 * One TAP line per seed; a failure prints the seed, the operation number
 * and the last operations.
 */
#include <sys/wait.h>
#include "guard_model.h"

#define ARENA		96
#define MAXRANGE	24
#define FULL_EVERY	50
#define ARENA_ADDR	0x100000000000UL	/* 16 TiB, far from the rest */
#define FILE_PAGES	128
#define FILE_HOME	0x200000000000UL	/* stamps of the files' pages */

/*
 * A page: anonymous (file < 0; m says what it holds) or of a file (m.state
 * is M_GUARD or M_EMPTY, meaning "what the file or the private copy
 * holds").
 */
struct fpage {
	struct mpage m;
	bool mapped;
	bool locked;
	bool wipe;
	unsigned long home;	/* where its stamps say it lives */
	int8_t file;		/* -1 anonymous, else the backing */
	bool shared;		/* MAP_SHARED */
	bool cow;		/* MAP_PRIVATE: a private copy, of */
	uint32_t cowgen;	/* ... this generation */
	unsigned long cowhome;	/* ... with these stamps */
	int fidx;		/* page of the file */
};

/* The backings: 0 a memfd, 1 a file. */
static struct backing {
	const char *name;
	int fd;
	bool punch;		/* fallocate(PUNCH_HOLE) supported */
	bool multi_move;	/* mremap() moves several of its VMAs */
	uint32_t gen[FILE_PAGES];	/* content: 0 zero, else a stamp */
} files[2] = { { .name = "memfd" }, { .name = "file" } };
static long corrupt_file_at = -1;

static struct fpage model[ARENA];
static char *arena = (char *)ARENA_ADDR;
static bool verbose;
static bool multi_vma_mremap;
static long corrupt_at = -1;
static char why[512];
static char hist[16][160];
static unsigned long nops;

#define addr_of(i)	(arena + (unsigned long)(i) * PAGE)

static void __attribute__((format(printf, 1, 2))) logop(const char *fmt, ...)
{
	va_list ap;
	char *h = hist[nops % 16];

	va_start(ap, fmt);
	vsnprintf(h, sizeof(hist[0]), fmt, ap);
	va_end(ap);
	if (verbose)
		printf("#   %lu: %s\n", nops, h);
}

static unsigned long fhome(int file, int fidx)
{
	return FILE_HOME + ((unsigned long)file * FILE_PAGES + fidx) * PAGE;
}

/* What page @i reads as the model says: @m and the stamps' @home. */
static void eff(int i, struct mpage *m, unsigned long *home)
{
	struct fpage *f = &model[i];

	*m = f->m;
	*home = f->home;
	if (f->file < 0 || f->m.state == M_GUARD)
		return;
	if (!f->shared && f->cow) {
		m->gen = f->cowgen;
		*home = f->cowhome;
	} else {
		m->gen = files[f->file].gen[f->fidx];
		*home = fhome(f->file, f->fidx);
	}
	m->state = m->gen ? M_DATA : M_EMPTY;
}

/* Write page @i as the model says one can. */
static bool write_one(int i)
{
	struct fpage *f = &model[i];
	unsigned long home;
	struct mpage m;
	bool writes;

	if (f->file < 0)
		return write_page(addr_of(i), f->home, &f->m, why, sizeof(why));
	eff(i, &m, &home);
	writes = m.prot == M_RW && m.state != M_GUARD;
	if (!f->shared)
		home = (unsigned long)addr_of(i);
	if (!write_page(addr_of(i), home, &m, why, sizeof(why)))
		return false;
	if (writes && f->shared) {
		files[f->file].gen[f->fidx] = m.gen;
	} else if (writes) {
		f->cow = true;
		f->cowgen = m.gen;
		f->cowhome = home;
	}
	return true;
}

static const char *kind(int i)
{
	struct fpage *f = &model[i];

	if (f->file < 0)
		return "anon";
	return f->shared ? (f->file ? "file shared" : "memfd shared") :
			   (f->file ? "file private" : "memfd private");
}

static bool check_one(int i, bool gup)
{
	struct fpage *f = &model[i];
	unsigned long home;
	struct mpage m;
	char w[256];

	if (!f->mapped) {
		if (probe_read(addr_of(i)) != SIGSEGV || probe_code != SEGV_MAPERR) {
			snprintf(why, sizeof(why), "page %d: not mapped but readable", i);
			return false;
		}
		return true;
	}
	eff(i, &m, &home);
	if (!check_page(addr_of(i), home, &m, gup, w, sizeof(w))) {
		if (f->file < 0)
			snprintf(why, sizeof(why), "page %d: %s", i, w);
		else
			snprintf(why, sizeof(why), "page %d (%s, file page %d%s): %s",
				 i, kind(i), f->fidx,
				 !f->shared && f->cow ? ", private copy" : "", w);
		return false;
	}
	return true;
}

static bool check_range(int a, int b, uint64_t *rs)
{
	int i;

	for (i = a; i < b; i++)
		if (!check_one(i, rnd_below(rs, 8) == 0))
			return false;
	return true;
}

/* Every page of the arena that maps @file (-1: either file). */
static bool check_file(int file)
{
	int i;

	for (i = 0; i < ARENA; i++)
		if (model[i].mapped && model[i].file >= 0 &&
		    (file < 0 || model[i].file == file) && !check_one(i, false))
			return false;
	return true;
}

/* VMA boundaries inside the arena, from /proc/self/maps. */
static int vmas_in(int a, int b)
{
	char line[512];
	int n = 0;
	unsigned long lo = (unsigned long)addr_of(a), hi = (unsigned long)addr_of(b);
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && e > lo && s < hi)
			n++;
	}
	if (f)
		fclose(f);
	return n;
}

static bool all_mapped(int a, int b)
{
	int i;

	for (i = a; i < b; i++)
		if (!model[i].mapped)
			return false;
	return true;
}

static bool none_mapped(int a, int b)
{
	int i;

	for (i = a; i < b; i++)
		if (model[i].mapped)
			return false;
	return true;
}

static bool expect_ret(const char *what, long ret, int want)
{
	int got = ret == -1 ? errno : 0;

	if (got == want)
		return true;
	snprintf(why, sizeof(why), "%s: got %s, expected %s", what,
		 errname(got), errname(want));
	return false;
}

static void set_empty(int i)
{
	model[i].mapped = true;
	model[i].m.state = M_EMPTY;
	model[i].m.prot = M_RW;
	model[i].m.gen = 0;
	model[i].locked = false;
	model[i].wipe = false;
	model[i].home = (unsigned long)addr_of(i);
	model[i].file = -1;
	model[i].shared = false;
	model[i].cow = false;
}

static void set_file(int i, int file, bool shared, int fidx)
{
	set_empty(i);
	model[i].file = file;
	model[i].shared = shared;
	model[i].fidx = fidx;
}

/*
 * madvise() over [a, b) that applies @fn to each mapped page in order; a
 * hole gives ENOMEM at the end, a page @fn refuses (returns an errno) stops
 * the walk there with that errno.
 */
static int walk_model(int a, int b, int (*fn)(struct fpage *f))
{
	int i, err = 0, e;

	for (i = a; i < b; i++) {
		if (!model[i].mapped) {
			err = ENOMEM;
			continue;
		}
		e = fn(&model[i]);
		if (e)
			return e;
	}
	return err;
}

static int m_install(struct fpage *f)
{
	if (f->locked)
		return EINVAL;
	f->m.state = M_GUARD;
	f->cow = false;		/* a private copy is zapped */
	return 0;
}

static int m_remove(struct fpage *f)
{
	if (f->m.state == M_GUARD)
		f->m.state = M_EMPTY;
	return 0;
}

static int m_dontneed(struct fpage *f)
{
	if (f->locked)
		return EINVAL;
	if (f->m.state != M_GUARD) {
		f->m.state = M_EMPTY;
		f->cow = false;
	}
	return 0;
}

static int m_free(struct fpage *f)
{
	if (f->locked || f->file >= 0)	/* anonymous memory only */
		return EINVAL;
	if (f->m.state == M_DATA)
		f->m.state = M_FREED;
	return 0;
}

static int m_cold(struct fpage *f)
{
	return f->locked ? EINVAL : 0;
}

static int m_wipe(struct fpage *f)
{
	if (f->file >= 0)
		return EINVAL;
	f->wipe = true;
	return 0;
}

static int m_keep(struct fpage *f)
{
	f->wipe = false;
	return 0;
}

/* MADV_REMOVE: a hole in the file behind a shared, writable mapping. */
static int m_punch(struct fpage *f)
{
	if (f->locked || f->file < 0)
		return EINVAL;
	if (!f->shared)
		return EACCES;
	if (!files[f->file].punch)
		return EOPNOTSUPP;
	files[f->file].gen[f->fidx] = 0;
	return 0;
}

/*
 * Locked pages refuse DONTNEED and FREE: the walk stops with EINVAL, but
 * madvise() checks the VMAs one by one, so the pages before the first
 * locked one are done.
 */
static bool do_madvise(int a, int b, int advice, const char *name,
		       int (*fn)(struct fpage *f))
{
	int want;
	long ret;

	logop("madvise([%d, %d), %s)", a, b, name);
	want = walk_model(a, b, fn);
	ret = madvise(addr_of(a), (b - a) * PAGE, advice);
	return expect_ret(name, ret, want);
}

static int fork_check(void)
{
	int i;

	for (i = 0; i < ARENA; i++) {
		struct fpage f = model[i];

		if (f.mapped && f.wipe && f.m.prot != M_NONE)
			f.m.state = M_EMPTY;
		model[i] = f;
		model[i].locked = false;	/* mlock() is not inherited */
		if (!check_one(i, i % 3 == 0))
			return 1;
		/* Not to the shared files: the parent's model would not know. */
		if (f.mapped && !(f.file >= 0 && f.shared) && !write_one(i))
			return 1;
	}
	return 0;
}

/*
 * ftruncate() a file to a random page and back: in between, a page of it
 * beyond the end gives SIGBUS (SIGSEGV: a guard or PROT_NONE) in every
 * mapping; afterwards the data beyond is zero, private copies there are
 * gone (truncation unmaps them too), the guards are still there.
 */
static bool op_truncate(uint64_t *rs)
{
	int file = rnd_below(rs, 2), cut = rnd_below(rs, FILE_PAGES), i, sig, want;
	struct backing *f = &files[file];

	logop("ftruncate(%s, page %d) and back", f->name, cut);
	if (!expect_ret("ftruncate (shrink)", ftruncate(f->fd, (off_t)cut * PAGE), 0))
		return false;
	for (i = 0; i < ARENA; i++) {
		struct fpage *p = &model[i];

		if (!p->mapped || p->file != file || p->fidx < cut)
			continue;
		want = p->m.state == M_GUARD || p->m.prot == M_NONE ? SIGSEGV : SIGBUS;
		sig = probe_read(addr_of(i));
		if (sig != want) {
			snprintf(why, sizeof(why), "page %d (%s, file page %d, %s, %s) beyond the end after ftruncate to page %d: signal %d, expected %d",
				 i, kind(i), p->fidx, mstate_name[p->m.state],
				 mprot_name[p->m.prot], cut, sig, want);
			return false;
		}
	}
	if (!expect_ret("ftruncate (grow back)",
			ftruncate(f->fd, (off_t)FILE_PAGES * PAGE), 0))
		return false;
	for (i = cut; i < FILE_PAGES; i++)
		f->gen[i] = 0;
	for (i = 0; i < ARENA; i++)
		if (model[i].mapped && model[i].file == file &&
		    model[i].fidx >= cut)
			model[i].cow = false;
	return check_file(file);
}

/* -X: change a word of a file page that some mapping shows. */
static bool corrupt_file(uint64_t *rs)
{
	int i;

	for (i = 0; i < ARENA; i++) {
		struct fpage *p = &model[i];
		uint64_t w;
		off_t off;

		if (!p->mapped || p->file < 0 || p->m.state == M_GUARD ||
		    p->m.prot == M_NONE || (!p->shared && p->cow))
			continue;
		off = (off_t)p->fidx * PAGE + 24;
		if (pread(files[p->file].fd, &w, 8, off) != 8)
			continue;
		w ^= 1;
		if (pwrite(files[p->file].fd, &w, 8, off) != 8)
			continue;
		logop("corrupted %s page %d (arena page %d), full check",
		      files[p->file].name, p->fidx, i);
		return check_range(0, ARENA, rs);
	}
	corrupt_file_at++;	/* none shown yet: the next operation */
	return true;
}

static bool one_op(uint64_t *rs)
{
	int a = rnd_below(rs, ARENA);
	int b = a + 1 + rnd_below(rs, (ARENA - a < MAXRANGE ? ARENA - a : MAXRANGE));
	unsigned long len = (b - a) * PAGE;
	int op = rnd_below(rs, 25), i, want;
	long ret;
	void *p;

	switch (op) {
	case 0: case 1: case 2:
		logop("write [%d, %d)", a, b);
		for (i = a; i < b; i++) {
			if (!model[i].mapped)
				continue;
			if (!write_one(i))
				return false;
		}
		return true;
	case 3: case 4:
		logop("check [%d, %d)", a, b);
		return check_range(a, b, rs);
	case 5: case 6:
		if (!do_madvise(a, b, MADV_GUARD_INSTALL, "MADV_GUARD_INSTALL", m_install))
			return false;
		break;
	case 7: case 8:
		if (!do_madvise(a, b, MADV_GUARD_REMOVE, "MADV_GUARD_REMOVE", m_remove))
			return false;
		break;
	case 9:
		if (!do_madvise(a, b, MADV_DONTNEED, "MADV_DONTNEED", m_dontneed))
			return false;
		break;
	case 10:
		if (!do_madvise(a, b, MADV_FREE, "MADV_FREE", m_free))
			return false;
		break;
	case 11:
		if (!do_madvise(a, b, rnd_below(rs, 2) ? MADV_COLD : MADV_PAGEOUT,
				"MADV_COLD/PAGEOUT", m_cold))
			return false;
		break;
	case 12: {
		bool wipe = rnd_below(rs, 2);

		if (!do_madvise(a, b, wipe ? MADV_WIPEONFORK : MADV_KEEPONFORK,
				wipe ? "MADV_WIPEONFORK" : "MADV_KEEPONFORK",
				wipe ? m_wipe : m_keep))
			return false;
		break;
	}
	case 13: {
		bool w = rnd_below(rs, 2);

		if (!all_mapped(a, b))
			return true;
		logop("madvise([%d, %d), MADV_POPULATE_%s)", a, b, w ? "WRITE" : "READ");
		for (i = a, want = 0; i < b && !want; i++)
			want = populate_errno(&model[i].m, 1, w);
		ret = madvise(addr_of(a), len, w ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
		if (!expect_ret("MADV_POPULATE", ret, want))
			return false;
		/* Writing a private file page makes a copy of it. */
		for (i = a; i < b && w && !populate_errno(&model[i].m, 1, w); i++) {
			struct fpage *f = &model[i];

			if (f->file >= 0 && !f->shared && !f->cow) {
				f->cow = true;
				f->cowgen = files[f->file].gen[f->fidx];
				f->cowhome = fhome(f->file, f->fidx);
			}
		}
		break;
	}
	case 14: {
		int prot = rnd_below(rs, 3);

		logop("mprotect([%d, %d), %s)", a, b, mprot_name[prot]);
		/* Applied up to the first hole, which gives ENOMEM. */
		want = model[a].mapped ? 0 : ENOMEM;
		for (i = a; i < b && !want; i++) {
			if (!model[i].mapped) {
				want = ENOMEM;
				break;
			}
		}
		ret = mprotect(addr_of(a), len, mprot_bits(prot));
		if (!expect_ret("mprotect", ret, want))
			return false;
		for (i = a; i < b && model[i].mapped; i++)
			model[i].m.prot = prot;
		break;
	}
	case 15: case 16: {
		bool noreplace = rnd_below(rs, 2);
		/* Half anonymous, half of a file: memfd/file, shared/private. */
		int back = rnd_below(rs, 8), file = back < 4 ? -1 : (back & 1);
		bool shared = back >= 4 && (back & 2);
		int o = rnd_below(rs, FILE_PAGES - (b - a) + 1);

		if (file < 0)
			logop("mmap([%d, %d), %s)", a, b, noreplace ? "MAP_FIXED_NOREPLACE" : "MAP_FIXED");
		else
			logop("mmap([%d, %d), %s, %s %s at page %d)", a, b,
			      noreplace ? "MAP_FIXED_NOREPLACE" : "MAP_FIXED",
			      files[file].name, shared ? "MAP_SHARED" : "MAP_PRIVATE", o);
		want = (noreplace && !none_mapped(a, b)) ? EEXIST : 0;
		if (file < 0)
			p = mmap(addr_of(a), len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS |
				 (noreplace ? MAP_FIXED_NOREPLACE : MAP_FIXED), -1, 0);
		else
			p = mmap(addr_of(a), len, PROT_READ | PROT_WRITE,
				 (shared ? MAP_SHARED : MAP_PRIVATE) |
				 (noreplace ? MAP_FIXED_NOREPLACE : MAP_FIXED),
				 files[file].fd, (off_t)o * PAGE);
		if (!expect_ret("mmap", p == MAP_FAILED ? -1 : 0, want))
			return false;
		if (p != MAP_FAILED && p != addr_of(a)) {
			snprintf(why, sizeof(why), "mmap returned %p", p);
			return false;
		}
		if (!want)
			for (i = a; i < b; i++) {
				if (file < 0)
					set_empty(i);
				else
					set_file(i, file, shared, o + i - a);
			}
		break;
	}
	case 17:
		logop("munmap([%d, %d))", a, b);
		ret = munmap(addr_of(a), len);
		if (!expect_ret("munmap", ret, 0))
			return false;
		for (i = a; i < b; i++)
			model[i].mapped = false;
		break;
	case 18: {
		/* Move a mapped range to an unmapped one. */
		int n = b - a, d = rnd_below(rs, ARENA - n + 1), vmas;
		struct fpage tmp[MAXRANGE];

		if (!all_mapped(a, b) || !none_mapped(d, d + n) ||
		    (d < b && d + n > a))
			return true;
		vmas = vmas_in(a, b);
		/*
		 * Not several VMAs where one is of a file whose VMAs cannot
		 * move together (ramfs): EFAULT, and the others may have
		 * moved already.
		 */
		for (i = a; i < b && vmas > 1; i++)
			if (model[i].file >= 0 && !files[model[i].file].multi_move)
				return true;
		logop("mremap([%d, %d) -> %d), %d VMAs", a, b, d, vmas);
		want = (vmas == 1 || multi_vma_mremap) ? 0 : EFAULT;
		p = mremap(addr_of(a), len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
			   addr_of(d));
		if (!expect_ret("mremap", p == MAP_FAILED ? -1 : 0, want))
			return false;
		if (!want) {
			memcpy(tmp, &model[a], n * sizeof(tmp[0]));
			for (i = a; i < b; i++)
				model[i].mapped = false;
			memcpy(&model[d], tmp, n * sizeof(tmp[0]));
			a = d;
			b = d + n;
		}
		break;
	}
	case 19: {
		bool lock = rnd_below(rs, 2);

		if (!all_mapped(a, b))
			return true;
		if (lock) {
			/* Only where every page can be faulted in. */
			for (i = a; i < b; i++)
				if (model[i].m.state == M_GUARD ||
				    model[i].m.prot == M_NONE)
					return true;
		}
		logop("%s([%d, %d))", lock ? "mlock" : "munlock", a, b);
		ret = lock ? mlock(addr_of(a), len) : munlock(addr_of(a), len);
		if (!expect_ret(lock ? "mlock" : "munlock", ret, 0))
			return false;
		for (i = a; i < b; i++) {
			struct fpage *f = &model[i];

			f->locked = lock;
			/* mlock() populates a writable private mapping for writing. */
			if (lock && f->file >= 0 && !f->shared && !f->cow &&
			    f->m.prot == M_RW) {
				f->cow = true;
				f->cowgen = files[f->file].gen[f->fidx];
				f->cowhome = fhome(f->file, f->fidx);
			}
		}
		break;
	}
	case 20: {
		int status;
		pid_t pid;

		if (rnd_below(rs, 4))
			return true;
		logop("fork");
		fflush(stdout);
		pid = fork();
		if (!pid) {
			if (fork_check()) {
				printf("#   fork child: %s\n", why);
				fflush(stdout);
				_exit(1);
			}
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || status) {
			snprintf(why, sizeof(why), "fork child failed (status %#x)", status);
			return false;
		}
		return check_range(0, ARENA, rs);
	}
	case 21:
		/* Reads through process_vm_readv() of a whole range. */
		logop("gup check [%d, %d)", a, b);
		for (i = a; i < b; i++)
			if (!check_one(i, true))
				return false;
		return true;
	case 22:
		if (!do_madvise(a, b, MADV_REMOVE, "MADV_REMOVE", m_punch))
			return false;
		/* Other mappings of the file see the hole too. */
		return check_range(a, b, rs) && check_file(-1);
	case 23: {
		struct backing *f = &files[rnd_below(rs, 2)];
		int o = rnd_below(rs, FILE_PAGES - (b - a) + 1);

		logop("fallocate(%s, PUNCH_HOLE, pages [%d, %d))", f->name, o,
		      o + b - a);
		ret = fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				(off_t)o * PAGE, len);
		if (!expect_ret("fallocate(PUNCH_HOLE)", ret,
				f->punch ? 0 : EOPNOTSUPP))
			return false;
		for (i = o; i < o + b - a && f->punch; i++)
			f->gen[i] = 0;
		return check_file(f - files);
	}
	case 24:
		return op_truncate(rs);
	}
	return check_range(a, b, rs);
}

static bool run_seed(uint64_t seed, unsigned long n)
{
	uint64_t rs = rnd_seed(seed);
	void *p;
	int i;

	munmap(arena, ARENA * PAGE);
	p = mmap(arena, ARENA * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != arena) {
		snprintf(why, sizeof(why), "cannot map the arena at %p: %s",
			 arena, errname(errno));
		return false;
	}
	for (i = 0; i < ARENA; i++)
		set_empty(i);
	for (i = 0; i < 2; i++) {
		if (ftruncate(files[i].fd, 0) ||
		    ftruncate(files[i].fd, FILE_PAGES * PAGE)) {
			snprintf(why, sizeof(why), "resetting the %s: %s",
				 files[i].name, errname(errno));
			return false;
		}
		memset(files[i].gen, 0, sizeof(files[i].gen));
	}
	for (nops = 0; nops < n; nops++) {
		if ((long)nops == corrupt_file_at && !corrupt_file(&rs))
			return false;
		if ((long)nops == corrupt_at) {
			for (i = 0; i < ARENA; i++) {
				if (model[i].mapped && model[i].m.prot != M_NONE &&
				    model[i].m.state == M_DATA) {
					((uint64_t *)addr_of(i))[3] ^= 1;
					break;
				}
			}
			logop("corrupted page %d, full check", i);
			if (!check_range(0, ARENA, &rs))
				return false;
		}
		if (!one_op(&rs))
			return false;
		if (nops % FULL_EVERY == FULL_EVERY - 1 && !check_range(0, ARENA, &rs)) {
			logop("full check");
			return false;
		}
	}
	munlock(arena, ARENA * PAGE);
	munmap(arena, ARENA * PAGE);
	return true;
}

int main(int argc, char **argv)
{
	char seeds_def[] = "1,2,3,4", *seeds = seeds_def, *s;
	unsigned long n = 2000, total = 0;
	double t0 = now_sec();
	int opt, count = 0, i;

	while ((opt = getopt(argc, argv, "s:n:vx:X:")) != -1) {
		switch (opt) {
		case 's': seeds = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 0); break;
		case 'v': verbose = true; break;
		case 'x': corrupt_at = atol(optarg); break;
		case 'X': corrupt_file_at = atol(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-s SEED[,SEED...]] [-n OPS] [-v] [-x N] [-X N]\n",
				argv[0]);
			return 2;
		}
	}
	multi_vma_mremap = kernel_at_least(6, 17);
	probe_init();
	for (i = 0; i < 2; i++) {
		files[i].fd = open_backing(i, "guard-fuzz", FILE_PAGES);
		if (files[i].fd < 0) {
			printf("# cannot create the %s in %s: %s\n", files[i].name,
			       i ? backing_dir() : "memfd", errname(errno));
			return 1;
		}
		files[i].punch = punch_supported(files[i].fd);
		files[i].multi_move = multi_vma_move_ok(files[i].fd);
	}

	for (s = seeds; *s; s = strchr(s, ',') ? strchr(s, ',') + 1 : s + strlen(s))
		count++;
	tap_plan(count);
	printf("# backings: anonymous, memfd, file in %s (PUNCH_HOLE %ssupported)\n",
	       backing_dir(), files[1].punch ? "" : "not ");
	for (s = seeds; *s; s = strchr(s, ',') ? strchr(s, ',') + 1 : s + strlen(s)) {
		uint64_t seed = strtoull(s, NULL, 0);
		double t = now_sec();
		bool ok = run_seed(seed, n);
		unsigned int k;

		total += nops;
		if (!ok) {
			printf("# seed %llu failed at operation %lu: %s\n",
			       (unsigned long long)seed, nops, why);
			printf("# last operations:\n");
			for (k = nops > 15 ? nops - 15 : 0; k <= nops; k++)
				printf("#   %u: %s\n", k, hist[k % 16]);
			printf("# replay: guard-fuzz -s %llu -n %lu -v\n",
			       (unsigned long long)seed, nops + 1);
		}
		tap_result(ok, "seed %llu: %lu operations%s (%.1f s)",
			   (unsigned long long)seed, ok ? nops : nops + 1,
			   ok ? "" : ", FAILED", now_sec() - t);
	}
	printf("# %d seeds, %lu operations, %.0f operations/s\n", count, total,
	       total / (now_sec() - t0));
	tap_finish();
	return 0;
}
