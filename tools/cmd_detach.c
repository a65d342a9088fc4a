// SPDX-License-Identifier: GPL-2.0
/* cmd_detach.c — `flowowner detach DEV`: take this tool's filters and XDP off DEV, nothing else. */
#include <errno.h>
#include <string.h>
#include "attach.h"
#include "cli.h"
#include "pins.h"
#include "pinset.h"

int cmd_detach(struct cli *cli, int argc, char **argv)
{
	bool ingress = false, egress = false, xdp = false, xdp_asked, any = false;
	const struct opt opts[] = {
		{ .name = "ingress", .kind = OPT_FLAG, .dest = &ingress },
		{ .name = "egress", .kind = OPT_FLAG, .dest = &egress },
		{ .name = "xdp", .kind = OPT_FLAG, .dest = &xdp },
		{ .name = NULL },
	};
	const char *dev = NULL;
	const struct cmd_opts co = { .opts = opts, .needs_loaded = true, .args = &dev,
				     .min_args = 1, .max_args = 1, .too_few = "which device?",
				     .too_many = "one device at a time", .check = cli_check_dev };
	struct fo_err e = {};
	struct fo_dev d;
	struct fo_pins pins;
	int err, lock_fd = -1, ret;

	ret = cli_parse(cli, "detach", &co, argc, argv);
	if (ret)
		return ret;
	/* No flag: everything of ours on DEV, XDP included (the ingress companion goes too). */
	xdp_asked = xdp;
	if (!ingress && !egress && !xdp)
		ingress = egress = xdp = true;
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
	fo_pins_init(&pins, cli->pin_dir);
	if (ingress) {
		err = detach_tc(&pins, &d, FO_DIR_INGRESS, &e);
		if (!err)
			any = true;
		else if (err != -ENOENT) {
			fo_warn("%s", e.text);
			ret = EXIT_RUNTIME;
		}
	}
	if (egress) {
		err = detach_tc(&pins, &d, FO_DIR_EGRESS, &e);
		if (!err)
			any = true;
		else if (err != -ENOENT) {
			fo_warn("%s", e.text);
			ret = EXIT_RUNTIME;
		}
	}
	/* Last, so no filter is put back to counting just to be removed. Without --xdp asked
	 * for, only what we recorded: someone else's program there is none of our business. */
	if (xdp && (xdp_asked || attach_is_recorded(&pins, &d, FO_DIR_XDP))) {
		err = detach_xdp(&pins, &d, &e);
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
	fo_pins_close(&pins);
	pins_unlock(lock_fd);
	fo_dev_close(&d);
	return ret;
}
