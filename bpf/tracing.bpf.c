// SPDX-License-Identifier: GPL-2.0
/* tracing.bpf.c — the companion side: keeps the pid/comm table and records who owns each socket. */
/* Task context, preemptible: per-CPU counters add atomically (maps.bpf.h, fo_count). */
#define FO_PREEMPTIBLE 1
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"
#include "policy.bpf.h"
#include "flow.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define PF_KTHREAD 0x00200000
#define TCP_SYN_SENT_FO 2
#define TCP_CLOSE_FO 7
#define TCP_LISTEN_FO 10

/* libbpf 1.1 has no bpf_for_each: declare the open-coded task iterator kfuncs (6.7+). */
extern int bpf_iter_task_new(struct bpf_iter_task *it, struct task_struct *task,
			     unsigned int flags) __weak __ksym;
extern struct task_struct *bpf_iter_task_next(struct bpf_iter_task *it) __weak __ksym;
extern void bpf_iter_task_destroy(struct bpf_iter_task *it) __weak __ksym;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

static __always_inline __u64 task_cgroup_id(struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

/* The executable's identity, as exec resolved it: a rename (prctl, comm) does not touch it. */
static __always_inline void task_exe(struct task_struct *t, __u32 *dev, __u64 *ino)
{
	struct file *f = BPF_CORE_READ(t, mm, exe_file);

	if (!f)
		return; /* kernel threads have no mm */
	*ino = BPF_CORE_READ(f, f_inode, i_ino);
	*dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
}

/*
 * A name into DST, NUL-padded to all 16 bytes: names are compared as two 64-bit words, and
 * bpf_probe_read_kernel_str leaves the bytes after the NUL as they were (an exec or rename to
 * a shorter name would keep the tail of the longer one). Read whole, then stored whole.
 */
static __always_inline void comm_read(char *dst, const void *src)
{
	char buf[FO_COMM_LEN] = {};

	bpf_probe_read_kernel_str(buf, sizeof(buf), src);
	__builtin_memcpy(dst, buf, FO_COMM_LEN);
}

/*
 * A process, named the way ps names it: by its group leader. T is a BTF pointer in every
 * caller (tp_btf, iter, the current task): direct loads, each a plain load with a fault
 * fixup, instead of a probe-read helper call per hop; this runs on every change of hands.
 */
static __always_inline void owner_from_task(struct owner *o, struct task_struct *t)
{
	struct task_struct *leader = t->group_leader;

	o->pid = t->tgid;
	o->uid = t->cred->uid.val;
	o->start_ns = leader->start_time;
	o->cgroup_id = t->cgroups->dfl_cgrp->kn->id;
	comm_read(o->comm, &leader->comm);
}

static __always_inline void proc_fill(struct proc_entry *e, struct task_struct *t)
{
	struct task_struct *leader = BPF_CORE_READ(t, group_leader);

	e->pid = BPF_CORE_READ(t, tgid);
	e->ppid = BPF_CORE_READ(t, real_parent, tgid);
	e->uid = BPF_CORE_READ(t, cred, uid.val);
	e->start_ns = BPF_CORE_READ(leader, start_time);
	e->cgroup_id = task_cgroup_id(t);
	comm_read(e->comm, &leader->comm);
	task_exe(t, &e->exe_dev, &e->exe_ino);
}

/*
 * The table entry of O's process, brought up to date with what the hooks that run in that
 * process see: setuid() without exec has no tracepoint, so a changed uid (or cgroup) is
 * noticed at the process's next socket call. Compare and return when nothing changed.
 */
static __always_inline void proc_sync(const struct owner *o)
{
	struct proc_entry *pe = bpf_map_lookup_elem(&fo_procs, &o->pid);

	if (!pe || pe->start_ns != o->start_ns)
		return;
	if (pe->uid != o->uid)
		pe->uid = o->uid;
	if (pe->cgroup_id != o->cgroup_id)
		pe->cgroup_id = o->cgroup_id;
}

/* SK is a BTF pointer in every caller: a direct load, not a probe read. */
static __always_inline int sock_is_inet(struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;

	return family == AF_INET || family == AF_INET6;
}

/*
 * A TCP socket changed hands: move its flow too, now, rather than at its next packet, so an
 * idle connection names its new owner (a pre-forked worker that accepted and reads, say).
 * The flow is keyed by the device it was seen on; for a local socket that device lives in the
 * socket's namespace, and sk_rx_dst_ifindex names it. Asymmetric routes (a flow seen on
 * another device) wait for their next packet.
 */
static __always_inline void flow_follow_sock(struct sock *sk, const struct sock_owner *so)
{
	struct flow_key k = {};
	struct flow_value *fv;
	struct resolved r = {};
	/* SK is a BTF pointer: direct loads, not a probe read per field. */
	struct sock_common *skc = &sk->__sk_common;
	__u16 family = skc->skc_family;

	if (sk->sk_protocol != IPPROTO_TCP)
		return;
	k.netns_cookie = skc->skc_net.net->net_cookie;
	/* The device the connection's packets arrive on; before the first one in the established
	 * state (a socket handed over right after connect) that is not recorded yet, and the
	 * device its cached route sends on names the flow the same way for a local socket. */
	k.ifindex = sk->sk_rx_dst_ifindex;
	if (!k.ifindex) {
		struct dst_entry *dst = sk->sk_dst_cache;

		if (dst)
			k.ifindex = dst->dev->ifindex;
	}
	k.proto = IPPROTO_TCP;
	k.local_port = skc->skc_num;
	k.remote_port = bpf_ntohs(skc->skc_dport);
	if (!k.ifindex || !k.remote_port)
		return;
	if (family == AF_INET6) {
		__builtin_memcpy(k.local, skc->skc_v6_rcv_saddr.in6_u.u6_addr32, 16);
		__builtin_memcpy(k.remote, skc->skc_v6_daddr.in6_u.u6_addr32, 16);
		/* A dual-stack socket talking IPv4: its packets, and so its flow, are IPv4. */
		if (!k.remote[0] && !k.remote[1] && k.remote[2] == bpf_htonl(0xffff)) {
			k.family = 4;
			k.local[0] = k.local[3];
			k.remote[0] = k.remote[3];
			k.local[1] = k.local[2] = k.local[3] = 0;
			k.remote[1] = k.remote[2] = k.remote[3] = 0;
		} else {
			k.family = 6;
		}
	} else {
		k.family = 4;
		k.local[0] = skc->skc_rcv_saddr;
		k.remote[0] = skc->skc_daddr;
	}
	fv = bpf_map_lookup_elem(&fo_flows, &k);
	if (!fv)
		return;
	r.owner = so->owner;
	r.source = FO_SRC_SOCKET;
	owner_refresh(&r.owner);
	flow_update_owner(&k, fv, &r, fo_now(), counters_get());
}

/*
 * Record that task T uses SK. Every send and receive comes here, and nearly always nothing
 * changed: the fast path is direct (BTF) loads of the task, one storage lookup that creates
 * nothing, one compare, and return. Only a socket with no record, or a new user, pays more.
 */
static __always_inline void sock_claim(struct sock *sk, struct task_struct *t, __u32 flags)
{
	struct sock_owner *so;
	__u32 tgid, uid;
	__u64 start;

	if (!sk)
		return;
	tgid = t->tgid;
	start = t->group_leader->start_time;
	uid = t->cred->uid.val; /* setuid() without exec: the same process, now another user */
	so = bpf_sk_storage_get(&fo_socks, sk, 0, 0);
	if (so && so->owner.pid == tgid && so->owner.start_ns == start && so->flags == flags &&
	    so->owner.uid == uid)
		return;
	if (!sock_is_inet(sk))
		return;
	if (t->flags & PF_KTHREAD)
		return; /* kernel users of a socket (NFS, TLS offload) do not own it */
	if (!so)
		so = bpf_sk_storage_get(&fo_socks, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!so)
		return;
	owner_from_task(&so->owner, t);
	proc_sync(&so->owner);
	so->flags = flags;
	so->updated_ns = fo_now();
	stat_inc(FO_STAT_SOCK_OWNED);
	if (!flags)
		flow_follow_sock(sk, so);
}

/*
 * The calling process takes SK, from a cgroup hook. The owner is read from the task itself
 * (its real start time, never 0, so a later process given the same pid is never taken for
 * it), and a process the table has not seen yet, or under an older uid or cgroup, is written
 * there too. FORCE rewrites even an unchanged owner.
 */
static __always_inline struct sock_owner *sock_claim_current(struct bpf_sock *ctx, int force)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct sock_owner *so;
	struct proc_entry *pe;
	struct owner o;
	__u64 start;
	__u32 tgid;

	if (ctx->family != AF_INET && ctx->family != AF_INET6)
		return NULL;
	so = bpf_sk_storage_get(&fo_socks, ctx, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!so)
		return NULL;
	tgid = t->tgid; /* a trusted task: direct loads, no probe reads */
	start = t->group_leader->start_time;
	if (!force && so->owner.pid == tgid && so->owner.start_ns == start && !so->flags &&
	    so->owner.uid == (__u32)bpf_get_current_uid_gid())
		return so;
	owner_from_task(&o, t);
	pe = bpf_map_lookup_elem(&fo_procs, &tgid);
	if (!pe || pe->start_ns != start) {
		struct proc_entry e = {};

		proc_fill(&e, t);
		e.threads = BPF_CORE_READ(t, signal, nr_threads);
		bpf_map_update_elem(&fo_procs, &tgid, &e, BPF_ANY);
	} else {
		proc_sync(&o);
	}
	so->owner = o;
	so->flags = 0;
	so->updated_ns = fo_now();
	stat_inc(FO_STAT_SOCK_OWNED);
	return so;
}

