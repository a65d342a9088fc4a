/* SPDX-License-Identifier: GPL-2.0 */
/* cli.h — what every command receives: the global options, and the exit codes. */
#ifndef FO_CLI_H
#define FO_CLI_H

#include <stdbool.h>

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

/* `flowowner: OBJECT: CAUSE` on stderr. */
void fo_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fo_info(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error for COMMAND: prints the message and the command's usage line; returns 2. */
int fo_usage(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fails with a message unless the pins exist and are ours; returns 0 or an exit code. */
int require_loaded(const struct cli *cli);
/* Parse a whole non-negative number; -EINVAL unless all of S is digits within MAX. */
int parse_u64(const char *s, unsigned long long max, unsigned long long *out);

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
