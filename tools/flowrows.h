/* SPDX-License-Identifier: GPL-2.0 */
/* flowrows.h — flows and processes as JSON rows, shared by flows, procs and top. */
#ifndef FO_FLOWROWS_H
#define FO_FLOWROWS_H

#include <stddef.h>
#include <jansson.h>
#include "attach.h"
#include "reader.h"

struct flow_view {
	struct flow_rec *flows;
	size_t nflows;
	struct proc_entry *procs;
	size_t nprocs;
	struct attach_rec *att;
	size_t natt;
};

/* Read flows, processes and attachments once, for one consistent listing. */
int view_load(const char *pin_dir, struct flow_view *v);
void view_free(struct flow_view *v);
/* The process entry for (pid, start), or NULL. */
const struct proc_entry *view_proc(const struct flow_view *v, __u32 pid, __u64 start_ns);
/* One flow as the JSON object flows -j prints (see CONTRACT.md). */
json_t *flow_row(const struct flow_view *v, const struct flow_rec *f);
/* Which device name a flow was seen on. */
void flow_dev(const struct flow_view *v, const struct flow_key *k, char *buf, size_t len);
const char *source_name(int source);
const char *reason_name(int reason);

#endif
