// SPDX-License-Identifier: GPL-2.0
/* load.c — the load sequence: tracing attached and pinned, tables seeded, then XDP and the
 * classifier, whose pin says the load is complete. The pin primitives are pins.c. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroup.h"
#include "flowowner.h"
#include "load.h"
#include "pin_names.h"
#include "pins.h"
#include "probe.h"
#include "snapshot.h"
#include "tracing.skel.h"
#include "classifier.skel.h"
#include "xdp.skel.h"

static int pin_link(struct bpf_link *link, const char *pin_dir, const char *prog_name)
{
	char path[PATH_MAX];
	int n, err;

	n = snprintf(path, sizeof(path), "%s/" FO_PIN_LINK_PREFIX "%s", pin_dir, prog_name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	err = bpf_link__pin(link, path);
	return err;
}

static int pin_prog(struct bpf_program *prog, const char *pin_dir)
{
	char path[PATH_MAX];
	int err;

	err = pins_path(path, sizeof(path), pin_dir, bpf_program__name(prog));
	if (err)
		return err;
	return bpf_program__pin(prog, path);
}

static void set_limits(struct bpf_map *flows, struct bpf_map *procs, const struct fo_limits *lim)
{
	bpf_map__set_max_entries(flows, lim && lim->max_flows ? lim->max_flows : FO_DEFAULT_MAX_FLOWS);
	bpf_map__set_max_entries(procs, lim && lim->max_procs ? lim->max_procs : FO_DEFAULT_MAX_PROCS);
}

/* Hooks newer than the kernel floor load only where the kernel has them, and not when
 * FO_DISABLE_HOOKS names them: status tells which are in use (their links are pinned). */
static void optional_hooks_select(struct bpf_object *obj)
{
	size_t i;

	for (i = 0; i < fo_optional_hooks_n; i++) {
		const struct fo_optional_hook *h = &fo_optional_hooks[i];
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, h->prog);

		if (prog && (probe_hook_disabled(h->tracepoint) || probe_tracepoint(h->tracepoint) == 0))
			bpf_program__set_autoload(prog, false);
	}
}

/* The tracing side: every program attached and its link pinned, so it runs with no process. */
static int load_tracing(const char *pin_dir, const struct fo_limits *lim, char *err_msg,
			size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct tracing *skel;
	struct bpf_program *prog;
	int cg_fd = -1, err;

	skel = tracing__open_opts(&opts);
	if (!skel) {
		snprintf(err_msg, errlen, "tracing object: open failed");
		return -errno ? -errno : -EINVAL;
	}
	set_limits(skel->maps.fo_flows, skel->maps.fo_procs, lim);
	optional_hooks_select(skel->obj);
	skel->rodata->tcp_claimed_at_queue = bpf_program__autoload(skel->progs.fo_tcp_sendmsg);
	err = tracing__load(skel);
	if (err) {
		snprintf(err_msg, errlen, "tracing object: load failed (run with -v for the verifier log)");
		goto out;
	}

	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		enum bpf_attach_type at = bpf_program__expected_attach_type(prog);
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue; /* an optional hook this kernel lacks, or FO_DISABLE_HOOKS */

		if (bpf_program__type(prog) == BPF_PROG_TYPE_SYSCALL) {
			err = pin_prog(prog, pin_dir);
			if (err) {
				snprintf(err_msg, errlen, "%s: pin failed", name);
				goto out;
			}
			continue;
		}
		if (bpf_program__type(prog) == BPF_PROG_TYPE_CGROUP_SOCK ||
		    bpf_program__type(prog) == BPF_PROG_TYPE_CGROUP_SOCK_ADDR) {
			if (cg_fd < 0) {
				cg_fd = cgroup_root_open();
				if (cg_fd < 0) {
					err = cg_fd;
					snprintf(err_msg, errlen, "cgroup v2: no mount found");
					goto out;
				}
			}
			link = bpf_program__attach_cgroup(prog, cg_fd);
		} else if (at == BPF_TRACE_ITER) {
			link = bpf_program__attach_iter(prog, NULL);
		} else {
			link = bpf_program__attach(prog);
		}
		if (!link) {
			err = -errno;
			snprintf(err_msg, errlen, "%s: attach failed", name);
			goto out;
		}
		err = pin_link(link, pin_dir, name);
		bpf_link__destroy(link); /* the pin keeps it */
		if (err) {
			snprintf(err_msg, errlen, "%s: pin failed", name);
			goto out;
		}
	}
