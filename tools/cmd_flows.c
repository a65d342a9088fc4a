// SPDX-License-Identifier: GPL-2.0
/* cmd_flows.c — `flowowner flows`: one row per flow with its owner and counters. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "flowrows.h"
#include "netns.h"
#include "output.h"

enum sort_key { SORT_BYTES, SORT_PACKETS, SORT_AGE };

static enum sort_key sort_by;

static int cmp_flows(const void *a, const void *b)
{
	const struct flow_value *x = &((const struct flow_rec *)a)->val;
	const struct flow_value *y = &((const struct flow_rec *)b)->val;
	__u64 vx, vy;

	switch (sort_by) {
	case SORT_PACKETS:
		vx = x->tx_packets + x->rx_packets;
		vy = y->tx_packets + y->rx_packets;
		break;
	case SORT_AGE: /* oldest first, as a log reads */
		return x->first_ns < y->first_ns ? -1 : x->first_ns > y->first_ns;
	default:
		vx = x->tx_bytes + x->rx_bytes;
		vy = y->tx_bytes + y->rx_bytes;
	}
	return vx > vy ? -1 : vx < vy;
}

static void col_local(json_t *row, char *buf, size_t len)
{
	const char *a = json_string_value(json_object_get(row, "local"));
	int fam = json_integer_value(json_object_get(row, "family"));

	snprintf(buf, len, fam == 6 ? "[%s]:%lld" : "%s:%lld", a,
		 (long long)json_integer_value(json_object_get(row, "local_port")));
}

static void col_remote(json_t *row, char *buf, size_t len)
{
	const char *a = json_string_value(json_object_get(row, "remote"));
	int fam = json_integer_value(json_object_get(row, "family"));

	snprintf(buf, len, fam == 6 ? "[%s]:%lld" : "%s:%lld", a,
		 (long long)json_integer_value(json_object_get(row, "remote_port")));
}

static void col_owner(json_t *row, char *buf, size_t len)
{
	json_t *why = json_object_get(row, "unattributed_reason");

	if (why)
		snprintf(buf, len, "none:%s", json_string_value(why));
	else
		snprintf(buf, len, "%s%s", json_string_value(json_object_get(row, "owner_source")),
			 json_is_true(json_object_get(row, "owner_exited")) ? ",exited" : "");
}

/* With --pidns the pid as that namespace sees it, "-" where it cannot see the owner. */
static void col_pid(json_t *row, char *buf, size_t len)
{
	json_t *ns = json_object_get(row, "ns_pid");
	json_t *pid = ns ? ns : json_object_get(row, "pid");

	if (json_is_integer(pid))
		snprintf(buf, len, "%lld", (long long)json_integer_value(pid));
	else
		snprintf(buf, len, "-");
}

static void col_cgroup(json_t *row, char *buf, size_t len)
{
	const char *path = json_string_value(json_object_get(row, "cgroup"));

	snprintf(buf, len, "%s", path && json_integer_value(json_object_get(row, "pid")) ? path : "-");
}

static const struct column flow_cols[] = {
	{ "Proto", "proto", COL_STR, NULL },
	{ "Local Address:Port", NULL, COL_CUSTOM, col_local },
	{ "Peer Address:Port", NULL, COL_CUSTOM, col_remote },
	{ "Dev", "dev", COL_STR, NULL },
	{ "Pid", NULL, COL_CUSTOM, col_pid },
	{ "Comm", "comm", COL_STR, NULL },
	{ "Uid", "uid", COL_NUM, NULL },
	{ "TxPkts", "tx_packets", COL_NUM, NULL },
	{ "TxBytes", "tx_bytes", COL_BYTES, NULL },
	{ "RxPkts", "rx_packets", COL_NUM, NULL },
	{ "RxBytes", "rx_bytes", COL_BYTES, NULL },
	{ "Mark", "mark", COL_NUM, NULL },
	{ "Owner", NULL, COL_CUSTOM, col_owner },
	{ "Unit/Container", NULL, COL_CUSTOM, col_unit_or_container },
	{ "Cgroup", NULL, COL_CUSTOM, col_cgroup },
};

int cmd_flows(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, 'c' },
		{ "dev", required_argument, NULL, 'd' },
		{ "sort", required_argument, NULL, 's' },
		{ "pidns", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long pidns_ref = 0;
	struct pidns_view pidns;
	struct flow_view v;
	unsigned long long pid = 0;
	const char *comm = NULL, *dev = NULL;
	bool by_pid = false, by_ns = false;
	__u64 cookie = 0;
	json_t *rows;
	size_t i;
	int opt, err, ret;

	sort_by = SORT_BYTES;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (parse_u64(optarg, 0x7fffffff, &pid))
				return fo_usage("flows", "--pid %s: not a process id", optarg);
			by_pid = true;
			break;
		case 'c': comm = optarg; break;
		case 'd': dev = optarg; break;
		case 'N':
			if (parse_u64(optarg, 0x7fffffff, &pidns_ref) || !pidns_ref)
				return fo_usage("flows", "--pidns %s: not a process id", optarg);
			break;
		case 's':
			if (!strcmp(optarg, "bytes"))
				sort_by = SORT_BYTES;
			else if (!strcmp(optarg, "packets"))
				sort_by = SORT_PACKETS;
			else if (!strcmp(optarg, "age"))
				sort_by = SORT_AGE;
			else
				return fo_usage("flows", "--sort %s: bytes, packets or age", optarg);
			break;
		default:
			return fo_usage("flows", "%s: unknown option", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return fo_usage("flows", "%s: unexpected argument", argv[optind]);
	ret = require_loaded(cli);
	if (ret)
		return ret;
	if (cli->netns) {
		err = netns_cookie(cli->netns, &cookie);
		if (err) {
			fo_warn("%s: %s", cli->netns,
				err == -ENOENT ? "no such network namespace" : strerror(-err));
			return EXIT_RUNTIME;
		}
		by_ns = true;
	}
	ret = view_open(cli->pin_dir, pidns_ref, &pidns, &v);
	if (ret)
		return ret;
	qsort(v.flows, v.nflows, sizeof(*v.flows), cmp_flows);
	rows = json_array();
	for (i = 0; i < v.nflows; i++) {
		const struct flow_rec *f = &v.flows[i];
		json_t *row;

		if (by_ns && f->key.netns_cookie != cookie)
			continue;
		if (by_pid && (f->val.source == FO_SRC_NONE || f->val.owner.pid != pid))
			continue;
		row = flow_row(&v, f);
		if (comm && strcmp(json_string_value(json_object_get(row, "comm")), comm)) {
			json_decref(row);
			continue;
		}
		if (dev && strcmp(json_string_value(json_object_get(row, "dev")), dev)) {
			json_decref(row);
			continue;
		}
		json_array_append_new(rows, row);
	}
	if (cli->json)
		out_json(rows, cli->pretty);
	else
		out_table(flow_cols, sizeof(flow_cols) / sizeof(flow_cols[0]), rows, cli->numeric);
	json_decref(rows);
	view_free(&v);
	return EXIT_OK;
}
