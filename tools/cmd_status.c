// SPDX-License-Identifier: GPL-2.0
/* cmd_status.c — `flowowner status`: attachments, tracing links, map fill and counters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "attach.h"
#include "cli.h"
#include "flowrows.h"
#include "netns.h"
#include "output.h"
#include "pin_names.h"
#include "pins.h"
#include "pinset.h"
#include "probe.h"
#include "progstats.h"
#include "reader.h"

static const char *const stat_names[FO_STAT_WHY_BASE] = {
	[FO_STAT_PACKETS] = "packets",
	[FO_STAT_BYTES] = "bytes",
	[FO_STAT_ATTRIBUTED] = "attributed",
	[FO_STAT_UNATTRIBUTED] = "unattributed",
	[FO_STAT_MAP_FULL] = "map_full",
	[FO_STAT_FLOWS_NEW] = "flows_created",
	[FO_STAT_OWNER_CHANGES] = "owner_changes",
	[FO_STAT_DROPPED] = "dropped",
	[FO_STAT_MARKED] = "marked",
	[FO_STAT_NON_IP] = "non_ip",
	[FO_STAT_PROC_EVENTS] = "proc_events",
	[FO_STAT_SOCK_OWNED] = "sockets_owned",
	[FO_STAT_EVENTS_LOST] = "events_lost",
	[FO_STAT_DROPPED_RATE] = "dropped_rate",
	[FO_STAT_DROPPED_QUOTA] = "dropped_quota",
	[FO_STAT_FLOWS_REOPENED] = "flows_reopened",
	[FO_STAT_FRAGMENTS] = "fragments_keyed",
	[FO_STAT_RETIRED_PACKETS] = "retired_packets",
	[FO_STAT_RETIRED_BYTES] = "retired_bytes",
};

static const char *const map_names[] = { FO_PIN_FLOWS, FO_PIN_PROCS, FO_PIN_POLICY, FO_PIN_ATTACH,
					  FO_PIN_CONFIG, FO_PIN_STATS, FO_PIN_SHAPE,
					  FO_PIN_RELATED, FO_PIN_FRAGS };

static int link_row(const char *name, int fd, void *data)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	json_t *row = json_object();

	json_object_set_new(row, "name", json_string(name));
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		json_object_set_new(row, "link_id", json_integer(info.id));
		json_object_set_new(row, "prog_id", json_integer(info.prog_id));
	}
	json_array_append_new(data, row);
	return 0;
}

/*
 * Each hook newer than the kernel floor: "in_use" (its link is pinned), "unavailable" (this
 * kernel lacks the tracepoint: the fallback in docs/attribution.md applies) or "off" (left
 * out at load by FO_DISABLE_HOOKS; the same fallback).
 */
static json_t *optional_hooks(const char *pin_dir)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < fo_optional_hooks_n; i++) {
		const struct fo_optional_hook *h = &fo_optional_hooks[i];
		char name[64];
		const char *state;
		int fd;

		snprintf(name, sizeof(name), "link_%s", h->prog);
		fd = pins_get(pin_dir, name);
		if (fd >= 0) {
			close(fd);
			state = "in_use";
		} else {
			state = probe_tracepoint(h->tracepoint) == 0 ? "unavailable" : "off";
		}
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "tracepoint", h->tracepoint,
						     "program", h->prog, "state", state));
	}
	return arr;
}

static const struct column att_cols[] = {
	{ "Dev", "dev", COL_STR, NULL },
	{ "Netns", "netns", COL_STR, NULL },
	{ "Direction", "direction", COL_STR, NULL },
	{ "Kind", "kind", COL_STR, NULL },
	{ "Mode", "mode", COL_STR, NULL },
	{ "Prio", "prio", COL_NUM, NULL },
	{ "Handle", "handle", COL_STR, NULL },
	{ "ProgId", "prog_id", COL_NUM, NULL },
};

/* The id of a pinned program, 0 if it is not there. */
static __u32 pinned_prog_id(struct fo_pins *pins, const char *name)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = fo_pins_fd(pins, name);

	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	return info.id;
}

/* XDP: native or generic. tc: "count", or "attribute" for the ingress companion of XDP,
 * which attributes and marks but leaves the counting to XDP. */
static const char *att_mode(const struct attach_rec *r, __u32 companion_id)
{
	if (r->key.dir == FO_DIR_XDP)
		return fo_xdp_mode_name(r->val.xdp_flags);
	if (companion_id && r->val.prog_id == companion_id)
		return "attribute";
	return "count";
}

