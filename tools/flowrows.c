// SPDX-License-Identifier: GPL-2.0
/* flowrows.c — flows and processes as JSON rows, shared by flows, procs and top. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "flowrows.h"
#include "output.h"

const char *source_name(int source)
{
	switch (source) {
	case FO_SRC_SOCKET: return "socket";
	case FO_SRC_LOOKUP: return "lookup";
	case FO_SRC_LISTENER: return "listener";
	case FO_SRC_SNAPSHOT: return "snapshot";
	case FO_SRC_FLOW: return "flow";
	}
	return "none";
}

const char *reason_name(int reason)
{
	switch (reason) {
	case FO_WHY_FORWARDED: return "forwarded";
	case FO_WHY_KERNEL: return "kernel";
	case FO_WHY_NO_SOCKET: return "no_socket";
	case FO_WHY_NO_OWNER: return "no_owner";
	case FO_WHY_FRAGMENT: return "fragment";
	case FO_WHY_UNPARSED: return "unparsed";
	case FO_WHY_NON_IP: return "non_ip";
	}
	return "unknown";
}

int view_load(const char *pin_dir, struct flow_view *v)
{
	int err;

	memset(v, 0, sizeof(*v));
	err = reader_flows(pin_dir, &v->flows, &v->nflows);
	if (!err)
		err = reader_procs(pin_dir, &v->procs, &v->nprocs);
	if (!err)
		err = attach_list(pin_dir, &v->att, &v->natt);
	if (err)
		view_free(v);
	return err;
}

void view_free(struct flow_view *v)
{
	free(v->flows);
	free(v->procs);
	free(v->att);
	memset(v, 0, sizeof(*v));
}

const struct proc_entry *view_proc(const struct flow_view *v, __u32 pid, __u64 start_ns)
{
	size_t i;

	for (i = 0; i < v->nprocs; i++)
		if (v->procs[i].pid == pid && v->procs[i].start_ns == start_ns)
			return &v->procs[i];
	return NULL;
}

void flow_dev(const struct flow_view *v, const struct flow_key *k, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < v->natt; i++) {
		if (v->att[i].key.ifindex == k->ifindex &&
		    v->att[i].val.netns_cookie == k->netns_cookie) {
			snprintf(buf, len, "%s", v->att[i].val.dev);
			return;
		}
	}
	snprintf(buf, len, "if%u", k->ifindex);
}

json_t *flow_row(const struct flow_view *v, const struct flow_rec *f)
{
	const struct flow_key *k = &f->key;
	const struct flow_value *fv = &f->val;
	const struct proc_entry *pe = NULL;
	char local[64], remote[64], dev[32], comm[80], pbuf[8];
	json_t *row;

	fmt_addr(k->family, k->local, local, sizeof(local));
	fmt_addr(k->family, k->remote, remote, sizeof(remote));
	flow_dev(v, k, dev, sizeof(dev));
	if (fv->source != FO_SRC_NONE)
		pe = view_proc(v, fv->owner.pid, fv->owner.start_ns);
	/* The table knows the name a live process has now (rename, exec); the flow keeps the
	 * one it had when last seen, for processes that are gone. */
	comm_text(pe ? pe->comm : fv->owner.comm, FO_COMM_LEN, comm, sizeof(comm));

	row = json_object();
	json_object_set_new(row, "proto", json_string(proto_name(k->proto, pbuf, sizeof(pbuf))));
	json_object_set_new(row, "family", json_integer(k->family));
	json_object_set_new(row, "local", json_string(local));
	json_object_set_new(row, "local_port", json_integer(k->local_port));
	json_object_set_new(row, "remote", json_string(remote));
	json_object_set_new(row, "remote_port", json_integer(k->remote_port));
	json_object_set_new(row, "dev", json_string(dev));
	json_object_set_new(row, "ifindex", json_integer(k->ifindex));
	json_object_set_new(row, "netns_cookie", json_integer((json_int_t)k->netns_cookie));
	if (fv->source == FO_SRC_NONE) {
		json_object_set_new(row, "pid", json_integer(0));
		json_object_set_new(row, "comm", json_string(""));
		json_object_set_new(row, "uid", json_integer(0));
		json_object_set_new(row, "cgroup_id", json_integer(0));
	} else {
		json_object_set_new(row, "pid", json_integer(fv->owner.pid));
		json_object_set_new(row, "comm", json_string(comm));
		json_object_set_new(row, "uid", json_integer(pe ? pe->uid : fv->owner.uid));
		json_object_set_new(row, "cgroup_id",
				    json_integer((json_int_t)(pe ? pe->cgroup_id : fv->owner.cgroup_id)));
		json_object_set_new(row, "owner_exited",
				    json_boolean(pe ? (pe->flags & FO_PROC_EXITED) != 0 : false));
	}
	json_object_set_new(row, "tx_packets", json_integer((json_int_t)fv->tx_packets));
	json_object_set_new(row, "tx_bytes", json_integer((json_int_t)fv->tx_bytes));
	json_object_set_new(row, "rx_packets", json_integer((json_int_t)fv->rx_packets));
	json_object_set_new(row, "rx_bytes", json_integer((json_int_t)fv->rx_bytes));
	json_object_set_new(row, "owner_source", json_string(source_name(fv->source)));
	if (fv->source == FO_SRC_NONE)
		json_object_set_new(row, "unattributed_reason", json_string(reason_name(fv->reason)));
	json_object_set_new(row, "mark", json_integer(fv->verdict & FO_ACT_MARK ? fv->mark : 0));
	if (fv->verdict & FO_ACT_PRIORITY) {
		char prio[16];

		snprintf(prio, sizeof(prio), "%x:%x", fv->priority >> 16, fv->priority & 0xffff);
		json_object_set_new(row, "priority", json_string(prio));
	}
	json_object_set_new(row, "dropped", json_boolean((fv->verdict & FO_ACT_DROP) != 0));
	if (fv->rule_id)
		json_object_set_new(row, "rule", json_integer(fv->rule_id));
	json_object_set_new(row, "closed", json_boolean(fv->closed == 3));
	json_object_set_new(row, "first_seen", json_real(reader_unix_time(fv->first_ns)));
	json_object_set_new(row, "last_seen", json_real(reader_unix_time(fv->last_ns)));
	return row;
}
