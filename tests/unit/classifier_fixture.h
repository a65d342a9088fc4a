/* SPDX-License-Identifier: GPL-2.0 */
/* classifier_fixture.h — the classifier loaded for BPF_PROG_TEST_RUN, shared by the tests that run it. */
#ifndef FO_CLASSIFIER_FIXTURE_H
#define FO_CLASSIFIER_FIXTURE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "flowowner.h"
#include "pins.h"
#include "classifier.skel.h"
#include "test.h"

struct cls_fixture {
	struct classifier *skel;
	char pin_dir[64];
	int flows_fd, stats_fd, egress_fd, ingress_fd;
	int ncpus;
};

/* Load the classifier with its maps pinned in a private dir (MAX_FLOWS 0: the default size).
 * The caller has made its own network namespace first, so lookups find what it made. */
static inline int cls_fixture_load(struct cls_fixture *fx, __u32 max_flows)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	int err;

	snprintf(fx->pin_dir, sizeof(fx->pin_dir), "/sys/fs/bpf/fo-unit-%d", getpid());
	/* pins_prepare, as attach does: on a fresh boot bpffs is not mounted yet. */
	err = pins_prepare(fx->pin_dir);
	if (err)
		return err;
	opts.pin_root_path = fx->pin_dir;
	fx->skel = classifier__open_opts(&opts);
	if (!fx->skel)
		return -errno ? -errno : -EINVAL;
	if (max_flows)
		bpf_map__set_max_entries(fx->skel->maps.fo_flows, max_flows);
	err = classifier__load(fx->skel);
	if (err)
		return err;
	fx->ncpus = libbpf_num_possible_cpus();
	if (fx->ncpus <= 0)
		return -EINVAL;
	fx->flows_fd = bpf_map__fd(fx->skel->maps.fo_flows);
	fx->stats_fd = bpf_map__fd(fx->skel->maps.fo_stats);
	fx->egress_fd = bpf_program__fd(fx->skel->progs.fo_tc_egress);
	fx->ingress_fd = bpf_program__fd(fx->skel->progs.fo_tc_ingress);
	return 0;
}

/* fo_stats summed over CPUs. */
static inline struct fo_counters cls_fixture_stats(const struct cls_fixture *fx)
{
	struct fo_counters sum = {}, *per = calloc(fx->ncpus, sizeof(*per));
	__u32 idx = 0;
	int cpu, i;

	if (per && !bpf_map_lookup_elem(fx->stats_fd, &idx, per))
		for (cpu = 0; cpu < fx->ncpus; cpu++)
			for (i = 0; i < FO_STAT_MAX; i++)
				sum.v[i] += per[cpu].v[i];
	free(per);
	return sum;
}

/* How a fixture test's main begins: 1 (SKIP printed) without root, -1 (FAIL printed) when SETUP
 * fails, 0 to run the tests. */
static inline int cls_fixture_start(int (*setup)(void), const char *skip_name,
				    const char *fail_name)
{
	int err;

	if (geteuid() != 0) {
		printf("SKIP %s (needs root for BPF)\n", skip_name);
		return 1;
	}
	err = setup();
	if (!ASSERT_OK(err, "setup")) {
		fprintf(stderr, "  setup: %s\n", strerror(-err));
		printf("FAIL %s\n", fail_name);
		return -1;
	}
	return 0;
}

/* The programs and maps go; so do the pins, which outlive the process otherwise. */
static inline void cls_fixture_destroy(struct cls_fixture *fx)
{
	classifier__destroy(fx->skel);
	fx->skel = NULL;
	if (fx->pin_dir[0])
		pins_remove(fx->pin_dir);
}

#endif
