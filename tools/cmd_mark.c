// SPDX-License-Identifier: GPL-2.0
/* cmd_mark.c — `flowowner mark`: add, delete and list marking rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup.h"
#include "cli.h"
#include "output.h"
#include "pins.h"
#include "policy.h"

static json_t *rule_row(const struct policy_rule *r)
{
	static const char *const sel[] = { "", "pid", "comm", "cgroup", "uid", "exe" };
	char comm[80], text[128];
	json_t *row = json_object(), *act = json_object();

	json_object_set_new(row, "id", json_integer(r->id));
	json_object_set_new(row, "selector", json_string(r->selector <= FO_SEL_EXE ? sel[r->selector] : "?"));
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
	if (r->selector == FO_SEL_CGROUP && !cgroup_path_of(r->value, text, sizeof(text)))
		json_object_set_new(row, "cgroup_path", json_string(text));
	if (r->actions & FO_ACT_MARK) {
		json_object_set_new(act, "mark", json_integer(r->mark));
		json_object_set_new(act, "mask", json_integer(r->mark_mask));
	}
	if (r->actions & FO_ACT_PRIORITY) {
		snprintf(text, sizeof(text), "%x:%x", r->priority >> 16, r->priority & 0xffff);
		json_object_set_new(act, "priority", json_string(text));
	}
	json_object_set_new(act, "drop", json_boolean(r->actions & FO_ACT_DROP));
	json_object_set_new(row, "actions", act);
	policy_selector_text(r, text, sizeof(text));
	if (r->selector == FO_SEL_COMM)
		snprintf(text, sizeof(text), "comm %s", comm);
	json_object_set_new(row, "match", json_string(text));
	policy_actions_text(r, text, sizeof(text));
	json_object_set_new(row, "action", json_string(text));
	return row;
}

static const struct column rule_cols[] = {
	{ "Id", "id", COL_NUM, NULL },
	{ "Match", "match", COL_STR, NULL },
	{ "Action", "action", COL_STR, NULL },
};

static int mark_add(struct cli *cli, int argc, char **argv)
{
	struct policy_rule r;
	const char *cg = NULL;
	char err_msg[256];
	__u32 dup = 0;
	int err, lock_fd = -1, ret;

	if (policy_parse(argc, argv, &r, &cg, err_msg, sizeof(err_msg)))
		return fo_usage("mark", "%s", err_msg);
	if (r.selector == FO_SEL_EXE && policy_exe_resolve(&r, err_msg, sizeof(err_msg)))
		return fo_usage("mark", "%s", err_msg);
	ret = require_loaded(cli);
	if (ret)
		return ret;
	if (cg) {
		err = cgroup_id_of(cg, &r.value);
		if (err)
			return fo_usage("mark", "cgroup %s: %s", cg,
					err == -ENOENT ? "no such cgroup (paths are under the cgroup v2 root)"
						       : strerror(-err));
	}
	err = pins_lock(cli->pin_dir, &lock_fd);
	if (!err)
		err = policy_add(cli->pin_dir, &r, &dup);
	pins_unlock(lock_fd);
	if (err == -EEXIST)
		return fo_usage("mark", "%s %s: duplicates rule %u (delete it first)", argv[0], argv[1], dup);
	if (err == -ENOSPC) {
		fo_warn("%s: policy is full (%d rules)", cli->pin_dir, FO_MAX_RULES);
		return EXIT_RUNTIME;
	}
	if (err) {
		fo_warn("%s: cannot add the rule: %s", cli->pin_dir, strerror(-err));
		return EXIT_RUNTIME;
	}
	if (cli->json) {
		json_t *row = rule_row(&r);

		out_json(row, cli->pretty);
		json_decref(row);
	} else {
		printf("%u\n", r.id);
	}
	return EXIT_OK;
}

static int mark_del(struct cli *cli, int argc, char **argv)
{
	unsigned long long id;
	int err, lock_fd = -1, ret;

	if (argc != 1)
		return fo_usage("mark", "del takes one rule id");
	if (parse_u64(argv[0], 0xffff, &id) || !id)
		return fo_usage("mark", "%s: not a rule id", argv[0]);
	ret = require_loaded(cli);
	if (ret)
		return ret;
	err = pins_lock(cli->pin_dir, &lock_fd);
	if (!err)
		err = policy_del(cli->pin_dir, id);
	pins_unlock(lock_fd);
	if (err == -ENOENT) {
		fo_warn("rule %llu: no such rule", id);
		return EXIT_RUNTIME;
	}
	if (err) {
		fo_warn("rule %llu: cannot delete: %s", id, strerror(-err));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int mark_list(struct cli *cli, int argc, char **argv)
{
	struct policy_rule *rules = NULL;
	json_t *rows;
	size_t n = 0, i;
	int err, ret;

	if (argc)
		return fo_usage("mark", "%s: unexpected argument", argv[0]);
	ret = require_loaded(cli);
	if (ret)
		return ret;
	err = policy_list(cli->pin_dir, &rules, &n);
	if (err) {
		fo_warn("%s: cannot read the policy: %s", cli->pin_dir, strerror(-err));
		return EXIT_RUNTIME;
	}
	rows = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(rows, rule_row(&rules[i]));
	if (cli->json)
		out_json(rows, cli->pretty);
	else
		out_table(rule_cols, sizeof(rule_cols) / sizeof(rule_cols[0]), rows, cli->numeric);
	json_decref(rows);
	free(rules);
	return EXIT_OK;
}

int cmd_mark(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return fo_usage("mark", "add, del or list?");
	if (!strcmp(argv[1], "add"))
		return mark_add(cli, argc - 2, argv + 2);
	if (!strcmp(argv[1], "del") || !strcmp(argv[1], "delete"))
		return mark_del(cli, argc - 2, argv + 2);
	if (!strcmp(argv[1], "list") || !strcmp(argv[1], "show"))
		return mark_list(cli, argc - 2, argv + 2);
	return fo_usage("mark", "%s: unknown subcommand (add, del, list)", argv[1]);
}
