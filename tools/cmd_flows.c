// SPDX-License-Identifier: GPL-2.0
/* cmd_flows.c — `flowowner flows`: one row per flow with its owner and counters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "flowrows.h"
#include "output.h"

enum sort_key { SORT_BYTES, SORT_PACKETS, SORT_AGE };

static const char *const sort_names[] = { "bytes", "packets", "age", NULL };

static __u64 sort_key_of(const struct flow_rec *f, int by)
{
	switch (by) {
	case SORT_PACKETS: /* most first */
		return ~(f->cnt.tx_packets + f->cnt.rx_packets);
	case SORT_AGE: /* oldest first, as a log reads */
		return f->val.first_ns;
	}
	return ~(f->cnt.tx_bytes + f->cnt.rx_bytes);
}

struct listing {
	struct flow_view *v;
	const struct row_key *sel;
	struct flow_row row;
};

static const void *listing_row(void *ctx, size_t i)
{
	struct listing *l = ctx;

	flow_row_fill(l->v, &l->v->flows[l->sel[i].idx], &l->row);
	return &l->row;
}

#define ROW(r) ((const struct flow_row *)(r))

static size_t c_proto(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_str(buf, len, ROW(r)->id.proto);
}

static size_t c_local(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_endpoint(buf, len, ROW(r)->id.family, ROW(r)->id.local, ROW(r)->id.local_port);
}

static size_t c_remote(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_endpoint(buf, len, ROW(r)->id.family, ROW(r)->id.remote, ROW(r)->id.remote_port);
}

static size_t c_dev(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_str(buf, len, ROW(r)->id.dev);
}

/* With --pidns the pid as that namespace sees it, "-" where it cannot see the owner. */
static size_t c_pid(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	const struct flow_row *row = r;

	if (row->place->pidns)
		return row->place->ns_visible ? cell_u64(buf, len, row->place->ns_pid)
					      : cell_str(buf, len, NULL);
	return cell_u64(buf, len, row->pid);
}

static size_t c_comm(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_str(buf, len, ROW(r)->comm);
}

static size_t c_uid(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_u64(buf, len, ROW(r)->uid);
}

static size_t c_txp(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_u64(buf, len, ROW(r)->cnt.tx_packets);
}

static size_t c_txb(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_bytes(buf, len, ROW(r)->cnt.tx_bytes, num);
}

static size_t c_rxp(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_u64(buf, len, ROW(r)->cnt.rx_packets);
}

static size_t c_rxb(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_bytes(buf, len, ROW(r)->cnt.rx_bytes, num);
}

static size_t c_mark(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_u64(buf, len, ROW(r)->mark);
}

static size_t c_owner(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	const struct flow_row *row = r;

	if (row->reason)
		return cell_concat(buf, len, "none:", row->reason);
	return cell_concat(buf, len, row->source, row->owner_exited ? ",exited" : NULL);
}

static size_t c_cgroup(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return cell_str(buf, len, ROW(r)->pid ? ROW(r)->place->cgroup : NULL);
}

static size_t c_unit(const struct tcol *c, const void *r, bool num, char *buf, size_t len)
{
	return place_unit_cell(ROW(r)->place, buf, len);
}

static const struct tcol flow_cols[] = {
	{ "Proto", false, c_proto, NULL },
	{ "Local Address:Port", false, c_local, NULL },
	{ "Peer Address:Port", false, c_remote, NULL },
	{ "Dev", false, c_dev, NULL },
	{ "Pid", false, c_pid, NULL },
	{ "Comm", false, c_comm, NULL },
	{ "Uid", true, c_uid, NULL },
	{ "TxPkts", true, c_txp, NULL },
	{ "TxBytes", true, c_txb, NULL },
	{ "RxPkts", true, c_rxp, NULL },
	{ "RxBytes", true, c_rxb, NULL },
	{ "Mark", true, c_mark, NULL },
	{ "Owner", false, c_owner, NULL },
	{ "Unit/Container", false, c_unit, NULL },
	{ "Cgroup", false, c_cgroup, NULL },
};

static void row_json(struct jw *w, const void *row)
{
	flow_row_json(w, row);
}

int cmd_flows(struct cli *cli, int argc, char **argv)
{
	unsigned long long pid = 0, pidns_ref = 0;
	const char *comm = NULL, *dev = NULL;
	bool by_pid = false;
	int sort_by = SORT_BYTES;
	const struct opt opts[] = {
		{ .name = "pid", .kind = OPT_U64, .dest = &pid, .what = "not a process id",
		  .max = 0x7fffffff, .seen = &by_pid },
		{ .name = "comm", .kind = OPT_STR, .dest = &comm },
		{ .name = "dev", .kind = OPT_STR, .dest = &dev },
		{ .name = "sort", .kind = OPT_CHOICE, .dest = &sort_by, .what = "bytes, packets or age",
		  .choices = sort_names },
		{ .name = "pidns", .kind = OPT_U64, .dest = &pidns_ref, .what = "not a process id",
		  .min = 1, .max = 0x7fffffff },
		{ .name = NULL },
	};
	const struct cmd_opts co = { .opts = opts, .needs_loaded = true };
	struct view_filter flt;
	struct pidns_view pidns;
	struct listing l = {};
	struct flow_view v;
	struct row_key *sel;
	size_t i, n = 0;
	int err, ret;

	ret = cli_parse(cli, "flows", &co, argc, argv);
	if (ret)
		return ret;
	ret = view_filter_init(cli, NULL, &flt);
	if (ret)
		return ret;
	ret = view_open(cli->pin_dir, pidns_ref, &pidns, &v);
	if (ret)
		return ret;
	sel = malloc((v.nflows ? v.nflows : 1) * sizeof(*sel));
	if (!sel) {
		view_free(&v);
		fo_warn("flows: %s", strerror(ENOMEM));
		return EXIT_RUNTIME;
	}
	for (i = 0; i < v.nflows; i++) {
		const struct flow_rec *f = &v.flows[i];
		char dbuf[16];

		if (!view_flow_selected(&v, f, &flt))
			continue;
		if (by_pid && (f->val.source == FO_SRC_NONE || f->val.owner.pid != pid))
			continue;
		if (comm && strcmp(flow_comm(&v, f), comm))
			continue;
		if (dev && strcmp(flow_dev_name(&v, &f->key, dbuf, sizeof(dbuf)), dev))
			continue;
		sel[n].key = sort_key_of(f, sort_by);
		sel[n].idx = i;
		n++;
	}
	err = row_keys_sort(sel, n);
	l.v = &v;
	l.sel = sel;
	if (!err) {
		struct trows rows = { .n = n, .row = listing_row, .ctx = &l };

		err = rows_print(stdout, flow_cols, sizeof(flow_cols) / sizeof(flow_cols[0]), &rows,
				 row_json, cli->json, cli->pretty, cli->numeric, out_colour());
	}
	ret = EXIT_OK;
	if (err) {
		fo_warn("%s: %s", err == -ENOMEM ? "flows" : "stdout", strerror(-err));
		ret = EXIT_RUNTIME;
	}
	free(sel);
	view_free(&v);
	return ret;
}
