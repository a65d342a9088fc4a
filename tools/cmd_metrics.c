// SPDX-License-Identifier: GPL-2.0
/* cmd_metrics.c — `flowowner metrics`: the counters in Prometheus text format, for scrapers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "flowrows.h"
#include "output.h"
#include "progstats.h"
#include "reader.h"

/* Global counters from fo_stats: metric name, help. Unnamed ones are not exported. */
static const struct {
	const char *name;
	const char *help;
} globals[FO_STAT_WHY_BASE] = {
	[FO_STAT_PACKETS] = { "flowowner_packets_total", "Packets the classifier saw." },
	[FO_STAT_BYTES] = { "flowowner_bytes_total", "Layer-3 bytes the classifier saw." },
	[FO_STAT_ATTRIBUTED] = { "flowowner_attributed_packets_total",
				 "Packets attributed to a process." },
	[FO_STAT_UNATTRIBUTED] = { "flowowner_unattributed_packets_total",
				   "Packets with no owning process (see flowowner_unattributed_reason_packets_total)." },
	[FO_STAT_MAP_FULL] = { "flowowner_map_full_total",
			       "Flows that could not be recorded because the flow table was full." },
	[FO_STAT_FLOWS_NEW] = { "flowowner_flows_created_total", "Flows created." },
	[FO_STAT_OWNER_CHANGES] = { "flowowner_owner_changes_total", "Times a flow changed owner." },
	[FO_STAT_DROPPED] = { "flowowner_dropped_packets_total", "Packets dropped by a marking rule." },
	[FO_STAT_MARKED] = { "flowowner_marked_packets_total", "Packets a marking rule marked." },
	[FO_STAT_NON_IP] = { "flowowner_non_ip_packets_total", "Frames that were not IP." },
	[FO_STAT_PROC_EVENTS] = { "flowowner_process_events_total",
				  "Process events the tracing side recorded." },
	[FO_STAT_SOCK_OWNED] = { "flowowner_sockets_owned_total", "Socket owners recorded." },
	[FO_STAT_EVENTS_LOST] = { "flowowner_events_lost_total",
				  "Events lost because the ring buffer was full." },
};

static const char *const map_names[] = { "fo_flows", "fo_procs", "fo_policy", "fo_attach" };

static json_t *family(json_t *families, const char *name, const char *type, const char *help)
{
	json_t *samples = json_array();

	json_array_append_new(families, json_pack("{s:s,s:s,s:s,s:o}", "name", name, "type", type,
						  "help", help, "samples", samples));
	return samples;
}

static void sample(json_t *samples, json_t *labels, __u64 value)
{
	json_array_append_new(samples, json_pack("{s:o,s:I}", "labels", labels, "value",
						 (json_int_t)value));
}

/* The labels that name a process on a device; DIRECTION is added when not NULL. */
static json_t *proc_labels(const struct flow_view *v, const struct proc_sum *p,
			   const char *direction)
{
	struct flow_key k = { .ifindex = p->ifindex, .netns_cookie = p->netns_cookie };
	char dev[32];
	json_t *l = json_object();

	flow_dev(v, &k, dev, sizeof(dev));
	json_object_set_new(l, "pid", json_integer(p->pid));
	json_object_set_new(l, "comm", json_string(p->comm));
	if (direction)
		json_object_set_new(l, "direction", json_string(direction));
	json_object_set_new(l, "dev", json_string(dev));
	json_object_set_new(l, "netns", json_string(flow_netns_name(v, p->ifindex, p->netns_cookie)));
	return l;
}

/* Entries that share every label (a pid reused by a process of the same name) are summed:
 * a scrape must not hold one series twice. */
static int cmp_labels(const void *a, const void *b)
{
	const struct proc_sum *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->netns_cookie != y->netns_cookie)
		return x->netns_cookie < y->netns_cookie ? -1 : 1;
	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return strcmp(x->comm, y->comm);
}

