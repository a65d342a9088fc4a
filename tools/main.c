// SPDX-License-Identifier: GPL-2.0
/* main.c — the flowowner command: global options and dispatch to one file per command. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "pins.h"

static const struct command commands[] = {
	{ "attach", cmd_attach, "attach DEV [--ingress] [--egress] [--xdp[=native|generic]] [--prio N] [--max-flows N] [--max-procs N]",
	  "load (once) and attach to DEV; repeating it replaces in place" },
	{ "detach", cmd_detach, "detach DEV [--ingress] [--egress] [--xdp]",
	  "remove this tool's filters from DEV, and nothing else" },
	{ "status", cmd_status, "status", "attachments, tracing links, map fill and counters" },
	{ "flows", cmd_flows, "flows [--pid N] [--comm NAME] [--dev DEV] [--sort bytes|packets|age] [--pidns PID]",
	  "one row per flow with its owner and counters" },
	{ "procs", cmd_procs, "procs [--refresh] [--pidns PID]", "the pid/comm table the classifier consults" },
	{ "mark", cmd_mark, "mark add SELECTOR ACTION... | mark del ID | mark list | mark reset ID | mark save | mark restore FILE|-",
	  "policy: SELECTOR is comm NAME, exe PATH, pid N, uid N, cgroup PATH, unit NAME or container ID; ACTION is mark VALUE[/MASK], priority MAJ:MIN, drop, rate RATE [burst BYTES], quota BYTES" },
	{ "top", cmd_top, "top [--interval SEC] [--once] [--sort rx|tx|total] [--dev DEV]",
	  "live per-process traffic, like nethogs" },
	{ "watch", cmd_watch, "watch [--count N] [--timeout SEC] [--dev DEV]",
	  "flow and process events as they happen (one reader at a time)" },
	{ "metrics", cmd_metrics, "metrics [--dev DEV] [--by pid] [--listen ADDR:PORT [--poll SEC]]",
	  "counters in Prometheus text format: on stdout, or served at http://ADDR:PORT/metrics" },
	{ "unload", cmd_unload, "unload", "detach everywhere and remove links, pins and maps" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: flowowner [OPTIONS] COMMAND [ARGS]\n\n"
		   "Which process owns every flow on an interface, seen from the packet path.\n\n"
		   "Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nOptions (before or after the command):\n"
		   "  -j, --json         machine-readable output\n"
		   "  -p, --pretty       indented JSON (implies --json)\n"
		   "  -n, --netns NAME   act in the network namespace /run/netns/NAME\n"
		   "      --pin-dir DIR  where state is pinned (default " FO_PIN_DIR_DEFAULT ")\n"
		   "      --numeric      raw numbers instead of units\n"
		   "  -v, --verbose      more detail (libbpf and verifier messages)\n"
		   "  -h, --help         this help; 'flowowner help COMMAND' for one command\n"
		   "  -V, --version      the version\n");
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int command_help(const char *name)
{
	const struct command *c = find_command(name);

	if (!c) {
		fprintf(stderr, "flowowner: %s: unknown command\n", name);
		return EXIT_USAGE;
	}
	printf("Usage: flowowner [OPTIONS] %s\n  %s\n", c->usage, c->summary);
	return EXIT_OK;
}

int fo_usage(const char *command, const char *fmt, ...)
{
	const struct command *c = command ? find_command(command) : NULL;
	va_list ap;

	fprintf(stderr, "flowowner: %s: ", command ? command : "usage");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c)
		fprintf(stderr, "Usage: flowowner %s\n", c->usage);
	return EXIT_USAGE;
}

static int verbosity;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's chatter, the verifier log included, only on -v. */
	if (verbosity < 1 || (level == LIBBPF_DEBUG && verbosity < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static const char *opt_value(int *i, int argc, char **argv, const char *arg, const char *lng)
{
	size_t n = strlen(lng);

	if (!strncmp(arg, lng, n) && arg[n] == '=')
		return arg + n + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

int main(int argc, char **argv)
{
	struct cli cli = { .pin_dir = FO_PIN_DIR_DEFAULT };
	const struct command *c;
	int nrest = 0, i;
	bool help = false, version = false;
	char *rest[argc + 1]; /* argv without the global options; as long as argv itself, on the stack */

	/* Global options may stand before or after the command, as with ip and bpftool. */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (++i < argc)
				rest[nrest++] = argv[i];
			break;
		}
		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			cli.json = true;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			cli.json = cli.pretty = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			cli.verbose++;
		} else if (!strcmp(a, "--numeric")) {
			cli.numeric = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			help = true;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			version = true;
		} else if (!strcmp(a, "-n") || !strcmp(a, "--netns") || !strncmp(a, "--netns=", 8)) {
			cli.netns = opt_value(&i, argc, argv, a, "--netns");
			if (!cli.netns || !*cli.netns)
				return fo_usage(NULL, "-n needs a namespace name");
		} else if (!strcmp(a, "--pin-dir") || !strncmp(a, "--pin-dir=", 10)) {
			cli.pin_dir = opt_value(&i, argc, argv, a, "--pin-dir");
			if (!cli.pin_dir || !*cli.pin_dir)
				return fo_usage(NULL, "--pin-dir needs a directory");
		} else {
			rest[nrest++] = argv[i];
		}
	}
	verbosity = cli.verbose;
	libbpf_set_print(libbpf_print);

	if (version) {
		printf("flowowner %s (libbpf %s)\n", FO_VERSION, libbpf_version_string());
		return EXIT_OK;
	}
	if (nrest == 0) {
		usage(help ? stdout : stderr);
		return help ? EXIT_OK : EXIT_USAGE;
	}
	if (!strcmp(rest[0], "help")) {
		if (nrest < 2) {
			usage(stdout);
			return EXIT_OK;
		}
		return command_help(rest[1]);
	}
	c = find_command(rest[0]);
	if (!c) {
		fprintf(stderr, "flowowner: %s: unknown command (see 'flowowner --help')\n", rest[0]);
		return EXIT_USAGE;
	}
	if (help)
		return command_help(c->name);
	if (cli.pin_dir[0] != '/')
		return fo_usage(NULL, "--pin-dir %s: must be an absolute path", cli.pin_dir);
	return c->run(&cli, nrest, rest);
}
