// SPDX-License-Identifier: GPL-2.0
/* cmd_procs.c — `flowowner procs`: the pid/comm table the classifier consults. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "flowrows.h"
#include "output.h"
#include "pins.h"
#include "procsum.h"
#include "snapshot.h"

/* One process as both printers see it. */
struct proc_row {
	const struct proc_entry *p;
	char comm[80];
	struct place place;
	__u64 tx_bytes, rx_bytes, flows;
};

struct listing {
	struct flow_view *v;
	const struct proc_sum *sums; /* sorted by (pid, start_ns), as v->procs is */
	size_t nsums;
	size_t next_sum;             /* merge position: rows are asked for in order */
	size_t last_row;             /* the row asked for last */
	struct proc_row row;
};

static const void *listing_row(void *ctx, size_t i)
{
	struct listing *l = ctx;
	const struct proc_entry *p = &l->v->procs[i];
	struct proc_row *r = &l->row;
	const struct proc_sum *s = NULL;

	/* Both lists are sorted the same way: a merge, restarted when the table printer's
	 * second pass goes back (to the first row it did not keep). */
	if (!i || i < l->last_row)
		l->next_sum = 0;
	l->last_row = i;
	while (l->next_sum < l->nsums &&
	       (l->sums[l->next_sum].pid < p->pid ||
		(l->sums[l->next_sum].pid == p->pid && l->sums[l->next_sum].start_ns < p->start_ns)))
		l->next_sum++;
	if (l->next_sum < l->nsums && l->sums[l->next_sum].pid == p->pid &&
	    l->sums[l->next_sum].start_ns == p->start_ns)
		s = &l->sums[l->next_sum];
	if (s && !s->pid) /* the unattributed total is nobody's */
		s = NULL;
	r->p = p;
	comm_text(p->comm, FO_COMM_LEN, r->comm, sizeof(r->comm));
	view_place(l->v, p->pid, p->start_ns, p->cgroup_id, &r->place);
	r->tx_bytes = s ? s->tx_bytes : 0;
	r->rx_bytes = s ? s->rx_bytes : 0;
	r->flows = s ? s->flows : 0;
	return r;
}

static void proc_row_json(struct jw *w, const void *row)
{
	const struct proc_row *r = row;
	const struct proc_entry *p = r->p;
	bool exited = p->flags & FO_PROC_EXITED;

	jw_start_object(w);
	owner_json(w, p->pid, r->comm, p->uid, p->cgroup_id);
	jw_kv_u64(w, "ppid", p->ppid);
	place_json(w, &r->place);
	jw_kv_u64(w, "threads", p->threads);
	jw_kv_u64(w, "tx_bytes", r->tx_bytes);
	jw_kv_u64(w, "rx_bytes", r->rx_bytes);
	jw_kv_u64(w, "flows", r->flows);
	jw_kv_u64(w, "start_ns", p->start_ns);
	jw_kv_bool(w, "exited", exited);
	jw_kv_string(w, "state", exited ? "exited" : "alive");
	jw_end_object(w);
}

#define ROW(r) ((const struct proc_row *)(r))

/* With --pidns the pid as that namespace sees it, "-" where it cannot see the process. */
static size_t c_pid(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	if (ROW(r)->place.pidns)
		return ROW(r)->place.ns_visible ? cell_u64(buf, len, ROW(r)->place.ns_pid)
						: cell_str(buf, len, NULL);
	return cell_u64(buf, len, ROW(r)->p->pid);
}

static size_t c_ppid(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_u64(buf, len, ROW(r)->p->ppid);
}

static size_t c_uid(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_u64(buf, len, ROW(r)->p->uid);
}

static size_t c_thr(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_u64(buf, len, ROW(r)->p->threads);
}

static size_t c_tx(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_bytes(buf, len, ROW(r)->tx_bytes, num);
}

static size_t c_rx(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_bytes(buf, len, ROW(r)->rx_bytes, num);
}

static size_t c_flows(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_u64(buf, len, ROW(r)->flows);
}

static size_t c_state(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_str(buf, len, ROW(r)->p->flags & FO_PROC_EXITED ? "exited" : "alive");
}

static size_t c_comm(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_str(buf, len, ROW(r)->comm);
}

static size_t c_cgroup(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_str(buf, len, ROW(r)->place.cgroup);
}

static size_t c_unit(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return place_unit_cell(&ROW(r)->place, buf, len);
}

static const struct tcol proc_cols[] = {
	{ "Pid", false, c_pid, NULL },
	{ "PPid", true, c_ppid, NULL },
	{ "Uid", true, c_uid, NULL },
	{ "Thr", true, c_thr, NULL },
	{ "TxBytes", true, c_tx, NULL },
	{ "RxBytes", true, c_rx, NULL },
	{ "Flows", true, c_flows, NULL },
	{ "State", false, c_state, NULL },
	{ "Comm", false, c_comm, NULL },
	{ "Unit/Container", false, c_unit, NULL },
	{ "Cgroup", false, c_cgroup, NULL },
};

int cmd_procs(struct cli *cli, int argc, char **argv)
{
	unsigned long long pidns_ref = 0;
	bool refresh = false;
	const struct opt opts[] = {
		{ .name = "refresh", .kind = OPT_FLAG, .dest = &refresh },
		{ .name = "pidns", .kind = OPT_U64, .dest = &pidns_ref, .what = "not a process id",
		  .min = 1, .max = 0x7fffffff },
		{ .name = NULL },
	};
	const struct cmd_opts co = { .opts = opts, .needs_loaded = true };
	struct snapshot_args snap = {};
	struct pidns_view pidns;
	struct listing l = {};
	struct flow_view v;
	struct proc_entry *procs = NULL; /* with --refresh: the table the walk left */
	struct proc_sum *sums = NULL;
	size_t nsums = 0, nprocs = 0;
	int err, ret, lock_fd = -1;

	ret = cli_parse(cli, "procs", &co, argc, argv);
	if (ret)
		return ret;
	if (refresh) {
		err = pins_lock(cli->pin_dir, &lock_fd);
		if (!err)
			err = snapshot_procs_read(cli->pin_dir, &snap, &procs, &nprocs);
		pins_unlock(lock_fd);
		if (err) {
			fo_warn("%s: task-iterator snapshot failed: %s", cli->pin_dir, strerror(-err));
			return EXIT_RUNTIME;
		}
		fo_info(cli, "snapshot: %u processes, %u threads", snap.processes, snap.threads);
	}
	ret = view_open_procs(cli->pin_dir, pidns_ref, &pidns, &v, procs, nprocs);
	if (ret)
		return ret;
	err = view_sum_procs(&v, NULL, false, &sums, &nsums);
	if (!err) {
		struct trows rows = { .n = v.nprocs, .row = listing_row, .ctx = &l };

		l.v = &v;
		l.sums = sums;
		l.nsums = nsums;
		err = rows_print(stdout, proc_cols, sizeof(proc_cols) / sizeof(proc_cols[0]), &rows,
				 proc_row_json, cli->json, cli->pretty, cli->numeric, out_colour());
	}
	ret = EXIT_OK;
	if (err) {
		fo_warn("%s: %s", err == -ENOMEM ? "procs" : "stdout", strerror(-err));
		ret = EXIT_RUNTIME;
	}
	free(sums);
	view_free(&v);
	return ret;
}
