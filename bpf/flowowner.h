/* SPDX-License-Identifier: GPL-2.0 */
/* flowowner.h — the structs and constants both the BPF programs and user space use. */
#ifndef FLOWOWNER_H
#define FLOWOWNER_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * BPF objects include this after vmlinux.h; user space after <linux/types.h>.
 * Every layout here is a map key or value, so fields are ordered for natural
 * alignment with explicit padding: the two halves must agree byte for byte.
 */

#define FO_COMM_LEN 16
#define FO_VERSION_STAMP 11 /* bump when any map layout below changes */

/* Default map capacities; attach may override them before load. */
#define FO_DEFAULT_MAX_FLOWS 65536
#define FO_DEFAULT_MAX_PROCS 32768
#define FO_MAX_RULES 256 /* in force at once; fo_policy holds two sets during a restore */
#define FO_MAX_ATTACH 256
#define FO_MAX_RELATED 8192 /* ICMP error rows that remember the flow they quote */
#define FO_MAX_FRAGS 4096    /* IP datagrams in fragments whose first fragment was seen */

enum fo_dir {
	FO_DIR_INGRESS = 0,
	FO_DIR_EGRESS = 1,
	FO_DIR_XDP = 2,
};

/* How a flow's owner was found (flows -j "owner_source"). */
enum fo_source {
	FO_SRC_NONE = 0,
	FO_SRC_SOCKET = 1,   /* the packet's own socket (egress skb->sk) */
	FO_SRC_LOOKUP = 2,   /* local socket found by lookup (ingress, XDP) */
	FO_SRC_LISTENER = 3, /* inherited from the listening socket */
	FO_SRC_SNAPSHOT = 4, /* recorded by the task-file walk at attach */
	FO_SRC_FLOW = 5,     /* matched to the flow another packet attributed (ICMP echo) */
	FO_SRC_RELATED = 6,  /* an ICMP error, owned by the flow it quotes */
};

/* Why a packet has no owner (flows -j "unattributed_reason"). */
enum fo_reason {
	FO_WHY_NONE = 0,
	FO_WHY_FORWARDED = 1, /* routed through, not local */
	FO_WHY_KERNEL = 2,    /* the kernel's own socket, or no socket at all at egress */
	FO_WHY_NO_SOCKET = 3, /* no local socket matches */
	FO_WHY_NO_OWNER = 4,  /* a socket no process has been seen using */
	FO_WHY_FRAGMENT = 5,  /* a non-first fragment: no transport header */
	FO_WHY_UNPARSED = 6,  /* truncated or malformed headers */
	FO_WHY_NON_IP = 7,    /* ARP and other non-IP frames */
	FO_WHY_MAX,
};

/* fo_stats: a one-slot per-CPU array of struct fo_counters, indexed by enum fo_stat. */
enum fo_stat {
	FO_STAT_PACKETS = 0,
	FO_STAT_BYTES,
	FO_STAT_ATTRIBUTED,
	FO_STAT_UNATTRIBUTED,
	FO_STAT_MAP_FULL,
	FO_STAT_FLOWS_NEW,
	FO_STAT_OWNER_CHANGES,
	FO_STAT_DROPPED,
	FO_STAT_MARKED,
	FO_STAT_NON_IP,
	FO_STAT_PROC_EVENTS,
	FO_STAT_SOCK_OWNED,
	FO_STAT_EVENTS_LOST,
	FO_STAT_DROPPED_RATE,  /* over a rule's rate */
	FO_STAT_DROPPED_QUOTA, /* past a rule's quota */
	FO_STAT_FLOWS_REOPENED, /* a new connection on a closed flow's tuple replaced it */
	FO_STAT_RETIRED_PACKETS, /* the packets and bytes of those replaced flows: gone from the */
	FO_STAT_RETIRED_BYTES,   /* table, so totals over flows never go backwards */
	FO_STAT_FRAGMENTS,       /* later IP fragments counted on their datagram's flow */
	FO_STAT_WHY_BASE, /* FO_STAT_WHY_BASE + enum fo_reason: unattributed by reason */
	FO_STAT_MAX = FO_STAT_WHY_BASE + FO_WHY_MAX,
};

/* One lookup per packet reaches every counter. */
struct fo_counters {
	__u64 v[FO_STAT_MAX];
};

