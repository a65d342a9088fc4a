// SPDX-License-Identifier: GPL-2.0
/* cmd_watch.c — `flowowner watch`: flow and process events as they happen, from fo_events. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "events.h"
#include "flowrows.h"
#include "output.h"
#include "reader.h"

#define LOST_CHECK_NS 1000000000ULL /* how often fo_stats is read for lost events */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

struct owner_seen {
	__u32 pid;
	__u64 start_ns;
};

struct watch {
	const struct cli *cli;
	struct view_filter flt;
	struct flow_view view;     /* attachments only: device and namespace names */
	__u64 view_ns;             /* when the attachments were last read */
	__u64 start_ns;            /* events from before this are backlog, not news */
	unsigned long long count;  /* --count: stop after this many (0: never) */
	unsigned long long printed;
	struct owner_seen *owners; /* with -n: owners seen there, whose exits are shown */
	size_t nowners, capowners;
};

static const char *const type_names[] = {
	[FO_EV_FLOW_START] = "flow_start",
	[FO_EV_OWNER_CHANGE] = "owner_change",
	[FO_EV_FLOW_END] = "flow_end",
	[FO_EV_PROC_EXIT] = "proc_exit",
};

static const char *type_name(__u32 type)
{
	if (type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type])
		return type_names[type];
	return "unknown";
}

static void refresh_devices(struct watch *w, __u64 now)
{
	/* A device attached after watch started gets its name on the next lookup. */
	free(w->view.att);
	w->view.att = NULL;
	w->view.natt = 0;
	attach_list(w->cli->pin_dir, &w->view.att, &w->view.natt);
	w->view_ns = now;
}

static bool owner_known(const struct watch *w, __u32 pid, __u64 start_ns)
{
	size_t i;

	for (i = 0; i < w->nowners; i++)
		if (w->owners[i].pid == pid && w->owners[i].start_ns == start_ns)
			return true;
	return false;
}

static void owner_remember(struct watch *w, __u32 pid, __u64 start_ns)
{
	struct owner_seen *n;

	if (!pid || owner_known(w, pid, start_ns))
		return;
	if (w->nowners == w->capowners) {
		size_t cap = w->capowners ? w->capowners * 2 : 64;

		n = realloc(w->owners, cap * sizeof(*n));
		if (!n)
			return; /* only costs showing that owner's exit */
		w->owners = n;
		w->capowners = cap;
	}
	w->owners[w->nowners].pid = pid;
	w->owners[w->nowners].start_ns = start_ns;
	w->nowners++;
}

/* One event as a JSON object: the fields flows -j uses, plus type and time. */
static json_t *event_row(struct watch *w, const struct fo_event *ev)
{
	char local[64], remote[64], dev[32], comm[80], pbuf[8];
	json_t *row = json_object();
	bool owned = ev->type == FO_EV_PROC_EXIT || ev->source != FO_SRC_NONE;

	json_object_set_new(row, "type", json_string(type_name(ev->type)));
	json_object_set_new(row, "time", json_real(reader_unix_time(ev->ts_ns)));
	if (ev->type != FO_EV_PROC_EXIT) {
		const struct flow_key *k = &ev->key;

		fmt_addr(k->family, k->local, local, sizeof(local));
		fmt_addr(k->family, k->remote, remote, sizeof(remote));
		flow_dev(&w->view, k, dev, sizeof(dev));
		json_object_set_new(row, "proto", json_string(proto_name(k->proto, pbuf, sizeof(pbuf))));
		json_object_set_new(row, "family", json_integer(k->family));
		json_object_set_new(row, "local", json_string(local));
		json_object_set_new(row, "local_port", json_integer(k->local_port));
		json_object_set_new(row, "remote", json_string(remote));
		json_object_set_new(row, "remote_port", json_integer(k->remote_port));
		json_object_set_new(row, "dev", json_string(dev));
		json_object_set_new(row, "ifindex", json_integer(k->ifindex));
		json_object_set_new(row, "netns_cookie", json_integer((json_int_t)k->netns_cookie));
	}
	comm_text(ev->owner.comm, FO_COMM_LEN, comm, sizeof(comm));
	json_object_set_new(row, "pid", json_integer(owned ? ev->owner.pid : 0));
	json_object_set_new(row, "comm", json_string(owned ? comm : ""));
	json_object_set_new(row, "uid", json_integer(owned ? ev->owner.uid : 0));
	json_object_set_new(row, "cgroup_id", json_integer(owned ? (json_int_t)ev->owner.cgroup_id : 0));
	if (ev->type != FO_EV_PROC_EXIT) {
		json_object_set_new(row, "owner_source", json_string(source_name(ev->source)));
		if (ev->source == FO_SRC_NONE)
			json_object_set_new(row, "unattributed_reason", json_string(reason_name(ev->reason)));
	}
	if (ev->type == FO_EV_FLOW_END) {
		json_object_set_new(row, "tx_packets", json_integer((json_int_t)ev->tx_packets));
		json_object_set_new(row, "tx_bytes", json_integer((json_int_t)ev->tx_bytes));
		json_object_set_new(row, "rx_packets", json_integer((json_int_t)ev->rx_packets));
		json_object_set_new(row, "rx_bytes", json_integer((json_int_t)ev->rx_bytes));
	}
	return row;
}

