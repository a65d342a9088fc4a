// SPDX-License-Identifier: GPL-2.0
/* metrics_acc.c — per-label-set traffic totals that survive flows leaving the table. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cgname.h"
#include "metrics_acc.h"
#include "output.h"

/* A flow as the last read saw it: its identity as a 64-bit hash of the tuple and first_ns (a
 * new flow on the same tuple has another first_ns; two of a full table's flows share a hash
 * with odds of about 1 in 10^10 per read), and the counters then, so the next read adds only
 * the difference. 48 bytes where the tuple itself took 104: the accumulator is the larger part
 * of a one-shot read's memory at a full table. */
struct acc_flow {
	__u64 id;
	__u64 tx_packets, tx_bytes, rx_packets, rx_bytes;
	__u32 series; /* + 1; 0: empty slot */
	__u32 pad;
};

static __u64 fnv(const void *p, size_t n, __u64 h)
{
	const unsigned char *s = p;

	while (n--)
		h = (h ^ *s++) * 0x100000001b3ULL;
	return h;
}

#define FNV_SEED 0xcbf29ce484222325ULL

void acc_init(struct metrics_acc *a, bool by_pid)
{
	memset(a, 0, sizeof(*a));
	a->by_pid = by_pid;
}

static int index_grow(struct metrics_acc *a)
{
	size_t cap = a->index_cap ? a->index_cap * 2 : 256, i;
	size_t *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < a->nseries; i++) {
		__u64 h = fnv(a->series[i].key, strlen(a->series[i].key), FNV_SEED);
		size_t s = h & (cap - 1);

		while (idx[s])
			s = (s + 1) & (cap - 1);
		idx[s] = i + 1;
	}
	free(a->index);
	a->index = idx;
	a->index_cap = cap;
	return 0;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* The series for these labels, made on first sight. Returns its index + 1, 0 on ENOMEM. */
static size_t series_get(struct metrics_acc *a, const char *key, __u32 pid, const char *comm,
			 const struct cgroup_names *names, const char *cgroup, const char *dev,
			 const char *netns)
{
	struct acc_series *s;
	__u64 h = fnv(key, strlen(key), FNV_SEED);
	size_t slot;

	if (2 * (a->nseries + 1) > a->index_cap && index_grow(a))
		return 0;
	for (slot = h & (a->index_cap - 1); a->index[slot]; slot = (slot + 1) & (a->index_cap - 1))
		if (!strcmp(a->series[a->index[slot] - 1].key, key))
			return a->index[slot];
	if (a->nseries == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;

		s = realloc(a->series, cap * sizeof(*s));
		if (!s)
			return 0;
		a->series = s;
		a->cap = cap;
	}
	s = &a->series[a->nseries];
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->key = strdup(key);
	s->comm = dup_or_empty(comm);
	s->unit = dup_or_empty(names->unit);
	s->container = dup_or_empty(names->container);
	s->cgroup = dup_or_empty(cgroup);
	s->dev = dup_or_empty(dev);
	s->netns = dup_or_empty(netns);
	if (!s->key || !s->comm || !s->unit || !s->container || !s->cgroup || !s->dev || !s->netns) {
		free(s->key), free(s->comm), free(s->unit), free(s->container);
		free(s->cgroup), free(s->dev), free(s->netns);
		return 0;
	}
	a->index[slot] = ++a->nseries;
	return a->nseries;
}

static __u64 flow_id(const struct flow_key *k, __u64 first_ns)
{
	return fnv(k, sizeof(*k), fnv(&first_ns, sizeof(first_ns), FNV_SEED));
}

/* Open addressing over CAP slots (any CAP: the hash is scaled, not masked). */
static size_t flow_slot(const struct acc_flow *t, size_t cap, __u64 id)
{
	size_t s = (size_t)(((unsigned __int128)(id ^ id >> 31) * cap) >> 64);

	while (t[s].series && t[s].id != id)
		s = s + 1 == cap ? 0 : s + 1;
	return s;
}

static __u64 grown(__u64 now, __u64 then)
{
	return now > then ? now - then : 0;
}

/* What a flow's labels are made of: flows that agree in all of it (a full table's flows are
 * mostly a few owners' on a few devices, read in runs) share one series lookup. */
struct label_memo {
	bool valid, owned;
	char comm[FO_COMM_LEN];
	__u64 cgroup_id, netns_cookie;
	__u32 pid, ifindex;
	size_t si;
};

