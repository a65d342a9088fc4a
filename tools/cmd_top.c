// SPDX-License-Identifier: GPL-2.0
/* cmd_top.c — `flowowner top`: live per-process traffic, like nethogs, or one sample of it. */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curses.h>
#include "cgroup.h"
#include "cli.h"
#include "flowrows.h"
#include "procsum.h"
#include "output.h"
#include "reader.h"

enum top_sort { SORT_RX, SORT_TX, SORT_TOTAL, SORT_MAX };

static const char *const sort_names[SORT_MAX] = { "rx", "tx", "total" };

/* One reading of the flow table, summed per process. */
struct sample {
	struct proc_sum *sums; /* sorted by (pid, start_ns) */
	size_t n;
	__u64 t_ns; /* CLOCK_MONOTONIC */
};

struct name_cache {
	__u64 id;
	char name[256];
};

struct top {
	const struct cli *cli;
	struct view_filter flt;
	enum top_sort sort;
	double interval;
	/* cgroup ids are never reused and users rarely change: each is looked up once. */
	struct name_cache *cg, *users;
	size_t ncg, nusers;
};

/* Rates of one process between two samples; negative before a first interval. */
struct line {
	const struct proc_sum *p;
	double rx_rate, tx_rate;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static const char *cached(struct name_cache **cache, size_t *n, __u64 id, bool cgroup)
{
	struct name_cache *c;
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*cache)[i].id == id)
			return (*cache)[i].name;
	c = realloc(*cache, (*n + 1) * sizeof(**cache));
	if (!c)
		return "";
	*cache = c;
	c = &c[(*n)++];
	c->id = id;
	c->name[0] = '\0';
	if (cgroup) {
		char path[sizeof(c->name) - 1];

		/* Relative to the v2 root; the root itself is "/". */
		if (id && !cgroup_path_of(id, path, sizeof(path)))
			snprintf(c->name, sizeof(c->name), "%s%s", path[0] == '/' ? "" : "/", path);
	} else {
		struct passwd pw, *res = NULL;
		char buf[1024];

		if (!getpwuid_r((uid_t)id, &pw, buf, sizeof(buf), &res) && res)
			snprintf(c->name, sizeof(c->name), "%s", pw.pw_name);
		else
			snprintf(c->name, sizeof(c->name), "%llu", (unsigned long long)id);
	}
	return c->name;
}

static int take_sample(struct top *t, struct sample *s)
{
	struct flow_view v;
	int err;

	err = view_load(t->cli->pin_dir, &v);
	if (err)
		return err;
	free(s->sums);
	s->sums = NULL;
	s->n = 0;
	err = view_sum_procs(&v, &t->flt, false, &s->sums, &s->n);
	s->t_ns = reader_mono_ns();
	view_free(&v);
	return err;
}

static const struct proc_sum *find_sum(const struct sample *s, const struct proc_sum *p)
{
	return proc_sum_find(s->sums, s->n, p->pid, p->start_ns);
}

static enum top_sort cmp_sort;

static double sort_value(const struct line *l, bool rate)
{
	if (rate) {
		switch (cmp_sort) {
		case SORT_RX: return l->rx_rate;
		case SORT_TX: return l->tx_rate;
		default: return l->rx_rate + l->tx_rate;
		}
	}
	switch (cmp_sort) {
	case SORT_RX: return l->p->rx_bytes;
	case SORT_TX: return l->p->tx_bytes;
	default: return (double)l->p->rx_bytes + l->p->tx_bytes;
	}
}

static int cmp_lines(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	double vx = sort_value(x, true), vy = sort_value(y, true);

	/* Busiest now first; among the idle, most traffic so far. */
	if (vx != vy)
		return vx > vy ? -1 : 1;
	vx = sort_value(x, false);
	vy = sort_value(y, false);
	if (vx != vy)
		return vx > vy ? -1 : 1;
	return x->p->pid < y->p->pid ? -1 : x->p->pid > y->p->pid;
}

