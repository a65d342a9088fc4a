// SPDX-License-Identifier: GPL-2.0
/* statsfd.c — keep BPF run-time stats on for as long as this process lives. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

/*
 * Usage: statsfd
 * BPF_ENABLE_STATS holds the stats on while its fd is open, whatever anyone writes to
 * kernel.bpf_stats_enabled meanwhile (another user's measurement that ends and restores 0
 * would otherwise stop run_time_ns in the middle of a window). Prints "ready" once on, then
 * waits to be killed.
 */
int main(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (fd < 0) {
		fprintf(stderr, "statsfd: BPF_ENABLE_STATS: %s\n", strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	pause();
	return 0;
}
