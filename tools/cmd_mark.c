// SPDX-License-Identifier: GPL-2.0
/* cmd_mark.c — `flowowner mark`: add, delete and list marking rules. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cgname.h"
#include "cgroup.h"
#include "cli.h"
#include "output.h"
#include "pins.h"
#include "pinset.h"
#include "policy.h"

static const char *const sel_names[] = { "", "pid", "comm", "cgroup", "uid", "exe", "unit",
					 "container" };

static const char *selector_name(__u32 sel)
{
	return sel < sizeof(sel_names) / sizeof(sel_names[0]) ? sel_names[sel] : "?";
}

static bool names_cgroup(__u32 sel)
{
	return sel == FO_SEL_CGROUP || sel == FO_SEL_UNIT || sel == FO_SEL_CONTAINER;
}

/* The word a unit or container rule was given: from its cgroup's path while that exists, else
 * what the rule kept of it in path. */
static void rule_name(const struct policy_rule *r, const struct cgroup_table *cg, char *buf,
		      size_t len)
{
	const char *path = cgroup_table_path(cg, r->value);
	struct cgroup_names n;

	buf[0] = '\0';
	if (path) {
		cgroup_names_of(path, &n);
		if (r->selector == FO_SEL_UNIT && n.unit[0])
			snprintf(buf, len, "%s", n.unit);
		if (r->selector == FO_SEL_CONTAINER && n.container[0])
			snprintf(buf, len, "%s", n.container);
	}
	if (!buf[0])
		snprintf(buf, len, "%.*s", FO_PATH_LEN, r->path);
}

/* ST: the rule's live rate and quota state, NULL when it has none (or it is being added). */
static json_t *rule_row(const struct policy_rule *r, const struct cgroup_table *cg,
			const struct shape_state *st)
{
	char comm[80], text[512];
	const char *path;
	json_t *row = json_object(), *act = json_object();

	json_object_set_new(row, "id", json_integer(r->id));
	json_object_set_new(row, "selector", json_string(selector_name(r->selector)));
	if (r->selector == FO_SEL_EXE) {
		json_object_set_new(row, "value", json_string(r->path));
		json_object_set_new(row, "dev", json_integer(r->dev));
		json_object_set_new(row, "inode", json_integer((json_int_t)r->value));
	} else if (r->selector == FO_SEL_COMM) {
		comm_text(r->comm, FO_COMM_LEN, comm, sizeof(comm));
		json_object_set_new(row, "value", json_string(comm));
	} else {
		json_object_set_new(row, "value", json_integer((json_int_t)r->value));
	}
	path = names_cgroup(r->selector) ? cgroup_table_path(cg, r->value) : NULL;
	if (path)
		json_object_set_new(row, "cgroup_path", json_string(path));
	if (r->selector == FO_SEL_UNIT || r->selector == FO_SEL_CONTAINER) {
		rule_name(r, cg, text, sizeof(text));
		json_object_set_new(row, r->selector == FO_SEL_UNIT ? "unit" : "container",
				    json_string(text));
	}
	if (r->actions & FO_ACT_MARK) {
		json_object_set_new(act, "mark", json_integer(r->mark));
		json_object_set_new(act, "mask", json_integer(r->mark_mask));
	}
	if (r->actions & FO_ACT_PRIORITY) {
		snprintf(text, sizeof(text), "%x:%x", r->priority >> 16, r->priority & 0xffff);
		json_object_set_new(act, "priority", json_string(text));
	}
	json_object_set_new(act, "drop", json_boolean(r->actions & FO_ACT_DROP));
	if (r->actions & FO_ACT_RATE) {
		json_object_set_new(act, "rate", json_integer((json_int_t)r->rate));
		json_object_set_new(act, "burst", json_integer((json_int_t)r->burst));
	}
	if (r->actions & FO_ACT_QUOTA) {
		char used[32], limit[32];

		json_object_set_new(act, "quota", json_integer((json_int_t)r->quota));
		json_object_set_new(act, "quota_used", json_integer(st ? (json_int_t)st->used : 0));
		fmt_bytes(st ? st->used : 0, used, sizeof(used));
		fmt_bytes(r->quota, limit, sizeof(limit));
		snprintf(text, sizeof(text), "%s / %s", used, limit);
		json_object_set_new(row, "quota", json_string(text));
	}
	json_object_set_new(row, "actions", act);
	policy_selector_text(r, text, sizeof(text));
	if (r->selector == FO_SEL_COMM) {
		snprintf(text, sizeof(text), "comm %s", comm);
	} else if (r->selector == FO_SEL_UNIT || r->selector == FO_SEL_CONTAINER) {
		char name[256];

		rule_name(r, cg, name, sizeof(name));
		snprintf(text, sizeof(text), "%s %s%s", selector_name(r->selector), name,
			 path ? "" : " (cgroup gone)");
	}
	json_object_set_new(row, "match", json_string(text));
	policy_actions_text(r, text, sizeof(text));
	json_object_set_new(row, "action", json_string(text));
	return row;
}