/*
 * A flow, normalised to the host's point of view: "local" is the address on
 * this side of the interface (source at egress, destination at ingress), so
 * both directions of one connection share an entry. The namespace cookie and
 * ifindex are part of the key, so two namespaces never mix.
 * ICMP echo: local_port carries the echo identifier.
 * ICMP errors (quoted_proto != 0): the ports are the quoted flow's, as this host sees that
 * flow, and icmp_type tells the errors about one flow apart; fo_related holds the quoted key.
 */
struct flow_key {
	__u64 netns_cookie;
	__u32 ifindex;
	__u8 family; /* 4 or 6 */
	__u8 proto;  /* IPPROTO_* */
	__u16 local_port;  /* host byte order */
	__u32 local[4];    /* network byte order; IPv4 uses local[0] */
	__u32 remote[4];
	__u16 remote_port; /* host byte order */
	__u8 icmp_type;    /* ICMP errors only, else 0 */
	__u8 quoted_proto; /* ICMP errors only: the quoted packet's protocol, else 0 */
	__u32 pad1;
};

/*
 * Who owns a socket, or a flow. A process is named by pid *and* start time,
 * so a recycled pid is never taken for the process that had it before.
 */
struct owner {
	__u32 pid; /* thread-group id, init pid namespace */
	__u32 uid;
	__u64 start_ns;  /* group leader's start time, CLOCK_MONOTONIC ns */
	__u64 cgroup_id; /* cgroup v2 id */
	char comm[FO_COMM_LEN];
};

/* Flags on a socket's owner record (fo_socks). */
#define FO_SOCK_LISTENER 0x1 /* written on a listening socket: clones inherit it */
#define FO_SOCK_SNAPSHOT 0x2 /* found by the task-file walk at attach */

/* fo_socks: socket-local storage, cloned into accepted sockets. */
struct sock_owner {
	struct owner owner;
	__u32 flags;
	__u32 pad;
	__u64 updated_ns; /* CLOCK_MONOTONIC ns */
};

/*
 * fo_sockseed: what the task-file walk found at attach, keyed by the socket's address, until
 * the socket walk of its namespace writes it into the socket's storage. The walk cannot write
 * it itself: on some 6.x builds struct socket's sk is an untrusted pointer there, which socket
 * storage refuses, while the socket iterators' sockets are trusted. NETNS_INO, PID and FD tell
 * the loader which namespace to walk and how to reach it.
 */
struct sock_seed {
	struct owner owner;
	__u32 flags;
	__u32 netns_ino;
	__u32 pid; /* a process holding the socket, and its descriptor there */
	__u32 fd;
};

/*
 * fo_flows value. Counters are updated with atomic adds: a flow can be hit on any CPU.
 *
 * Laid out for two CPUs: on a busy connection egress (the sender's CPU) and ingress (the
 * softirq of the answer, often the other CPU) each write their counters on every packet. A
 * line written by one and read or written by the other moves between the CPUs each packet,
 * so tx and rx sit at the two ends, and what every packet reads but rarely writes (owner TTL,
 * verdict, last seen: once per clock tick) sits in the middle, at least 64 bytes from both;
 * the cold owner record fills the gap. Elements are not line-aligned, hence distances, not
 * alignment.
 */
struct flow_value {
	/* Written by egress, every packet. */
	__u64 tx_packets;
	__u64 tx_bytes;
	/* Cold: read when a flow is created, re-decided or listed. */
	struct owner owner;
	__u64 first_ns;   /* CLOCK_MONOTONIC ns */
	__u32 priority;   /* skb->priority set by the policy, 0 when none */
	__u16 rule_id;    /* matching rule, 0 when none */
	__u8 pad[2];
	__u32 mark;       /* skb->mark set by the policy, 0 when none */
	__u32 mark_mask;  /* the bits of skb->mark the rule owns */
	/* Read by both directions every packet, written rarely. */
	__u64 owner_ns;   /* when the owner was last resolved */
	__u64 last_ns;    /* CLOCK_MONOTONIC ns, coarse: written once per clock tick */
	__u32 policy_gen; /* policy generation the cached verdict was made under */
	__u8 verdict;     /* FO_ACT_* bits of the cached decision */
	__u8 source;      /* enum fo_source */
	__u8 reason;      /* enum fo_reason, when source is NONE */
	__u8 closed;      /* FIN or RST seen */
	__u8 gap[64];     /* keeps the line above apart from the rx counters below */
	/* Written by ingress (or XDP), every packet. */
	__u64 rx_packets;
	__u64 rx_bytes;
};
_Static_assert(__builtin_offsetof(struct flow_value, owner_ns) -
	       __builtin_offsetof(struct flow_value, tx_bytes) >= 64 + 8 &&
	       __builtin_offsetof(struct flow_value, rx_packets) -
	       __builtin_offsetof(struct flow_value, closed) >= 64,
	       "each direction's counters at least a line away from the fields both read");

