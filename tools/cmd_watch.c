// SPDX-License-Identifier: GPL-2.0
/* cmd_watch.c — `flowowner watch`: flow and process events as they happen, from fo_events. */
#include <errno.h>
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
	[FO_EV_QUOTA_REACHED] = "quota_reached",
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
	w->view.dev_name = NULL; /* the device names flow_dev_name remembered were in that list */
	w->view.unix_offset_ns = reader_unix_offset_ns(); /* and the clock, now and then */
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

/* One event as both forms see it: the flow's identity as flows names it, its owner, and for
 * a flow's end its counters. */
struct event_row {
	const char *type;
	__u64 unix_ns;
	bool has_flow;
	struct flow_ident id;
	bool owned;
	char comm[80];
	const struct fo_event *ev;
};

static void event_fill(struct watch *w, const struct fo_event *ev, struct event_row *r)
{
	r->ev = ev;
	r->type = type_name(ev->type);
	r->unix_ns = ev->ts_ns + w->view.unix_offset_ns;
	r->has_flow = ev->type != FO_EV_PROC_EXIT;
	if (r->has_flow)
		flow_ident_fill(&w->view, &ev->key, &r->id);
	r->owned = ev->type == FO_EV_PROC_EXIT || ev->source != FO_SRC_NONE;
	if (r->owned)
		comm_text(ev->owner.comm, FO_COMM_LEN, r->comm, sizeof(r->comm));
	else
		r->comm[0] = '\0';
}

/* The event as one JSON object: the fields flows -j uses, plus type and time. */
static int event_json(const struct event_row *r)
{
	const struct fo_event *ev = r->ev;
	struct jw *jw = jw_open(stdout, false);

	if (!jw)
		return -ENOMEM;
	jw_start_object(jw);
	jw_kv_string(jw, "type", r->type);
	jw_key(jw, "time");
	jw_unix_ns(jw, r->unix_ns);
	if (r->has_flow)
		flow_ident_json(jw, &r->id);
	owner_json(jw, r->owned ? ev->owner.pid : 0, r->comm, r->owned ? ev->owner.uid : 0,
		   r->owned ? ev->owner.cgroup_id : 0);
	if (r->has_flow) {
		jw_kv_string(jw, "owner_source", source_name(ev->source));
		if (ev->source == FO_SRC_NONE) {
			jw_kv_string(jw, "unattributed_reason", reason_name(ev->reason));
		}
	}
	if (ev->type == FO_EV_QUOTA_REACHED) {
		jw_key(jw, "rule");
		jw_u64(jw, ev->rule_id & ~FO_RULE_BANK); /* the id users see */
		jw_kv_u64(jw, "quota_used", ev->tx_bytes);
		jw_kv_u64(jw, "quota", ev->rx_bytes);
	}
	/* A flow's totals at its end, and at an owner change: what the owner before was charged. */
	if (ev->type == FO_EV_FLOW_END || ev->type == FO_EV_OWNER_CHANGE) {
		struct flow_counts c = { ev->tx_packets, ev->tx_bytes, ev->rx_packets, ev->rx_bytes };

		counts_json(jw, &c);
	}
	jw_end_object(jw);
	return jw_close(jw); /* a line each, flushed: a reader on a pipe sees it now */
}

static void clock_text(__u64 unix_ns, char *buf, size_t len)
{
	time_t t = (time_t)(unix_ns / 1000000000ULL);
	struct tm tm;

	localtime_r(&t, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(unix_ns % 1000000000ULL / 1000000));
}

/* The human line is made from the same row as the JSON, so both forms say the same thing. */
static void print_human(const struct cli *cli, const struct event_row *r)
{
	const struct fo_event *ev = r->ev;
	char when[32], l[96], rem[96], a[32], b[32];
	bool none = r->has_flow && ev->source == FO_SRC_NONE;

	clock_text(r->unix_ns, when, sizeof(when));
	printf("%s %-12s", when, r->type);
	if (r->has_flow) {
		cell_endpoint(l, sizeof(l), r->id.family, r->id.local, r->id.local_port);
		cell_endpoint(rem, sizeof(rem), r->id.family, r->id.remote, r->id.remote_port);
		printf(" %s %s -> %s dev %s", r->id.proto, l, rem, r->id.dev);
	}
	if (none)
		printf(" owner none (%s)", reason_name(ev->reason));
	else
		printf(" pid %u %s uid %u", ev->owner.pid, r->comm, ev->owner.uid);
	if (r->has_flow && !none)
		printf(" (%s)", source_name(ev->source));
	if (ev->type == FO_EV_FLOW_END) {
		cell_bytes(a, sizeof(a), ev->tx_bytes, cli->numeric);
		cell_bytes(b, sizeof(b), ev->rx_bytes, cli->numeric);
		printf(" tx %llu pkts %s rx %llu pkts %s", (unsigned long long)ev->tx_packets, a,
		       (unsigned long long)ev->rx_packets, b);
	}
	if (ev->type == FO_EV_QUOTA_REACHED) {
		cell_bytes(a, sizeof(a), ev->tx_bytes, cli->numeric);
		cell_bytes(b, sizeof(b), ev->rx_bytes, cli->numeric);
		printf(" rule %u used %s of %s", ev->rule_id & ~FO_RULE_BANK, a, b);
	}
	putchar('\n');
	fflush(stdout); /* a reader on a pipe sees each event as it happens */
}

static int on_event(void *data, const struct fo_event *ev)
{
	struct watch *w = data;
	struct event_row row;

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
	event_fill(w, ev, &row);
	if (w->cli->json)
		event_json(&row);
	else
		print_human(w->cli, &row);
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

static int parse_timeout(const char *arg, void *dest)
{
	double *t = dest;
	char *end;

	errno = 0;
	*t = strtod(arg, &end);
	return errno || end == arg || *end || !(*t > 0) || *t > 1e9 ? -EINVAL : 0;
}

int cmd_watch(struct cli *cli, int argc, char **argv)
{
	struct watch w = { .cli = cli };
	struct sigaction sa = { .sa_handler = on_signal };
	struct events *ev = NULL;
	__u64 counters[FO_STAT_MAX], lost, deadline = 0, last_check, now;
	const char *dev = NULL;
	double timeout = 0;
	int err, ret;
	const struct opt opts[] = {
		{ .name = "count", .kind = OPT_U64, .dest = &w.count, .what = "not a positive number",
		  .min = 1, .max = ~0ULL },
		{ .name = "timeout", .kind = OPT_FUNC, .dest = &timeout, .parse = parse_timeout,
		  .what = "not a number of seconds" },
		{ .name = "dev", .kind = OPT_STR, .dest = &dev },
		{ .name = NULL },
	};
	const struct cmd_opts co = { .opts = opts, .needs_loaded = true };

	ret = cli_parse(cli, "watch", &co, argc, argv);
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