/* The rows `top -j` prints and the screen shows: CUR against PREV (NULL while warming up). */
static json_t *top_rows(struct top *t, const struct sample *prev, const struct sample *cur)
{
	double dt = prev ? (double)(cur->t_ns - prev->t_ns) / 1e9 : 0;
	struct line *lines;
	json_t *rows = json_array();
	size_t i;

	lines = calloc(cur->n ? cur->n : 1, sizeof(*lines));
	if (!lines)
		return rows;
	for (i = 0; i < cur->n; i++) {
		const struct proc_sum *p = &cur->sums[i];
		const struct proc_sum *q = prev ? find_sum(prev, p) : NULL;

		lines[i].p = p;
		lines[i].rx_rate = lines[i].tx_rate = -1;
		if (prev && dt > 0) {
			/* A process absent before had all its bytes in this interval; a flow
			 * evicted meanwhile must not make a rate negative. */
			__u64 rx0 = q ? q->rx_bytes : 0, tx0 = q ? q->tx_bytes : 0;

			lines[i].rx_rate = p->rx_bytes > rx0 ? (p->rx_bytes - rx0) / dt : 0;
			lines[i].tx_rate = p->tx_bytes > tx0 ? (p->tx_bytes - tx0) / dt : 0;
		}
	}
	cmp_sort = t->sort;
	qsort(lines, cur->n, sizeof(*lines), cmp_lines);
	for (i = 0; i < cur->n; i++) {
		const struct proc_sum *p = lines[i].p;
		json_t *row = json_object();
		const char *cg;

		json_object_set_new(row, "pid", json_integer(p->pid));
		json_object_set_new(row, "user", json_string(p->pid ? cached(&t->users, &t->nusers, p->uid, false) : ""));
		json_object_set_new(row, "uid", json_integer(p->uid));
		json_object_set_new(row, "comm", json_string(p->comm));
		json_object_set_new(row, "cgroup_id", json_integer((json_int_t)p->cgroup_id));
		cg = cached(&t->cg, &t->ncg, p->cgroup_id, true);
		json_object_set_new(row, "cgroup", *cg ? json_string(cg) : json_null());
		view_row_names(row, *cg ? cg : NULL);
		json_object_set_new(row, "rx_rate", lines[i].rx_rate < 0 ? json_null() : json_real(lines[i].rx_rate));
		json_object_set_new(row, "tx_rate", lines[i].tx_rate < 0 ? json_null() : json_real(lines[i].tx_rate));
		json_object_set_new(row, "rx_bytes", json_integer((json_int_t)p->rx_bytes));
		json_object_set_new(row, "tx_bytes", json_integer((json_int_t)p->tx_bytes));
		json_object_set_new(row, "rx_packets", json_integer((json_int_t)p->rx_packets));
		json_object_set_new(row, "tx_packets", json_integer((json_int_t)p->tx_packets));
		json_object_set_new(row, "flows", json_integer((json_int_t)p->flows));
		json_object_set_new(row, "start_ns", json_integer((json_int_t)p->start_ns));
		json_object_set_new(row, "exited", json_boolean(p->exited));
		json_array_append_new(rows, row);
	}
	free(lines);
	return rows;
}

static void col_user(json_t *row, char *buf, size_t len)
{
	snprintf(buf, len, "%s", json_integer_value(json_object_get(row, "pid"))
				     ? json_string_value(json_object_get(row, "user")) : "-");
}

static void col_comm(json_t *row, char *buf, size_t len)
{
	if (!json_integer_value(json_object_get(row, "pid")))
		snprintf(buf, len, "(unattributed)");
	else
		snprintf(buf, len, "%s%s", json_string_value(json_object_get(row, "comm")),
			 json_is_true(json_object_get(row, "exited")) ? " (exited)" : "");
}

static const struct column top_cols[] = {
	{ "Pid", "pid", COL_NUM, NULL },
	{ "User", NULL, COL_CUSTOM, col_user },
	{ "Comm", NULL, COL_CUSTOM, col_comm },
	{ "Rx/s", "rx_rate", COL_RATE, NULL },
	{ "Tx/s", "tx_rate", COL_RATE, NULL },
	{ "RxTotal", "rx_bytes", COL_BYTES, NULL },
	{ "TxTotal", "tx_bytes", COL_BYTES, NULL },
	{ "Flows", "flows", COL_NUM, NULL },
	{ "Unit/Container", NULL, COL_CUSTOM, col_unit_or_container },
	{ "Cgroup", "cgroup", COL_STR, NULL },
};

#define NCOLS (sizeof(top_cols) / sizeof(top_cols[0]))