/* fo_procs: the pid/comm table, keyed by thread-group id. */
#define FO_PROC_EXITED 0x1
#define FO_PROC_SNAPSHOT 0x2 /* last written by the task-iterator walk */
struct proc_entry {
	__u32 pid;
	__u32 ppid;
	__u32 uid;
	__u32 threads;
	__u64 start_ns;
	__u64 cgroup_id;
	__u64 exit_ns; /* CLOCK_MONOTONIC ns, 0 while alive */
	__u32 flags;
	__u32 snap_gen; /* generation of the last task-iterator walk that saw it alive */
	char comm[FO_COMM_LEN];
	/* The executable the kernel resolved at exec (mm->exe_file): its device, as the kernel
	 * encodes dev_t (MAJOR << 20 | MINOR), and inode. 0 for kernel threads. */
	__u64 exe_ino;
	__u32 exe_dev;
	__u32 pad2;
};

/* Marking policy (fo_policy): key is the rule id. */
enum fo_selector {
	FO_SEL_PID = 1,
	FO_SEL_COMM = 2,
	FO_SEL_CGROUP = 3,
	FO_SEL_UID = 4,
	FO_SEL_EXE = 5,       /* value: inode, dev: device of the executable file */
	FO_SEL_UNIT = 6,      /* value: the unit's cgroup id; matches it and every cgroup below */
	FO_SEL_CONTAINER = 7, /* value: the container's cgroup id; the same subtree match */
};

#define FO_PATH_LEN 256 /* an exe rule's path, as listed; longer paths are refused */

/*
 * Two banks of rule ids, so `mark restore` can swap a whole rule set at once: the datapath
 * considers only the rules of the bank that fo_config.policy_gen names (odd: ids below
 * FO_RULE_BANK, even: ids above it). A restore writes the new set into the idle bank, flips the
 * bank with one policy_gen write, then deletes the old set; every other change keeps the bank
 * (policy_gen += 2). A rule id is at most 0xffff (flow_value.rule_id).
 */
#define FO_RULE_BANK 0x8000
#define FO_CGROUP_DEPTH 16 /* unit and container rules match cgroups up to this many levels deep */

static inline __u32 fo_rule_bank(__u32 policy_gen)
{
	return policy_gen & 1 ? 0 : FO_RULE_BANK;
}

#define FO_ACT_MARK 0x1
#define FO_ACT_PRIORITY 0x2
#define FO_ACT_DROP 0x4
#define FO_ACT_RATE 0x8  /* a token bucket per rule and direction: fo_shape */
#define FO_ACT_QUOTA 0x10 /* a byte budget per rule, tx + rx: fo_shape */
#define FO_ACT_SHAPE (FO_ACT_RATE | FO_ACT_QUOTA)

struct policy_rule {
	__u32 id;
	__u32 selector; /* enum fo_selector */
	__u64 value;    /* pid, uid or cgroup id */
	char comm[FO_COMM_LEN];
	__u32 actions; /* FO_ACT_* */
	__u32 mark;
	__u32 mark_mask;
	__u32 priority;
	__u32 dev;               /* exe: the file's device, kernel dev_t encoding */
	__u32 pad;
	__u64 rate;              /* FO_ACT_RATE: bits per second */
	__u64 burst;             /* FO_ACT_RATE: bytes the bucket holds */
	__u64 quota;             /* FO_ACT_QUOTA: bytes, tx + rx */
	char path[FO_PATH_LEN];  /* exe: the file's canonical path; unit, container: the name
				  * given; for listings only */
};

/*
 * fo_shape: the state of a rule with a rate or a quota, keyed by rule id, shared by every
 * process the rule selects and every device (per rule, not per process: a budget a process
 * could renew by forking would not be one). Written by user space when the rule is added
 * (limits) and reset; the datapath touches it only for flows whose verdict has FO_ACT_SHAPE.
 *
 * The rate is a token bucket per direction kept as a virtual clock (GCRA): a packet passes
 * when its cost (len * ns_per_byte) fits between vt[dir] and now, and moves vt[dir] on by it;
 * vt never lags now by more than burst_ns, which is the burst an idle bucket allows. One
 * atomic add per packet, shared by all CPUs, so the rate holds for the rule as a whole.
 */
