/* SPDX-License-Identifier: GPL-2.0 */
/* reader.h — reading the pinned maps into plain arrays for the commands. */
#ifndef FO_READER_H
#define FO_READER_H

#include <stddef.h>
#include "flowowner.h"
#include "pinset.h"

/* A flow's counters, however the BPF side keeps them: commands read these, never the map
 * value's own fields, so a change of storage (per CPU, socket storage) stays in reader.c. */
struct flow_counts {
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 rx_packets;
	__u64 rx_bytes;
};

struct flow_rec {
	struct flow_key key;
	struct flow_value val;
	struct flow_counts cnt; /* filled by reader_flows (flow_counts_of) */
};

/* Every flow, read in batches straight into one growing array (no second copy: the listing's
 * peak memory stays near the table's own size). Free *out with reader_flows_free. */
int reader_flows(const char *pin_dir, struct flow_rec **out, size_t *n);
void reader_flows_free(struct flow_rec *recs);
/* Every process entry. *out is malloc'd. */
int reader_procs(const char *pin_dir, struct proc_entry **out, size_t *n);
/* The global counters, summed over CPUs. */
int reader_counters(const char *pin_dir, __u64 out[FO_STAT_MAX]);
/* How full a pinned hash map is; -EOPNOTSUPP for maps that cannot be walked (socket storage). */
int reader_map_fill(const char *pin_dir, const char *name, __u32 *entries, __u32 *max_entries);
/* The same reads through a command's pin set (each pin opened once for all its reads). */
int reader_flows_pins(struct fo_pins *pins, struct flow_rec **out, size_t *n);
int reader_procs_pins(struct fo_pins *pins, struct proc_entry **out, size_t *n);
int reader_counters_pins(struct fo_pins *pins, __u64 out[FO_STAT_MAX]);
int reader_map_fill_pins(struct fo_pins *pins, const char *name, __u32 *entries,
			 __u32 *max_entries);
/* Fill F->cnt from what was read for F: the one place that knows where counters live. */
void reader_flow_counts(struct flow_rec *f);
/* The unix time, in seconds, of a CLOCK_MONOTONIC (the BPF side's clock) stamp in ns. */
double reader_unix_time(__u64 mono_ns);
/* What to add to a CLOCK_MONOTONIC stamp (ns) for unix time in ns, read once per listing. */
__s64 reader_unix_offset_ns(void);
/* Now, on CLOCK_MONOTONIC (the BPF side's clock), in ns. */
__u64 reader_mono_ns(void);

#endif
