// SPDX-License-Identifier: GPL-2.0
/* cmd_metrics.c — `flowowner metrics`: the counters in Prometheus text format, for scrapers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pin_names.h"
#include "cli.h"
#include "exporter.h"
#include "flowrows.h"
#include "metrics_acc.h"
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
	[FO_STAT_DROPPED_RATE] = { "flowowner_dropped_rate_packets_total",
				   "Packets dropped over a rule's rate." },
	[FO_STAT_DROPPED_QUOTA] = { "flowowner_dropped_quota_packets_total",
				    "Packets dropped past a rule's quota." },
	[FO_STAT_FLOWS_REOPENED] = { "flowowner_flows_reopened_total",
				     "Closed flows replaced by a new connection on the same tuple." },
	[FO_STAT_RETIRED_PACKETS] = { "flowowner_retired_packets_total",
				      "Packets of flows replaced by a new connection on their tuple." },
	[FO_STAT_RETIRED_BYTES] = { "flowowner_retired_bytes_total",
				    "Bytes of flows replaced by a new connection on their tuple." },
	[FO_STAT_FRAGMENTS] = { "flowowner_fragments_keyed_total",
				"Later IP fragments counted on their datagram's flow." },
};

static const char *const map_names[] = { FO_PIN_FLOWS, FO_PIN_PROCS, FO_PIN_POLICY, FO_PIN_ATTACH };

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

/* The labels of one series; DIRECTION is added when not NULL. Empty labels are left out, as
 * Prometheus reads an empty label as an absent one. */
static json_t *series_labels(const struct metrics_acc *a, const struct acc_series *s,
			     const char *direction)
{
	json_t *l = json_object();

	if (a->by_pid)
		json_object_set_new(l, "pid", json_integer(s->pid));
	json_object_set_new(l, "comm", json_string(s->comm));
	if (s->unit[0])
		json_object_set_new(l, "unit", json_string(s->unit));
	if (s->container[0])
		json_object_set_new(l, "container", json_string(s->container));
	if (s->cgroup[0])
		json_object_set_new(l, "cgroup", json_string(s->cgroup));
	if (direction)
		json_object_set_new(l, "direction", json_string(direction));
	json_object_set_new(l, "dev", json_string(s->dev));
	json_object_set_new(l, "netns", json_string(s->netns));
	return l;
}

/* Per device: the sum of its series, so it only grows too. */
struct dev_total {
	const char *dev, *netns;
	__u64 tx_packets, tx_bytes, rx_packets, rx_bytes;
};

static struct dev_total *dev_find(struct dev_total *d, size_t *n, size_t cap, const char *dev,
				  const char *netns)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(d[i].dev, dev) && !strcmp(d[i].netns, netns))
			return &d[i];
	if (*n == cap)
		return NULL;
	d[*n] = (struct dev_total){ .dev = dev, .netns = netns };
	return &d[(*n)++];
}

/*
 * What each program costs (kernel.bpf_stats_enabled): runs and run time as counters, ns per run
 * as a gauge. Off, only the switch is exported, and its help says how to turn it on.
 */
