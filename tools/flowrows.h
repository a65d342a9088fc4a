/* SPDX-License-Identifier: GPL-2.0 */
/* flowrows.h — flows and processes as typed rows, shared by flows, procs, top, metrics and watch. */
#ifndef FO_FLOWROWS_H
#define FO_FLOWROWS_H

#include <stdbool.h>
#include <stddef.h>
#include "attach.h"
#include "cgname.h"
#include "cgroup.h"
#include "cli.h"
#include "output.h"
#include "pidns.h"
#include "reader.h"

/* Where a process sits: its cgroup path (NULL when none), the unit and container that path
 * names, and with --pidns its pid there. */
struct place {
	const char *cgroup;
	struct cgroup_names names;
	bool pidns;      /* --pidns was given: rows carry ns_pid */
	bool ns_visible; /* ... and the process is visible in that namespace */
	int ns_pid;
};

/* The last owner a row resolved: flows of one process follow one another, so its name,
 * state, cgroup path, unit and namespace pid are worked out once per run of flows. */
struct owner_memo {
	bool valid;
	struct owner key;
	char comm[80];
	bool exited;
	struct place place;
};

struct flow_view {
	int related_fd; /* fo_related, or <= 0 when the pins have none */
	struct flow_rec *flows;
	size_t nflows;
	struct proc_entry *procs;
	size_t nprocs;
	struct attach_rec *att;
	size_t natt;
	struct cgroup_table cg;         /* cgroup id -> path, read once per listing */
	const struct pidns_view *pidns; /* --pidns: rows add ns_pid; NULL otherwise */
	__s64 unix_offset_ns;           /* CLOCK_MONOTONIC + this = unix time, for the listing */
	struct owner_memo memo;
	struct place nobody;            /* the place of an unattributed flow */
	__u32 dev_ifindex;              /* the last device flow_dev named */
	__u64 dev_cookie;
	const char *dev_name;
};

/* A row and what it sorts by: 12 bytes, as a listing's memory is counted. */
struct row_key {
	__u64 key;
	__u32 idx;
} __attribute__((packed));

/* Sort by KEY, ascending and stable. 0 or -ENOMEM. */
int row_keys_sort(struct row_key *s, size_t n);

/* Read flows, processes and attachments once, for one consistent listing. */
int view_load(const char *pin_dir, struct flow_view *v);
/* The same through a pin set the caller keeps. A set is for one reading: an fd kept across
 * an unload and a new attach would still read the old, unpinned maps (top reads anew). */
int view_load_pins(struct fo_pins *pins, struct flow_view *v);
/* view_load for a command: with --pidns REF (0: none) its namespace opened into PIDNS, and
 * the user told what went wrong. Returns an exit code. */
int view_open(const char *pin_dir, unsigned long long ref, struct pidns_view *pidns,
	      struct flow_view *v);
/* view_open with the process table PROCS (N entries, any order) the caller just read, e.g.
 * by snapshot_procs_read; the view takes it over (freed by view_free, or here on failure). */
int view_open_procs(const char *pin_dir, unsigned long long ref, struct pidns_view *pidns,
		    struct flow_view *v, struct proc_entry *procs, size_t nprocs);
void view_free(struct flow_view *v);
/* The process entry for (pid, start), or NULL. */
const struct proc_entry *view_proc(const struct flow_view *v, __u32 pid, __u64 start_ns);
/* Whether the owner (pid, start) is gone: marked exited, or its pid now names another process. */
bool view_owner_exited(const struct flow_view *v, __u32 pid, __u64 start_ns);
void view_place(const struct flow_view *v, __u32 pid, __u64 start_ns, __u64 cgroup_id,
		struct place *out);
/* "cgroup", "unit" and "container" (each only where the path names one) and, with --pidns,
 * "ns_pid" (null where the namespace cannot see the process). */
void place_json(struct jw *w, const struct place *p);
/* The table cell: the container id, else the unit, else "-". */
size_t place_unit_cell(const struct place *p, char *buf, size_t len);
/* For JSON-object rows (top): add "unit" and "container" from CGROUP_PATH (may be NULL). */
void view_row_names(json_t *row, const char *cgroup_path);
/* Table cell of such a row: its container id, else its unit, else "-". */
void col_unit_or_container(json_t *row, char *buf, size_t len);

/* A flow's identity as every listing names it: the fields flows -j and watch -j share. */
struct flow_ident {
	const char *proto;
	char pbuf[8];
	int family;
	char local[64], remote[64];
	__u16 local_port, remote_port;
	const char *dev;
	char devbuf[16];
	__u32 ifindex;
	__u64 netns_cookie;
};

void flow_ident_fill(struct flow_view *v, const struct flow_key *k, struct flow_ident *id);
/* proto, family, local, local_port, remote, remote_port, dev, ifindex, netns_cookie. */
void flow_ident_json(struct jw *w, const struct flow_ident *id);
/* pid, comm, uid, cgroup_id: a flow's or an event's owner, in the order flows -j and watch -j give. */
void owner_json(struct jw *w, __u64 pid, const char *comm, __u64 uid, __u64 cgroup_id);
/* tx_packets, tx_bytes, rx_packets, rx_bytes. */
void counts_json(struct jw *w, const struct flow_counts *c);

/* One flow as both printers see it (fields in CONTRACT.md). Strings point into the view or
 * the row: valid until the next flow_row_fill on the same view. */
struct flow_row {
	const struct flow_rec *f;
	struct flow_ident id;
	bool owned;
	__u32 pid, uid;
	__u64 cgroup_id;
	const char *comm; /* "" when unattributed */
	bool owner_exited;
	const struct place *place;
	struct flow_counts cnt;
	const char *source;
	const char *reason; /* NULL when owned */
	bool related;       /* an ICMP error row: related_to names the flow it quotes */
	const char *rel_proto;
	char rel_pbuf[8], rel_local[64], rel_remote[64];
	__u16 rel_local_port, rel_remote_port;
	__u32 mark;
	bool has_priority;
	char priority[16];
	bool dropped;
	bool has_rule;
	__u16 rule;
	bool closed;
	__u64 first_unix_ns, last_unix_ns;
};

void flow_row_fill(struct flow_view *v, const struct flow_rec *f, struct flow_row *r);
/* The row as the JSON object flows -j prints. */
void flow_row_json(struct jw *w, const struct flow_row *r);
/* The owner's printable name as flows shows it ("" when unattributed), through the memo. */
const char *flow_comm(struct flow_view *v, const struct flow_rec *f);
/* Which device name a flow was seen on. */
void flow_dev(const struct flow_view *v, const struct flow_key *k, char *buf, size_t len);
/* The same, as a pointer: the attachment's name, or BUF ("ifN"). */
const char *flow_dev_name(struct flow_view *v, const struct flow_key *k, char *buf, size_t len);
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

/* The attachment record's namespace name for a device ("" for the one attach ran in). */
const char *flow_netns_name(const struct flow_view *v, __u32 ifindex, __u64 netns_cookie);
const char *source_name(int source);
const char *reason_name(int reason);

#endif
