// SPDX-License-Identifier: GPL-2.0
/* classifier.bpf.c — the tc (cls_bpf, direct-action) programs: attribute, count and mark. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "flow.bpf.h"
#include "policy.bpf.h"

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

/* Egress owner: the packet's own socket. Kernel replies and forwarded packets have none. */
static __always_inline void owner_egress(struct __sk_buff *skb, const struct flow_key *k,
					 struct resolved *r)
{
	struct bpf_sock *sk = skb->sk;
	struct bpf_sock *full;

	r->source = FO_SRC_NONE;
	if (!sk) {
		r->reason = skb->ingress_ifindex ? FO_WHY_FORWARDED : FO_WHY_KERNEL;
		return;
	}
	full = bpf_sk_fullsock(sk);
	if (full) {
		owner_from_sock(full, FO_SRC_SOCKET, r);
		return;
	}
	if (sk->state == TCP_NEW_SYN_RECV_FO) {
		/* A SYN-ACK leaves on the request socket: the listener's owner answers. */
		owner_lookup(skb, k, r);
		return;
	}
	r->reason = FO_WHY_KERNEL; /* TIME_WAIT ACKs */
}

/*
 * Whether an egress packet of a known flow is a TCP socket's own, within the owner TTL: the
 * flow's owner came from this socket ("socket") and the packet leaves on a full TCP socket.
 * Read through the kernel's skb (direct loads), not bpf_sk_fullsock: a helper call is most of
 * 20 ns with retpolines and return thunks, and this runs for nearly every packet sent.
 */
static __always_inline int tcp_own_flow(struct __sk_buff *skb, const struct flow_value *fv,
					const struct pkt_info *p, __u64 now, __u64 ttl)
{
	struct sock *sk;
	__u8 state;

	if (p->proto != IPPROTO_TCP || fv->source != FO_SRC_SOCKET ||
	    fo_older_than(now, fv->owner_ns, ttl))
		return 0;
	sk = ((struct sk_buff *)bpf_cast_to_kern_ctx(skb))->sk;
	if (!sk)
		return 0;
	state = sk->__sk_common.skc_state;
	/* sk_fullsock(): time-wait and request sockets are smaller, and have no sk_type */
	if (state == TCP_TIME_WAIT_FO || state == TCP_NEW_SYN_RECV_FO)
		return 0;
	return sk->sk_type == SOCK_STREAM_FO;
}

/*
 * An egress packet of a known flow, within the owner TTL, checked inline where that is cheap: a
 * TCP socket's own flow (tcp_own_flow), any other socket by its stored owner, and no socket at
 * all (a forwarded packet, a kernel reply: the flow keeps its owner, the packet is counted as
 * unattributed). Returns the packet's reason for having no owner (0: it has the flow's), or -1
 * for flow_recheck, out of line: another owner, a TTL run out, a time-wait or request socket.
 * Every UDP, ping, forwarded and kernel packet sent comes here.
 */
static __always_inline int egress_check(struct __sk_buff *skb, const struct flow_value *fv,
					const struct pkt_info *p, __u64 now, __u64 ttl)
{
	struct bpf_sock *sk, *full;
	struct sock_owner *so;

	if (tcp_own_flow(skb, fv, p, now, ttl))
		return 0;
	if (fo_older_than(now, fv->owner_ns, ttl))
		return -1;
	sk = skb->sk;
	if (!sk)
		return skb->ingress_ifindex ? FO_WHY_FORWARDED : FO_WHY_KERNEL;
	full = bpf_sk_fullsock(sk);
	if (!full)
		return -1;
	so = bpf_sk_storage_get(&fo_socks, full, 0, 0);
	if (so && so->owner.pid && so->owner.pid == fv->owner.pid &&
	    so->owner.start_ns == fv->owner.start_ns &&
	    (fv->source == FO_SRC_SOCKET || (so->flags & (FO_SOCK_LISTENER | FO_SOCK_SNAPSHOT))))
		return 0;
	return -1;
}

#define LOOPBACK_IFINDEX_FO 1 /* lo, in every namespace */
#define FO_LO_TAG 0x464f4c4f     /* "FOLO" */

/*
 * On lo one skb is two flows' packet: the sender's at egress, the receiver's at ingress. TCP
 * can hand lo an skb larger than its GSO limit (64 KiB, lo's MTU: tcp_grow_skb fills an skb
 * to 2 MSS), which __dev_queue_xmit splits in software (validate_xmit_skb) after tc egress:
 * the sender's flow, like conntrack at LOCAL_OUT, counts one packet, the receiver's tc ingress
 * sees each segment (over IPv6 without the 8-byte jumbo header ip6_xmit gave the skb). So
 * egress tags every TCP GSO skb with its sequence number and header length in the qdisc cb
 * (which the segments copy, and which nothing uses on lo's noqueue path), and clears the tag
 * on other TCP skbs; at ingress the segment that starts there counts as the skb's packet and
 * headers, the others add only their data. Returns the packets to count, 1 or 0; *LEN is
 * then the bytes: the receiver counts what the sender counted.
 */