/*
 * A mark rule also marks the sockets its process creates, so policy routing (ip rule fwmark)
 * and netfilter see the mark from the first packet: tc egress runs after the route is chosen.
 * Part of fo_sock_create: one cgroup program per socket(), not two (each run of a cgroup
 * program is a dispatch and cold lines of its own).
 */
static __always_inline void sock_mark_by_policy(struct bpf_sock *ctx, const struct owner *o)
{
	struct fo_config *cfg = config_get();
	struct policy_verdict rule = {};

	if (!cfg || !cfg->nr_rules)
		return;
	/* O is the record just written for the socket, from the process as it is now: the
	 * socket mark and the flow's verdict are decided for the same owner. */
	if (!policy_match_owner(o, *(volatile const __u32 *)&cfg->policy_gen, true, &rule) ||
	    !(rule.actions & FO_ACT_MARK))
		return;
	ctx->mark = (ctx->mark & ~rule.mark_mask) | (rule.mark & rule.mark_mask);
}

/* socket(): the creator owns it before its first packet leaves, and a mark rule marks it. */
SEC("cgroup/sock_create")
int fo_sock_create(struct bpf_sock *ctx)
{
	struct sock_owner *so = sock_claim_current(ctx, 1);

	/* No record: not an inet socket, or no memory for one (then no mark either). */
	if (so)
		sock_mark_by_policy(ctx, &so->owner);
	return 1; /* observe only: never refuse a socket */
}

