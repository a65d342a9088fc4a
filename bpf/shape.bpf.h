/* SPDX-License-Identifier: GPL-2.0 */
/* shape.bpf.h — rate and quota rules: a shared token bucket and byte budget per rule (fo_shape). */
#ifndef FO_SHAPE_BPF_H
#define FO_SHAPE_BPF_H

#include "maps.bpf.h"

/* Counters other CPUs change under us: read and write them once, where the code says. */
#define FO_ONCE(x) (*(volatile __typeof__(x) *)&(x))

/* The quota was just crossed: say so once, with the flow, its owner and the rule. */
static __always_inline void quota_event(const struct flow_key *k, const struct flow_value *fv,
					 const struct shape_state *s, __u64 used,
					 struct fo_counters *c)
{
	struct fo_event *ev = bpf_ringbuf_reserve(&fo_events, sizeof(*ev), 0);

	if (!ev) {
		if (c)
			c->v[FO_STAT_EVENTS_LOST]++;
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->type = FO_EV_QUOTA_REACHED;
	ev->source = fv->source;
	ev->reason = fv->reason;
	ev->rule_id = fv->rule_id;
	ev->ts_ns = fo_now();
	ev->key = *k;
	ev->owner = fv->owner;
	ev->tx_bytes = used;
	ev->rx_bytes = s->quota;
	bpf_ringbuf_submit(ev, 0);
}

/*
 * Whether a packet of LEN layer-3 bytes of flow FV, in direction DIR, may pass its rule's rate
 * and quota. Called only when the cached verdict has FO_ACT_SHAPE: one hash lookup, the clock,
 * and one or two atomic adds. A rule whose state is missing (being deleted) passes everything.
 */
static __always_inline int shape_admit(const struct flow_key *k, struct flow_value *fv, int dir,
				       __u32 len, struct fo_counters *c)
{
	__u32 id = fv->rule_id;
	struct shape_state *s = bpf_map_lookup_elem(&fo_shape, &id);
	__u64 used;

	if (!s)
		return 1;
	if ((fv->verdict & FO_ACT_QUOTA) && s->quota && FO_ONCE(s->used) >= s->quota) {
		if (c)
			c->v[FO_STAT_DROPPED_QUOTA]++;
		return 0;
	}
	if ((fv->verdict & FO_ACT_RATE) && s->rate) {
		__u64 *vt = dir == FO_DIR_EGRESS ? &s->vt[1] : &s->vt[0];
		/* The packet clock: a jiffy is small beside the bucket's depth (burst_ns). */
		__u64 now = fo_now_packet_cfg(config_get());
		__u64 cost = (__u64)len * s->ns_per_byte >> FO_COST_SHIFT;
		__u64 floor = now - s->burst_ns;
		__u64 old;

		/* An idle bucket fills up to its depth and no further. Two CPUs may both lift vt
		 * here: each lifts it to about the same floor, so no credit is made twice. */
		if ((__s64)(FO_ONCE(*vt) - floor) < 0)
			FO_ONCE(*vt) = floor;
		old = __sync_fetch_and_add(vt, cost);
		/* Pass only with tokens for the whole packet, so the bucket is never in debt and
		 * the next packet that fits passes as soon as its tokens are there. A packet larger
		 * than the bucket (GSO past the burst) passes when the bucket is full. Otherwise
		 * the tokens go back and the packet is dropped. */
		if ((__s64)(old + (cost < s->burst_ns ? cost : s->burst_ns) - now) > 0) {
			__sync_fetch_and_add(vt, -cost);
			if (c)
				c->v[FO_STAT_DROPPED_RATE]++;
			return 0;
		}
	}
	if ((fv->verdict & FO_ACT_QUOTA) && s->quota) {
		/* Exactly one packet moves used across the quota: that one reports it, and passes
		 * (so a rule moves at most one packet more than its quota). */
		used = __sync_fetch_and_add(&s->used, len);
		if (used < s->quota && used + len >= s->quota)
			quota_event(k, fv, s, used + len, c);
	}
	return 1;
}

#endif
