/* SPDX-License-Identifier: GPL-2.0 */
/* owner.bpf.h — finding the process that owns a packet's local socket, for tc and XDP. */
#ifndef FO_OWNER_BPF_H
#define FO_OWNER_BPF_H

#include "maps.bpf.h"
#include "parse.bpf.h"

#define SOCK_RAW_FO 3
#define TCP_TIME_WAIT_FO 6
#define TCP_LISTEN_FO 10
#define TCP_NEW_SYN_RECV_FO 12

struct resolved {
	struct owner owner;
	__u8 source; /* enum fo_source */
	__u8 reason; /* enum fo_reason when source is NONE */
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
	/* Start time 0 is a socket made by a process the table had not seen yet: the pid
	 * alone is then all there is, and the table's entry made at its fork is the one. */
	if (!pe || (pe->start_ns != o->start_ns && o->start_ns))
		return 0;
	/* Names are 16 NUL-padded bytes: two word compares, no string work. */
	a = (__u64 *)o->comm;
	b = (__u64 *)pe->comm;
	changed = a[0] != b[0] || a[1] != b[1] || o->uid != pe->uid ||
		  o->cgroup_id != pe->cgroup_id || o->start_ns != pe->start_ns;
	if (changed) {
		__builtin_memcpy(o->comm, pe->comm, FO_COMM_LEN);
		o->uid = pe->uid;
		o->cgroup_id = pe->cgroup_id;
		o->start_ns = pe->start_ns;
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
 */
static __always_inline void owner_lookup(void *ctx, const struct flow_key *k, struct resolved *r)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk, *full;
	__u32 len = tuple_fill(&t, k);

	r->source = FO_SRC_NONE;
	r->reason = FO_WHY_NO_SOCKET;
	if (k->proto == IPPROTO_UDP) {
		sk = bpf_sk_lookup_udp(ctx, &t, len, BPF_F_CURRENT_NETNS, 0);
		if (!sk)
			return;
		owner_from_sock(sk, FO_SRC_LOOKUP, r);
		bpf_sk_release(sk);
		return;
	}
	if (k->proto != IPPROTO_TCP)
		return;

	sk = bpf_skc_lookup_tcp(ctx, &t, len, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return;
	if (sk->state == TCP_TIME_WAIT_FO) {
		bpf_sk_release(sk);
		r->reason = FO_WHY_KERNEL;
		return;
	}
	if (sk->state == TCP_NEW_SYN_RECV_FO) {
		/* A handshake in progress: no process has the child yet, the listener's owner will
		 * accept it. The full-socket lookup maps the request to its listener. */
		bpf_sk_release(sk);
		sk = bpf_sk_lookup_tcp(ctx, &t, len, BPF_F_CURRENT_NETNS, 0);
		if (!sk)
			return;
		owner_from_sock(sk, FO_SRC_LISTENER, r);
		if (r->source == FO_SRC_LOOKUP)
			r->source = FO_SRC_LISTENER;
		bpf_sk_release(sk);
		return;
	}
	full = bpf_sk_fullsock(sk);
	if (full)
		owner_from_sock(full, FO_SRC_LOOKUP, r);
	bpf_sk_release(sk);
}

#endif
