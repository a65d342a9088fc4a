// SPDX-License-Identifier: GPL-2.0
/* cmd_attach.c — `flowowner attach DEV`: load once, then put the classifier (and XDP) on DEV. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/if_link.h>
#include "attach.h"
#include "cli.h"
#include "load.h"
#include "pins.h"
#include "pinset.h"
#include "probe.h"

/* Whether this process holds what a load needs (CAP_SYS_ADMIN stands in for BPF and PERFMON). */
static bool load_caps_held(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
#define HAS_CAP(c) (data[(c) / 32].effective & (1U << ((c) % 32)))

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return (HAS_CAP(CAP_BPF) || HAS_CAP(CAP_SYS_ADMIN)) && HAS_CAP(CAP_NET_ADMIN) &&
	       (HAS_CAP(CAP_PERFMON) || HAS_CAP(CAP_SYS_ADMIN));
#undef HAS_CAP
}

/*
 * A failed load. EPERM or EACCES is the missing privilege, unless every capability a load needs
 * is held: then it is the kernel's own verdict on a program (the verifier says EACCES), and
 * MSG, which names the object and how to see the verifier's log, is the message.
 */
static int load_error(const struct cli *cli, int err, const char *msg)
{
	if ((err == -EPERM || err == -EACCES) && (!msg || !*msg || !load_caps_held()))
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

/* --xdp, --xdp=native (drv) or --xdp=generic (skb): 0 is native, falling back to generic. */
static int parse_xdp_mode(const char *arg, void *dest)
{
	__u32 *mode = dest;

	if (!arg)
		*mode = 0;
	else if (!strcmp(arg, "native") || !strcmp(arg, "drv"))
		*mode = XDP_FLAGS_DRV_MODE;
	else if (!strcmp(arg, "generic") || !strcmp(arg, "skb"))
		*mode = XDP_FLAGS_SKB_MODE;
	else
		return -EINVAL;
	return 0;
}

int cmd_attach(struct cli *cli, int argc, char **argv)
{
	unsigned long long prio64 = FO_TC_PRIO_DEFAULT, max_flows = 0, max_procs = 0;
	bool ingress = false, egress = false, xdp = false;
	__u32 xdp_mode = 0; /* 0: native, else generic */
	const struct opt opts[] = {
		{ .name = "ingress", .kind = OPT_FLAG, .dest = &ingress },
		{ .name = "egress", .kind = OPT_FLAG, .dest = &egress },
		{ .name = "prio", .kind = OPT_U64, .dest = &prio64, .what = "not a priority (1-65535)",
		  .min = 1, .max = 0xffff },
		{ .name = "xdp", .kind = OPT_FUNC_OPTIONAL, .dest = &xdp_mode, .parse = parse_xdp_mode,
		  .what = "not an XDP mode (native or generic)", .seen = &xdp },
		{ .name = "max-flows", .kind = OPT_U64, .dest = &max_flows,
		  .what = "not a capacity (16-16777216)", .min = 16, .max = 1 << 24 },
		{ .name = "max-procs", .kind = OPT_U64, .dest = &max_procs,
		  .what = "not a capacity (16-4194304)", .min = 16, .max = 1 << 22 },
		{ .name = NULL },
	};
	const char *dev = NULL;
	const struct cmd_opts co = { .opts = opts, .args = &dev, .min_args = 1, .max_args = 1,
				     .too_few = "which device?", .too_many = "one device at a time",
				     .check = cli_check_dev };
	struct fo_limits lim = {};
	struct fo_err e = {}, note = {};
	struct fo_dev d;
	struct fo_pins pins = { .n = 0 };
	struct tc_plan ing = { .applied = false }, egr = { .applied = false };
	bool had_xdp, did_xdp = false;
	__u16 prio;
	char msg[256] = "";
	int err, lock_fd = -1, ret;

	/* Not needs_loaded: attach is what loads. */
	ret = cli_parse(cli, "attach", &co, argc, argv);
	if (ret)
		return ret;
	prio = prio64;
	lim.max_flows = max_flows;
	lim.max_procs = max_procs;
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
	err = load_all(cli->pin_dir, &lim, xdp, msg, sizeof(msg));
	if (err) {
		ret = load_error(cli, err, msg);
		goto out;
	}
	/* All or nothing: each step's plan says what it added, moved or replaced in place, so a
	 * later step's failure puts the device back as it was; only when every step succeeded
	 * do filters an attach at another prio left go. */
	fo_pins_init(&pins, cli->pin_dir);
	had_xdp = attach_is_recorded(&pins, &d, FO_DIR_XDP);
	if (xdp) {
		err = attach_xdp(&pins, &d, xdp_mode, &note, &e);
		if (note.text[0] && !err)
			fo_warn("%s", note.text);
		if (err)
			goto failed;
		did_xdp = true;
	}
	/* On a device with XDP, ingress is the attribution-only companion. */
	if (ingress && attach_tc(&pins, &d, FO_DIR_INGRESS, prio, &ing, &e))
		goto failed;
	if (egress && attach_tc(&pins, &d, FO_DIR_EGRESS, prio, &egr, &e))
		goto failed;
	attach_tc_finish(&pins, &d, &ing);
	attach_tc_finish(&pins, &d, &egr);
	fo_info(cli, "%s: attached%s%s%s", dev, xdp ? " xdp" : "", ingress ? " ingress" : "",
		egress ? " egress" : "");
out:
	fo_pins_close(&pins);
	pins_unlock(lock_fd);
	fo_dev_close(&d);
	return ret;
failed:
	fo_warn("%s", e.text);
	ret = EXIT_RUNTIME;
	/* Ingress first: without XDP in front a recorded ingress would count again. */
	attach_tc_undo(&pins, &d, &egr);
	attach_tc_undo(&pins, &d, &ing);
	/* XDP with no companion would leave new flows ownerless: it goes too. */
	if (did_xdp && !had_xdp) {
		struct fo_err e2 = {};

		detach_xdp(&pins, &d, &e2);
	}
	goto out;
}
