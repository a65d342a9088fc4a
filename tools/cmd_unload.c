// SPDX-License-Identifier: GPL-2.0
/* cmd_unload.c — `flowowner unload`: detach everywhere, remove links, pins and maps. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "attach.h"
#include "cli.h"
#include "pins.h"

int cmd_unload(struct cli *cli, int argc, char **argv)
{
	struct fo_err e = {};
	int err, lock_fd = -1, ret = EXIT_OK;

	if (argc > 1)
		return fo_usage("unload", "%s: unexpected argument", argv[1]);
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
	err = detach_all(cli->pin_dir, &e);
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