/*
 * sendto()/sendmsg() with an address on a UDP socket, and connect(): these hooks run in the
 * caller before any packet leaves, so a socket handed to another process (SCM_RIGHTS, fork)
 * is attributed to its new user from that user's first datagram, not its second
 * (sock_send_length fires only after the send).
 */
SEC("cgroup/sendmsg4")
int fo_sendmsg4(struct bpf_sock_addr *ctx)
{
	if (ctx->sk)
		sock_claim_current(ctx->sk, 0);
	return 1;
}

SEC("cgroup/sendmsg6")
int fo_sendmsg6(struct bpf_sock_addr *ctx)
{
	if (ctx->sk)
		sock_claim_current(ctx->sk, 0);
	return 1;
}

SEC("cgroup/connect4")
int fo_connect4(struct bpf_sock_addr *ctx)
{
	if (ctx->sk)
		sock_claim_current(ctx->sk, 0);
	return 1;
}

SEC("cgroup/connect6")
int fo_connect6(struct bpf_sock_addr *ctx)
{
	if (ctx->sk)
		sock_claim_current(ctx->sk, 0);
	return 1;
}

/* TCP data is queued here in the sender's context, before tcp_push sends it: the same
 * hand-over reasoning as sendmsg4 above, for TCP. */
SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(fo_tcp_sendmsg, struct sock *sk, struct msghdr *msg, struct sk_buff *skb,
	     int size_goal)
{
	sock_claim(sk, bpf_get_current_task_btf(), 0);
	return 0;
}