static void clock_text(double unix_time, char *buf, size_t len)
{
	time_t t = (time_t)unix_time;
	struct tm tm;
	int ms = (int)((unix_time - (double)t) * 1000);

	localtime_r(&t, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, ms > 999 ? 999 : ms);
}

static void endpoint(json_t *row, const char *addr, const char *port, char *buf, size_t len)
{
	snprintf(buf, len, json_integer_value(json_object_get(row, "family")) == 6 ? "[%s]:%lld" : "%s:%lld",
		 json_string_value(json_object_get(row, addr)),
		 (long long)json_integer_value(json_object_get(row, port)));
}

/* The human line is made from the JSON row, so both forms say the same thing. */
static void print_human(const struct cli *cli, json_t *row)
{
	const char *type = json_string_value(json_object_get(row, "type"));
	char when[32], l[96], r[96], a[32], b[32];
	json_t *why;

	clock_text(json_real_value(json_object_get(row, "time")), when, sizeof(when));
	printf("%s %-12s", when, type);
	if (json_object_get(row, "proto")) {
		endpoint(row, "local", "local_port", l, sizeof(l));
		endpoint(row, "remote", "remote_port", r, sizeof(r));
		printf(" %s %s -> %s dev %s", json_string_value(json_object_get(row, "proto")), l, r,
		       json_string_value(json_object_get(row, "dev")));
	}
	why = json_object_get(row, "unattributed_reason");
	if (why)
		printf(" owner none (%s)", json_string_value(why));
	else
		printf(" pid %lld %s uid %lld", (long long)json_integer_value(json_object_get(row, "pid")),
		       json_string_value(json_object_get(row, "comm")),
		       (long long)json_integer_value(json_object_get(row, "uid")));
	if (json_object_get(row, "owner_source") && !why)
		printf(" (%s)", json_string_value(json_object_get(row, "owner_source")));
	if (json_object_get(row, "tx_bytes")) {
		json_int_t tb = json_integer_value(json_object_get(row, "tx_bytes"));
		json_int_t rb = json_integer_value(json_object_get(row, "rx_bytes"));

		if (cli->numeric) {
			snprintf(a, sizeof(a), "%lld", (long long)tb);
			snprintf(b, sizeof(b), "%lld", (long long)rb);
		} else {
			fmt_bytes(tb, a, sizeof(a));
			fmt_bytes(rb, b, sizeof(b));
		}
		printf(" tx %lld pkts %s rx %lld pkts %s",
		       (long long)json_integer_value(json_object_get(row, "tx_packets")), a,
		       (long long)json_integer_value(json_object_get(row, "rx_packets")), b);
	}
	putchar('\n');
	fflush(stdout); /* a reader on a pipe sees each event as it happens */
}

static int on_event(void *data, const struct fo_event *ev)
{
	struct watch *w = data;
	json_t *row;

	if (ev->ts_ns < w->start_ns)
		return 0; /* left in the buffer from before we started: not news */
	if (ev->type == FO_EV_PROC_EXIT) {
		/* A process has no namespace: with -n, show the exits of owners seen there. */
		if ((w->flt.by_netns || w->flt.dev) && !owner_known(w, ev->owner.pid, ev->owner.start_ns))
			return 0;
	} else {
		struct flow_rec f = { .key = ev->key };

		if (!*flow_netns_name(&w->view, ev->key.ifindex, ev->key.netns_cookie) &&
		    reader_mono_ns() - w->view_ns > LOST_CHECK_NS)
			refresh_devices(w, reader_mono_ns());
		if (!view_flow_selected(&w->view, &f, &w->flt))
			return 0;
		if (ev->source != FO_SRC_NONE)
			owner_remember(w, ev->owner.pid, ev->owner.start_ns);
	}
	row = event_row(w, ev);
	if (w->cli->json)
		out_json(row, false);
	else
		print_human(w->cli, row);
	json_decref(row);
	if (ferror(stdout))
		return -EPIPE; /* the reader went away (watch | head): stop like --count */
	if (w->count && ++w->printed >= w->count)
		return -ECANCELED;
	return 0;
}

