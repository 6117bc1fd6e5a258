/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model of a page that guard-stress and guard-fuzz keep beside the real
 * memory, and the checks of the real page against it.
 *
 * A page is EMPTY (reads zero), DATA (reads its stamp of generation gen),
 * FREED (after MADV_FREE: reads its stamp or, once reclaimed, zero) or a
 * GUARD (every access faults with SEGV_MAPERR, GUP fails with EFAULT); its
 * protection is read/write, read-only or none (every access faults).
 */
#ifndef GUARD_MODEL_H
#define GUARD_MODEL_H

#include "guard_util.h"

enum mstate { M_EMPTY, M_DATA, M_FREED, M_GUARD };
enum mprot { M_RW, M_RO, M_NONE };

struct mpage {
	uint8_t state;
	uint8_t prot;
	uint32_t gen;
};

static const char *const mstate_name[] = { "empty", "data", "freed", "guard" };
static const char *const mprot_name[] = { "rw", "ro", "none" };

static inline int mprot_bits(int prot)
{
	return prot == M_RW ? PROT_READ | PROT_WRITE :
	       prot == M_RO ? PROT_READ : PROT_NONE;
}

/*
 * Check the page at @addr (whose stamps carry @home) against @m.  With
 * @gup, also read it through process_vm_readv().  Returns true, or false with
 * the reason in @why.
 */
static inline bool check_page(char *addr, unsigned long home,
			      const struct mpage *m, bool gup,
			      char *why, size_t n)
{
	uint64_t buf[WORDS];
	unsigned long gen = 0, bad = 0;
	enum page_seen s;
	int sig;

	sig = probe_copy(addr, buf);
	if (m->prot == M_NONE || m->state == M_GUARD) {
		if (sig != SIGSEGV) {
			snprintf(why, n, "%p (%s, %s): readable, expected a fault",
				 addr, mstate_name[m->state], mprot_name[m->prot]);
			return false;
		}
		/* memcpy() need not start at the first byte. */
		if (probe_addr < (unsigned long)addr ||
		    probe_addr >= (unsigned long)addr + PAGE) {
			snprintf(why, n, "%p: fault reported at %#lx", addr,
				 probe_addr);
			return false;
		}
		if (m->prot != M_NONE && probe_code != SEGV_MAPERR) {
			snprintf(why, n, "%p: guard fault with si_code %d, expected SEGV_MAPERR",
				 addr, probe_code);
			return false;
		}
		if (gup) {
			struct iovec l = { buf, PAGE }, r = { addr, PAGE };

			if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != -1 ||
			    errno != EFAULT) {
				snprintf(why, n, "%p (%s, %s): process_vm_readv() did not fail with EFAULT",
					 addr, mstate_name[m->state],
					 mprot_name[m->prot]);
				return false;
			}
		}
		return true;
	}
	if (sig) {
		snprintf(why, n, "%p (%s, gen %u): read faults (signal %d, si_code %d)",
			 addr, mstate_name[m->state], m->gen, sig, probe_code);
		return false;
	}
	if (gup) {
		uint64_t buf2[WORDS];
		struct iovec l = { buf2, PAGE }, r = { addr, PAGE };
		ssize_t got = process_vm_readv(getpid(), &l, 1, &r, 1, 0);

		if (got != (ssize_t)PAGE) {
			snprintf(why, n, "%p (%s): process_vm_readv() returned %zd (%s)",
				 addr, mstate_name[m->state], got, errname(errno));
			return false;
		}
		/* A FREED page may be reclaimed between the two reads. */
		if (memcmp(buf, buf2, PAGE) && m->state != M_FREED) {
			snprintf(why, n, "%p: process_vm_readv() reads other data than a load",
				 addr);
			return false;
		}
	}
	s = classify_page(buf, home, &gen, &bad);
	switch (m->state) {
	case M_EMPTY:
		if (s == SEEN_ZERO)
			return true;
		break;
	case M_DATA:
		if (s == SEEN_STAMP && gen == m->gen)
			return true;
		break;
	case M_FREED:
		if (s == SEEN_ZERO || (s == SEEN_STAMP && gen == m->gen))
			return true;
		break;
	}
	snprintf(why, n, "%p (home %#lx, %s gen %u): reads %s (gen %lu, word %lu = %#llx)",
		 addr, home, mstate_name[m->state], m->gen,
		 s == SEEN_ZERO ? "zero" : s == SEEN_STAMP ? "a stamp" :
		 s == SEEN_TORN ? "a torn stamp" : "foreign data",
		 gen, bad, (unsigned long long)buf[bad]);
	return false;
}

/*
 * Write the page at @addr as the model says one can: a new stamp where it
 * is writable, and where it is not, check that the write faults and
 * changes nothing.  Updates @m.  Returns true, or false with @why.
 */
static inline bool write_page(char *addr, unsigned long home, struct mpage *m,
			      char *why, size_t n)
{
	int sig;

	if (m->prot == M_RW && m->state != M_GUARD) {
		unsigned long gen = next_gen(m->gen);

		sig = probe_stamp(addr, home, gen);
		if (sig) {
			snprintf(why, n, "%p (%s): write faults (signal %d, si_code %d)",
				 addr, mstate_name[m->state], sig, probe_code);
			return false;
		}
		m->state = M_DATA;
		m->gen = gen;
		return true;
	}
	sig = probe_stamp(addr, home, next_gen(m->gen));
	if (sig != SIGSEGV || probe_addr != (unsigned long)addr) {
		snprintf(why, n, "%p (%s, %s): write did not fault there (signal %d at %#lx)",
			 addr, mstate_name[m->state], mprot_name[m->prot], sig,
			 probe_addr);
		return false;
	}
	if (m->state == M_GUARD && m->prot == M_RW && probe_code != SEGV_MAPERR) {
		snprintf(why, n, "%p: guard write fault with si_code %d", addr,
			 probe_code);
		return false;
	}
	return true;
}

/*
 * Expected errno of MADV_POPULATE_READ/WRITE over @m[0..n): the first page
 * that is not accessible decides: no access (or no write access for
 * WRITE) gives EINVAL, a guard EFAULT.
 */
static inline int populate_errno(const struct mpage *m, int n, bool write)
{
	int i;

	for (i = 0; i < n; i++) {
		if (m[i].prot == M_NONE || (write && m[i].prot == M_RO))
			return EINVAL;
		if (m[i].state == M_GUARD)
			return EFAULT;
	}
	return 0;
}

#endif /* GUARD_MODEL_H */