static const struct column rule_cols[] = {
	{ "Id", "id", COL_NUM, NULL },
	{ "Match", "match", COL_STR, NULL },
	{ "Action", "action", COL_STR, NULL },
	{ "Used/Quota", "quota", COL_STR, NULL },
};

/* The cgroup a unit or container names now: the one whose own component is the unit, or
 * carries the container id (the outermost, when nested cgroups repeat it). Unique, or refused. */
static int find_named_cgroup(const struct cgroup_table *t, const struct policy_rule *r,
			     const char *name, __u64 *id, char *err, size_t errlen)
{
	const char *found = NULL;
	char cid[65];
	size_t i, hits = 0;

	for (i = 0; i < t->n; i++) {
		const char *path = t->ent[i].path, *last = strrchr(path, '/');

		last = last ? last + 1 : path;
		if (r->selector == FO_SEL_UNIT) {
			if (strcmp(last, name))
				continue;
		} else if (cgroup_container_id(last, strlen(last), cid, sizeof(cid)) ||
			   strncmp(cid, name, strlen(name))) {
			continue;
		}
		/* a match inside an earlier match is the same container, deeper */
		if (found && !strncmp(path, found, strlen(found)) && path[strlen(found)] == '/')
			continue;
		if (found && !strncmp(found, path, strlen(path)) && found[strlen(path)] == '/') {
			found = path;
			*id = t->ent[i].id;
			continue;
		}
		found = path;
		*id = t->ent[i].id;
		hits++;
	}
	if (hits == 1)
		return 0;
	if (!hits)
		snprintf(err, errlen, "%s %s: no cgroup of that %s exists now (is it running?)",
			 selector_name(r->selector), name, selector_name(r->selector));
	else
		snprintf(err, errlen, "%s %s: %zu cgroups match; name one with cgroup PATH",
			 selector_name(r->selector), name, hits);
	return -ENOENT;
}

/* A parsed rule's cgroup, unit or container ARG as the cgroup id the datapath matches. */
static int resolve_rule(struct policy_rule *r, const char *arg, const struct cgroup_table *t,
			char *err, size_t errlen)
{
	int e;

	if (!arg)
		return 0;
	if (r->selector == FO_SEL_CGROUP) {
		e = cgroup_id_of(arg, &r->value);
		if (e)
			snprintf(err, errlen, "cgroup %s: %s", arg,
				 e == -ENOENT ? "no such cgroup (paths are under the cgroup v2 root)"
					      : strerror(-e));
		return e;
	}
	if (!t->n) {
		snprintf(err, errlen, "%s %s: no cgroup v2 hierarchy to look in",
			 selector_name(r->selector), arg);
		return -ENOENT;
	}
	e = find_named_cgroup(t, r, arg, &r->value, err, errlen);
	/* Kept for listings once the cgroup is gone; a container by its short id. */
	if (!e && r->selector == FO_SEL_CONTAINER)
		snprintf(r->path, sizeof(r->path), "%.12s", arg);
	else if (!e)
		snprintf(r->path, sizeof(r->path), "%s", arg);
	return e;
}

/* The most words a subcommand takes: a rule's selector and every action with its value. */
#define MAX_WORDS 64

struct parsed_rule {
	struct policy_rule r;
	const char *cg; /* a cgroup, unit or container word to resolve */
};

/* mark add's words, parsed before the loaded check: a bad rule is a usage error either way. */
static int check_rule(const char *command, const char **args, int nargs, void *ctx)
{
	struct parsed_rule *pr = ctx;
	char err_msg[512];

	if (policy_parse(nargs, (char **)args, &pr->r, &pr->cg, err_msg, sizeof(err_msg)) ||
	    (pr->r.selector == FO_SEL_EXE && policy_exe_resolve(&pr->r, err_msg, sizeof(err_msg))))
		return fo_usage(command, "%s", err_msg);
	return EXIT_OK;
}

