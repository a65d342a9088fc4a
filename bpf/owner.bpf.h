/* SPDX-License-Identifier: GPL-2.0 */
/* owner.bpf.h — finding the process that owns a packet's local socket, for tc and XDP. */
#ifndef FO_OWNER_BPF_H
#define FO_OWNER_BPF_H

#include "maps.bpf.h"
#include "parse.bpf.h"

#define SOCK_STREAM_FO 1
#define SOCK_RAW_FO 3
#define TCP_TIME_WAIT_FO 6
#define TCP_LISTEN_FO 10
#define TCP_NEW_SYN_RECV_FO 12

struct resolved {
	struct owner owner;
	__u8 source; /* enum fo_source */
	__u8 reason; /* enum fo_reason when source is NONE */
	/* Not resolved yet, only provisionally unowned (XDP, which cannot read a socket's
	 * owner): the flow is made with owner_ns 0 and its FLOW_START waits for the first
	 * resolution (flow_update_owner), so that event carries the owner, as it does at tc. */
	__u8 pending;
};

/* The owner a tracing program recorded on SK, and how trustworthy it is. */
static __always_inline void owner_from_sock(struct bpf_sock *sk, __u8 via, struct resolved *r)
{
	struct sock_owner *so = bpf_sk_storage_get(&fo_socks, sk, 0, 0);

	if (!so || !so->owner.pid) {
		r->source = FO_SRC_NONE;
		/* Only the kernel's own control sockets (RSTs, TIME_WAIT ACKs) are raw and unowned:
		 * user sockets get an owner at socket() time. */
		r->reason = sk->type == SOCK_RAW_FO ? FO_WHY_KERNEL : FO_WHY_NO_OWNER;
		return;
	}
	r->owner = so->owner;
	r->reason = FO_WHY_NONE;
	/* A listener's record: on the listener itself (a SYN arriving for it), or cloned into an
	 * accepted socket no process has used yet. Either way the owner is inherited from the
	 * process that called listen(), even when the snapshot found that listener. */
	if (so->flags & FO_SOCK_LISTENER)
		r->source = FO_SRC_LISTENER;
	else if (so->flags & FO_SOCK_SNAPSHOT)
		r->source = FO_SRC_SNAPSHOT;
	else
		r->source = via;
}

/*
 * The pid/comm table is the authority on a live process's name, uid and cgroup
 * (they change with exec, rename and migration); the socket's copy is the fallback
 * for a process that has gone.
 */
static __always_inline int owner_refresh(struct owner *o)
{
	struct proc_entry *pe;
	__u32 pid = o->pid;
	__u64 *a, *b;
	int changed;

	if (!pid)
		return 0;
	pe = bpf_map_lookup_elem(&fo_procs, &pid);
	/* Only the same process: a recycled pid's entry names another one. Every owner record
	 * carries the start time read from the task, so there is no "unknown" to match anything. */
	if (!pe || pe->start_ns != o->start_ns)
		return 0;
	/* Names are 16 NUL-padded bytes: two word compares, no string work. */
	a = (__u64 *)o->comm;
	b = (__u64 *)pe->comm;
	changed = a[0] != b[0] || a[1] != b[1] || o->uid != pe->uid ||
		  o->cgroup_id != pe->cgroup_id;
	if (changed) {
		__builtin_memcpy(o->comm, pe->comm, FO_COMM_LEN);
		o->uid = pe->uid;
		o->cgroup_id = pe->cgroup_id;
	}
	return changed;
}

/* The tuple as the local stack would see it arriving: source is the remote end. */
static __always_inline __u32 tuple_fill(struct bpf_sock_tuple *t, const struct flow_key *k)
{
	if (k->family == 4) {
		t->ipv4.saddr = k->remote[0];
		t->ipv4.daddr = k->local[0];
		t->ipv4.sport = bpf_htons(k->remote_port);
		t->ipv4.dport = bpf_htons(k->local_port);
		return sizeof(t->ipv4);
	}
	__builtin_memcpy(t->ipv6.saddr, k->remote, 16);
	__builtin_memcpy(t->ipv6.daddr, k->local, 16);
	t->ipv6.sport = bpf_htons(k->remote_port);
	t->ipv6.dport = bpf_htons(k->local_port);
	return sizeof(t->ipv6);
}

/*
 * Find the local socket for K in the device's namespace and take its owner.
 * Never skb->sk at ingress: on veth that is the sender's socket in the peer namespace.
 * CTX is a __sk_buff or an xdp_md: the lookup helpers take either.
 * Returns 1 when the socket matched by its local port alone (a listener, an unconnected UDP
 * socket): such a socket also matches packets that only pass through this host, so whether the
 * stack delivers the packet locally is for the caller to ask. 0 for an exact 4-tuple match.
 */