/*
 * Set by the loader when fo_tcp_sendmsg is attached. A TCP send that queues data is then
 * claimed there, by the same task, before sock_send_length fires for it: one claim per TCP
 * send, and sock_send_length returns at its first compare for TCP (a tracepoint cannot be
 * limited to other protocols, and UDP's send path has no tracepoint of its own). Read-only
 * data: the verifier drops the test where the hook is not in use.
 */
const volatile bool tcp_claimed_at_queue = false;

/* sendmsg/recvmsg: the socket follows the last process that used it. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(fo_sock_send, struct sock *sk, int ret, int flags)
{
	if (tcp_claimed_at_queue && sk->sk_protocol == IPPROTO_TCP)
		return 0;
	sock_claim(sk, bpf_get_current_task_btf(), 0);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(fo_sock_recv, struct sock *sk, int ret, int flags)
{
	sock_claim(sk, bpf_get_current_task_btf(), 0);
	return 0;
}

/*
 * connect() and listen() run in the caller, so the SYN_SENT and LISTEN transitions name
 * the owner. Other transitions happen in softirq on behalf of nobody in particular.
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(fo_sock_state, const struct sock *sk, const int oldstate, const int newstate)
{
	if (newstate == TCP_SYN_SENT_FO)
		sock_claim((struct sock *)sk, bpf_get_current_task_btf(), 0);
	else if (newstate == TCP_LISTEN_FO)
		sock_claim((struct sock *)sk, bpf_get_current_task_btf(), FO_SOCK_LISTENER);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fo_fork, struct task_struct *parent, struct task_struct *child)
{
	struct proc_entry e = {};
	struct proc_entry *pe;
	__u32 tgid = child->tgid;

	if (child->pid != child->tgid) {
		/* A new thread: the process gains one. */
		pe = bpf_map_lookup_elem(&fo_procs, &tgid);
		if (pe)
			__sync_fetch_and_add(&pe->threads, 1);
		return 0;
	}
	proc_fill(&e, child);
	e.threads = 1;
	bpf_map_update_elem(&fo_procs, &tgid, &e, BPF_ANY);
	stat_inc(FO_STAT_PROC_EVENTS);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(fo_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct proc_entry e = {};
	struct proc_entry *pe;
	__u32 tgid = p->tgid;

	/* exec makes the caller the only thread, under a new name. */
	pe = bpf_map_lookup_elem(&fo_procs, &tgid);
	if (pe) {
		comm_read(pe->comm, &p->comm);
		pe->threads = 1;
		pe->uid = BPF_CORE_READ(p, cred, uid.val);
		pe->cgroup_id = task_cgroup_id(p);
		pe->exe_ino = 0;
		pe->exe_dev = 0;
		task_exe(p, &pe->exe_dev, &pe->exe_ino);
		return 0;
	}
	proc_fill(&e, p);
	e.threads = 1;
	bpf_map_update_elem(&fo_procs, &tgid, &e, BPF_ANY);
	return 0;
}