#define FO_COST_SHIFT 20 /* ns_per_byte is fixed point: a multiply per packet, not a divide */
#define FO_RATE_MIN 1000 /* bit/s: keeps len * ns_per_byte within 64 bits for any skb */

struct shape_state {
	__u64 rate;     /* bits per second, 0 when the rule has no rate */
	__u64 ns_per_byte; /* 8e9 / rate, << FO_COST_SHIFT */
	__u64 burst_ns; /* the bucket's depth, as time at RATE */
	__u64 quota;    /* bytes, 0 when the rule has no quota */
	__u64 used;     /* layer-3 bytes passed, tx + rx, since the rule was added or reset */
	__u64 vt[2];    /* per enum fo_dir (ingress, egress; XDP counts as ingress), ns */
};

/* fo_config: one-element array that user space writes and the classifier reads. */
struct fo_config {
	__u32 policy_gen; /* bumped on every policy change */
	__u32 nr_rules;
	__u32 owner_ttl_ms; /* ingress re-resolves a known flow's owner after this */
	__u32 version;      /* FO_VERSION_STAMP of the tool that created the pins */
	/* The packet path's clock (fo_now_packet_cfg): jiffies * tick_ns + clock_off is CLOCK_MONOTONIC
	 * at the last tick, as the coarse clock is. Set once by fo_clock at the first load;
	 * tick_ns 0 (the kernel's HZ unknown) keeps the coarse clock. */
	__u32 tick_ns;
	__u32 pad0;
	__u64 clock_off;
};

/* Context of the SEC("syscall") fo_clock, passed with BPF_PROG_TEST_RUN. */
struct clock_args {
	__u32 tick_ns; /* TICK_NSEC of the running kernel's HZ */
	__u32 pad;
};

/* Context of the SEC("syscall") task walk, passed with BPF_PROG_TEST_RUN. */
struct snapshot_args {
	__u32 gen;       /* stamped into every live process's snap_gen */
	__u32 processes; /* out: processes seen */
	__u32 threads;   /* out: threads seen */
	__u32 pad;
};

/* fo_events: ring buffer records for `watch`. */
enum fo_event_type {
	FO_EV_FLOW_START = 1,
	FO_EV_OWNER_CHANGE = 2,
	FO_EV_FLOW_END = 3,
	FO_EV_PROC_EXIT = 4,
	FO_EV_QUOTA_REACHED = 5, /* tx_bytes: bytes used, rx_bytes: the quota; rule_id set */
};

struct fo_event {
	__u32 type;
	__u8 source;
	__u8 reason;
	__u16 rule_id; /* FO_EV_QUOTA_REACHED: the rule; 0 otherwise */
	__u64 ts_ns; /* CLOCK_MONOTONIC ns */
	struct flow_key key;
	struct owner owner;
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 rx_packets;
	__u64 rx_bytes;
};

/*
 * fo_frags: a fragmented datagram, as its first fragment named it, so the later fragments
 * (which carry no transport header) count on its flow. Keyed like Cilium's
 * IPV4_FRAG_DATAGRAMS_MAP: addresses, protocol and IP identification, plus the device.
 */
struct frag_key {
	__u64 netns_cookie;
	__u32 ifindex;
	__u32 id; /* IPv4 identification (16 bits), or IPv6 fragment header's (32) */
	__u8 family;
	__u8 proto;
	__u16 pad0;
	__u32 saddr[4]; /* network byte order, as in the packet */
	__u32 daddr[4];
	__u32 pad1;
};

struct frag_value {
	__u16 sport; /* host byte order, as in the packet */
	__u16 dport;
	__u32 pad;
};

/* fo_attach: every attachment, so status and unload find them in any namespace. */
struct attach_key {
	__u64 netns_ino; /* inode of the namespace, as /proc/PID/ns/net names it */
	__u32 ifindex;
	__u32 dir; /* enum fo_dir */
};

struct attach_value {
	char dev[16];
	char netns[64]; /* name under /run/netns, "" for the namespace attach ran in */
	__u64 netns_cookie;
	__u32 prio;
	__u32 handle;
	__u32 prog_id;
	__u32 xdp_flags;
	__u8 created_clsact;
	__u8 pad[7];
};

#endif /* FLOWOWNER_H */