out:
	if (cg_fd >= 0)
		close(cg_fd);
	tracing__destroy(skel);
	return err;
}

/* A packet-path object, opened: loaded with the limits, its two programs pinned. WHAT names
 * it in messages. */
static int load_packet(struct bpf_object_skeleton *skel, struct bpf_map *flows,
		       struct bpf_map *procs, struct bpf_program *a, struct bpf_program *b,
		       const char *what, const char *pin_dir, const struct fo_limits *lim,
		       char *err_msg, size_t errlen)
{
	int err;

	set_limits(flows, procs, lim);
	err = bpf_object__load_skeleton(skel);
	if (err) {
		snprintf(err_msg, errlen, "%s object: load failed (run with -v for the verifier log)", what);
		return err;
	}
	err = pin_prog(a, pin_dir);
	if (!err)
		err = pin_prog(b, pin_dir);
	if (err)
		snprintf(err_msg, errlen, "%s programs: pin failed", what);
	return err;
}

static int load_classifier(const char *pin_dir, const struct fo_limits *lim, char *err_msg,
			   size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct classifier *skel;
	int err;

	skel = classifier__open_opts(&opts);
	if (!skel) {
		snprintf(err_msg, errlen, "classifier object: open failed");
		return -errno ? -errno : -EINVAL;
	}
	err = load_packet(skel->skeleton, skel->maps.fo_flows, skel->maps.fo_procs,
			  skel->progs.fo_tc_ingress, skel->progs.fo_tc_egress, "classifier", pin_dir,
			  lim, err_msg, errlen);
	classifier__destroy(skel);
	return err;
}

/* fo_xdp and its tc companion fo_tc_ingress_xdp: loaded by the first attach --xdp only (their
 * verification is most of a load's time, and most attaches never use them). */
static int load_xdp(const char *pin_dir, const struct fo_limits *lim, char *err_msg, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct xdp *skel;
	int err;

	skel = xdp__open_opts(&opts);
	if (!skel) {
		snprintf(err_msg, errlen, "xdp object: open failed");
		return -errno ? -errno : -EINVAL;
	}
	err = load_packet(skel->skeleton, skel->maps.fo_flows, skel->maps.fo_procs,
			  skel->progs.fo_xdp, skel->progs.fo_tc_ingress_xdp, "xdp", pin_dir, lim,
			  err_msg, errlen);
	xdp__destroy(skel);
	return err;
}

/* The kernel's TICK_NSEC, from its HZ; 0 when the config cannot say. */
static __u32 tick_ns(void)
{
	char val[16];
	long hz;

	if (probe_kernel_config("CONFIG_HZ", val, sizeof(val)))
		return 0;
	hz = strtol(val, NULL, 10);
	if (hz < 24 || hz > 10000)
		return 0;
	return (__u32)((1000000000L + hz / 2) / hz); /* TICK_NSEC: what jiffies advance by */
}

/* Sets fo_config's clock for the packet path from jiffies. Without it (no kernel config to
 * read HZ from) the packet path keeps the coarse clock: slower, the same time. */
static void clock_init(const char *pin_dir)
{
	struct clock_args args = { .tick_ns = tick_ns() };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
	int fd;

	if (!args.tick_ns)
		return;
	fd = pins_get(pin_dir, FO_PIN_CLOCK);
	if (fd < 0)
		return;
	bpf_prog_test_run_opts(fd, &opts);
	close(fd);
}