SEC("tp_btf/task_rename")
int BPF_PROG(fo_rename, struct task_struct *task, const char *comm)
{
	struct proc_entry *pe;
	__u32 tgid = task->tgid;

	/* Only the leader's name is the process's name, as ps and ss show it. */
	if (task->pid != task->tgid)
		return 0;
	pe = bpf_map_lookup_elem(&fo_procs, &tgid);
	if (pe)
		comm_read(pe->comm, comm);
	return 0;
}

/* A process moved to another cgroup (container start, systemd): its later packets carry
 * the new cgroup id. Only the leader's move, or a whole-group move, moves the process. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(fo_cgroup_move, struct cgroup *dst, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	struct proc_entry *pe;
	__u32 tgid = task->tgid;

	if (!threadgroup && task->pid != task->tgid)
		return 0;
	/* The tracepoint fires after the move: read the v2 cgroup the task is in now, which
	 * is right whichever hierarchy (v1 or v2) DST belongs to. */
	pe = bpf_map_lookup_elem(&fo_procs, &tgid);
	if (pe)
		pe->cgroup_id = task_cgroup_id(task);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(fo_exit, struct task_struct *p)
{
	struct proc_entry *pe;
	struct fo_event *ev;
	__u32 tgid = p->tgid;

	pe = bpf_map_lookup_elem(&fo_procs, &tgid);
	if (!pe)
		return 0;
	/* signal->live drops to zero as the last thread leaves: only then is the process gone.
	 * Its entry stays, marked exited, so flows keep their owner's name after it. */
	if (BPF_CORE_READ(p, signal, live.counter) != 0) {
		if (pe->threads > 1)
			__sync_fetch_and_add(&pe->threads, -1);
		return 0;
	}
	pe->flags |= FO_PROC_EXITED;
	pe->exit_ns = fo_now();
	pe->threads = 0;
	stat_inc(FO_STAT_PROC_EVENTS);

	ev = bpf_ringbuf_reserve(&fo_events, sizeof(*ev), 0);
	if (!ev) {
		stat_inc(FO_STAT_EVENTS_LOST);
		return 0;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->type = FO_EV_PROC_EXIT;
	ev->ts_ns = pe->exit_ns;
	ev->owner.pid = pe->pid;
	ev->owner.uid = pe->uid;
	ev->owner.start_ns = pe->start_ns;
	ev->owner.cgroup_id = pe->cgroup_id;
	__builtin_memcpy(ev->owner.comm, pe->comm, FO_COMM_LEN);
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/*
 * The packet path's clock (fo_now_packet_cfg): jiffies * tick + clock_off must never be ahead of
 * CLOCK_MONOTONIC, or a flow's first_ns would be in the future. With jiffies J read before the
 * precise time T, J's tick began at most one tick before T, so T - (J + 1) * tick puts every
 * later stamp at or behind the tick that started it: the coarse clock's lag, no more (a stale J
 * or a preemption between the reads only delays the stamps). The smallest of a few tries has
 * the least of that delay.
 */
SEC("syscall")
int fo_clock(struct clock_args *args)
{
	struct fo_config *cfg = config_get();
	__u64 tick = args->tick_ns, off = ~0ULL, j, t;
	int i;

	if (!cfg || !tick)
		return 0;
	for (i = 0; i < 8; i++) {
		j = bpf_jiffies64();
		t = bpf_ktime_get_ns();
		/* Unsigned: the jiffies count starts at -300 s (INITIAL_JIFFIES), so the offset can
		 * be "negative"; the sums wrap the same way. */
		t -= (j + 1) * tick;
		if ((__s64)(t - off) < 0 || i == 0)
			off = t;
	}
	cfg->clock_off = off;
	cfg->tick_ns = tick; /* last: no program uses the clock before both are set */
	return 0;
}

/*
 * The seed and reconciliation of the pid table: one walk over every process with the
 * open-coded task iterator, run with BPF_PROG_TEST_RUN at attach and by `procs --refresh`.
 * Sleepable, so the whole walk sits under the RCU read lock the iterator needs.
 */
SEC("syscall")
int fo_snapshot(struct snapshot_args *args)
{
	struct bpf_iter_task it, threads_it;
	struct task_struct *t, *th;
	__u32 gen = args->gen, nproc = 0, nthr = 0;

	bpf_rcu_read_lock();
	bpf_iter_task_new(&it, NULL, BPF_TASK_ITER_ALL_PROCS);
	while ((t = bpf_iter_task_next(&it))) {
		if (!t->tgid)
			continue; /* the idle task is not a process anyone owns a socket in */
		struct proc_entry e = {};
		struct task_struct *ref;
		__u32 n = 0;

		/* The nested walk wants a trusted task: the outer iterator's is only RCU-safe. */
		ref = bpf_task_acquire(t);
		if (ref) {
			bpf_iter_task_new(&threads_it, ref, BPF_TASK_ITER_PROC_THREADS);
			while ((th = bpf_iter_task_next(&threads_it)))
				n++;
			bpf_iter_task_destroy(&threads_it);
			bpf_task_release(ref);
		}

		proc_fill(&e, t);
		if (!BPF_CORE_READ(t, signal, live.counter)) {
			/* A zombie (exited, not yet reaped by its parent) is still in the task list:
			 * it stays exited, and one the table never saw exit is entered as exited. */
			struct proc_entry *pe = bpf_map_lookup_elem(&fo_procs, &e.pid);

			if (pe && pe->start_ns == e.start_ns) {
				if (!(pe->flags & FO_PROC_EXITED)) {
					pe->flags |= FO_PROC_EXITED;
					pe->exit_ns = fo_now();
					pe->threads = 0;
				}
				continue;
			}
			e.flags = FO_PROC_SNAPSHOT | FO_PROC_EXITED;
			e.exit_ns = fo_now();
			e.snap_gen = gen;
			bpf_map_update_elem(&fo_procs, &e.pid, &e, BPF_ANY);
			continue;
		}
		e.threads = n;
		e.flags = FO_PROC_SNAPSHOT;
		e.snap_gen = gen;
		bpf_map_update_elem(&fo_procs, &e.pid, &e, BPF_ANY);
		/* A process leaving as the walk passes (or a zombie, still listed): its exit hook
		 * may have marked the entry just overwritten. Its last thread drops signal->live
		 * before that hook runs, so live read after the write catches exactly the exits
		 * the hook could not see; a later hook finds this entry and marks it itself. */
		if (BPF_CORE_READ(t, signal, live.counter) == 0) {
			struct proc_entry *pe = bpf_map_lookup_elem(&fo_procs, &e.pid);

			if (pe) {
				pe->flags |= FO_PROC_EXITED;
				pe->exit_ns = fo_now();
				pe->threads = 0;
			}
		}
		nproc++;
		nthr += n;
	}
	bpf_iter_task_destroy(&it);
	bpf_rcu_read_unlock();
	args->processes = nproc;
	args->threads = nthr;
	return 0;
}

/* Sockets the walk found, by address, for the socket walks below (see struct sock_seed). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sock_seed);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fo_sockseed SEC(".maps");

/*
 * Sockets opened before attach, whose owners may never send again: walk every process's
 * open files once and note socket -> owner. The first process found holding a socket is
 * its owner, as a socket's first recorded owner is.
 */
SEC("iter/task_file")
int fo_sock_walk(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct sock_seed seed = {};
	struct socket *sock;
	struct sock *sk;
	__u64 addr;

	if (!task || !file)
		return 0;
	sock = bpf_sock_from_file(file);
	if (!sock)
		return 0;
	sk = sock->sk;
	if (!sk || !sock_is_inet(sk))
		return 0;
	if (task->flags & PF_KTHREAD)
		return 0;
	owner_from_task(&seed.owner, task);
	seed.flags = FO_SOCK_SNAPSHOT;
	if (BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_LISTEN_FO)
		seed.flags |= FO_SOCK_LISTENER;
	seed.netns_ino = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	seed.pid = task->tgid;
	seed.fd = ctx->fd;
	addr = (__u64)sk;
	bpf_map_update_elem(&fo_sockseed, &addr, &seed, BPF_NOEXIST);
	return 0;
}

/* A socket the walk noted gets its owner record, unless it has one already (it sent or
 * received since attach: a live owner wins). */
static __always_inline void sock_seed_take(struct sock *sk)
{
	__u64 addr = (__u64)sk;
	struct sock_seed *seed = bpf_map_lookup_elem(&fo_sockseed, &addr);
	struct sock_owner *so;

	if (!seed)
		return;
	so = bpf_sk_storage_get(&fo_socks, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (so && !so->owner.pid) {
		so->owner = seed->owner;
		so->flags = seed->flags;
		so->updated_ns = fo_now();
		stat_inc(FO_STAT_SOCK_OWNED);
	}
	bpf_map_delete_elem(&fo_sockseed, &addr);
}

/* The TCP and UDP sockets of the reader's namespace (both families): the loader runs these
 * in each namespace the walk found sockets in. */
SEC("iter/tcp")
int fo_sock_seed_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_sock *tp;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (tp)
		sock_seed_take((struct sock *)tp);
	return 0;
}

SEC("iter/udp")
int fo_sock_seed_udp(struct bpf_iter__udp *ctx)
{
	struct udp_sock *up = ctx->udp_sk;

	if (up)
		sock_seed_take((struct sock *)up);
	return 0;
}

#define SOL_SOCKET_FO 1
#define SO_MAX_PACING_RATE_FO 47

/*
 * A rate rule also paces the TCP connections its processes open, at the rule's rate: a
 * capped pacing rate turns on TCP's own pacing even without sch_fq, so the sender spreads its
 * segments instead of bursting into the policer at line rate and waiting out timeouts. The
 * policer (shape.bpf.h) still holds the aggregate of all flows, and everything pacing cannot
 * reach: received traffic, UDP, connections accepted or opened before the rule.
 */
static __always_inline void pace_current(struct bpf_sock_addr *ctx)
{
	struct fo_config *cfg = config_get();
	struct policy_verdict v = {};
	struct shape_state *s;
	struct owner o = {};
	__u64 bytes;
	__u32 rate;

	if (!cfg || !cfg->nr_rules || ctx->type != SOCK_STREAM_FO)
		return;
	owner_from_task(&o, bpf_get_current_task_btf());
	if (!policy_match_owner(&o, *(volatile const __u32 *)&cfg->policy_gen, true, &v) ||
	    !(v.actions & FO_ACT_RATE))
		return;
	s = bpf_map_lookup_elem(&fo_shape, &v.id);
	if (!s || !s->rate)
		return;
	bytes = s->rate / 8;
	rate = bytes >= 0xfffffffeULL ? 0xfffffffe : (__u32)bytes; /* ~0U means "no cap" */
	bpf_setsockopt(ctx, SOL_SOCKET_FO, SO_MAX_PACING_RATE_FO, &rate, sizeof(rate));
}

SEC("cgroup/connect4")
int fo_pace4(struct bpf_sock_addr *ctx)
{
	pace_current(ctx);
	return 1;
}

SEC("cgroup/connect6")
int fo_pace6(struct bpf_sock_addr *ctx)
{
	pace_current(ctx);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
