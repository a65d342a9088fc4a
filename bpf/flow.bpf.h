/* SPDX-License-Identifier: GPL-2.0 */
/* flow.bpf.h — the flow table: find or create a flow, keep its owner, count its packets. */
#ifndef FO_FLOW_BPF_H
#define FO_FLOW_BPF_H

#include "owner.bpf.h"

#define FO_OWNER_TTL_NS_DEFAULT (1000ULL * 1000 * 1000)

/* How long a known flow's owner stands before it is looked up again, in ns. */
static __always_inline __u64 owner_ttl(const struct fo_config *cfg)
{
	return cfg && cfg->owner_ttl_ms ? cfg->owner_ttl_ms * 1000000ULL : FO_OWNER_TTL_NS_DEFAULT;
}

static __always_inline void event_emit(__u32 type, const struct flow_key *k,
				       const struct flow_value *fv, struct fo_counters *c)
{
	struct fo_event *ev = bpf_ringbuf_reserve(&fo_events, sizeof(*ev), 0);

	if (!ev) {
		/* Lost events are counted, never silent: watch reports them. */
		if (c)
			fo_count(&c->v[FO_STAT_EVENTS_LOST], 1);
		return;
	}
	ev->type = type;
	ev->source = fv->source;
	ev->reason = fv->reason;
	ev->rule_id = 0;
	ev->ts_ns = fo_now();
	ev->key = *k;
	ev->owner = fv->owner;
	ev->tx_packets = fv->tx_packets;
	ev->tx_bytes = fv->tx_bytes;
	ev->rx_packets = fv->rx_packets;
	ev->rx_bytes = fv->rx_bytes;
	bpf_ringbuf_submit(ev, 0);
}

/* A frame that has no flow key (non-IP, truncated, a later fragment): counted once, by reason. */
static __always_inline void count_unkeyed(struct fo_counters *c, int why)
{
	if (!c)
		return;
	fo_count(&c->v[FO_STAT_UNATTRIBUTED], 1);
	fo_count(&c->v[FO_STAT_WHY_BASE + (why & 7)], 1);
	if (why == FO_WHY_NON_IP)
		fo_count(&c->v[FO_STAT_NON_IP], 1);
}

/* A flow first seen NOW, owned per R, counters at zero. */
static __always_inline void flow_init(struct flow_value *nv, const struct resolved *r, __u64 now)
{
	nv->owner = r->owner;
	nv->source = r->source;
	nv->reason = r->reason;
	nv->first_ns = now;
	nv->last_ns = now;
	nv->owner_ns = r->pending ? 0 : now; /* 0: never resolved (struct resolved) */
}

/*
 * An ICMP error belongs to the flow it quotes. The quote is the packet as it travelled: an
 * error arriving quotes what this host sent (its source is local), an error leaving quotes
 * what this host received (its destination is local). Records the quoted key for related_to
 * and, when that flow has an owner, makes it the error's. New error rows only.
 */
static __always_inline void owner_related(void *data, void *data_end, const struct pkt_info *p,
					  const struct flow_key *k, int egress, struct resolved *r)
{
	struct flow_key q = {};
	struct flow_value *qv;
	__u32 off = p->inner_off & 0x3ff; /* parse_l4 took it below 0x400 */

	q.netns_cookie = k->netns_cookie;
	q.ifindex = k->ifindex;
	q.family = k->family;
	q.proto = p->quoted;
	q.local_port = k->local_port;
	q.remote_port = p->quoted == IPPROTO_ICMP || p->quoted == IPPROTO_ICMPV6 ? 0 : k->remote_port;
	if (p->family == 4) {
		struct iphdr *ih = data + off;

		if ((void *)(ih + 1) > data_end)
			return;
		q.local[0] = egress ? ih->daddr : ih->saddr;
		q.remote[0] = egress ? ih->saddr : ih->daddr;
	} else {
		struct ipv6hdr *ih = data + off;

		if ((void *)(ih + 1) > data_end)
			return;
		if (egress) {
			__builtin_memcpy(q.local, &ih->daddr, 16);
			__builtin_memcpy(q.remote, &ih->saddr, 16);
		} else {
			__builtin_memcpy(q.local, &ih->saddr, 16);
			__builtin_memcpy(q.remote, &ih->daddr, 16);
		}
	}
	bpf_map_update_elem(&fo_related, k, &q, BPF_ANY);
	qv = bpf_map_lookup_elem(&fo_flows, &q);
	if (!qv || qv->source == FO_SRC_NONE)
		return;
	r->owner = qv->owner;
	r->source = FO_SRC_RELATED;
	r->reason = FO_WHY_NONE;
}

