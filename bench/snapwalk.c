// SPDX-License-Identifier: GPL-2.0
/* snapwalk.c — time only the BPF task walk: BPF_PROG_TEST_RUN of the pinned fo_snapshot program. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include "flowowner.h"

/*
 * Usage: snapwalk PIN_DIR RUNS. Prints one TSV line per run: ns processes threads.
 * The walk stamps a generation into fo_procs; it reuses the one a run of `procs --refresh`
 * would pick from the clock, so the tool's own reconciliation is not confused afterwards.
 */
static __u64 now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	char path[512];
	int fd, runs, i;

	if (argc != 3 || (runs = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: snapwalk PIN_DIR RUNS\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/fo_snapshot", argv[1]);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "snapwalk: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (i = 0; i < runs; i++) {
		struct snapshot_args args = { .gen = (__u32)(now_ns(CLOCK_BOOTTIME) / 1000000) | 1 };
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
		__u64 t0 = now_ns(CLOCK_MONOTONIC), t1;

		if (bpf_prog_test_run_opts(fd, &opts)) {
			fprintf(stderr, "snapwalk: fo_snapshot: %s\n", strerror(errno));
			close(fd);
			return 1;
		}
		t1 = now_ns(CLOCK_MONOTONIC);
		printf("%llu\t%u\t%u\n", (unsigned long long)(t1 - t0), args.processes, args.threads);
	}
	close(fd);
	return 0;
}