static size_t merge_same_labels(struct proc_sum *s, size_t n)
{
	size_t i, w = 0;

	if (!n)
		return 0;
	qsort(s, n, sizeof(*s), cmp_labels);
	for (i = 1; i < n; i++) {
		if (!cmp_labels(&s[w], &s[i])) {
			s[w].tx_packets += s[i].tx_packets;
			s[w].tx_bytes += s[i].tx_bytes;
			s[w].rx_packets += s[i].rx_packets;
			s[w].rx_bytes += s[i].rx_bytes;
			s[w].flows += s[i].flows;
		} else {
			s[++w] = s[i];
		}
	}
	return w + 1;
}

/*
 * What each program costs (kernel.bpf_stats_enabled): runs and run time as counters, ns per run
 * as a gauge. Off, only the switch is exported, and its help says how to turn it on.
 */
static void cost_families(json_t *fams, const char *pin_dir)
{
	struct prog_stat *st = NULL;
	json_t *on, *runs, *time, *per;
	size_t n = 0, i;
	int enabled = progstats_enabled();

	on = family(fams, "flowowner_bpf_stats_enabled", "gauge",
		    "1 when the kernel counts program run time; 0: " FO_BPF_STATS_HINT ".");
	sample(on, json_object(), enabled == 1);
	if (enabled != 1 || progstats_read(pin_dir, &st, &n))
		return;
	runs = family(fams, "flowowner_program_runs_total", "counter",
		      "Runs of a flowowner BPF program while kernel.bpf_stats_enabled was on.");
	time = family(fams, "flowowner_program_run_time_ns_total", "counter",
		      "Time spent in a flowowner BPF program while kernel.bpf_stats_enabled was on, ns.");
	per = family(fams, "flowowner_program_ns_per_run", "gauge",
		     "Average ns per run of a flowowner BPF program since bpf_stats counting began.");
	for (i = 0; i < n; i++) {
		sample(runs, json_pack("{s:s}", "program", st[i].name), st[i].run_cnt);
		sample(time, json_pack("{s:s}", "program", st[i].name), st[i].run_time_ns);
		sample(per, json_pack("{s:s}", "program", st[i].name),
		       st[i].run_cnt ? (st[i].run_time_ns + st[i].run_cnt / 2) / st[i].run_cnt : 0);
	}
	free(st);
}