static int report_lost(const struct watch *w, __u64 *lost)
{
	__u64 c[FO_STAT_MAX];
	json_t *row;

	if (reader_counters(w->cli->pin_dir, c))
		return 0;
	if (c[FO_STAT_EVENTS_LOST] <= *lost)
		return 0;
	if (w->cli->json) {
		row = json_pack("{s:s,s:I}", "type", "lost", "count",
				(json_int_t)(c[FO_STAT_EVENTS_LOST] - *lost));
		out_json(row, false);
		json_decref(row);
	} else {
		printf("lost %llu events (the ring buffer was full)\n",
		       (unsigned long long)(c[FO_STAT_EVENTS_LOST] - *lost));
		fflush(stdout);
	}
	*lost = c[FO_STAT_EVENTS_LOST];
	return 1;
}

int cmd_watch(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "dev", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct watch w = { .cli = cli };
	struct sigaction sa = { .sa_handler = on_signal };
	struct events *ev = NULL;
	__u64 counters[FO_STAT_MAX], lost, deadline = 0, last_check, now;
	const char *dev = NULL;
	double timeout = 0;
	char *end;
	int opt, err, ret;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			if (parse_u64(optarg, ~0ULL, &w.count) || !w.count)
				return fo_usage("watch", "--count %s: not a positive number", optarg);
			break;
		case 't':
			errno = 0;
			timeout = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(timeout > 0) || timeout > 1e9)
				return fo_usage("watch", "--timeout %s: not a number of seconds", optarg);
			break;
		case 'd': dev = optarg; break;
		default:
			return fo_usage("watch", "%s: unknown option", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return fo_usage("watch", "%s: unexpected argument", argv[optind]);
	ret = require_loaded(cli);
	if (ret)
		return ret;
	ret = view_filter_init(cli, dev, &w.flt);
	if (ret)
		return ret;
	err = reader_counters(cli->pin_dir, counters);
	if (err) {
		fo_warn("%s: cannot read counters: %s", cli->pin_dir, strerror(-err));
		return EXIT_RUNTIME;
	}
	lost = counters[FO_STAT_EVENTS_LOST];
	w.start_ns = reader_mono_ns();
	refresh_devices(&w, w.start_ns);
	err = events_open(cli->pin_dir, on_event, &w, &ev);
	if (err) {
		fo_warn("%s/fo_events: %s", cli->pin_dir,
			err == -EBUSY ? "another watch is reading the events (one reader at a time)"
				      : strerror(-err));
		ret = EXIT_RUNTIME;
		goto out;
	}
	/* No SA_RESTART: the signal interrupts the poll, and we leave through the one exit. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A closed pipe is a write error we see, not a death that leaves the lock file. */
	signal(SIGPIPE, SIG_IGN);
	if (timeout > 0)
		deadline = w.start_ns + (__u64)(timeout * 1e9);
	last_check = w.start_ns;
	while (!stop) {
		int wait_ms = 250;

		now = reader_mono_ns();
		if (deadline) {
			if (now >= deadline)
				break;
			if ((deadline - now) / 1000000 < (__u64)wait_ms)
				wait_ms = (deadline - now) / 1000000 + 1;
		}
		err = events_poll(ev, wait_ms);
		if (err == -ECANCELED)
			break; /* --count reached */
		if (err == -EPIPE) {
			ret = EXIT_OK;
			goto out;
		}
		if (err < 0 && err != -EINTR) {
			fo_warn("%s/fo_events: %s", cli->pin_dir, strerror(-err));
			ret = EXIT_RUNTIME;
			goto out;
		}
		now = reader_mono_ns();
		if (now - last_check >= LOST_CHECK_NS) {
			report_lost(&w, &lost);
			last_check = now;
		}
	}
	/* Whatever was lost up to the end is said before we go. */
	report_lost(&w, &lost);
	ret = EXIT_OK;
out:
	events_close(ev);
	free(w.view.att);
	free(w.owners);
	return ret;
}
