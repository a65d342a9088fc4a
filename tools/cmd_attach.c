// SPDX-License-Identifier: GPL-2.0
/* cmd_attach.c — `flowowner attach DEV`: load once, then put the classifier (and XDP) on DEV. */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include "attach.h"
#include "cli.h"
#include "load.h"
#include "pins.h"
#include "probe.h"

static int load_error(const struct cli *cli, int err, const char *msg)
{
	if (err == -EPERM || err == -EACCES)
		fo_warn("%s: permission denied (flowowner needs root, or CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON)",
			cli->pin_dir);
	else if (err == -ENOTSUP)
		fo_warn("%s: not on a bpf filesystem (mount -t bpf bpf DIR, or choose one under /sys/fs/bpf)",
			cli->pin_dir);
	else if (msg && *msg)
		fo_warn("%s: %s: %s", cli->pin_dir, msg, strerror(-err));
	else
		fo_warn("%s: %s", cli->pin_dir, strerror(-err));
	return EXIT_RUNTIME;
}

int cmd_attach(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ingress", no_argument, NULL, 'i' },
		{ "egress", no_argument, NULL, 'e' },
		{ "prio", required_argument, NULL, 'P' },
		{ "xdp", optional_argument, NULL, 'X' },
		{ "max-flows", required_argument, NULL, 'F' },
		{ "max-procs", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	struct fo_limits lim = {};
	struct fo_err e = {}, note = {};
	struct fo_dev d;
	unsigned long long v;
	bool ingress = false, egress = false, xdp = false;
	bool had_xdp, had_ingress, did_xdp = false, did_ingress = false;
	__u32 xdp_mode = 0; /* 0: native, else generic */
	__u16 prio = FO_TC_PRIO_DEFAULT;
	const char *dev;
	char msg[256] = "";
	int opt, err, lock_fd = -1, ret = EXIT_OK;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': ingress = true; break;
		case 'e': egress = true; break;
		case 'X':
			xdp = true;
			if (!optarg)
				xdp_mode = 0;
			else if (!strcmp(optarg, "native") || !strcmp(optarg, "drv"))
				xdp_mode = XDP_FLAGS_DRV_MODE;
			else if (!strcmp(optarg, "generic") || !strcmp(optarg, "skb"))
				xdp_mode = XDP_FLAGS_SKB_MODE;
			else
				return fo_usage("attach", "--xdp=%s: not an XDP mode (native or generic)", optarg);
			break;
		case 'P':
			if (parse_u64(optarg, 0xffff, &v) || v == 0)
				return fo_usage("attach", "--prio %s: not a priority (1-65535)", optarg);
			prio = v;
			break;
		case 'F':
			if (parse_u64(optarg, 1 << 24, &v) || v < 16)
				return fo_usage("attach", "--max-flows %s: not a capacity (16-16777216)", optarg);
			lim.max_flows = v;
			break;
		case 'R':
			if (parse_u64(optarg, 1 << 22, &v) || v < 16)
				return fo_usage("attach", "--max-procs %s: not a capacity (16-4194304)", optarg);
			lim.max_procs = v;
			break;
		default:
			return fo_usage("attach", "%s: unknown option", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return fo_usage("attach", optind >= argc ? "which device?" : "one device at a time");
	dev = argv[optind];
	if (strlen(dev) >= IFNAMSIZ || !*dev)
		return fo_usage("attach", "%s: not a device name (at most %d characters)", dev,
				IFNAMSIZ - 1);
	if (!ingress && !egress)
		ingress = egress = true;
	/* XDP counts what arrives, but cannot see socket owners nor set marks: the tc ingress
	 * companion does that, so it always comes with --xdp. */
	if (xdp)
		ingress = true;

	/* A kernel that lacks a part is named before anything is loaded. */
	if (!pins_loaded(cli->pin_dir) && probe_kernel(msg, sizeof(msg))) {
		fo_warn("kernel: %s", msg);
		return EXIT_RUNTIME;
	}
	msg[0] = '\0';
	/* Check the device first: a typo must not leave programs loaded. Every step then takes
	 * this one handle. */
	if (fo_dev_open(&d, cli->netns, dev, &e)) {
		fo_warn("%s", e.text);
		return EXIT_RUNTIME;
	}
	/* An unload that removes the dir while we wait for its lock: make it again, once. */
	for (int tries = 0; tries < 2; tries++) {
		err = pins_prepare(cli->pin_dir);
		if (err) {
			ret = load_error(cli, err, NULL);
			goto out;
		}
		err = pins_lock(cli->pin_dir, &lock_fd);
		if (err != -ENOENT)
			break;
	}
	if (err) {
		ret = load_error(cli, err, "cannot lock");
		goto out;
	}
	err = load_all(cli->pin_dir, &lim, msg, sizeof(msg));
	if (err) {
		ret = load_error(cli, err, msg);
		goto out;
	}
	/* All or nothing: what this attach adds goes again if a later step fails; what it
	 * replaces in place was there before and stays. */
	had_xdp = attach_is_recorded(cli->pin_dir, &d, FO_DIR_XDP);
	had_ingress = attach_is_recorded(cli->pin_dir, &d, FO_DIR_INGRESS);
	if (xdp) {
		err = attach_xdp(cli->pin_dir, &d, xdp_mode, &note, &e);
		if (note.text[0] && !err)
			fo_warn("%s", note.text);
		if (err)
			goto failed;
		did_xdp = true;
	}
	if (ingress) {
		/* On a device with XDP this is the attribution-only companion. */
		err = attach_tc(cli->pin_dir, &d, FO_DIR_INGRESS, prio, &e);
		if (err)
			goto failed;
		did_ingress = true;
	}
	if (egress) {
		err = attach_tc(cli->pin_dir, &d, FO_DIR_EGRESS, prio, &e);
		if (err)
			goto failed;
	}
	fo_info(cli, "%s: attached%s%s%s", dev, xdp ? " xdp" : "", ingress ? " ingress" : "",
		egress ? " egress" : "");
out:
	pins_unlock(lock_fd);
	fo_dev_close(&d);
	return ret;
failed:
	fo_warn("%s", e.text);
	ret = EXIT_RUNTIME;
	{
		struct fo_err e2 = {};

		/* Ingress first: without XDP in front a recorded ingress would count again. */
		if (did_ingress && !had_ingress)
			detach_tc(cli->pin_dir, &d, FO_DIR_INGRESS, &e2);
		/* XDP with no companion would leave new flows ownerless: it goes too. */
		if (did_xdp && !had_xdp)
			detach_xdp(cli->pin_dir, &d, &e2);
	}
	goto out;
}