/*
 * What each program costs, from the kernel's own bpf_stats: runs and ns per run, only while
 * kernel.bpf_stats_enabled is on (the counters stand still while it is off, so a figure then
 * would describe some earlier time). Off, the object says how to turn it on.
 */
static json_t *programs_json(struct fo_pins *pins)
{
	json_t *o = json_object(), *arr = json_array();
	struct prog_stat *st = NULL;
	size_t n = 0, i;
	int on = progstats_enabled();

	json_object_set_new(o, "bpf_stats_enabled", json_boolean(on == 1));
	json_object_set_new(o, "programs", arr);
	if (on != 1) {
		json_object_set_new(o, "hint", json_string(FO_BPF_STATS_HINT));
		return o;
	}
	if (progstats_read(pins, &st, &n))
		return o;
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:I,s:I,s:I,s:f}", "name", st[i].name,
						     "prog_id", (json_int_t)st[i].prog_id,
						     "run_cnt", (json_int_t)st[i].run_cnt,
						     "run_time_ns", (json_int_t)st[i].run_time_ns,
						     "ns_per_run", st[i].run_cnt ?
						     (double)st[i].run_time_ns / st[i].run_cnt : 0.0));
	free(st);
	return o;
}

static void programs_print(json_t *cost)
{
	json_t *arr = json_object_get(cost, "programs"), *val;
	size_t idx;

	printf("\nProgram cost:\n");
	if (!json_is_true(json_object_get(cost, "bpf_stats_enabled"))) {
		printf("  kernel.bpf_stats_enabled is off: %s\n",
		       json_string_value(json_object_get(cost, "hint")));
		return;
	}
	printf("  %-20s %8s %14s %10s\n", "Program", "ProgId", "Runs", "ns/run");
	json_array_foreach(arr, idx, val)
		printf("  %-20s %8lld %14lld %10.1f\n", json_string_value(json_object_get(val, "name")),
		       (long long)json_integer_value(json_object_get(val, "prog_id")),
		       (long long)json_integer_value(json_object_get(val, "run_cnt")),
		       json_real_value(json_object_get(val, "ns_per_run")));
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	struct attach_rec *recs = NULL;
	__u64 counters[FO_STAT_MAX];
	json_t *root, *att, *links, *maps, *cnt;
	static const struct opt opts[] = { { .name = NULL } };
	static const struct cmd_opts co = { .opts = opts, .needs_loaded = true };
	struct fo_pins pins; /* every map read through one fd each */
	__u64 cookie = 0;
	__u32 companion_id, flows_entries = 0;
	bool flows_counted = false;
	size_t n = 0, i;
	int err, ret;

	ret = cli_parse(cli, "status", &co, argc, argv);
	if (ret)
		return ret;
	if (cli->netns && (err = netns_cookie(cli->netns, &cookie))) {
		fo_warn("%s: %s", cli->netns, err == -ENOENT ? "no such network namespace" : strerror(-err));
		return EXIT_RUNTIME;
	}
	fo_pins_init(&pins, cli->pin_dir);
	err = attach_list(cli->pin_dir, &recs, &n);
	if (!err)
		err = reader_counters_pins(&pins, counters);
	if (err) {
		fo_warn("%s: cannot read state: %s", cli->pin_dir, strerror(-err));
		free(recs);
		fo_pins_close(&pins);
		return EXIT_RUNTIME;
	}

	companion_id = pinned_prog_id(&pins, FO_PIN_TC_INGRESS_XDP);
	root = json_object();
	att = json_array();
	for (i = 0; i < n; i++) {
		const struct attach_rec *r = &recs[i];
		char handle[16], dev[4 * sizeof(r->val.dev) + 1], netns[4 * sizeof(r->val.netns) + 1];
		json_t *row;

		if (cli->netns && r->val.netns_cookie != cookie)
			continue;
		row = json_object();
		snprintf(handle, sizeof(handle), "0x%x", r->val.handle);
		json_object_set_new(row, "dev", json_string(utf8_text(r->val.dev, dev, sizeof(dev))));
		json_object_set_new(row, "ifindex", json_integer(r->key.ifindex));
		json_object_set_new(row, "netns",
				    json_string(utf8_text(r->val.netns, netns, sizeof(netns))));
		json_object_set_new(row, "netns_cookie", json_integer((json_int_t)r->val.netns_cookie));
		json_object_set_new(row, "direction", json_string(fo_dir_name(r->key.dir)));
		json_object_set_new(row, "prio", json_integer(r->val.prio));
		json_object_set_new(row, "handle", json_string(handle));
		json_object_set_new(row, "prog_id", json_integer(r->val.prog_id));
		json_object_set_new(row, "kind", json_string(r->key.dir == FO_DIR_XDP ? "xdp" : "tc"));
		json_object_set_new(row, "mode", json_string(att_mode(r, companion_id)));
		json_array_append_new(att, row);
	}
	json_object_set_new(root, "attachments", att);

	links = json_array();
	pins_for_each_link(cli->pin_dir, link_row, links);
	json_object_set_new(root, "links", links);
	json_object_set_new(root, "optional_hooks", optional_hooks(cli->pin_dir));

	maps = json_object();
	for (i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		__u32 entries = 0, max = 0;

		if (reader_map_fill_pins(&pins, map_names[i], &entries, &max))
			continue;
		if (!strcmp(map_names[i], FO_PIN_FLOWS)) {
			flows_entries = entries;
			flows_counted = true;
		}
		json_object_set_new(maps, map_names[i],
				    json_pack("{s:i,s:i}", "entries", (json_int_t)entries,
					      "max_entries", (json_int_t)max));
	}
	json_object_set_new(root, "maps", maps);

	cnt = json_object();
	for (i = 0; i < FO_STAT_WHY_BASE; i++)
		if (stat_names[i])
			json_object_set_new(cnt, stat_names[i], json_integer((json_int_t)counters[i]));
	for (i = 1; i < FO_WHY_MAX; i++) {
		char name[48];

		snprintf(name, sizeof(name), "unattributed_%s", reason_name(i));
		json_object_set_new(cnt, name, json_integer((json_int_t)counters[FO_STAT_WHY_BASE + i]));
	}
	/* Nothing deletes a flow, so every one created and gone from the table was evicted (LRU)
	 * to make room: an exact count, not a guess (entries as counted above: one walk). */
	if (flows_counted)
		json_object_set_new(cnt, "flow_evictions",
				    json_integer(counters[FO_STAT_FLOWS_NEW] > flows_entries
						 ? (json_int_t)(counters[FO_STAT_FLOWS_NEW] - flows_entries) : 0));
	json_object_set_new(root, "counters", cnt);
	json_object_set_new(root, "cost", programs_json(&pins));

	if (cli->json) {
		out_json(root, cli->pretty);
	} else {
		const char *key;
		json_t *val;
		size_t idx;

		printf("Attachments:\n");
		out_table(att_cols, sizeof(att_cols) / sizeof(att_cols[0]), att, cli->numeric);
		printf("\nTracing links:\n");
		json_array_foreach(links, idx, val)
			printf("  %-16s link %lld prog %lld\n",
			       json_string_value(json_object_get(val, "name")),
			       (long long)json_integer_value(json_object_get(val, "link_id")),
			       (long long)json_integer_value(json_object_get(val, "prog_id")));
		printf("\nOptional hooks:\n");
		json_array_foreach(json_object_get(root, "optional_hooks"), idx, val)
			printf("  %-20s %s\n",
			       json_string_value(json_object_get(val, "tracepoint")),
			       json_string_value(json_object_get(val, "state")));
		printf("\nMaps:\n");
		json_object_foreach(maps, key, val) {
			long long e = json_integer_value(json_object_get(val, "entries"));
			long long m = json_integer_value(json_object_get(val, "max_entries"));

			/* An LRU map evicts before it is full (its free lists are per CPU), so for
			 * flows the evictions themselves are the warning. */
			bool evicting = !strcmp(key, FO_PIN_FLOWS) &&
					json_integer_value(json_object_get(cnt, "flow_evictions")) > 0;

			printf("  %-10s %8lld / %-8lld%s\n", key, e, m,
			       evicting || (m && e * 10 >= m * 9 && strcmp(key, FO_PIN_STATS) &&
					    strcmp(key, FO_PIN_CONFIG))
				       ? "  (nearly full: oldest entries are being evicted)" : "");
		}
		printf("\nCounters:\n");
		json_object_foreach(cnt, key, val)
			printf("  %-24s %lld\n", key, (long long)json_integer_value(val));
		programs_print(json_object_get(root, "cost"));
	}
	json_decref(root);
	free(recs);
	fo_pins_close(&pins);
	return EXIT_OK;
}