static void cost_families(json_t *fams, const char *pin_dir)
{
	struct prog_stat *st = NULL;
	struct fo_pins pins;
	int err;
	json_t *on, *runs, *time, *per;
	size_t n = 0, i;
	int enabled = progstats_enabled();

	on = family(fams, "flowowner_bpf_stats_enabled", "gauge",
		    "1 when the kernel counts program run time; 0: " FO_BPF_STATS_HINT ".");
	sample(on, json_object(), enabled == 1);
	if (enabled != 1)
		return;
	fo_pins_init(&pins, pin_dir);
	err = progstats_read(&pins, &st, &n);
	fo_pins_close(&pins);
	if (err)
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
		     const struct flow_view *v, const struct metrics_acc *acc, const __u64 *counters)
{
	json_t *fams = json_array(), *bytes, *pkts, *flows, *dbytes, *dpkts, *s, *maxes, *up;
	size_t *order = acc_sorted(acc), cap = acc->nseries + (v ? v->natt : 0) + 1, nd = 0, i;
	struct dev_total *devs = calloc(cap, sizeof(*devs));

	up = family(fams, "flowowner_up", "gauge",
		    "1 when the last read of the pinned maps worked; 0 while flowowner is not loaded.");
	sample(up, json_object(), v ? 1 : 0);
	bytes = family(fams, "flowowner_process_bytes_total", "counter",
		       "Layer-3 bytes of the flows processes with these labels owned (comm \"\": unattributed), by direction and device; kept when the flows leave the table.");
	pkts = family(fams, "flowowner_process_packets_total", "counter",
		      "Packets of the flows processes with these labels owned (comm \"\": unattributed), by direction and device; kept when the flows leave the table.");
	flows = family(fams, "flowowner_flows", "gauge",
		       "Flows in the flow table processes with these labels own, by device.");
	/* An attached device with no flows shows zeros, so its series exists from the first scrape. */
	for (i = 0; devs && v && i < v->natt; i++) {
		const struct attach_rec *att = &v->att[i];

		if (flt->by_netns && att->val.netns_cookie != flt->netns_cookie)
			continue;
		if (flt->dev && strcmp(flt->dev, att->val.dev))
			continue;
		dev_find(devs, &nd, cap, att->val.dev, att->val.netns);
	}
	for (i = 0; order && i < acc->nseries; i++) {
		const struct acc_series *p = &acc->series[order[i]];
		struct dev_total *d = devs ? dev_find(devs, &nd, cap, p->dev, p->netns) : NULL;

		sample(bytes, series_labels(acc, p, "rx"), p->rx_bytes);
		sample(bytes, series_labels(acc, p, "tx"), p->tx_bytes);
		sample(pkts, series_labels(acc, p, "rx"), p->rx_packets);
		sample(pkts, series_labels(acc, p, "tx"), p->tx_packets);
		sample(flows, series_labels(acc, p, NULL), p->flows);
		if (d) {
			d->rx_bytes += p->rx_bytes;
			d->tx_bytes += p->tx_bytes;
			d->rx_packets += p->rx_packets;
			d->tx_packets += p->tx_packets;
		}
	}
	dbytes = family(fams, "flowowner_device_bytes_total", "counter",
			"Layer-3 bytes of the flows seen on a device, by direction; kept when the flows leave the table.");
	dpkts = family(fams, "flowowner_device_packets_total", "counter",
		       "Packets of the flows seen on a device, by direction; kept when the flows leave the table.");
	for (i = 0; i < nd; i++) {
		const struct dev_total *d = &devs[i];

		sample(dbytes, json_pack("{s:s,s:s,s:s}", "dev", d->dev, "netns", d->netns,
					 "direction", "rx"), d->rx_bytes);
		sample(dbytes, json_pack("{s:s,s:s,s:s}", "dev", d->dev, "netns", d->netns,
					 "direction", "tx"), d->tx_bytes);
		sample(dpkts, json_pack("{s:s,s:s,s:s}", "dev", d->dev, "netns", d->netns,
					"direction", "rx"), d->rx_packets);
		sample(dpkts, json_pack("{s:s,s:s,s:s}", "dev", d->dev, "netns", d->netns,
					"direction", "tx"), d->tx_packets);
	}
	free(devs);
	free(order);
	if (!counters)
		return fams; /* not loaded now: the totals kept so far, and nothing the maps would say */

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

/* What one read of the pins feeds: the totals, and what a scrape shows besides them. */
struct metrics_state {
	const struct cli *cli;
	struct view_filter flt;
	struct metrics_acc acc;
};

/* Read the table into the totals; a failure leaves the totals as they were. */
static int state_read(struct metrics_state *st, struct flow_view *v, __u64 *counters)
{
	int err;

	err = view_load(st->cli->pin_dir, v);
	if (err)
		return err;
	err = reader_counters(st->cli->pin_dir, counters);
	if (!err)
		err = acc_read(&st->acc, v, &st->flt);
	if (err)
		view_free(v);
	return err;
}

static void state_tick(void *ctx)
{
	struct metrics_state *st = ctx;
	__u64 counters[FO_STAT_MAX];
	struct flow_view v;

	if (!state_read(st, &v, counters))
		view_free(&v);
}

/* One scrape: read, then print every family, into a malloc'd buffer. */
static int state_render(void *ctx, char **body, size_t *len)
{
	struct metrics_state *st = ctx;
	__u64 counters[FO_STAT_MAX];
	struct flow_view v;
	bool ok = !state_read(st, &v, counters);
	json_t *fams;
	FILE *f;
	int err;

	fams = build(st->cli, &st->flt, ok ? &v : NULL, &st->acc, ok ? counters : NULL);
	if (ok)
		view_free(&v);
	f = open_memstream(body, len);
	if (!f) {
		json_decref(fams);
		return -errno;
	}
	err = out_prom(f, fams);
	if (fclose(f) && !err)
		err = -EIO;
	json_decref(fams);
	if (err) {
		free(*body);
		*body = NULL;
	}
	return err;
}

/* --listen: checked now, so a bad address is a usage error; the exporter parses it again. */
static int parse_listen(const char *arg, void *dest)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (exporter_parse_listen(arg, &ss, &len))
		return -EINVAL;
	*(const char **)dest = arg;
	return 0;
}

