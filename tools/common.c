// SPDX-License-Identifier: GPL-2.0
/* common.c — messages and checks every command shares. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "pins.h"

void fo_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("flowowner: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void fo_info(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (!cli->verbose)
		return;
	fputs("flowowner: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int require_loaded(const struct cli *cli)
{
	int err;

	if (access(cli->pin_dir, F_OK)) {
		if (errno == EACCES) {
			fo_warn("%s: permission denied (flowowner needs root, or CAP_BPF and CAP_NET_ADMIN)",
				cli->pin_dir);
			return EXIT_RUNTIME;
		}
		fo_warn("%s: not loaded (run 'flowowner attach DEV' first)", cli->pin_dir);
		return EXIT_RUNTIME;
	}
	err = pins_check_version(cli->pin_dir);
	if (err == -ESTALE) {
		fo_warn("%s: pinned by another flowowner version: run 'flowowner unload' and attach again",
			cli->pin_dir);
		return EXIT_RUNTIME;
	}
	if (err == -EACCES || err == -EPERM) {
		fo_warn("%s: permission denied (flowowner needs root, or CAP_BPF and CAP_NET_ADMIN)",
			cli->pin_dir);
		return EXIT_RUNTIME;
	}
	if (err) {
		fo_warn("%s: not loaded (run 'flowowner attach DEV' first): %s", cli->pin_dir,
			strerror(-err));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
