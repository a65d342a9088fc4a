/* SPDX-License-Identifier: GPL-2.0 */
/* metrics_acc.h — per-label-set traffic totals that survive flows leaving the table. */
#ifndef FO_METRICS_ACC_H
#define FO_METRICS_ACC_H

#include <stdbool.h>
#include <stddef.h>
#include "flowrows.h"

/* One exported series: the labels a flow's traffic is counted under, and its totals. */
struct acc_series {
	char *comm, *unit, *container, *cgroup, *dev, *netns; /* "" where there is none */
	__u32 pid;                                            /* only with by_pid */
	__u64 tx_packets, tx_bytes, rx_packets, rx_bytes;     /* only ever grow */
	__u64 flows;                                          /* flows in the table at the last read */
	char *key;                                            /* all labels, for lookup and order */
};

struct acc_flow;

/*
 * Totals per label set, kept across reads of the flow table. Each read adds, per flow, what it
 * carried since the last read (a flow not seen before: all of it) to its current label set; a
 * flow that left the table keeps in its series what it had at the last read. So no total goes
 * down and no series vanishes while flows are evicted and processes exit. What a flow carried
 * between the last read and its eviction is lost: reads must come often while the table is full.
 */
struct metrics_acc {
	bool by_pid;
	bool last_read; /* set before a read no other follows: its flows are not kept */
	struct acc_series *series;
	size_t nseries, cap;
	size_t *index; /* open-addressed hash of series by key: slot -> series + 1 */
	size_t index_cap;
	struct acc_flow *flows; /* open-addressed hash of the flows of the last read */
	size_t flows_cap;
	__u64 reads;
};

void acc_init(struct metrics_acc *a, bool by_pid);
/* Add what V's flows (those FLT selects) carried since the last read. 0 or -ENOMEM. */
int acc_read(struct metrics_acc *a, const struct flow_view *v, const struct view_filter *flt);
/* Series in label order: an array of NSERIES indices into a->series, malloc'd; NULL on ENOMEM. */
size_t *acc_sorted(const struct metrics_acc *a);
void acc_free(struct metrics_acc *a);

#endif
