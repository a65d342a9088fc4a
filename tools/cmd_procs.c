// SPDX-License-Identifier: GPL-2.0
/* cmd_procs.c — `flowowner procs`: the pid/comm table the classifier consults. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "flowrows.h"
#include "output.h"
#include "pins.h"
#include "snapshot.h"

/* One process's share of the flows. */
struct proc_total {
	__u64 tx, rx, flows;
};

static void col_cgroup(json_t *row, char *buf, size_t len)
{
	const char *path = json_string_value(json_object_get(row, "cgroup"));

	snprintf(buf, len, "%s", path ? path : "-");
}

/* With --pidns the pid as that namespace sees it, "-" where it cannot see the process. */
static void col_pid(json_t *row, char *buf, size_t len)
{
	json_t *ns = json_object_get(row, "ns_pid");
	json_t *pid = ns ? ns : json_object_get(row, "pid");

	if (json_is_integer(pid))
		snprintf(buf, len, "%lld", (long long)json_integer_value(pid));
	else
		snprintf(buf, len, "-");
}

static const struct column proc_cols[] = {
	{ "Pid", NULL, COL_CUSTOM, col_pid },
	{ "PPid", "ppid", COL_NUM, NULL },
	{ "Uid", "uid", COL_NUM, NULL },
	{ "Thr", "threads", COL_NUM, NULL },
	{ "TxBytes", "tx_bytes", COL_BYTES, NULL },
	{ "RxBytes", "rx_bytes", COL_BYTES, NULL },
	{ "Flows", "flows", COL_NUM, NULL },
	{ "State", "state", COL_STR, NULL },
	{ "Comm", "comm", COL_STR, NULL },
	{ "Unit/Container", NULL, COL_CUSTOM, col_unit_or_container },
	{ "Cgroup", NULL, COL_CUSTOM, col_cgroup },
};

int cmd_procs(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "refresh", no_argument, NULL, 'r' },
		{ "pidns", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	struct snapshot_args snap = {};
	unsigned long long pidns_ref = 0;
	struct pidns_view pidns;
	struct flow_view v;
	struct proc_total *sums;
	bool refresh = false;
	json_t *rows;
	size_t i, j;
	int opt, err, ret, lock_fd = -1;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'r': refresh = true; break;
		case 'N':
			if (parse_u64(optarg, 0x7fffffff, &pidns_ref) || !pidns_ref)
				return fo_usage("procs", "--pidns %s: not a process id", optarg);
			break;
		default:
			return fo_usage("procs", "%s: unknown option", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return fo_usage("procs", "%s: unexpected argument", argv[optind]);
	ret = require_loaded(cli);
	if (ret)
		return ret;
	if (refresh) {
		err = pins_lock(cli->pin_dir, &lock_fd);
		if (!err)
			err = snapshot_procs(cli->pin_dir, &snap);
		pins_unlock(lock_fd);
		if (err) {
			fo_warn("%s: task-iterator snapshot failed: %s", cli->pin_dir, strerror(-err));
			return EXIT_RUNTIME;
		}
		fo_info(cli, "snapshot: %u processes, %u threads", snap.processes, snap.threads);
	}
	ret = view_open(cli->pin_dir, pidns_ref, &pidns, &v);
	if (ret)
		return ret;
	/* One pass over the flows adds each to its owner (view_load sorted the table). */
	sums = calloc(v.nprocs ? v.nprocs : 1, sizeof(*sums));
	if (!sums) {
		view_free(&v);
		return EXIT_RUNTIME;
	}
	for (j = 0; j < v.nflows; j++) {
		const struct flow_value *fv = &v.flows[j].val;
		const struct proc_entry *pe;

		if (fv->source == FO_SRC_NONE)
			continue;
		pe = view_proc(&v, fv->owner.pid, fv->owner.start_ns);
		if (!pe)
			continue;
		sums[pe - v.procs].tx += fv->tx_bytes;
		sums[pe - v.procs].rx += fv->rx_bytes;
		sums[pe - v.procs].flows++;
	}
	rows = json_array();
	for (i = 0; i < v.nprocs; i++) {
		const struct proc_entry *p = &v.procs[i];
		__u64 tx = sums[i].tx, rx = sums[i].rx, nflows = sums[i].flows;
		char comm[80];
		json_t *row;

		comm_text(p->comm, FO_COMM_LEN, comm, sizeof(comm));
		row = json_object();
		json_object_set_new(row, "pid", json_integer(p->pid));
		json_object_set_new(row, "ppid", json_integer(p->ppid));
		json_object_set_new(row, "comm", json_string(comm));
		json_object_set_new(row, "uid", json_integer(p->uid));
		json_object_set_new(row, "cgroup_id", json_integer((json_int_t)p->cgroup_id));
		view_row_container(&v, row, p->pid, p->start_ns, p->cgroup_id);
		json_object_set_new(row, "threads", json_integer(p->threads));
		json_object_set_new(row, "tx_bytes", json_integer((json_int_t)tx));
		json_object_set_new(row, "rx_bytes", json_integer((json_int_t)rx));
		json_object_set_new(row, "flows", json_integer((json_int_t)nflows));
		json_object_set_new(row, "start_ns", json_integer((json_int_t)p->start_ns));
		json_object_set_new(row, "exited", json_boolean(p->flags & FO_PROC_EXITED));
		json_object_set_new(row, "state", json_string(p->flags & FO_PROC_EXITED ? "exited" : "alive"));
		json_array_append_new(rows, row);
	}
	if (cli->json)
		out_json(rows, cli->pretty);
	else
		out_table(proc_cols, sizeof(proc_cols) / sizeof(proc_cols[0]), rows, cli->numeric);
	json_decref(rows);
	free(sums);
	view_free(&v);
	return EXIT_OK;
}
