// SPDX-License-Identifier: GPL-2.0
/* flowrows.c — flows and processes as JSON rows, shared by flows, procs and top. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "cgname.h"
#include "cli.h"
#include "flowrows.h"
#include "netns.h"
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

/* Processes sorted by (pid, start time): owners are found by binary search, so listings
 * stay O(n log n) at tens of thousands of flows and processes. */
static int cmp_proc(const void *a, const void *b)
{
	const struct proc_entry *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
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
	if (err) {
		view_free(v);
		return err;
	}
	qsort(v->procs, v->nprocs, sizeof(*v->procs), cmp_proc);
	cgroup_table_load(&v->cg); /* no cgroup v2 mount: rows just lack paths */
	return err;
}

int view_open(const char *pin_dir, unsigned long long ref, struct pidns_view *pidns,
	      struct flow_view *v)
{
	int err;

	if (ref) {
		err = pidns_open((pid_t)ref, pidns);
		if (err) {
			fo_warn("pid %llu: cannot read its pid namespace: %s", ref, strerror(-err));
			return EXIT_RUNTIME;
		}
	}
	err = view_load(pin_dir, v);
	if (err) {
		fo_warn("%s: cannot read the flow and process tables: %s", pin_dir, strerror(-err));
		return EXIT_RUNTIME;
	}
	if (ref)
		v->pidns = pidns;
	return EXIT_OK;
}

void view_free(struct flow_view *v)
{
	free(v->flows);
	free(v->procs);
	free(v->att);
	cgroup_table_free(&v->cg);
	memset(v, 0, sizeof(*v));
}

bool view_owner_exited(const struct flow_view *v, __u32 pid, __u64 start_ns)
{
	const struct proc_entry *pe = view_proc(v, pid, start_ns);
	struct proc_entry any = { .pid = pid };
	size_t lo = 0, hi = v->nprocs;

	if (pe)
		return (pe->flags & FO_PROC_EXITED) != 0;
	/* The pid belongs to a process with another start time: the owner is gone. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->procs[mid].pid < any.pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->nprocs && v->procs[lo].pid == pid;
}

void view_row_names(json_t *row, const char *cgroup_path)
{
	struct cgroup_names n;

	/* Absent, not "", where there is none: CONTRACT.md. */
	cgroup_names_of(cgroup_path, &n);
	if (n.unit[0])
		json_object_set_new(row, "unit", json_string(n.unit));
	if (n.container[0])
		json_object_set_new(row, "container", json_string(n.container));
}

void col_unit_or_container(json_t *row, char *buf, size_t len)
{
	const char *c = json_string_value(json_object_get(row, "container"));
	const char *u = json_string_value(json_object_get(row, "unit"));

	/* A container's scope unit only repeats its id at length: the id says it shorter. */
	snprintf(buf, len, "%s", c ? c : u ? u : "-");
}

void view_row_container(const struct flow_view *v, json_t *row, __u32 pid, __u64 start_ns,
			__u64 cgroup_id)
{
	const char *path = cgroup_id ? cgroup_table_path(&v->cg, cgroup_id) : NULL;
	pid_t nspid;

	json_object_set_new(row, "cgroup", path ? json_string(path) : json_null());
	view_row_names(row, path);
	if (!v->pidns)
		return;
	if (pid && !pidns_pid_of(v->pidns, (pid_t)pid, start_ns, &nspid))
		json_object_set_new(row, "ns_pid", json_integer(nspid));
	else
		json_object_set_new(row, "ns_pid", json_null());
}

const struct proc_entry *view_proc(const struct flow_view *v, __u32 pid, __u64 start_ns)
{
	struct proc_entry key = { .pid = pid, .start_ns = start_ns };

	return bsearch(&key, v->procs, v->nprocs, sizeof(*v->procs), cmp_proc);
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
	char local[64], remote[64], dev[32], comm[80], pbuf[8];
	json_t *row;

	fmt_addr(k->family, k->local, local, sizeof(local));
	fmt_addr(k->family, k->remote, remote, sizeof(remote));
	flow_dev(v, k, dev, sizeof(dev));
	/* The owner as the flow's latest packets saw it: the classifier refreshes the name, uid
	 * and cgroup from the pid table (owner TTL), so a rename or exec shows in a flow that
	 * carried packets after it, and a flow idle since keeps the name it had. */
	comm_text(fv->owner.comm, FO_COMM_LEN, comm, sizeof(comm));

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
		json_object_set_new(row, "uid", json_integer(fv->owner.uid));
		json_object_set_new(row, "cgroup_id", json_integer((json_int_t)fv->owner.cgroup_id));
		json_object_set_new(row, "owner_exited",
				    json_boolean(view_owner_exited(v, fv->owner.pid, fv->owner.start_ns)));
	}
	view_row_container(v, row, fv->source == FO_SRC_NONE ? 0 : fv->owner.pid,
			   fv->owner.start_ns, fv->source == FO_SRC_NONE ? 0 : fv->owner.cgroup_id);
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
		json_object_set_new(row, "rule", json_integer(fv->rule_id & ~FO_RULE_BANK));
	json_object_set_new(row, "closed", json_boolean(fv->closed == 3));
	json_object_set_new(row, "first_seen", json_real(reader_unix_time(fv->first_ns)));
	json_object_set_new(row, "last_seen", json_real(reader_unix_time(fv->last_ns)));
	return row;
}