static __always_inline void frag_key_fill(struct frag_key *fk, const struct pkt_info *p,
					  __u64 netns_cookie, __u32 ifindex)
{
	fk->netns_cookie = netns_cookie;
	fk->ifindex = ifindex;
	fk->id = p->frag_id;
	fk->family = p->family;
	fk->proto = p->proto;
	__builtin_memcpy(fk->saddr, p->saddr, 16);
	__builtin_memcpy(fk->daddr, p->daddr, 16);
}

/*
 * The fragments of a datagram, off the path of whole packets (parse_frame sent them here).
 * Bytes are the reassembled datagram's, as conntrack counts it after defragmenting: the first
 * fragment counts one packet and its bytes (less an IPv6 fragment header), each later one
 * only its data. The first fragment leaves its ports in fo_frags and goes on as a packet of
 * its flow (returns 0, P keyed); a later one takes the ports from there (returns 1, P keyed,
 * its l3_len its data alone), or, when the first was never seen (lost, or still to come out of
 * order), returns -1: it stays an unattributed fragment.
 */
static __noinline int frag_track(struct pkt_info *p, int why, __u64 netns_cookie,
				      __u32 ifindex)
{
	struct frag_key fk = {};
	struct frag_value fv = {}, *v;

	frag_key_fill(&fk, p, netns_cookie, ifindex);
	if (why == FO_PARSE_FRAG_HEAD) {
		fv.sport = p->sport;
		fv.dport = p->dport;
		bpf_map_update_elem(&fo_frags, &fk, &fv, BPF_ANY);
		p->l3_len -= p->frag_hdr;
		return 0;
	}
	v = bpf_map_lookup_elem(&fo_frags, &fk);
	if (!v || p->l3_len <= p->frag_hdr)
		return -1;
	p->sport = v->sport;
	p->dport = v->dport;
	p->l3_len -= p->frag_hdr;
	return 1;
}

/*
 * The flow of a frame parse_frame could not key (WHY), for tc and XDP alike: for a later
 * fragment whose first was seen, K is filled and its entry returned. Otherwise NULL, with *FR
 * frag_track's answer: 0 for a first fragment (it goes on as a packet), -1 for no flow key.
 */
static __always_inline struct flow_value *frag_flow(struct pkt_info *p, int why, int egress,
						    __u64 cookie, __u32 ifindex,
						    struct flow_key *k, int *fr)
{
	*fr = why == FO_PARSE_FRAG_HEAD || why == FO_WHY_FRAGMENT
		      ? frag_track(p, why, cookie, ifindex) : -1;
	if (*fr <= 0)
		return NULL;
	flow_key_fill(k, p, egress);
	k->netns_cookie = cookie;
	k->ifindex = ifindex;
	return bpf_map_lookup_elem(&fo_flows, k);
}

/* A later fragment's data, on its datagram's flow: bytes, not a packet (see frag_track). */
static __always_inline void flow_count_frag(struct flow_value *fv, int egress, __u32 len,
					    __u64 now)
{
	if (egress)
		__sync_fetch_and_add(&fv->tx_bytes, len);
	else
		__sync_fetch_and_add(&fv->rx_bytes, len);
	if (fv->last_ns != now)
		fv->last_ns = now;
}

/* The status counters of a later fragment counted on flow FV: attributed as the flow is. */
static __always_inline void count_keyed(struct fo_counters *c, const struct flow_value *fv,
					__u32 frame_len)
{
	if (!c)
		return;
	c->v[FO_STAT_FRAGMENTS]++;
	c->v[FO_STAT_BYTES] += frame_len;
	if (fv->source != FO_SRC_NONE) {
		c->v[FO_STAT_ATTRIBUTED]++;
	} else {
		c->v[FO_STAT_UNATTRIBUTED]++;
		c->v[FO_STAT_WHY_BASE + (fv->reason & 7)]++;
	}
}