/* The series of flow F's labels, made on first sight: its index + 1, 0 on ENOMEM. */
static size_t flow_series(struct metrics_acc *a, const struct flow_view *v,
			  const struct flow_rec *f, struct label_memo *m)
{
	const struct flow_value *fv = &f->val;
	bool owned = fv->source != FO_SRC_NONE;
	__u32 pid = a->by_pid && owned ? fv->owner.pid : 0;
	__u64 cgroup_id = owned ? fv->owner.cgroup_id : 0;
	const char *cg = cgroup_id ? cgroup_table_path(&v->cg, cgroup_id) : NULL, *netns;
	struct cgroup_names names;
	char comm[80] = "", dev[32], key[1024];

	if (m->valid && m->owned == owned && m->pid == pid && m->cgroup_id == cgroup_id &&
	    m->ifindex == f->key.ifindex && m->netns_cookie == f->key.netns_cookie &&
	    (!owned || !memcmp(m->comm, fv->owner.comm, FO_COMM_LEN)))
		return m->si;
	if (owned)
		comm_text(fv->owner.comm, FO_COMM_LEN, comm, sizeof(comm));
	cgroup_names_of(cg, &names);
	flow_dev(v, &f->key, dev, sizeof(dev));
	netns = flow_netns_name(v, f->key.ifindex, f->key.netns_cookie);
	/* Fields apart by a byte no label holds (names are escaped text, paths have no \x1f). */
	snprintf(key, sizeof(key), "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%u", comm, names.unit,
		 names.container, cg ? cg : "", dev, netns, pid);
	m->si = series_get(a, key, pid, comm, &names, cg, dev, netns);
	m->valid = m->si != 0;
	m->owned = owned;
	m->pid = pid;
	m->cgroup_id = cgroup_id;
	m->ifindex = f->key.ifindex;
	m->netns_cookie = f->key.netns_cookie;
	if (owned)
		memcpy(m->comm, fv->owner.comm, FO_COMM_LEN);
	return m->si;
}

int acc_read(struct metrics_acc *a, const struct flow_view *v, const struct view_filter *flt)
{
	struct label_memo memo = {};
	struct acc_flow *next = NULL;
	/* Three quarters full at most: a few probes per flow, a third more slots than flows. */
	size_t cap = v->nflows + v->nflows / 3 + 64, i;

	if (!a->last_read) { /* a read to come needs these flows to add only what they grew */
		next = calloc(cap, sizeof(*next));
		if (!next)
			return -ENOMEM;
	}
	for (i = 0; i < a->nseries; i++)
		a->series[i].flows = 0;
	for (i = 0; i < v->nflows; i++) {
		const struct flow_rec *f = &v->flows[i];
		const struct flow_value *fv = &f->val;
		struct acc_flow *old = NULL, *n;
		struct acc_series *s;
		size_t si, slot;
		__u64 id;

		if (!view_flow_selected(v, f, flt))
			continue;
		si = flow_series(a, v, f, &memo);
		if (!si) {
			free(next);
			return -ENOMEM;
		}
		id = a->flows || next ? flow_id(&f->key, fv->first_ns) : 0;
		if (a->flows) {
			slot = flow_slot(a->flows, a->flows_cap, id);
			if (a->flows[slot].series)
				old = &a->flows[slot];
		}
		s = &a->series[si - 1];
		/* The difference goes to the flow's labels now: if its owner changed, what came
		 * before stays with the old owner's series. */
		s->tx_packets += grown(f->cnt.tx_packets, old ? old->tx_packets : 0);
		s->tx_bytes += grown(f->cnt.tx_bytes, old ? old->tx_bytes : 0);
		s->rx_packets += grown(f->cnt.rx_packets, old ? old->rx_packets : 0);
		s->rx_bytes += grown(f->cnt.rx_bytes, old ? old->rx_bytes : 0);
		s->flows++;
		if (!next)
			continue;
		n = &next[flow_slot(next, cap, id)];
		n->id = id;
		n->tx_packets = f->cnt.tx_packets;
		n->tx_bytes = f->cnt.tx_bytes;
		n->rx_packets = f->cnt.rx_packets;
		n->rx_bytes = f->cnt.rx_bytes;
		n->series = (__u32)si;
	}
	free(a->flows);
	a->flows = next;
	a->flows_cap = next ? cap : 0;
	a->reads++;
	return 0;
}

static const struct metrics_acc *sort_acc;

static int cmp_series(const void *x, const void *y)
{
	return strcmp(sort_acc->series[*(const size_t *)x].key, sort_acc->series[*(const size_t *)y].key);
}

size_t *acc_sorted(const struct metrics_acc *a)
{
	size_t *order = malloc((a->nseries ? a->nseries : 1) * sizeof(*order)), i;

	if (!order)
		return NULL;
	for (i = 0; i < a->nseries; i++)
		order[i] = i;
	sort_acc = a;
	if (a->nseries)
		qsort(order, a->nseries, sizeof(*order), cmp_series);
	sort_acc = NULL;
	return order;
}

void acc_free(struct metrics_acc *a)
{
	size_t i;

	for (i = 0; i < a->nseries; i++) {
		struct acc_series *s = &a->series[i];

		free(s->key), free(s->comm), free(s->unit), free(s->container);
		free(s->cgroup), free(s->dev), free(s->netns);
	}
	free(a->series);
	free(a->index);
	free(a->flows);
	memset(a, 0, sizeof(*a));
}
