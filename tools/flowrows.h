/* SPDX-License-Identifier: GPL-2.0 */
/* flowrows.h — flows and processes as JSON rows, shared by flows, procs and top. */
#ifndef FO_FLOWROWS_H
#define FO_FLOWROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "attach.h"
#include "cgroup.h"
#include "cli.h"
#include "pidns.h"
#include "reader.h"

struct flow_view {
	struct flow_rec *flows;
	size_t nflows;
	struct proc_entry *procs;
	size_t nprocs;
	struct attach_rec *att;
	size_t natt;
	struct cgroup_table cg;         /* cgroup id -> path, read once per listing */
	const struct pidns_view *pidns; /* --pidns: rows add ns_pid; NULL otherwise */
};

/* Read flows, processes and attachments once, for one consistent listing. */
int view_load(const char *pin_dir, struct flow_view *v);
/* view_load for a command: with --pidns REF (0: none) its namespace opened into PIDNS, and
 * the user told what went wrong. Returns an exit code. */
int view_open(const char *pin_dir, unsigned long long ref, struct pidns_view *pidns,
	      struct flow_view *v);
void view_free(struct flow_view *v);
/* The process entry for (pid, start), or NULL. */
const struct proc_entry *view_proc(const struct flow_view *v, __u32 pid, __u64 start_ns);
/* Whether the owner (pid, start) is gone: marked exited, or its pid now names another process. */
bool view_owner_exited(const struct flow_view *v, __u32 pid, __u64 start_ns);
/* Add "cgroup" (path), "unit" and "container" and, with --pidns, "ns_pid" (null when not visible there) to ROW. */
void view_row_container(const struct flow_view *v, json_t *row, __u32 pid, __u64 start_ns,
			__u64 cgroup_id);
/* Add "unit" and "container" (each only where the path names one) from CGROUP_PATH (may be NULL). */
void view_row_names(json_t *row, const char *cgroup_path);
/* Table cell: the row's container id, else its unit, else "-". */
void col_unit_or_container(json_t *row, char *buf, size_t len);
/* One flow as the JSON object flows -j prints (see CONTRACT.md). */
json_t *flow_row(const struct flow_view *v, const struct flow_rec *f);
/* Which device name a flow was seen on. */
void flow_dev(const struct flow_view *v, const struct flow_key *k, char *buf, size_t len);
/* Which flows a listing keeps: -n NETNS (by the device's namespace cookie) and --dev DEV. */
struct view_filter {
	bool by_netns;
	__u64 netns_cookie;
	const char *dev; /* NULL: every device */
};

/* Fill F from -n (cli->netns) and DEV; reports its own error, returns 0 or an exit code. */
int view_filter_init(const struct cli *cli, const char *dev, struct view_filter *f);
bool view_flow_selected(const struct flow_view *v, const struct flow_rec *f,
			const struct view_filter *flt);

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

/* Sums sorted by (pid, start_ns[, netns_cookie, ifindex]). *out is malloc'd. */
int view_sum_procs(const struct flow_view *v, const struct view_filter *flt, bool per_dev,
		   struct proc_sum **out, size_t *n);
/* The attachment record's namespace name for a device ("" for the one attach ran in). */
const char *flow_netns_name(const struct flow_view *v, __u32 ifindex, __u64 netns_cookie);
const char *source_name(int source);
const char *reason_name(int reason);

#endif