static int parse_poll(const char *arg, void *dest)
{
	unsigned int *ms = dest;
	double poll;
	char *end;

	errno = 0;
	poll = strtod(arg, &end);
	if (errno || end == arg || *end || !(poll >= 0) || poll > 3600)
		return -EINVAL;
	*ms = (unsigned int)(poll * 1000);
	return 0;
}

int cmd_metrics(struct cli *cli, int argc, char **argv)
{
	static const char *const by_choices[] = { "pid", NULL };
	struct metrics_state st = { .cli = cli };
	struct exporter_ops ops = { .render = state_render, .tick = state_tick, .ctx = &st,
				    .poll_ms = 1000 };
	__u64 counters[FO_STAT_MAX];
	const char *dev = NULL, *listen = NULL;
	struct flow_view v;
	bool by_pid = false;
	int by = 0;
	json_t *fams;
	int err, ret;
	const struct opt opts[] = {
		{ .name = "dev", .kind = OPT_STR, .dest = &dev },
		{ .name = "listen", .kind = OPT_FUNC, .dest = &listen, .parse = parse_listen,
		  .what = "not ADDR:PORT ([ADDR]:PORT for IPv6, :PORT for all)" },
		{ .name = "by", .kind = OPT_CHOICE, .dest = &by, .choices = by_choices,
		  .what = "only pid", .seen = &by_pid },
		{ .name = "poll", .kind = OPT_FUNC, .dest = &ops.poll_ms, .parse = parse_poll,
		  .what = "seconds, 0 (only at scrapes) to 3600" },
		{ .name = NULL },
	};
	const struct cmd_opts co = { .opts = opts, .needs_loaded = true };

	ret = cli_parse(cli, "metrics", &co, argc, argv);
	if (ret)
		return ret;
	(void)by; /* one choice: that it was given is what counts */
	ret = view_filter_init(cli, dev, &st.flt);
	if (ret)
		return ret;
	acc_init(&st.acc, by_pid);
	if (listen) {
		ret = exporter_serve(listen, &ops);
		acc_free(&st.acc);
		return ret;
	}
	/* Once, on stdout: the totals of one read are the sums over the flows in the table. */
	st.acc.last_read = true;
	err = state_read(&st, &v, counters);
	if (err) {
		fo_warn("%s: cannot read flows: %s", cli->pin_dir, strerror(-err));
		acc_free(&st.acc);
		return EXIT_RUNTIME;
	}
	fams = build(cli, &st.flt, &v, &st.acc, counters);
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
	view_free(&v);
	acc_free(&st.acc);
	return ret;
}