static __always_inline __u32 lo_segment(struct __sk_buff *skb, const struct pkt_info *p,
					int egress, __u32 *len)
{
	__u32 hdr;

	if (skb->ifindex != LOOPBACK_IFINDEX_FO || p->proto != IPPROTO_TCP)
		return 1;
	if (egress) {
		skb->cb[3] = skb->gso_segs > 1 ? FO_LO_TAG : 0;
		skb->cb[4] = (__u32)p->tcp_hdr_end << 16 | p->tcp_seq;
		return 1;
	}
	if (skb->cb[3] != FO_LO_TAG)
		return 1;
	if ((skb->cb[4] & 0xffff) == p->tcp_seq) {
		hdr = skb->cb[4] >> 16;
		if (hdr > p->tcp_hdr_end)
			*len += hdr - p->tcp_hdr_end;
		return 1;
	}
	*len = *len > p->tcp_hdr_end ? *len - p->tcp_hdr_end : 0;
	return 0;
}

/*
 * A flow first seen, or a TCP tuple reopened by a SYN: its owner resolved and its entry made or
 * restarted. Returns 0 when the entry is there now (the caller looks it up), -1 when none could
 * be made (counted here). A global function, verified once on its own rather than inlined into
 * every path of the packet program: the owner's resolution (ICMP quotes, socket lookups, the
 * FIB) was most of a load's verification, and its code stays out of the packet path's lines.
 */
#define FO_OPEN_EGRESS 1
#define FO_OPEN_REOPEN 2

__noinline int flow_open(struct __sk_buff *skb, struct flow_key *k, struct pkt_info *p,
			 int how, __u64 now)
{
	int egress = how & FO_OPEN_EGRESS;
	struct fo_counters *c = counters_get();
	struct resolved r = {};
	struct flow_value *fv = NULL;
	int err;

	if (!skb || !k || !p)
		return -1; /* the verifier's due: a global function's pointers may be NULL */
	if (p->quoted)
		owner_related((void *)(long)skb->data, (void *)(long)skb->data_end, p, k, egress, &r);
	if (r.source == FO_SRC_NONE) {
		/* Not an ICMP error about a flow with an owner: the packet's own. */
		if (egress)
			owner_egress(skb, k, &r);
		else
			owner_ingress_new(skb, k, p, &r);
	}
	if (r.source != FO_SRC_NONE)
		owner_refresh(&r.owner);
	if (how & FO_OPEN_REOPEN)
		fv = bpf_map_lookup_elem(&fo_flows, k);
	err = fv ? flow_reinit(k, fv, &r, now, c) : flow_insert(k, &r, now, c);
	if (!err)
		return 0;
	if (c)
		c->v[r.source ? FO_STAT_ATTRIBUTED : FO_STAT_UNATTRIBUTED]++;
	return -1;
}

/*
 * A known flow's owner checked again: at egress against the packet's socket (every packet but a
 * TCP socket's own, see tcp_own_flow), at ingress by a socket lookup once per owner TTL.
 * Returns the reason when this packet has no owner though its flow has one (0 otherwise).
 * Global, like flow_open.
 */
__noinline int flow_recheck(struct __sk_buff *skb, struct flow_key *k, struct pkt_info *p,
			    struct flow_value *fv, int egress)
{
	struct fo_counters *c = counters_get();
	struct fo_config *cfg = config_get();
	struct resolved r = {};
	int pkt_why = 0;
	__u64 now, ttl;

	if (!skb || !k || !p || !fv)
		return 0;
	/* the caller's clock and TTL (BPF calls take five arguments): the same tick */
	now = fo_now_packet_cfg(cfg);
	ttl = owner_ttl(cfg);
	if (egress) {
		/* The packet carries its socket: checking it costs one storage read, and catches a
		 * socket handed to another process (fork, SCM_RIGHTS, accept) from its next packet. */
		struct bpf_sock *sk = skb->sk;
		struct bpf_sock *full = sk ? bpf_sk_fullsock(sk) : NULL;
		int stale = fo_older_than(now, fv->owner_ns, ttl);
		int changed = 0;

		if (full) {
			struct sock_owner *so = bpf_sk_storage_get(&fo_socks, full, 0, 0);

			if (!so || !so->owner.pid) {
				/* The kernel's control sockets (TIME_WAIT ACKs and RSTs leave on
				 * them) are raw and never owned. An ICMP error about a flow leaves
				 * on one too, and is that flow's. */
				if (fv->source != FO_SRC_RELATED)
					pkt_why = full->type == SOCK_RAW_FO ? FO_WHY_KERNEL
									    : FO_WHY_NO_OWNER;
			} else if (so->owner.pid != fv->owner.pid ||
				   so->owner.start_ns != fv->owner.start_ns ||
				   (fv->source != FO_SRC_SOCKET && !(so->flags & FO_SOCK_LISTENER) &&
				    !(so->flags & FO_SOCK_SNAPSHOT))) {
				owner_from_sock(full, FO_SRC_SOCKET, &r);
				owner_refresh(&r.owner);
				flow_update_owner(k, fv, &r, now, c);
				changed = 1;
			}
		} else if (!sk) {
			/* On a known flow, yet sent by no socket: a kernel reply (RST for a socket
			 * that is gone) or a forwarded packet. The flow keeps its owner, as conntrack
			 * keeps its entry; the packet itself is counted as unattributed. */
			pkt_why = skb->ingress_ifindex ? FO_WHY_FORWARDED : FO_WHY_KERNEL;
		} else if (sk->state == TCP_TIME_WAIT_FO) {
			pkt_why = FO_WHY_KERNEL; /* the kernel acks for a socket its owner closed */
		}
		if (!changed && stale)
			flow_refresh_owner(k, fv, now, c);
	} else if ((p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) && !p->icmp_echo &&
		   !(fv->source == FO_SRC_NONE && fv->reason == FO_WHY_FORWARDED)) {
		/* Ingress has no socket on the packet: look again now and then, so a socket
		 * that changed hands, or appeared, is seen without a lookup per packet. A
		 * forwarded flow stays forwarded: a listener on its port is not its owner. */
		owner_lookup(skb, k, &r);
		if (r.source != FO_SRC_NONE)
			owner_refresh(&r.owner);
		flow_update_owner(k, fv, &r, now, c);
	} else {
		/* Echo replies and other socketless protocols: the owner stays, its name may not. */
		flow_refresh_owner(k, fv, now, c);
	}
	return pkt_why;
}

