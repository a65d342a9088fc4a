// SPDX-License-Identifier: GPL-2.0
/* flowrows.c — flows and processes as typed rows, shared by flows, procs, top, metrics and watch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "attach.h"
#include "cgname.h"
#include "cli.h"
#include "flowrows.h"
#include "netns.h"
#include "output.h"
#include "pin_names.h"
#include "pins.h"

const char *source_name(int source)
{
	switch (source) {
	case FO_SRC_SOCKET: return "socket";
	case FO_SRC_LOOKUP: return "lookup";
	case FO_SRC_LISTENER: return "listener";
	case FO_SRC_SNAPSHOT: return "snapshot";
	case FO_SRC_FLOW: return "flow";
	case FO_SRC_RELATED: return "related";
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
/* Stable LSD radix sort on KEY, ascending: a full table sorts in a few passes over 12-byte
 * entries (a byte all keys share costs one counting pass), where qsort made a million calls. */
int row_keys_sort(struct row_key *s, size_t n)
{
	struct row_key *tmp, *a = s, *b;
	int shift;

	if (n < 2)
		return 0;
	tmp = NULL;
	b = NULL;
	for (shift = 0; shift < 64; shift += 8) {
		size_t count[256] = { 0 }, pos = 0, i;
		struct row_key *t;

		for (i = 0; i < n; i++)
			count[a[i].key >> shift & 0xff]++;
		if (count[a[0].key >> shift & 0xff] == n)
			continue;
		if (!tmp) { /* only once some byte differs: equal keys need no second array */
			tmp = malloc(n * sizeof(*tmp));
			if (!tmp)
				return -ENOMEM;
			b = tmp;
		}
		for (i = 0; i < 256; i++) {
			size_t c = count[i];

			count[i] = pos;
			pos += c;
		}
		for (i = 0; i < n; i++)
			b[count[a[i].key >> shift & 0xff]++] = a[i];
		t = a, a = b, b = t;
	}
	if (a != s)
		memcpy(s, a, n * sizeof(*s));
	free(tmp);
	return 0;
}

