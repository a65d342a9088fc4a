// SPDX-License-Identifier: GPL-2.0
/* procsum.c — the flow table summed per process: the one summing procs, top and metrics share. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "output.h"
#include "procsum.h"

static int cmp_sum(const void *a, const void *b)
{
	const struct proc_sum *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	if (x->netns_cookie != y->netns_cookie)
		return x->netns_cookie < y->netns_cookie ? -1 : 1;
	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

/* Open addressing on (pid, start[, netns, ifindex]): one probe per flow, and memory for the
 * owners there are rather than for every flow (a full table has few owners and many flows). */
struct sum_table {
	struct proc_sum *slot; /* pid == ~0 marks a free slot */
	size_t cap, n;
};

static size_t sum_hash(const struct proc_sum *k, size_t mask)
{
	__u64 h = (k->pid * 0x9e3779b97f4a7c15ULL) ^ k->start_ns ^ (k->netns_cookie << 17) ^
		  ((__u64)k->ifindex << 41);

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h & mask;
}

static int table_grow(struct sum_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256, i;
	struct proc_sum *slot = malloc(cap * sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (i = 0; i < cap; i++)
		slot[i].pid = ~0U;
	for (i = 0; i < t->cap; i++) {
		size_t h;

		if (t->slot[i].pid == ~0U)
			continue;
		for (h = sum_hash(&t->slot[i], cap - 1); slot[h].pid != ~0U; h = (h + 1) & (cap - 1))
			;
		slot[h] = t->slot[i];
	}
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return 0;
}

int view_sum_procs(struct flow_view *v, const struct view_filter *flt, bool per_dev,
		   struct proc_sum **out, size_t *n)
{
	struct sum_table t = {};
	struct proc_sum *s;
	size_t i, k = 0;
	int err;

	for (i = 0; i < v->nflows; i++) {
		const struct flow_rec *f = &v->flows[i];
		const struct flow_value *fv = &f->val;
		struct proc_sum key = {}, *p;
		size_t h;

		if (!view_flow_selected(v, f, flt))
			continue;
		if (fv->source != FO_SRC_NONE) {
			key.pid = fv->owner.pid;
			key.start_ns = fv->owner.start_ns;
		}
		if (per_dev) {
			key.ifindex = f->key.ifindex;
			key.netns_cookie = f->key.netns_cookie;
		}
		if ((t.n + 1) * 2 > t.cap) {
			err = table_grow(&t);
			if (err) {
				free(t.slot);
				return err;
			}
		}
		for (h = sum_hash(&key, t.cap - 1); t.slot[h].pid != ~0U && cmp_sum(&t.slot[h], &key);
		     h = (h + 1) & (t.cap - 1))
			;
		p = &t.slot[h];
		if (p->pid == ~0U) {
			*p = key;
			p->last_ns = 0;
			p->flows = 0;
			p->tx_packets = p->tx_bytes = p->rx_packets = p->rx_bytes = 0;
			t.n++;
		}
		if (!p->flows || fv->last_ns > p->last_ns) {
			/* Name, uid and cgroup as flows shows them: the flow's owner record, which
			 * the classifier refreshes; a rename shows as the latest flow saw it. */
			p->last_ns = fv->last_ns;
			if (fv->source != FO_SRC_NONE) {
				const struct proc_entry *pe = view_proc(v, fv->owner.pid,
									fv->owner.start_ns);

				p->uid = fv->owner.uid;
				p->cgroup_id = fv->owner.cgroup_id;
				p->exited = pe ? (pe->flags & FO_PROC_EXITED) != 0 : false;
				comm_text(fv->owner.comm, FO_COMM_LEN, p->comm, sizeof(p->comm));
			}
		}
		p->tx_packets += f->cnt.tx_packets;
		p->tx_bytes += f->cnt.tx_bytes;
		p->rx_packets += f->cnt.rx_packets;
		p->rx_bytes += f->cnt.rx_bytes;
		p->flows++;
	}
	s = malloc((t.n ? t.n : 1) * sizeof(*s));
	if (!s) {
		free(t.slot);
		return -ENOMEM;
	}
	for (i = 0; i < t.cap; i++)
		if (t.slot[i].pid != ~0U)
			s[k++] = t.slot[i];
	free(t.slot);
	if (k)
		qsort(s, k, sizeof(*s), cmp_sum);
	*out = s;
	*n = k;
	return 0;
}

const struct proc_sum *proc_sum_find(const struct proc_sum *s, size_t n, __u32 pid,
				     __u64 start_ns)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct proc_sum *m = &s[mid];

		if (m->pid == pid && m->start_ns == start_ns)
			return m;
		if (m->pid < pid || (m->pid == pid && m->start_ns < start_ns))
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