static int mark_add(struct cli *cli, struct fo_pins *p, int argc, char **argv)
{
	struct parsed_rule pr = { .cg = NULL };
	const char *words[MAX_WORDS];
	const struct cmd_opts co = { .needs_loaded = true, .args = words, .max_args = MAX_WORDS,
				     .too_many = "a rule of fewer words, please", .check = check_rule,
				     .ctx = &pr };
	struct cgroup_table cgt = {};
	struct policy_rule r;
	const char *cg;
	char err_msg[512];
	__u32 dup = 0;
	int err, lock_fd = -1, ret;

	ret = cli_parse(cli, "mark", &co, argc, argv);
	if (ret)
		return ret;
	argv++; /* the rule's words, as parsed */
	r = pr.r;
	cg = pr.cg;
	cgroup_table_load(&cgt);
	err = resolve_rule(&r, cg, &cgt, err_msg, sizeof(err_msg));
	if (err) {
		cgroup_table_free(&cgt);
		return fo_usage("mark", "%s", err_msg);
	}
	err = pins_lock(cli->pin_dir, &lock_fd);
	if (!err)
		err = policy_add(p, &r, &dup);
	pins_unlock(lock_fd);
	if (err == -EEXIST)
		ret = fo_usage("mark", "%s %s: duplicates rule %u (delete it first)", argv[0], argv[1], dup);
	else if (err == -ENOSPC)
		fo_warn("%s: policy is full (%d rules)", cli->pin_dir, FO_MAX_RULES);
	else if (err)
		fo_warn("%s: cannot add the rule: %s", cli->pin_dir, strerror(-err));
	if (err) {
		cgroup_table_free(&cgt);
		return ret ? ret : EXIT_RUNTIME;
	}
	if (cli->json) {
		json_t *row = rule_row(&r, &cgt, NULL);

		out_json(row, cli->pretty);
		json_decref(row);
	} else {
		printf("%u\n", r.id);
	}
	cgroup_table_free(&cgt);
	return EXIT_OK;
}

/* `mark del ID` and `mark reset ID`: the id checked, then FN under the pins lock. Returns an
 * exit code for a usage or load error, else 0 with FN's result in *ERR. */
static int check_rule_id(const char *command, const char **args, int nargs, void *ctx)
{
	if (parse_u64(args[0], FO_RULE_BANK - 1, ctx) || !*(unsigned long long *)ctx)
		return fo_usage(command, "%s: not a rule id", args[0]);
	return EXIT_OK;
}

