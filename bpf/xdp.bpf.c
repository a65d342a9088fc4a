// SPDX-License-Identifier: GPL-2.0
/* xdp.bpf.c — the XDP ingress path: count and drop at XDP; its tc companion names owners. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#define FO_POLICY_INLINE /* see policy_redecide */
#include "flow.bpf.h"
#include "policy.bpf.h"

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

/*
 * XDP cannot read socket-local storage (bpf_sk_storage_get is not offered to it), so it
 * cannot name a socket's owner. It keeps the hot path: one flow lookup, the counters, the
 * cached verdict. A flow it has not seen yet is created ownerless with owner_ns = 0, which
 * asks the tc companion at ingress (fo_tc_ingress_xdp, below) to resolve its owner on this
 * same packet (the flow's FLOW_START waits for that owner: struct resolved); the companion
 * also applies a drop verdict to that first packet, and the marks XDP cannot set. Everything
 * after it is dropped here, before an skb exists.
 */
SEC("xdp")
int fo_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct fo_counters *c = counters_get();
	struct fo_config *cfg = config_get();
	struct xdp_buff *xb = bpf_cast_to_kern_ctx(ctx);
	struct pkt_info p = {};
	struct flow_key k = {};
	struct resolved r = {};
	struct flow_value *fv;
	__u32 len, l3len;
	__u64 now;
	int why;

	if (c)
		c->v[FO_STAT_PACKETS]++;
	why = parse_frame(data, data_end, &p);
	if (why != FO_WHY_NONE) {
		/* Fragments as at tc (frag_track): the first goes on, a later one counts on its
		 * datagram's flow and takes its verdict. */
		__u64 cookie = dev_netns_cookie(xb->rxq->dev);
		int fr;

		fv = frag_flow(&p, why, 0, cookie, ctx->ingress_ifindex, &k, &fr);
		if (fv) {
			flow_count_frag(fv, 0, p.l3_len, fo_now_packet_cfg(cfg));
			count_keyed(c, fv, bpf_xdp_get_buff_len(ctx));
			policy_decide(fv, cfg);
			if (fv->verdict & FO_ACT_DROP) {
				if (c)
					c->v[FO_STAT_DROPPED]++;
				return XDP_DROP;
			}
			if ((fv->verdict & FO_ACT_SHAPE) &&
			    !shape_admit(&k, fv, FO_DIR_INGRESS, p.l3_len, c))
				return XDP_DROP;
			return XDP_PASS;
		}
		if (fr != 0) {
			count_unkeyed(c, why); /* fail open: counted once with its reason, and passed */
			return XDP_PASS;
		}
	}
	/* Keyed exactly like tc ingress (same device, same namespace cookie), so the companion
	 * and the tc egress program meet this flow in the same entry. */
	flow_key_fill(&k, &p, 0);
	k.netns_cookie = dev_netns_cookie(xb->rxq->dev);
	k.ifindex = ctx->ingress_ifindex;
	/* Frags too, so a multi-buffer frame counts at its full size, as its skb will. */
	len = bpf_xdp_get_buff_len(ctx);
	now = fo_now_packet_cfg(cfg);

	fv = bpf_map_lookup_elem(&fo_flows, &k);
	if (!fv || flow_reopened(fv, &p)) {
		r.source = FO_SRC_NONE;
		/* Provisional: the companion replaces it with the owner or the real reason. */
		r.reason = p.icmp_echo ? FO_WHY_KERNEL : FO_WHY_NO_SOCKET;
		/* An ICMP error about a flow with an owner needs no socket: it is owned here. */
		if (p.quoted)
			owner_related(data, data_end, &p, &k, 0, &r);
		/* Otherwise the owner is the companion's to find, on this packet: the flow is made
		 * "never resolved" (owner_ns 0) and its FLOW_START waits for that owner. */
		r.pending = r.source == FO_SRC_NONE;
		fv = fv ? flow_restart(&k, fv, &r, now, c) : flow_create(&k, &r, now, c);
		if (!fv) {
			if (c)
				c->v[FO_STAT_UNATTRIBUTED]++;
			return XDP_PASS;
		}
	}

	l3len = l3_bytes(len, &p);
	flow_count(&k, fv, 0, 1, l3len, p.tcp_flags, now, c);
	if (c) {
		c->v[FO_STAT_BYTES] += len;
		if (fv->source != FO_SRC_NONE) {
			c->v[FO_STAT_ATTRIBUTED]++;
		} else {
			c->v[FO_STAT_UNATTRIBUTED]++;
			c->v[FO_STAT_WHY_BASE + (fv->reason & 7)]++;
		}
	}
	policy_decide(fv, cfg);
	/* Before an skb exists only dropping means anything: marks are set by the companion. */
	if (fv->verdict & FO_ACT_DROP) {
		if (c)
			c->v[FO_STAT_DROPPED]++;
		return XDP_DROP;
	}
	/* Rate and quota are decided here, once: the companion leaves them alone. */
	if ((fv->verdict & FO_ACT_SHAPE) && !shape_admit(&k, fv, FO_DIR_INGRESS, l3len, c))
		return XDP_DROP;
	return XDP_PASS;
}