static json_t *build(const struct cli *cli, const struct view_filter *flt,
		     const struct flow_view *v, struct proc_sum *sums, size_t n, const __u64 *counters)
{
	json_t *fams = json_array(), *bytes, *pkts, *flows, *dbytes, *dpkts, *s, *maxes;
	size_t i, j;

	bytes = family(fams, "flowowner_process_bytes_total", "counter",
		       "Layer-3 bytes of the flows a process owns (pid 0: unattributed), by direction and device.");
	pkts = family(fams, "flowowner_process_packets_total", "counter",
		      "Packets of the flows a process owns (pid 0: unattributed), by direction and device.");
	flows = family(fams, "flowowner_flows", "gauge",
		       "Flows in the flow table a process owns, by device.");
	for (i = 0; i < n; i++) {
		const struct proc_sum *p = &sums[i];

		sample(bytes, proc_labels(v, p, "rx"), p->rx_bytes);
		sample(bytes, proc_labels(v, p, "tx"), p->tx_bytes);
		sample(pkts, proc_labels(v, p, "rx"), p->rx_packets);
		sample(pkts, proc_labels(v, p, "tx"), p->tx_packets);
		sample(flows, proc_labels(v, p, NULL), p->flows);
	}

	/* Per device: the flows still in the table, summed; an attached device with none
	 * shows zeros, so its series exists from the first scrape. */
	dbytes = family(fams, "flowowner_device_bytes_total", "counter",
			"Layer-3 bytes of the flows in the table, by device and direction.");
	dpkts = family(fams, "flowowner_device_packets_total", "counter",
		       "Packets of the flows in the table, by device and direction.");
	for (i = 0; i < v->natt; i++) {
		const struct attach_rec *a = &v->att[i];
		__u64 rb = 0, tb = 0, rp = 0, tp = 0;
		bool dup = false;

		if (flt->by_netns && a->val.netns_cookie != flt->netns_cookie)
			continue;
		if (flt->dev && strcmp(flt->dev, a->val.dev))
			continue;
		for (j = 0; j < i; j++) /* one device has up to three attachments */
			if (v->att[j].key.ifindex == a->key.ifindex &&
			    v->att[j].val.netns_cookie == a->val.netns_cookie)
				dup = true;
		if (dup)
			continue;
		for (j = 0; j < n; j++) {
			if (sums[j].ifindex != a->key.ifindex || sums[j].netns_cookie != a->val.netns_cookie)
				continue;
			rb += sums[j].rx_bytes;
			tb += sums[j].tx_bytes;
			rp += sums[j].rx_packets;
			tp += sums[j].tx_packets;
		}
		sample(dbytes, json_pack("{s:s,s:s,s:s}", "dev", a->val.dev, "netns", a->val.netns,
					 "direction", "rx"), rb);
		sample(dbytes, json_pack("{s:s,s:s,s:s}", "dev", a->val.dev, "netns", a->val.netns,
					 "direction", "tx"), tb);
		sample(dpkts, json_pack("{s:s,s:s,s:s}", "dev", a->val.dev, "netns", a->val.netns,
					"direction", "rx"), rp);
		sample(dpkts, json_pack("{s:s,s:s,s:s}", "dev", a->val.dev, "netns", a->val.netns,
					"direction", "tx"), tp);
	}

	for (i = 0; i < FO_STAT_WHY_BASE; i++) {
		if (!globals[i].name)
			continue;
		s = family(fams, globals[i].name, "counter", globals[i].help);
		sample(s, json_object(), counters[i]);
	}
	s = family(fams, "flowowner_unattributed_reason_packets_total", "counter",
		   "Packets with no owning process, by why.");
	for (i = 1; i < FO_WHY_MAX; i++)
		sample(s, json_pack("{s:s}", "reason", reason_name(i)), counters[FO_STAT_WHY_BASE + i]);

	s = family(fams, "flowowner_map_entries", "gauge", "Entries in a pinned map.");
	maxes = family(fams, "flowowner_map_max_entries", "gauge", "Capacity of a pinned map.");
	for (i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		__u32 e = 0, m = 0;

		if (reader_map_fill(cli->pin_dir, map_names[i], &e, &m))
			continue;
		sample(s, json_pack("{s:s}", "map", map_names[i]), e);
		sample(maxes, json_pack("{s:s}", "map", map_names[i]), m);
	}
	cost_families(fams, cli->pin_dir);
	return fams;
}

int cmd_metrics(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct view_filter flt;
	struct flow_view v;
	struct proc_sum *sums = NULL;
	__u64 counters[FO_STAT_MAX];
	const char *dev = NULL;
	json_t *fams;
	size_t n = 0;
	int opt, err, ret;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': dev = optarg; break;
		default:
			return fo_usage("metrics", "%s: unknown option", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return fo_usage("metrics", "%s: unexpected argument", argv[optind]);
	ret = require_loaded(cli);
	if (ret)
		return ret;
	ret = view_filter_init(cli, dev, &flt);
	if (ret)
		return ret;
	err = view_load(cli->pin_dir, &v);
	if (err) {
		fo_warn("%s: cannot read flows: %s", cli->pin_dir, strerror(-err));
		return EXIT_RUNTIME;
	}
	err = reader_counters(cli->pin_dir, counters);
	if (!err)
		err = view_sum_procs(&v, &flt, true, &sums, &n);
	if (err) {
		fo_warn("%s: cannot read counters: %s", cli->pin_dir, strerror(-err));
		view_free(&v);
		return EXIT_RUNTIME;
	}
	n = merge_same_labels(sums, n);
	fams = build(cli, &flt, &v, sums, n, counters);
	if (cli->json)
		err = out_json(fams, cli->pretty);
	else
		err = out_prom(stdout, fams);
	if (!err && fflush(stdout))
		err = -errno;
	if (err) {
		fo_warn("stdout: %s", strerror(err < 0 ? -err : EIO));
		ret = EXIT_RUNTIME;
	}
	json_decref(fams);
	free(sums);
	view_free(&v);
	return ret;
}
