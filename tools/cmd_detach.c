// SPDX-License-Identifier: GPL-2.0
/* cmd_detach.c — `flowowner detach DEV`: take this tool's filters and XDP off DEV, nothing else. */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <string.h>
#include "attach.h"
#include "cli.h"
#include "pins.h"

int cmd_detach(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ingress", no_argument, NULL, 'i' },
		{ "egress", no_argument, NULL, 'e' },
		{ "xdp", no_argument, NULL, 'X' },
		{ NULL, 0, NULL, 0 },
	};
	struct fo_err e = {};
	struct fo_dev d;
	bool ingress = false, egress = false, xdp = false, xdp_asked, any = false;
	const char *dev;
	int opt, err, lock_fd = -1, ret = EXIT_OK, ret_code;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': ingress = true; break;
		case 'e': egress = true; break;
		case 'X': xdp = true; break;
		default:
			return fo_usage("detach", "%s: unknown option", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return fo_usage("detach", optind >= argc ? "which device?" : "one device at a time");
	dev = argv[optind];
	if (strlen(dev) >= IFNAMSIZ || !*dev)
		return fo_usage("detach", "%s: not a device name", dev);
	/* No flag: everything of ours on DEV, XDP included (the ingress companion goes too). */
	xdp_asked = xdp;
	if (!ingress && !egress && !xdp)
		ingress = egress = xdp = true;
	ret_code = require_loaded(cli);
	if (ret_code)
		return ret_code;
	if (fo_dev_open(&d, cli->netns, dev, &e)) {
		fo_warn("%s", e.text);
		return EXIT_RUNTIME;
	}
	err = pins_lock(cli->pin_dir, &lock_fd);
	if (err) {
		fo_warn("%s: cannot lock: %s", cli->pin_dir, strerror(-err));
		fo_dev_close(&d);
		return EXIT_RUNTIME;
	}
	if (ingress) {
		err = detach_tc(cli->pin_dir, &d, FO_DIR_INGRESS, &e);
		if (!err)
			any = true;
		else if (err != -ENOENT) {
			fo_warn("%s", e.text);
			ret = EXIT_RUNTIME;
		}
	}
	if (egress) {
		err = detach_tc(cli->pin_dir, &d, FO_DIR_EGRESS, &e);
		if (!err)
			any = true;
		else if (err != -ENOENT) {
			fo_warn("%s", e.text);
			ret = EXIT_RUNTIME;
		}
	}
	/* Last, so no filter is put back to counting just to be removed. Without --xdp asked
	 * for, only what we recorded: someone else's program there is none of our business. */
	if (xdp && (xdp_asked || attach_is_recorded(cli->pin_dir, &d, FO_DIR_XDP))) {
		err = detach_xdp(cli->pin_dir, &d, &e);
		if (!err)
			any = true;
		else if (err != -ENOENT) {
			fo_warn("%s", e.text);
			ret = EXIT_RUNTIME;
		}
	}
	if (!any && ret == EXIT_OK) {
		fo_warn("%s: flowowner is not attached there", dev);
		ret = EXIT_RUNTIME;
	}
	pins_unlock(lock_fd);
	fo_dev_close(&d);
	return ret;
}