/* The owner of a flow the companion meets first: as tc ingress finds it. */
static __always_inline void resolve_ingress(struct __sk_buff *skb, const struct flow_key *k,
					    const struct pkt_info *p, struct resolved *r)
{
	r->source = FO_SRC_NONE;
	if (p->quoted)
		owner_related((void *)(long)skb->data, (void *)(long)skb->data_end, p, k, 0, r);
	if (r->source == FO_SRC_NONE)
		owner_ingress_new(skb, k, p, r);
	if (r->source != FO_SRC_NONE)
		owner_refresh(&r->owner);
}

/*
 * tc ingress on a device with XDP, in place of fo_tc_ingress: every packet here has been
 * counted by fo_xdp already, so this only attributes (a flow fo_xdp created, and the owner
 * TTL re-check) and acts (the first packet's drop, marks and priority, which need an skb).
 * It counts no packet or byte: with --xdp nothing is counted twice.
 */
SEC("tc")
int fo_tc_ingress_xdp(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct fo_counters *c = counters_get();
	struct fo_config *cfg = config_get();
	struct pkt_info p = {};
	struct flow_key k = {};
	struct resolved r = {};
	struct flow_value *fv;
	__u64 now, ttl;
	int why;

	why = parse_frame(data, data_end, &p);
	if (why != FO_WHY_NONE) {
		/* A later fragment takes its datagram's marks; fo_xdp counted it already. */
		__u64 cookie = dev_netns_cookie(((struct sk_buff *)bpf_cast_to_kern_ctx(skb))->dev);
		int fr;

		fv = frag_flow(&p, why, 0, cookie, skb->ifindex, &k, &fr);
		if (fv)
			return policy_apply_skb(skb, fv, cfg, c, &k, FO_DIR_XDP, 0);
		if (fr != 0)
			return TC_ACT_OK;
	}
	flow_key_skb(&k, &p, 0, skb);
	now = fo_now_packet_cfg(cfg);
	ttl = owner_ttl(cfg);

	fv = bpf_map_lookup_elem(&fo_flows, &k);
	if (!fv) {
		/* fo_xdp could not make it (table full) or it was evicted since: make it here,
		 * uncounted, so the next packet finds its owner. */
		resolve_ingress(skb, &k, &p, &r);
		fv = flow_create(&k, &r, now, c);
		if (!fv)
			return TC_ACT_OK;
	} else if (!fv->owner_ns) {
		/* Made by fo_xdp on this very packet, which it counted as unattributed: now that
		 * the owner is known (flow_update_owner: its first, no owner change, and the
		 * flow's FLOW_START), move that one count to where it belongs. */
		__u8 was = fv->reason;

		resolve_ingress(skb, &k, &p, &r);
		flow_update_owner(&k, fv, &r, now, c);
		if (c && fv->source != FO_SRC_NONE) {
			c->v[FO_STAT_UNATTRIBUTED]--;
			c->v[FO_STAT_WHY_BASE + (was & 7)]--;
			c->v[FO_STAT_ATTRIBUTED]++;
		} else if (c && fv->reason != was) {
			/* Still unowned, for the real reason (forwarded) now. */
			c->v[FO_STAT_WHY_BASE + (was & 7)]--;
			c->v[FO_STAT_WHY_BASE + (fv->reason & 7)]++;
		}
	} else if (!p.icmp_echo && fo_older_than(now, fv->owner_ns, ttl) &&
		   (p.proto == IPPROTO_TCP || p.proto == IPPROTO_UDP) &&
		   !(fv->source == FO_SRC_NONE && fv->reason == FO_WHY_FORWARDED)) {
		/* As fo_tc_ingress: a forwarded flow stays forwarded. */
		owner_lookup(skb, &k, &r);
		if (r.source != FO_SRC_NONE)
			owner_refresh(&r.owner);
		flow_update_owner(&k, fv, &r, now, c);
	}

	return policy_apply_skb(skb, fv, cfg, c, &k, FO_DIR_XDP, 0);
}

char LICENSE[] SEC("license") = "GPL";
