// SPDX-License-Identifier: GPL-2.0
/* cmd_unload.c — `flowowner unload`: detach everywhere, remove links, pins and maps. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "attach.h"
#include "cli.h"
#include "pins.h"
#include "pinset.h"

int cmd_unload(struct cli *cli, int argc, char **argv)
{
	/* Not needs_loaded: unloading nothing is already done. */
	static const struct opt none[] = { { .name = NULL } };
	static const struct cmd_opts co = { .opts = none };
	struct fo_err e = {};
	struct fo_pins pins;
	int err, lock_fd = -1, ret;

	ret = cli_parse(cli, "unload", &co, argc, argv);
	if (ret)
		return ret;
	if (access(cli->pin_dir, F_OK)) {
		if (errno == EACCES) {
			fo_warn("%s: permission denied", cli->pin_dir);
			return EXIT_RUNTIME;
		}
		return EXIT_OK; /* nothing loaded: already as before */
	}
	err = pins_lock(cli->pin_dir, &lock_fd);
	if (err == -ENOENT)
		return EXIT_OK; /* another unload got there first */
	if (err) {
		fo_warn("%s: cannot lock: %s", cli->pin_dir, strerror(-err));
		return EXIT_RUNTIME;
	}
	fo_pins_init(&pins, cli->pin_dir);
	err = detach_all(&pins, &e);
	fo_pins_close(&pins);
	if (err) {
		fo_warn("%s", e.text[0] ? e.text : strerror(-err));
		ret = EXIT_RUNTIME;
	}
	/* Removing the pins drops the last references: links detach, maps and programs go. */
	err = pins_remove(cli->pin_dir);
	if (err) {
		fo_warn("%s: cannot remove pins: %s", cli->pin_dir, strerror(-err));
		ret = EXIT_RUNTIME;
	}
	pins_unlock(lock_fd);
	return ret;
}