/* Insert a new flow owned per R. Returns 0 when the entry is in the map (ours, or another CPU's
 * that won the race), -1 if it could not be made. FLOW_START is made from the value inserted,
 * which is what the entry holds: no lookup here, the caller makes the one it needs. */
static __always_inline int flow_insert(const struct flow_key *k, const struct resolved *r,
				       __u64 now, struct fo_counters *c)
{
	struct flow_value nv = {};
	long err;

	flow_init(&nv, r, now);
	/* Counters start at zero and are added after insertion, so two CPUs racing to create
	 * the same flow both count. */
	err = bpf_map_update_elem(&fo_flows, k, &nv, BPF_NOEXIST);
	if (err == -17 /* EEXIST */)
		return 0;
	if (err) {
		if (c)
			fo_count(&c->v[FO_STAT_MAP_FULL], 1);
		return -1;
	}
	if (c)
		fo_count(&c->v[FO_STAT_FLOWS_NEW], 1);
	if (!r->pending)
		event_emit(FO_EV_FLOW_START, k, &nv, c);
	return 0;
}

/* The same, returning the entry in the map, or NULL if it could not be made. */
static __always_inline struct flow_value *flow_create(const struct flow_key *k,
						      const struct resolved *r, __u64 now,
						      struct fo_counters *c)
{
	if (flow_insert(k, r, now, c))
		return NULL;
	return bpf_map_lookup_elem(&fo_flows, k);
}

/*
 * A new connection on a tuple whose last one closed: a SYN (not a SYN-ACK) on a flow that saw a
 * FIN or RST. A SYN retransmitted before the handshake finds the flow open and stays on it;
 * a SYN after TIME_WAIT, or after a RST, starts afresh.
 */
