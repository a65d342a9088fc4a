/* SPDX-License-Identifier: GPL-2.0 */
/* cli.h — what every command receives: the global options, and the exit codes. */
#ifndef FO_CLI_H
#define FO_CLI_H

#include <stdbool.h>
#include "number.h" /* parse_u64, for options */

#define EXIT_OK 0
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

struct cli {
	bool json;
	bool pretty;
	bool numeric;
	int verbose;
	const char *netns;   /* -n NAME, or NULL */
	const char *pin_dir; /* --pin-dir, default /sys/fs/bpf/flowowner */
};

struct command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv); /* returns an exit code */
	const char *usage;
	const char *summary;
};

/*
 * Options as data (xdp-tools' DEFINE_OPTION is the model): each command lists its options
 * once, and cli_parse gives every command the same parsing, messages and "loaded?" check.
 */
enum opt_kind {
	OPT_FLAG,   /* --NAME: *(bool *)dest = true */
	OPT_STR,    /* --NAME ARG: *(const char **)dest = ARG */
	OPT_U64,    /* --NAME N: *(unsigned long long *)dest, MIN..MAX */
	OPT_CHOICE, /* --NAME WORD: *(int *)dest = index of WORD in CHOICES */
	OPT_FUNC,   /* --NAME ARG: PARSE(ARG, dest) returns 0 or -EINVAL */
	OPT_FUNC_OPTIONAL, /* --NAME or --NAME=ARG: PARSE(ARG or NULL, dest) */
};

struct opt {
	const char *name;
	enum opt_kind kind;
	void *dest;
	const char *what; /* the message for a bad ARG: "not a process id" */
	unsigned long long min, max;  /* OPT_U64 */
	const char *const *choices;   /* OPT_CHOICE: NULL-terminated */
	int (*parse)(const char *arg, void *dest); /* OPT_FUNC */
	bool *seen;                   /* set when the option is given (optional) */
};

struct cmd_opts {
	const struct opt *opts; /* ends with { NULL }; NULL: no options, every word an argument
				 * (mark's rules, where a word may begin with '-') */
	bool needs_loaded;      /* the pins must exist and be ours (require_loaded) */
	const char **args;      /* positional arguments, or NULL for none */
	int min_args, max_args;
	int *nargs;             /* how many were given (optional) */
	const char *too_few;    /* the message for fewer than MIN_ARGS ("which device?") */
	const char *too_many;   /* ...for more than MAX_ARGS (default: "WORD: unexpected argument") */
	/* The arguments checked before the loaded check, so a usage error is one whatever is
	 * loaded: an exit code, having said why. CTX is passed through. */
	int (*check)(const char *command, const char **args, int nargs, void *ctx);
	void *ctx;
};

/* Parse ARGV (ARGV[0] is COMMAND) by O; returns 0 or an exit code, having said why. */
int cli_parse(const struct cli *cli, const char *command, const struct cmd_opts *o, int argc,
	      char **argv);

/* A device name as a positional argument: 1 to IFNAMSIZ-1 characters (a cmd_opts check). */
int cli_check_dev(const char *command, const char **args, int nargs, void *ctx);

/* `flowowner: OBJECT: CAUSE` on stderr. */
void fo_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fo_info(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error for COMMAND: prints the message and the command's usage line; returns 2. */
int fo_usage(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fails with a message unless the pins exist and are ours; returns 0 or an exit code. */
int require_loaded(const struct cli *cli);

int cmd_attach(struct cli *cli, int argc, char **argv);
int cmd_detach(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_flows(struct cli *cli, int argc, char **argv);
int cmd_procs(struct cli *cli, int argc, char **argv);
int cmd_unload(struct cli *cli, int argc, char **argv);
int cmd_mark(struct cli *cli, int argc, char **argv);
int cmd_top(struct cli *cli, int argc, char **argv);
int cmd_watch(struct cli *cli, int argc, char **argv);
int cmd_metrics(struct cli *cli, int argc, char **argv);

#endif
