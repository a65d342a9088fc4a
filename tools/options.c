// SPDX-License-Identifier: GPL-2.0
/* options.c — a command's options parsed from its table, the same way for every command. */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

#define MAX_OPTS 32

static int parse_one(const char *command, const struct opt *o, const char *arg)
{
	unsigned long long v;
	size_t i;

	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)o->dest = true;
		break;
	case OPT_STR:
		*(const char **)o->dest = arg;
		break;
	case OPT_U64:
		if (parse_u64(arg, o->max, &v) || v < o->min)
			return fo_usage(command, "--%s %s: %s", o->name, arg, o->what);
		*(unsigned long long *)o->dest = v;
		break;
	case OPT_CHOICE:
		for (i = 0; o->choices[i] && strcmp(o->choices[i], arg); i++)
			;
		if (!o->choices[i])
			return fo_usage(command, "--%s %s: %s", o->name, arg, o->what);
		*(int *)o->dest = (int)i;
		break;
	case OPT_FUNC:
		if (o->parse(arg, o->dest))
			return fo_usage(command, "--%s %s: %s", o->name, arg, o->what);
		break;
	case OPT_FUNC_OPTIONAL:
		if (o->parse(arg, o->dest))
			return fo_usage(command, "--%s=%s: %s", o->name, arg ? arg : "", o->what);
		break;
	}
	if (o->seen)
		*o->seen = true;
	return EXIT_OK;
}

int cli_parse(const struct cli *cli, const char *command, const struct cmd_opts *o, int argc,
	      char **argv)
{
	struct option lo[MAX_OPTS + 1] = {};
	int n = 0, opt, idx, ret, nargs;

	for (n = 0; o->opts && o->opts[n].name && n < MAX_OPTS; n++) {
		lo[n].name = o->opts[n].name;
		lo[n].has_arg = o->opts[n].kind == OPT_FLAG ? no_argument :
				o->opts[n].kind == OPT_FUNC_OPTIONAL ? optional_argument :
				required_argument;
		lo[n].val = 0x100 + n;
	}
	optind = 0;
	opterr = 0;
	if (!o->opts)
		optind = 1; /* no options: every word after the command is an argument */
	while (o->opts && (opt = getopt_long(argc, argv, "", lo, &idx)) != -1) {
		if (opt < 0x100 || opt >= 0x100 + n) {
			if (optopt >= 0x100 && optopt < 0x100 + n)
				return fo_usage(command, "--%s needs a value", lo[optopt - 0x100].name);
			return fo_usage(command, "%s: unknown option", argv[optind - 1]);
		}
		ret = parse_one(command, &o->opts[opt - 0x100], optarg);
		if (ret)
			return ret;
	}
	nargs = argc - optind;
	if (nargs > o->max_args)
		return o->too_many ? fo_usage(command, "%s", o->too_many) :
		       fo_usage(command, "%s: unexpected argument", argv[optind + o->max_args]);
	if (nargs < o->min_args)
		return fo_usage(command, "%s", o->too_few ? o->too_few : "too few arguments");
	for (idx = 0; idx < nargs; idx++)
		o->args[idx] = argv[optind + idx];
	if (o->nargs)
		*o->nargs = nargs;
	if (o->check && (ret = o->check(command, o->args, nargs, o->ctx)))
		return ret;
	return o->needs_loaded ? require_loaded(cli) : EXIT_OK;
}

int cli_check_dev(const char *command, const char **args, int nargs, void *ctx)
{
	if (nargs < 1)
		return EXIT_OK;
	if (!*args[0] || strlen(args[0]) >= IFNAMSIZ)
		return fo_usage(command, "%s: not a device name (at most %d characters)", args[0],
				IFNAMSIZ - 1);
	return EXIT_OK;
}