static void sleep_for(double sec)
{
	struct timespec ts = { .tv_sec = (time_t)sec, .tv_nsec = (long)((sec - (time_t)sec) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR && !stop)
		;
}

/* --once, or stdout is not a terminal: two readings an interval apart, printed once. */
static int top_once(struct top *t)
{
	struct sample a = {}, b = {};
	json_t *rows;
	int err;

	err = take_sample(t, &a);
	if (!err) {
		sleep_for(t->interval);
		err = take_sample(t, &b);
	}
	if (err) {
		fo_warn("%s: cannot read flows: %s", t->cli->pin_dir, strerror(-err));
		free(a.sums);
		free(b.sums);
		return EXIT_RUNTIME;
	}
	rows = top_rows(t, &a, &b);
	if (t->cli->json)
		out_json(rows, t->cli->pretty);
	else
		out_table(top_cols, NCOLS, rows, t->cli->numeric);
	json_decref(rows);
	free(a.sums);
	free(b.sums);
	return EXIT_OK;
}

static void draw(struct top *t, const struct sample *prev, const struct sample *cur, bool paused,
		 bool colour, const char *error)
{
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	char title[256], when[16];
	time_t now = time(NULL);
	struct tm tm;
	json_t *rows;
	FILE *f;
	int y = 2;

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	rows = top_rows(t, prev, cur);
	snprintf(title, sizeof(title), " flowowner top  %s  %zu processes  sort %s  every %.1f s%s%s",
		 when, json_array_size(rows), sort_names[t->sort], t->interval,
		 paused ? "  [paused]" : "", !prev ? "  [warming up: rates after the first interval]" : "");
	erase();
	attron(colour ? COLOR_PAIR(1) : A_REVERSE);
	mvhline(0, 0, ' ', COLS);
	mvaddnstr(0, 0, title, COLS);
	attroff(colour ? COLOR_PAIR(1) : A_REVERSE);
	mvaddnstr(1, 0, error ? error : " q quit   s sort by rx, tx, total   p pause", COLS);

	/* The screen shows the table `top --once` prints, drawn through the same code. */
	f = open_memstream(&text, &len);
	if (f) {
		out_table_fp(f, top_cols, NCOLS, rows, t->cli->numeric, false);
		fclose(f);
		for (line = strtok_r(text, "\n", &save); line && y < LINES;
		     line = strtok_r(NULL, "\n", &save), y++) {
			if (y == 2)
				attron(A_BOLD);
			mvaddnstr(y, 0, line, COLS);
			if (y == 2)
				attroff(A_BOLD);
		}
		free(text);
	}
	json_decref(rows);
	refresh();
}

static int top_screen(struct top *t)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sample a = {}, b = {}, *prev = NULL, *cur = &a;
	__u64 next;
	bool paused = false, colour;
	char error[256] = "";
	SCREEN *scr;
	int err, ret = EXIT_OK;

	err = take_sample(t, cur);
	if (err) {
		fo_warn("%s: cannot read flows: %s", t->cli->pin_dir, strerror(-err));
		free(a.sums);
		return EXIT_RUNTIME;
	}
	/* Our handlers first: ncurses keeps handlers it finds, and restores the terminal
	 * through endwin on the one way out. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		fo_warn("%s: unknown terminal type (try TERM=xterm, or --once)",
			getenv("TERM") ? getenv("TERM") : "TERM");
		free(a.sums);
		return EXIT_RUNTIME;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(100);
	colour = out_colour() && has_colors();
	if (colour) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_BLACK, COLOR_CYAN);
	}
	next = cur->t_ns + (__u64)(t->interval * 1e9);
	draw(t, prev, cur, paused, colour, NULL);
	while (!stop) {
		int ch = getch();
		bool redraw = false;

		switch (ch) {
		case 'q': case 'Q':
			stop = 1;
			continue;
		case 's': case 'S':
			t->sort = (t->sort + 1) % SORT_MAX;
			redraw = true;
			break;
		case 'p': case 'P': case ' ':
			paused = !paused;
			redraw = true;
			break;
		case KEY_RESIZE: /* ncurses took SIGWINCH and resized its screen */
			redraw = true;
			break;
		}
		if (!paused && reader_mono_ns() >= next) {
			struct sample *fresh = prev ? prev : (cur == &a ? &b : &a);

			err = take_sample(t, fresh);
			if (err) {
				/* Shown on screen and tried again: unload would end us anyway. */
				snprintf(error, sizeof(error), " cannot read %s: %s", t->cli->pin_dir,
					 strerror(-err));
			} else {
				error[0] = '\0';
				prev = cur;
				cur = fresh;
			}
			next = reader_mono_ns() + (__u64)(t->interval * 1e9);
			redraw = true;
		}
		if (redraw)
			draw(t, prev, cur, paused, colour, error[0] ? error : NULL);
	}
	endwin();
	delscreen(scr);
	free(a.sums);
	free(b.sums);
	return ret;
}

static int parse_interval(const char *arg, void *dest)
{
	double *v = dest;
	char *end;

	errno = 0;
	*v = strtod(arg, &end);
	if (errno || end == arg || *end || !(*v >= 0.1) || *v > 3600)
		return -EINVAL;
	return 0;
}

int cmd_top(struct cli *cli, int argc, char **argv)
{
	static const char *const sort_choices[] = { "rx", "tx", "total", NULL };
	struct top t = { .cli = cli, .sort = SORT_TOTAL, .interval = 1.0 };
	const char *dev = NULL;
	bool once = false;
	int sort = SORT_TOTAL, ret;
	const struct opt opts[] = {
		{ .name = "interval", .kind = OPT_FUNC, .dest = &t.interval,
		  .what = "seconds, from 0.1 to 3600", .parse = parse_interval },
		{ .name = "once", .kind = OPT_FLAG, .dest = &once },
		{ .name = "sort", .kind = OPT_CHOICE, .dest = &sort, .what = "rx, tx or total",
		  .choices = sort_choices },
		{ .name = "dev", .kind = OPT_STR, .dest = &dev },
		{ .name = NULL },
	};
	const struct cmd_opts co = { .opts = opts, .needs_loaded = true };

	ret = cli_parse(cli, "top", &co, argc, argv);
	if (ret)
		return ret;
	t.sort = sort;
	ret = view_filter_init(cli, dev, &t.flt);
	if (ret)
		return ret;
	if (once || cli->json || !isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))
		ret = top_once(&t);
	else
		ret = top_screen(&t);
	free(t.cg);
	free(t.users);
	return ret;
}