int view_filter_init(const struct cli *cli, const char *dev, struct view_filter *f)
{
	int err;

	memset(f, 0, sizeof(*f));
	f->dev = dev;
	if (!cli->netns)
		return EXIT_OK;
	err = netns_cookie(cli->netns, &f->netns_cookie);
	if (err) {
		fo_warn("%s: %s", cli->netns,
			err == -ENOENT ? "no such network namespace" : strerror(-err));
		return EXIT_RUNTIME;
	}
	f->by_netns = true;
	return EXIT_OK;
}

bool view_flow_selected(const struct flow_view *v, const struct flow_rec *f,
			const struct view_filter *flt)
{
	char dev[32];

	if (flt->by_netns && f->key.netns_cookie != flt->netns_cookie)
		return false;
	if (flt->dev) {
		flow_dev(v, &f->key, dev, sizeof(dev));
		if (strcmp(dev, flt->dev))
			return false;
	}
	return true;
}

const char *flow_netns_name(const struct flow_view *v, __u32 ifindex, __u64 netns_cookie)
{
	size_t i;

	for (i = 0; i < v->natt; i++)
		if (v->att[i].key.ifindex == ifindex && v->att[i].val.netns_cookie == netns_cookie)
			return v->att[i].val.netns;
	return "";
}

static int cmp_sum(const void *a, const void *b)
{
	const struct proc_sum *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	if (x->netns_cookie != y->netns_cookie)
		return x->netns_cookie < y->netns_cookie ? -1 : 1;
	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

int view_sum_procs(const struct flow_view *v, const struct view_filter *flt, bool per_dev,
		   struct proc_sum **out, size_t *n)
{
	struct proc_sum *s;
	size_t i, k = 0;

	/* One entry per selected flow, sorted, then runs of equal keys are merged in place:
	 * n log n, where a search per flow would be quadratic on a full table. */
	s = calloc(v->nflows ? v->nflows : 1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (i = 0; i < v->nflows; i++) {
		const struct flow_rec *f = &v->flows[i];
		const struct flow_value *fv = &f->val;
		struct proc_sum *p = &s[k];

		if (!view_flow_selected(v, f, flt))
			continue;
		if (fv->source != FO_SRC_NONE) {
			const struct proc_entry *pe = view_proc(v, fv->owner.pid, fv->owner.start_ns);

			/* Name, uid and cgroup as flows shows them: the flow's owner record,
			 * which the classifier refreshes from the pid table. */
			p->pid = fv->owner.pid;
			p->start_ns = fv->owner.start_ns;
			p->uid = fv->owner.uid;
			p->cgroup_id = fv->owner.cgroup_id;
			p->exited = pe ? (pe->flags & FO_PROC_EXITED) != 0 : false;
			comm_text(fv->owner.comm, FO_COMM_LEN, p->comm, sizeof(p->comm));
		}
		p->last_ns = fv->last_ns;
		if (per_dev) {
			p->ifindex = f->key.ifindex;
			p->netns_cookie = f->key.netns_cookie;
		}
		p->tx_packets = fv->tx_packets;
		p->tx_bytes = fv->tx_bytes;
		p->rx_packets = fv->rx_packets;
		p->rx_bytes = fv->rx_bytes;
		p->flows = 1;
		k++;
	}
	qsort(s, k, sizeof(*s), cmp_sum);
	if (k) {
		size_t w = 0;

		for (i = 1; i < k; i++) {
			if (!cmp_sum(&s[w], &s[i])) {
				s[w].tx_packets += s[i].tx_packets;
				s[w].tx_bytes += s[i].tx_bytes;
				s[w].rx_packets += s[i].rx_packets;
				s[w].rx_bytes += s[i].rx_bytes;
				s[w].flows += s[i].flows;
				if (s[i].last_ns > s[w].last_ns) {
					/* A rename shows as the most recently active flow saw it. */
					s[w].last_ns = s[i].last_ns;
					s[w].uid = s[i].uid;
					s[w].cgroup_id = s[i].cgroup_id;
					memcpy(s[w].comm, s[i].comm, sizeof(s[w].comm));
				}
			} else {
				s[++w] = s[i];
			}
		}
		k = w + 1;
	}
	*out = s;
	*n = k;
	return 0;
}