static int cmp_proc(const void *a, const void *b)
{
	const struct proc_entry *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

/* The process table by pid (its key: one entry per pid), in cmp_proc's order for view_proc. */
static int procs_sort(struct proc_entry **procs, size_t n)
{
	struct proc_entry *out = NULL;
	struct row_key *k;
	size_t i;
	int err;

	k = malloc(n * sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		k[i].key = (*procs)[i].pid;
		k[i].idx = i;
	}
	err = row_keys_sort(k, n);
	if (!err) {
		out = malloc(n * sizeof(*out));
		err = out ? 0 : -ENOMEM;
	}
	if (!err) {
		for (i = 0; i < n; i++)
			out[i] = (*procs)[k[i].idx];
		free(*procs);
		*procs = out;
	}
	free(k);
	return err;
}

/* PROCS (taken over, freed with the view) is the process table when the caller has just
 * read it; NULL: read it here. */
static int view_load_with(struct fo_pins *pins, struct flow_view *v, struct proc_entry *procs,
			  size_t nprocs)
{
	int err;

	memset(v, 0, sizeof(*v));
	v->procs = procs;
	v->nprocs = nprocs;
	err = reader_flows_pins(pins, &v->flows, &v->nflows);
	if (!err && !procs)
		err = reader_procs_pins(pins, &v->procs, &v->nprocs);
	if (!err)
		err = attach_list(pins->dir, &v->att, &v->natt);
	if (!err && v->nprocs > 1)
		err = procs_sort(&v->procs, v->nprocs);
	if (err) {
		view_free(v);
		return err;
	}
	/* ICMP error rows name the flow they quote; an older pin set has no such map. */
	v->related_fd = pins_get(pins->dir, FO_PIN_RELATED); /* the view keeps it: view_free closes */
	cgroup_table_load(&v->cg); /* no cgroup v2 mount: rows just lack paths */
	v->unix_offset_ns = reader_unix_offset_ns();
	return err;
}

int view_load_pins(struct fo_pins *pins, struct flow_view *v)
{
	return view_load_with(pins, v, NULL, 0);
}

int view_load(const char *pin_dir, struct flow_view *v)
{
	struct fo_pins p;
	int err;

	fo_pins_init(&p, pin_dir);
	err = view_load_pins(&p, v);
	fo_pins_close(&p);
	return err;
}

int view_open(const char *pin_dir, unsigned long long ref, struct pidns_view *pidns,
	      struct flow_view *v)
{
	return view_open_procs(pin_dir, ref, pidns, v, NULL, 0);
}

int view_open_procs(const char *pin_dir, unsigned long long ref, struct pidns_view *pidns,
		    struct flow_view *v, struct proc_entry *procs, size_t nprocs)
{
	struct fo_pins p;
	int err;

	if (ref) {
		err = pidns_open((pid_t)ref, pidns);
		if (err) {
			free(procs);
			fo_warn("pid %llu: cannot read its pid namespace: %s", ref, strerror(-err));
			return EXIT_RUNTIME;
		}
	}
	fo_pins_init(&p, pin_dir);
	err = view_load_with(&p, v, procs, nprocs);
	fo_pins_close(&p);
	if (err) {
		fo_warn("%s: cannot read the flow and process tables: %s", pin_dir, strerror(-err));
		return EXIT_RUNTIME;
	}
	if (ref) {
		v->pidns = pidns;
		v->nobody.pidns = true;
	}
	return EXIT_OK;
}

void view_free(struct flow_view *v)
{
	reader_flows_free(v->flows);
	free(v->procs);
	free(v->att);
	cgroup_table_free(&v->cg);
	if (v->related_fd > 0)
		close(v->related_fd);
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

void view_place(const struct flow_view *v, __u32 pid, __u64 start_ns, __u64 cgroup_id,
		struct place *out)
{
	pid_t nspid;

	out->cgroup = cgroup_id ? cgroup_table_path(&v->cg, cgroup_id) : NULL;
	cgroup_names_of(out->cgroup, &out->names);
	out->pidns = v->pidns != NULL;
	out->ns_visible = false;
	out->ns_pid = 0;
	if (v->pidns && pid && !pidns_pid_of(v->pidns, (pid_t)pid, start_ns, &nspid)) {
		out->ns_visible = true;
		out->ns_pid = nspid;
	}
}

void place_json(struct jw *w, const struct place *p)
{
	jw_key(w, "cgroup");
	if (p->cgroup)
		jw_string(w, p->cgroup);
	else
		jw_null(w);
	/* Absent, not "", where there is none: CONTRACT.md. */
	if (p->names.unit[0]) {
		jw_kv_string(w, "unit", p->names.unit);
	}
	if (p->names.container[0]) {
		jw_kv_string(w, "container", p->names.container);
	}
	if (!p->pidns)
		return;
	jw_key(w, "ns_pid");
	if (p->ns_visible)
		jw_s64(w, p->ns_pid);
	else
		jw_null(w);
}

size_t place_unit_cell(const struct place *p, char *buf, size_t len)
{
	/* A container's scope unit only repeats its id at length: the id says it shorter. */
	return cell_str(buf, len, p->names.container[0] ? p->names.container
				  : p->names.unit[0] ? p->names.unit : NULL);
}

void view_row_names(json_t *row, const char *cgroup_path)
{
	struct cgroup_names n;

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

	snprintf(buf, len, "%s", c ? c : u ? u : "-");
}

const struct proc_entry *view_proc(const struct flow_view *v, __u32 pid, __u64 start_ns)
{
	struct proc_entry key = { .pid = pid, .start_ns = start_ns };

	return bsearch(&key, v->procs, v->nprocs, sizeof(*v->procs), cmp_proc);
}

const char *flow_dev_name(struct flow_view *v, const struct flow_key *k, char *buf, size_t len)
{
	size_t i;

	if (v->dev_name && v->dev_ifindex == k->ifindex && v->dev_cookie == k->netns_cookie)
		return v->dev_name;
	for (i = 0; i < v->natt; i++) {
		if (v->att[i].key.ifindex == k->ifindex &&
		    v->att[i].val.netns_cookie == k->netns_cookie) {
			v->dev_ifindex = k->ifindex;
			v->dev_cookie = k->netns_cookie;
			v->dev_name = v->att[i].val.dev;
			return v->dev_name;
		}
	}
	snprintf(buf, len, "if%u", k->ifindex);
	return buf;
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

void flow_ident_fill(struct flow_view *v, const struct flow_key *k, struct flow_ident *id)
{
	id->proto = proto_name(k->proto, id->pbuf, sizeof(id->pbuf));
	id->family = k->family;
	fmt_addr(k->family, k->local, id->local, sizeof(id->local));
	fmt_addr(k->family, k->remote, id->remote, sizeof(id->remote));
	id->local_port = k->local_port;
	id->remote_port = k->remote_port;
	id->dev = flow_dev_name(v, k, id->devbuf, sizeof(id->devbuf));
	id->ifindex = k->ifindex;
	id->netns_cookie = k->netns_cookie;
}

/* local, local_port, remote, remote_port: a flow's ends, or those of the flow it relates to. */
static void ends_json(struct jw *w, const char *local, __u16 lport, const char *remote, __u16 rport)
{
	jw_kv_string(w, "local", local);
	jw_kv_u64(w, "local_port", lport);
	jw_kv_string(w, "remote", remote);
	jw_kv_u64(w, "remote_port", rport);
}

void owner_json(struct jw *w, __u64 pid, const char *comm, __u64 uid, __u64 cgroup_id)
{
	jw_kv_u64(w, "pid", pid);
	jw_kv_string(w, "comm", comm);
	jw_kv_u64(w, "uid", uid);
	jw_kv_u64(w, "cgroup_id", cgroup_id);
}

void counts_json(struct jw *w, const struct flow_counts *c)
{
	jw_kv_u64(w, "tx_packets", c->tx_packets);
	jw_kv_u64(w, "tx_bytes", c->tx_bytes);
	jw_kv_u64(w, "rx_packets", c->rx_packets);
	jw_kv_u64(w, "rx_bytes", c->rx_bytes);
}

void flow_ident_json(struct jw *w, const struct flow_ident *id)
{
	jw_kv_string(w, "proto", id->proto);
	jw_kv_u64(w, "family", id->family);
	ends_json(w, id->local, id->local_port, id->remote, id->remote_port);
	jw_kv_string(w, "dev", id->dev);
	jw_kv_u64(w, "ifindex", id->ifindex);
	jw_kv_u64(w, "netns_cookie", id->netns_cookie);
}

/* The owner's name, state and place, through the memo of the last owner resolved. */
static const struct owner_memo *owner_of(struct flow_view *v, const struct owner *o)
{
	struct owner_memo *m = &v->memo;

	if (m->valid && !memcmp(&m->key, o, sizeof(*o)))
		return m;
	m->key = *o;
	/* The owner as the flow's latest packets saw it: the classifier refreshes the name, uid
	 * and cgroup from the pid table (owner TTL), so a rename or exec shows in a flow that
	 * carried packets after it, and a flow idle since keeps the name it had. */
	comm_text(o->comm, FO_COMM_LEN, m->comm, sizeof(m->comm));
	m->exited = view_owner_exited(v, o->pid, o->start_ns);
	view_place(v, o->pid, o->start_ns, o->cgroup_id, &m->place);
	m->valid = true;
	return m;
}

const char *flow_comm(struct flow_view *v, const struct flow_rec *f)
{
	return f->val.source == FO_SRC_NONE ? "" : owner_of(v, &f->val.owner)->comm;
}

void flow_row_fill(struct flow_view *v, const struct flow_rec *f, struct flow_row *r)
{
	const struct flow_value *fv = &f->val;
	struct flow_key q;

	r->f = f;
	flow_ident_fill(v, &f->key, &r->id);
	r->owned = fv->source != FO_SRC_NONE;
	if (r->owned) {
		const struct owner_memo *m = owner_of(v, &fv->owner);

		r->pid = fv->owner.pid;
		r->uid = fv->owner.uid;
		r->cgroup_id = fv->owner.cgroup_id;
		r->comm = m->comm;
		r->owner_exited = m->exited;
		r->place = &m->place;
		r->reason = NULL;
	} else {
		r->pid = r->uid = 0;
		r->cgroup_id = 0;
		r->comm = "";
		r->owner_exited = false;
		r->place = &v->nobody;
		r->reason = reason_name(fv->reason);
	}
	r->cnt = f->cnt;
	r->source = source_name(fv->source);
	/* An ICMP error row: the flow it quotes, as fo_related recorded it. */
	r->related = f->key.quoted_proto && v->related_fd > 0 &&
		     !bpf_map_lookup_elem(v->related_fd, &f->key, &q);
	if (r->related) {
		r->rel_proto = proto_name(q.proto, r->rel_pbuf, sizeof(r->rel_pbuf));
		fmt_addr(q.family, q.local, r->rel_local, sizeof(r->rel_local));
		fmt_addr(q.family, q.remote, r->rel_remote, sizeof(r->rel_remote));
		r->rel_local_port = q.local_port;
		r->rel_remote_port = q.remote_port;
	}
	r->mark = fv->verdict & FO_ACT_MARK ? fv->mark : 0;
	r->has_priority = (fv->verdict & FO_ACT_PRIORITY) != 0;
	if (r->has_priority)
		snprintf(r->priority, sizeof(r->priority), "%x:%x", fv->priority >> 16,
			 fv->priority & 0xffff);
	r->dropped = (fv->verdict & FO_ACT_DROP) != 0;
	r->has_rule = fv->rule_id != 0;
	r->rule = fv->rule_id & ~FO_RULE_BANK; /* the id, whichever bank holds it */
	r->closed = fv->closed == 3;
	r->first_unix_ns = fv->first_ns + v->unix_offset_ns;
	r->last_unix_ns = fv->last_ns + v->unix_offset_ns;
}

void flow_row_json(struct jw *w, const struct flow_row *r)
{
	jw_start_object(w);
	flow_ident_json(w, &r->id);
	owner_json(w, r->pid, r->comm, r->uid, r->cgroup_id);
	if (r->owned) {
		jw_kv_bool(w, "owner_exited", r->owner_exited);
	}
	place_json(w, r->place);
	counts_json(w, &r->cnt);
	jw_kv_string(w, "owner_source", r->source);
	if (r->reason) {
		jw_kv_string(w, "unattributed_reason", r->reason);
	}
	if (r->related) {
		jw_key(w, "related_to");
		jw_start_object(w);
		jw_kv_string(w, "proto", r->rel_proto);
		ends_json(w, r->rel_local, r->rel_local_port, r->rel_remote, r->rel_remote_port);
		jw_end_object(w);
	}
	jw_kv_u64(w, "mark", r->mark);
	if (r->has_priority) {
		jw_kv_string(w, "priority", r->priority);
	}
	jw_kv_bool(w, "dropped", r->dropped);
	if (r->has_rule) {
		jw_kv_u64(w, "rule", r->rule);
	}
	jw_kv_bool(w, "closed", r->closed);
	jw_key(w, "first_seen");
	jw_unix_ns(w, r->first_unix_ns);
	jw_key(w, "last_seen");
	jw_unix_ns(w, r->last_unix_ns);
	jw_end_object(w);
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

	if (!flt)
		return true;
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