static __always_inline int owner_lookup(void *ctx, const struct flow_key *k, struct resolved *r)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk, *full;
	__u32 len = tuple_fill(&t, k);
	int wild = 0;

	r->source = FO_SRC_NONE;
	r->reason = FO_WHY_NO_SOCKET;
	if (k->proto == IPPROTO_UDP) {
		sk = bpf_sk_lookup_udp(ctx, &t, len, BPF_F_CURRENT_NETNS, 0);
		if (!sk)
			return 0;
		wild = sk->dst_port == 0;
		owner_from_sock(sk, FO_SRC_LOOKUP, r);
		bpf_sk_release(sk);
		return wild;
	}
	if (k->proto != IPPROTO_TCP)
		return 0;

	sk = bpf_skc_lookup_tcp(ctx, &t, len, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	if (sk->state == TCP_TIME_WAIT_FO) {
		bpf_sk_release(sk);
		r->reason = FO_WHY_KERNEL;
		return 0;
	}
	if (sk->state == TCP_NEW_SYN_RECV_FO) {
		/* A handshake in progress: no process has the child yet, the listener's owner will
		 * accept it. The full-socket lookup maps the request to its listener. The request
		 * exists because the stack took the SYN as local: no need to ask again. */
		bpf_sk_release(sk);
		sk = bpf_sk_lookup_tcp(ctx, &t, len, BPF_F_CURRENT_NETNS, 0);
		if (!sk)
			return 0;
		owner_from_sock(sk, FO_SRC_LISTENER, r);
		if (r->source == FO_SRC_LOOKUP)
			r->source = FO_SRC_LISTENER;
		bpf_sk_release(sk);
		return 0;
	}
	wild = sk->state == TCP_LISTEN_FO;
	full = bpf_sk_fullsock(sk);
	if (full)
		owner_from_sock(full, FO_SRC_LOOKUP, r);
	bpf_sk_release(sk);
	return wild;
}

/*
 * Whether the stack routes this arriving packet onward (or refuses it by an unreachable,
 * prohibit or blackhole route) instead of delivering it here. The FIB lookup is asked only
 * for new flows that no socket claims by their full 4-tuple, so it stays off the per-packet
 * path. A device that does not forward (FWD_DISABLED) delivers whatever it accepts locally.
 */
static __always_inline int ingress_forwarded(struct __sk_buff *skb, const struct pkt_info *p)
{
	struct bpf_fib_lookup f = {};
	long ret;

	f.family = p->family == 4 ? 2 /* AF_INET */ : 10 /* AF_INET6 */;
	f.l4_protocol = p->proto;
	f.sport = bpf_htons(p->sport);
	f.dport = bpf_htons(p->dport);
	f.tot_len = p->l3_len;
	f.ifindex = skb->ifindex;
	if (p->family == 4) {
		f.ipv4_src = p->saddr[0];
		f.ipv4_dst = p->daddr[0];
	} else {
		__builtin_memcpy(f.ipv6_src, p->saddr, 16);
		__builtin_memcpy(f.ipv6_dst, p->daddr, 16);
	}
	/* SKIP_NEIGH: whether the next hop's neighbour is resolved does not matter here. */
	ret = bpf_fib_lookup(skb, &f, sizeof(f), BPF_FIB_LOOKUP_SKIP_NEIGH);
	/* Local destinations (and broadcast, multicast, no route at all) answer NOT_FWDED. */
	return ret == BPF_FIB_LKUP_RET_SUCCESS || ret == BPF_FIB_LKUP_RET_NO_NEIGH ||
	       ret == BPF_FIB_LKUP_RET_FRAG_NEEDED || ret == BPF_FIB_LKUP_RET_UNSUPP_LWT ||
	       ret == BPF_FIB_LKUP_RET_BLACKHOLE || ret == BPF_FIB_LKUP_RET_UNREACHABLE ||
	       ret == BPF_FIB_LKUP_RET_PROHIBIT;
}

/*
 * The owner of a new flow first seen arriving: the local socket, but only for a packet the
 * stack will deliver here. A listener on 0.0.0.0:P matches transit traffic to any C:P as
 * well, so a match by local port alone (or none) is checked against the FIB first.
 */
static __always_inline void owner_ingress_new(struct __sk_buff *skb, const struct flow_key *k,
					      const struct pkt_info *p, struct resolved *r)
{
	int wild = 0;

	if (p->icmp_echo) {
		/* An echo request we did not send: the kernel answers it. A reply to an echo
		 * we never saw leave has no socket we know of. */
		r->source = FO_SRC_NONE;
		r->reason = p->icmp_echo == 1 ? FO_WHY_KERNEL : FO_WHY_NO_SOCKET;
	} else {
		wild = owner_lookup(skb, k, r);
	}

	if ((wild || r->source == FO_SRC_NONE) && ingress_forwarded(skb, p)) {
		__builtin_memset(&r->owner, 0, sizeof(r->owner));
		r->source = FO_SRC_NONE;
		r->reason = FO_WHY_FORWARDED;
	}
}

#endif
