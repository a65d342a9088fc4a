/* SPDX-License-Identifier: GPL-2.0 */
/* progstats.h — what each loaded flowowner program has cost: runs and run time (bpf_stats). */
#ifndef FO_PROGSTATS_H
#define FO_PROGSTATS_H

#include <stddef.h>
#include <linux/types.h>
#include "pinset.h"

#define FO_BPF_STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"
#define FO_BPF_STATS_HINT "sysctl -w kernel.bpf_stats_enabled=1 to measure what each program costs"

struct prog_stat {
	char name[32]; /* the program's name: fo_tc_egress, fo_sock_send, ... */
	__u32 prog_id;
	__u64 run_cnt;     /* runs while kernel.bpf_stats_enabled was on */
	__u64 run_time_ns; /* their total time */
};

/* Whether the kernel counts program runs now: 1, 0, or -errno if it cannot say. */
int progstats_enabled(void);
/* Every program of the pin set P (classifier, XDP, and each pinned link's program), by name. *out is
 * malloc'd. Counters only grow while bpf_stats is on; they are kept while it is off. */
int progstats_read(struct fo_pins *p, struct prog_stat **out, size_t *n);

#endif