static int config_init(const char *pin_dir)
{
	struct fo_config cfg = { .policy_gen = 1, .version = FO_VERSION_STAMP };
	__u32 zero = 0;
	int fd, err = 0;

	fd = pins_get(pin_dir, FO_PIN_CONFIG);
	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY))
		err = -errno;
	close(fd);
	if (!err)
		clock_init(pin_dir);
	return err;
}

/* The limits the pinned maps were made with: a later load must ask for the same, or libbpf
 * refuses to reuse them. */
static void pinned_limits(const char *pin_dir, struct fo_limits *lim)
{
	static const char *const names[] = { FO_PIN_FLOWS, FO_PIN_PROCS };
	__u32 *fields[] = { &lim->max_flows, &lim->max_procs };
	size_t i;

	for (i = 0; i < 2; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd = pins_get(pin_dir, names[i]);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			*fields[i] = info.max_entries;
		close(fd);
	}
}

/* The XDP programs into a loaded pin dir, unless they are there. Half a pair (a load killed
 * between the two pins) goes first; a failed load leaves neither. */
static int load_xdp_once(const char *pin_dir, char *err_msg, size_t errlen)
{
	static const char *const names[] = { FO_PIN_XDP, FO_PIN_TC_INGRESS_XDP };
	struct fo_limits lim = {};
	char path[PATH_MAX];
	int have = 0, err;
	size_t i;

	for (i = 0; i < 2; i++) {
		int fd = pins_get(pin_dir, names[i]);

		if (fd >= 0) {
			close(fd);
			have++;
		}
	}
	if (have == 2)
		return 0;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, names[i]);
		unlink(path);
	}
	pinned_limits(pin_dir, &lim);
	err = load_xdp(pin_dir, &lim, err_msg, errlen);
	if (err)
		for (i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "%s/%s", pin_dir, names[i]);
			unlink(path);
		}
	return err;
}

int load_all(const char *pin_dir, const struct fo_limits *lim, bool xdp, char *err_msg,
	     size_t errlen)
{
	struct snapshot_args snap = {};
	int err;

	if (pins_loaded(pin_dir)) {
		err = pins_check_version(pin_dir);
		if (err) {
			snprintf(err_msg, errlen, "pins are from another flowowner version: run 'flowowner unload' first");
			return err;
		}
		return xdp ? load_xdp_once(pin_dir, err_msg, errlen) : 0;
	}
	/* Not loaded, yet pins may be there: a load that died part way (SIGKILL, OOM, power)
	 * before the classifier's pin, which is pinned last, said it was complete. Under the
	 * lock nobody else is loading, so what is there is that dead load's: it goes, and
	 * this load starts clean instead of failing on "File exists". Unless it is not ours
	 * at all: another version's pins (no fo_tc_egress of this name, another stamp), or
	 * another tool's, are refused and left alone. */
	err = pins_check_unfinished(pin_dir, err_msg, errlen);
	if (err)
		return err;
	err = pins_clear(pin_dir);
	if (err) {
		snprintf(err_msg, errlen, "cannot remove the pins of an unfinished load: %s", strerror(-err));
		return err;
	}
	err = load_tracing(pin_dir, lim, err_msg, errlen);
	if (err)
		goto fail;
	err = config_init(pin_dir);
	if (err) {
		snprintf(err_msg, errlen, "fo_config: cannot initialise");
		goto fail;
	}
	/* Tracing is live before the walks, so nothing that starts meanwhile is missed. */
	err = snapshot_procs(pin_dir, &snap);
	if (!err)
		err = snapshot_socks(pin_dir, NULL);
	if (err) {
		snprintf(err_msg, errlen, "task-iterator snapshot failed");
		goto fail;
	}
	if (xdp) {
		err = load_xdp(pin_dir, lim, err_msg, errlen);
		if (err)
			goto fail;
	}
	/* The classifier goes last: its pin is what says "loaded". */
	err = load_classifier(pin_dir, lim, err_msg, errlen);
	if (err)
		goto fail;
	return 0;
fail:
	/* Nothing half-done: a failed first load leaves no pins. */
	pins_remove(pin_dir);
	return err;
}