static __always_inline int flow_reopened(const struct flow_value *fv, const struct pkt_info *p)
{
	return fv->closed && p->proto == IPPROTO_TCP &&
	       (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
}

/*
 * Start a new flow in a reopened flow's entry: its own flow_start (and the old one's flow_end,
 * if its close was not seen whole), counters from zero, the owner as R found it. The entry is
 * replaced whole, so no CPU sees half of each. Returns 0, or -1 when the entry is gone.
 * Not counted in flows_created: that counts table entries, so flow_evictions stays exact.
 */
static __always_inline int flow_reinit(const struct flow_key *k, struct flow_value *fv,
				       const struct resolved *r, __u64 now, struct fo_counters *c)
{
	struct flow_value nv = {};

	if (fv->closed != 3)
		event_emit(FO_EV_FLOW_END, k, fv, c);
	if (c) {
		fo_count(&c->v[FO_STAT_FLOWS_REOPENED], 1);
		fo_count(&c->v[FO_STAT_RETIRED_PACKETS], fv->tx_packets + fv->rx_packets);
		fo_count(&c->v[FO_STAT_RETIRED_BYTES], fv->tx_bytes + fv->rx_bytes);
	}
	flow_init(&nv, r, now);
	if (bpf_map_update_elem(&fo_flows, k, &nv, BPF_EXIST))
		return -1;
	if (!r->pending)
		event_emit(FO_EV_FLOW_START, k, &nv, c);
	return 0;
}

/* The same, returning the new entry, or NULL. */
static __always_inline struct flow_value *flow_restart(const struct flow_key *k,
						       struct flow_value *fv,
						       const struct resolved *r, __u64 now,
						       struct fo_counters *c)
{
	if (flow_reinit(k, fv, r, now, c))
		return NULL;
	return bpf_map_lookup_elem(&fo_flows, k);
}

/* The same owner under a new name, uid or cgroup (rename, exec, setuid, migration): later
 * packets carry it, and a policy by name or cgroup decides again. */
static __always_inline void flow_rename(struct flow_value *fv, const struct owner *o)
{
	const __u64 *a = (const __u64 *)fv->owner.comm, *b = (const __u64 *)o->comm;

	if (a[0] == b[0] && a[1] == b[1] && fv->owner.uid == o->uid &&
	    fv->owner.cgroup_id == o->cgroup_id)
		return;
	__builtin_memcpy(fv->owner.comm, o->comm, FO_COMM_LEN);
	fv->owner.uid = o->uid;
	fv->owner.cgroup_id = o->cgroup_id;
	fv->policy_gen = 0;
}

/* A known flow's owner, checked against the pid table now and then (owner TTL): one
 * lookup per flow per TTL, not per packet. */
static __always_inline void flow_refresh_owner(const struct flow_key *k, struct flow_value *fv,
					       __u64 now, struct fo_counters *c)
{
	struct owner o;

	if (!fv->owner_ns)
		event_emit(FO_EV_FLOW_START, k, fv, c); /* a pending start, still unowned */
	fv->owner_ns = now;
	if (fv->source == FO_SRC_NONE)
		return;
	o = fv->owner;
	if (owner_refresh(&o)) {
		fv->owner.start_ns = o.start_ns;
		flow_rename(fv, &o);
	}
}

/* Record a newly resolved owner on a known flow, if it differs from the one it had. */
static __always_inline void flow_update_owner(const struct flow_key *k, struct flow_value *fv,
					      const struct resolved *r, __u64 now,
					      struct fo_counters *c)
{
	/* Made pending (struct resolved, always ownerless): this is its first owner, not a
	 * change, and the FLOW_START held until now names it (or the reason there is none). */
	int first = !fv->owner_ns;

	fv->owner_ns = now;
	if (r->source == FO_SRC_NONE) {
		/* A socket that went away keeps the owner the flow had: it is not evidence of
		 * another owner. */
		if (fv->source == FO_SRC_NONE)
			fv->reason = r->reason;
		if (first)
			event_emit(FO_EV_FLOW_START, k, fv, c);
		return;
	}
	if (fv->source != FO_SRC_NONE && fv->owner.pid == r->owner.pid &&
	    fv->owner.start_ns == r->owner.start_ns) {
		/* The same process (pid and start time), found another way: not an owner change.
		 * The packet's own socket is the best evidence, an inherited record (listener,
		 * snapshot) the weakest; the ingress re-lookup never replaces "socket". */
		if (r->source == FO_SRC_SOCKET || fv->source == FO_SRC_LISTENER ||
		    fv->source == FO_SRC_SNAPSHOT)
			fv->source = r->source;
		flow_rename(fv, &r->owner);
		return;
	}
	fv->owner = r->owner;
	fv->source = r->source;
	fv->reason = FO_WHY_NONE;
	fv->policy_gen = 0; /* the cached policy decision was for the old owner */
	if (first) {
		event_emit(FO_EV_FLOW_START, k, fv, c);
		return;
	}
	if (c)
		fo_count(&c->v[FO_STAT_OWNER_CHANGES], 1);
	event_emit(FO_EV_OWNER_CHANGE, k, fv, c);
}

/* Count PACKETS (1, or 0 for the rest of one already counted) of LEN layer-3 bytes in
 * direction EGRESS, and note a TCP close. */
static __always_inline void flow_count(const struct flow_key *k, struct flow_value *fv,
				       int egress, __u32 packets, __u32 len, __u8 tcp_flags,
				       __u64 now, struct fo_counters *c)
{
	if (egress) {
		__sync_fetch_and_add(&fv->tx_packets, packets);
		__sync_fetch_and_add(&fv->tx_bytes, len);
	} else {
		__sync_fetch_and_add(&fv->rx_packets, packets);
		__sync_fetch_and_add(&fv->rx_bytes, len);
	}
	/* The coarse clock moves once per tick: a write per tick, not per packet, keeps the
	 * line both directions read clean on the other CPU. */
	if (fv->last_ns != now)
		fv->last_ns = now;
	if (tcp_flags & (TCP_FLAG_FIN | TCP_FLAG_RST)) {
		/* The end is a RST, or a FIN from each side (bit 0 ours, bit 1 theirs). */
		__u8 was = fv->closed;
		__u8 now_closed = was | (tcp_flags & TCP_FLAG_RST ? 3 : (egress ? 1 : 2));

		if (now_closed != was) {
			fv->closed = now_closed;
			if (now_closed == 3)
				event_emit(FO_EV_FLOW_END, k, fv, c);
		}
	}
}

#endif