static __always_inline int classify(struct __sk_buff *skb, int egress)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct fo_counters *c = counters_get();
	struct fo_config *cfg = config_get();
	struct pkt_info p = {};
	struct flow_key k = {};
	struct flow_value *fv;
	__u64 now, ttl;
	int why, pkt_why = 0; /* a packet with no owner on a flow that has one */
	__u32 l3len, packets;

	if (c)
		c->v[FO_STAT_PACKETS]++;
	why = parse_frame(data, data_end, &p);
	if (why != FO_WHY_NONE) {
		/* Off the path of whole packets: a first fragment goes on as one, a later one
		 * counts on its datagram's flow (frag_track), anything else has no flow key. */
		__u64 cookie = dev_netns_cookie(((struct sk_buff *)bpf_cast_to_kern_ctx(skb))->dev);
		int fr;

		fv = frag_flow(&p, why, egress, cookie, skb->ifindex, &k, &fr);
		if (fv) {
			flow_count_frag(fv, egress, p.l3_len, fo_now_packet_cfg(cfg));
			count_keyed(c, fv, skb->len);
			return policy_apply_skb(skb, fv, cfg, c, &k,
						egress ? FO_DIR_EGRESS : FO_DIR_INGRESS, p.l3_len);
		}
		if (fr != 0) {
			/* fail open: counted once with its reason, and passed */
			count_unkeyed(c, why);
			return TC_ACT_OK;
		}
	}

	flow_key_skb(&k, &p, egress, skb);
	now = fo_now_packet_cfg(cfg);
	ttl = owner_ttl(cfg);

	fv = bpf_map_lookup_elem(&fo_flows, &k);
	if (!fv || flow_reopened(fv, &p)) {
		if (flow_open(skb, &k, &p, (egress ? FO_OPEN_EGRESS : 0) | (fv ? FO_OPEN_REOPEN : 0),
			      now))
			return TC_ACT_OK;
		fv = bpf_map_lookup_elem(&fo_flows, &k);
		if (!fv)
			return TC_ACT_OK;
	} else if (egress) {
		/* A TCP socket's own flow needs no check per packet: its changes of hands reach
		 * the flow from the tracing side at the claim (flow_follow_sock), before or as the
		 * new user's first data goes out. Once per owner TTL it is checked anyway, which
		 * catches what that side cannot find (a flow seen on another device). */
		pkt_why = egress_check(skb, fv, &p, now, ttl);
		if (pkt_why < 0)
			pkt_why = flow_recheck(skb, &k, &p, fv, egress);
	} else if (fo_older_than(now, fv->owner_ns, ttl)) {
		/* Ingress has no socket on the packet: its owner is looked up again once per TTL. */
		pkt_why = flow_recheck(skb, &k, &p, fv, egress);
	}

	l3len = l3_bytes(skb->len, &p);
	packets = lo_segment(skb, &p, egress, &l3len);
	flow_count(&k, fv, egress, packets, l3len, p.tcp_flags, now, c);
	if (c) {
		c->v[FO_STAT_BYTES] += skb->len;
		if (fv->source != FO_SRC_NONE && !pkt_why) {
			c->v[FO_STAT_ATTRIBUTED]++;
		} else {
			c->v[FO_STAT_UNATTRIBUTED]++;
			c->v[FO_STAT_WHY_BASE + ((pkt_why ? pkt_why : fv->reason) & 7)]++;
		}
	}

	return policy_apply_skb(skb, fv, cfg, c, &k, egress ? FO_DIR_EGRESS : FO_DIR_INGRESS, l3len);
}

SEC("tc")
int fo_tc_ingress(struct __sk_buff *skb)
{
	return classify(skb, 0);
}

SEC("tc")
int fo_tc_egress(struct __sk_buff *skb)
{
	return classify(skb, 1);
}

char LICENSE[] SEC("license") = "GPL";
