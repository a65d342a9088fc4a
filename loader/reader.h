/* SPDX-License-Identifier: GPL-2.0 */
/* reader.h — reading the pinned maps into plain arrays for the commands. */
#ifndef FO_READER_H
#define FO_READER_H

#include <stddef.h>
#include "flowowner.h"

struct flow_rec {
	struct flow_key key;
	struct flow_value val;
};

/* Every flow, read in batches. *out is malloc'd. */
int reader_flows(const char *pin_dir, struct flow_rec **out, size_t *n);
/* Every process entry. *out is malloc'd. */
int reader_procs(const char *pin_dir, struct proc_entry **out, size_t *n);
/* The global counters, summed over CPUs. */
int reader_counters(const char *pin_dir, __u64 out[FO_STAT_MAX]);
/* How full a pinned hash map is; -EOPNOTSUPP for maps that cannot be walked (socket storage). */
int reader_map_fill(const char *pin_dir, const char *name, __u32 *entries, __u32 *max_entries);
/* The unix time, in seconds, of a CLOCK_MONOTONIC (the BPF side's clock) stamp in ns. */
double reader_unix_time(__u64 mono_ns);
/* Now, on CLOCK_MONOTONIC (the BPF side's clock), in ns. */
__u64 reader_mono_ns(void);

#endif
