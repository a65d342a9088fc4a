/* SPDX-License-Identifier: GPL-2.0 */
/* pidns.h — process ids as another pid namespace sees them (containers). */
#ifndef FO_PIDNS_H
#define FO_PIDNS_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

struct pidns_view {
	dev_t dev;
	ino_t ino;  /* the namespace, as /proc/PID/ns/pid names it */
	int level;  /* its depth: 0 for the init pid namespace */
};

/* The pid namespace process REF (an init-namespace pid) lives in. */
int pidns_open(pid_t ref, struct pidns_view *v);
/* PID (init namespace) as V sees it. START_NS is the owner's start time (CLOCK_MONOTONIC),
 * so a recycled pid is not taken for the process that had it. -ENOENT when the process is
 * gone or outside V. */
int pidns_pid_of(const struct pidns_view *v, pid_t pid, __u64 start_ns, pid_t *out);

#endif
