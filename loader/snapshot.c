// SPDX-License-Identifier: GPL-2.0
/* snapshot.c — seeding and reconciling the tables with the task iterator and task-file walk. */
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <stdlib.h>
#include "pin_names.h"
#include "pins.h"
#include "reader.h"
#include "snapshot.h"

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Entries the walk did not see alive but that never saw their exit tracepoint (they died
 * before attach, or an exit was missed) are marked exited, not dropped: flows name them. */
static int reconcile(const char *pin_dir, int map_fd, __u32 gen)
{
	struct proc_entry *procs = NULL;
	__u64 now = mono_ns();
	size_t n = 0, i;
	int err;

	/* One batched read: two syscalls per entry made a 10k-process refresh slow. */
	err = reader_procs(pin_dir, &procs, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		struct proc_entry *e = &procs[i];

		if (e->flags & FO_PROC_EXITED || e->snap_gen == gen)
			continue;
		/* Started after the walk passed: the fork tracepoint made it, it is alive. */
		if (!(e->flags & FO_PROC_SNAPSHOT) && e->snap_gen == 0 && !kill((int)e->pid, 0))
			continue;
		e->flags |= FO_PROC_EXITED;
		e->exit_ns = now;
		e->threads = 0;
		bpf_map_update_elem(map_fd, &e->pid, e, BPF_EXIST);
	}
	free(procs);
	return 0;
}

int snapshot_procs(const char *pin_dir, struct snapshot_args *out)
{
	struct snapshot_args args = { .gen = (__u32)(mono_ns() / 1000000) | 1 };
	/* Syscall programs take no ctx_out: the kernel writes the context back into ctx_in. */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
	int prog_fd, map_fd = -1, err;

	prog_fd = pins_get(pin_dir, FO_PIN_SNAPSHOT);
	if (prog_fd < 0)
		return prog_fd;
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err) {
		err = -errno;
		goto out;
	}
	map_fd = pins_get(pin_dir, FO_PIN_PROCS);
	if (map_fd < 0) {
		err = map_fd;
		goto out;
	}
	err = reconcile(pin_dir, map_fd, args.gen);
	if (out)
		*out = args;
out:
	if (map_fd >= 0)
		close(map_fd);
	close(prog_fd);
	return err;
}

int snapshot_socks(const char *pin_dir, unsigned long *bytes)
{
	char buf[4096];
	unsigned long total = 0;
	int link_fd, it_fd, err = 0;
	ssize_t n;

	link_fd = pins_get(pin_dir, "link_fo_sock_walk");
	if (link_fd < 0)
		return link_fd;
	it_fd = bpf_iter_create(link_fd);
	if (it_fd < 0) {
		err = -errno;
		goto out;
	}
	/* Reading the iterator runs it over every task's files. */
	while ((n = read(it_fd, buf, sizeof(buf))) > 0)
		total += n;
	if (n < 0)
		err = -errno;
	close(it_fd);
	if (bytes)
		*bytes = total;
out:
	close(link_fd);
	return err;
}