static int on_rule_id(struct cli *cli, struct fo_pins *p, int argc, char **argv,
		      const char *one_id, int (*fn)(struct fo_pins *p, __u32 id),
		      unsigned long long *id, int *err)
{
	const char *word = NULL;
	const struct cmd_opts co = { .needs_loaded = true, .args = &word, .min_args = 1,
				     .max_args = 1, .too_few = one_id, .too_many = one_id,
				     .check = check_rule_id, .ctx = id };
	int lock_fd = -1, ret;

	ret = cli_parse(cli, "mark", &co, argc, argv);
	if (ret)
		return ret;
	*err = pins_lock(cli->pin_dir, &lock_fd);
	if (!*err)
		*err = fn(p, *id);
	pins_unlock(lock_fd);
	if (*err == -ENOENT) {
		fo_warn("rule %llu: no such rule", *id);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int mark_del(struct cli *cli, struct fo_pins *p, int argc, char **argv)
{
	unsigned long long id = 0;
	int err = 0, ret;

	ret = on_rule_id(cli, p, argc, argv, "del takes one rule id", policy_del, &id, &err);
	if (ret)
		return ret;
	if (err) {
		fo_warn("rule %llu: cannot delete: %s", id, strerror(-err));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int mark_reset(struct cli *cli, struct fo_pins *p, int argc, char **argv)
{
	unsigned long long id = 0;
	int err = 0, ret;

	ret = on_rule_id(cli, p, argc, argv, "reset takes one rule id", policy_reset, &id, &err);
	if (ret)
		return ret;
	if (err == -EINVAL)
		return fo_usage("mark", "rule %llu: has neither rate nor quota to reset", id);
	if (err) {
		fo_warn("rule %llu: cannot reset: %s", id, strerror(-err));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* The rules in force and the cgroup table that names theirs, for list and save. An exit code. */
static int rules_named(struct cli *cli, struct fo_pins *p, int argc, char **argv, struct policy_rule **rules,
		       size_t *n, struct cgroup_table *cgt)
{
	const struct cmd_opts co = { .needs_loaded = true };
	int err, ret;

	ret = cli_parse(cli, "mark", &co, argc, argv);
	if (ret)
		return ret;
	err = policy_list(p, rules, n);
	if (err) {
		fo_warn("%s: cannot read the policy: %s", cli->pin_dir, strerror(-err));
		return EXIT_RUNTIME;
	}
	cgroup_table_load(cgt); /* no cgroup v2 mount: rules just lack paths */
	return EXIT_OK;
}

static int mark_list(struct cli *cli, struct fo_pins *p, int argc, char **argv)
{
	struct cgroup_table cgt = {};
	struct policy_rule *rules = NULL;
	json_t *rows;
	size_t n = 0, i;
	int ret;

	ret = rules_named(cli, p, argc, argv, &rules, &n, &cgt);
	if (ret)
		return ret;
	rows = json_array();
	for (i = 0; i < n; i++) {
		struct shape_state st;
		bool shaped = (rules[i].actions & FO_ACT_SHAPE) &&
			      !policy_shape_get(p, rules[i].id, &st);

		json_array_append_new(rows, rule_row(&rules[i], &cgt, shaped ? &st : NULL));
	}
	cgroup_table_free(&cgt);
	if (cli->json)
		out_json(rows, cli->pretty);
	else
		out_table(rule_cols, sizeof(rule_cols) / sizeof(rule_cols[0]), rows, cli->numeric);
	json_decref(rows);
	free(rules);
	return EXIT_OK;
}

/* One rule as the `mark add` line that restores it; 0, or -ENOENT when its cgroup is gone and
 * nothing names it any more. */
static int rule_line(const struct policy_rule *r, const struct cgroup_table *cg, char *buf,
		     size_t len)
{
	char word[1024], name[256], act[256];
	const char *path;

	switch (r->selector) {
	case FO_SEL_COMM:
		policy_quote(r->comm, strnlen(r->comm, FO_COMM_LEN), word, sizeof(word));
		break;
	case FO_SEL_EXE:
		policy_quote(r->path, strnlen(r->path, FO_PATH_LEN), word, sizeof(word));
		break;
	case FO_SEL_CGROUP:
		path = cgroup_table_path(cg, r->value);
		if (!path)
			return -ENOENT;
		policy_quote(path, strlen(path), word, sizeof(word));
		break;
	case FO_SEL_UNIT:
	case FO_SEL_CONTAINER:
		rule_name(r, cg, name, sizeof(name));
		if (!name[0])
			return -ENOENT;
		policy_quote(name, strlen(name), word, sizeof(word));
		break;
	default:
		snprintf(word, sizeof(word), "%llu", (unsigned long long)r->value);
	}
	policy_actions_text(r, act, sizeof(act));
	snprintf(buf, len, "mark add %s %s %s", selector_name(r->selector), word, act);
	return 0;
}

static int mark_save(struct cli *cli, struct fo_pins *p, int argc, char **argv)
{
	struct cgroup_table cgt = {};
	struct policy_rule *rules = NULL;
	char line[2048];
	size_t n = 0, i;
	int ret;

	ret = rules_named(cli, p, argc, argv, &rules, &n, &cgt);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		if (rule_line(&rules[i], &cgt, line, sizeof(line))) {
			/* Saving it by number would restore a rule on a cgroup that is no more. */
			fo_warn("rule %u: its cgroup (id %llu) is gone: left out", rules[i].id,
				(unsigned long long)rules[i].value);
			printf("# rule %u: cgroup %llu is gone\n", rules[i].id,
			       (unsigned long long)rules[i].value);
			ret = EXIT_RUNTIME;
			continue;
		}
		printf("%s\n", line);
	}
	cgroup_table_free(&cgt);
	free(rules);
	if (fflush(stdout)) {
		fo_warn("stdout: %s", strerror(errno));
		ret = EXIT_RUNTIME;
	}
	return ret;
}

/* Every line of F parsed, resolved and checked before anything changes: RULES gets them all,
 * or the first bad line is reported as NAME:LINE and nothing is kept. Returns an exit code. */
static int read_rules(FILE *f, const char *name, const struct cgroup_table *cgt,
		      struct policy_rule *rules, size_t *n, int *lines_of)
{
	char *line = NULL, *argv[64], err[512];
	size_t cap = 0, i;
	int lineno = 0, argc, first, ret = EXIT_OK;
	ssize_t got;

	*n = 0;
	while ((got = getline(&line, &cap, f)) >= 0) {
		struct policy_rule r;
		const char *arg;
		__u32 dup = 0;

		lineno++;
		if (strlen(line) != (size_t)got) {
			fo_warn("%s:%d: a NUL byte in the line", name, lineno);
			ret = EXIT_USAGE;
			break;
		}
		argc = policy_split(line, argv, 64, err, sizeof(err));
		if (argc < 0) {
			fo_warn("%s:%d: %s", name, lineno, err);
			ret = EXIT_USAGE;
			break;
		}
		if (!argc)
			continue;
		first = argc > 0 && !strcmp(argv[0], "flowowner"); /* a line pasted from a shell */
		if (argc < first + 2 || strcmp(argv[first], "mark") || strcmp(argv[first + 1], "add")) {
			fo_warn("%s:%d: %s: each line is `mark add SELECTOR VALUE ACTION...`", name,
				lineno, argv[first < argc ? first : 0]);
			ret = EXIT_USAGE;
			break;
		}
		if (policy_parse(argc - first - 2, argv + first + 2, &r, &arg, err, sizeof(err)) ||
		    (r.selector == FO_SEL_EXE && policy_exe_resolve(&r, err, sizeof(err))) ||
		    resolve_rule(&r, arg, cgt, err, sizeof(err))) {
			fo_warn("%s:%d: %s", name, lineno, err);
			ret = EXIT_USAGE;
			break;
		}
		for (i = 0; i < *n && !policy_same_selector(&rules[i], &r); i++)
			;
		if (i < *n) {
			dup = lines_of[i];
			fo_warn("%s:%d: %s %s: the same selector as line %u", name, lineno,
				argv[first + 2], argv[first + 3], dup);
			ret = EXIT_USAGE;
			break;
		}
		if (*n == FO_MAX_RULES) {
			fo_warn("%s:%d: more than %d rules", name, lineno, FO_MAX_RULES);
			ret = EXIT_USAGE;
			break;
		}
		lines_of[*n] = lineno;
		rules[(*n)++] = r;
	}
	if (ret == EXIT_OK && ferror(f)) {
		fo_warn("%s: %s", name, strerror(errno));
		ret = EXIT_RUNTIME;
	}
	free(line);
	return ret;
}

static int mark_restore(struct cli *cli, struct fo_pins *p, int argc, char **argv)
{
	static struct policy_rule rules[FO_MAX_RULES];
	static int lines_of[FO_MAX_RULES];
	struct cgroup_table cgt = {};
	const char *name, *file = ""; /* set by cli_parse (min_args 1) */
	const struct cmd_opts co = { .needs_loaded = true, .args = &file, .min_args = 1,
				     .max_args = 1, .too_few = "restore takes one FILE (- for stdin)",
				     .too_many = "restore takes one FILE (- for stdin)" };
	size_t n = 0;
	int err, lock_fd = -1, ret;
	FILE *f;

	ret = cli_parse(cli, "mark", &co, argc, argv);
	if (ret)
		return ret;
	name = strcmp(file, "-") ? file : "stdin";
	f = strcmp(file, "-") ? fopen(file, "re") : stdin;
	if (!f) {
		fo_warn("%s: %s", file, strerror(errno));
		return EXIT_RUNTIME;
	}
	cgroup_table_load(&cgt);
	ret = read_rules(f, name, &cgt, rules, &n, lines_of);
	cgroup_table_free(&cgt);
	if (f != stdin)
		fclose(f);
	if (ret)
		return ret;
	err = pins_lock(cli->pin_dir, &lock_fd);
	if (!err)
		err = policy_replace(p, rules, n);
	pins_unlock(lock_fd);
	if (err) {
		fo_warn("%s: cannot replace the rules: %s", cli->pin_dir, strerror(-err));
		return EXIT_RUNTIME;
	}
	fo_info(cli, "%s: %zu rules in force", name, n);
	return EXIT_OK;
}

int cmd_mark(struct cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name, *alias;
		int (*run)(struct cli *cli, struct fo_pins *p, int argc, char **argv);
	} subs[] = {
		{ "add", NULL, mark_add },	   { "del", "delete", mark_del },
		{ "list", "show", mark_list },	   { "reset", NULL, mark_reset },
		{ "save", NULL, mark_save },	   { "restore", NULL, mark_restore },
	};
	struct fo_pins pins;
	size_t i;
	int ret;

	if (argc < 2)
		return fo_usage("mark", "add, del, list, reset, save or restore?");
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name) && (!subs[i].alias || strcmp(argv[1], subs[i].alias)))
			continue;
		/* One pin set for the whole subcommand: each map opened once, not per rule. */
		fo_pins_init(&pins, cli->pin_dir);
		ret = subs[i].run(cli, &pins, argc - 1, argv + 1); /* ARGV[0]: the subcommand */
		fo_pins_close(&pins);
		return ret;
	}
	return fo_usage("mark", "%s: unknown subcommand (add, del, list, reset, save, restore)", argv[1]);
}
