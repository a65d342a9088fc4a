/* SPDX-License-Identifier: GPL-2.0 */
/* procsum.h — the flow table summed per process: the one summing procs, top and metrics share. */
#ifndef FO_PROCSUM_H
#define FO_PROCSUM_H

#include <stdbool.h>
#include <stddef.h>
#include "flowrows.h"

/* The traffic of one process (pid and start time), summed over the flows it owns. Flows with
 * no owner sum into one entry with pid 0. With per_dev, one entry per process and device. */
struct proc_sum {
	__u32 pid;
	__u32 uid;
	__u64 start_ns;
	__u64 cgroup_id;
	char comm[80]; /* printable text (comm_text), as the most recently active flow names it */
	bool exited;
	__u32 ifindex;       /* per_dev only */
	__u64 netns_cookie;  /* per_dev only */
	__u64 tx_packets, tx_bytes, rx_packets, rx_bytes;
	__u64 flows;
	__u64 last_ns; /* the latest packet of any of its flows, CLOCK_MONOTONIC */
};

/* Sums sorted by (pid, start_ns[, netns_cookie, ifindex]). *out is malloc'd. FLT NULL: all. */
int view_sum_procs(struct flow_view *v, const struct view_filter *flt, bool per_dev,
		   struct proc_sum **out, size_t *n);
/* The sum for (PID, START_NS) in sums sorted as view_sum_procs sorts them (not per_dev). */
const struct proc_sum *proc_sum_find(const struct proc_sum *s, size_t n, __u32 pid,
				     __u64 start_ns);

#endif
