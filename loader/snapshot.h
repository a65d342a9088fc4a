/* SPDX-License-Identifier: GPL-2.0 */
/* snapshot.h — seeding and reconciling the tables with the task iterator and task-file walk. */
#ifndef FO_SNAPSHOT_H
#define FO_SNAPSHOT_H

#include "flowowner.h"

/* Run the SEC("syscall") task walk (BPF_PROG_TEST_RUN): every live process is refreshed;
 * entries it no longer sees, yet never saw exit, are marked exited. */
int snapshot_procs(const char *pin_dir, struct snapshot_args *out);
/* Run the pinned iter/task_file link once: sockets opened before attach get owners. */
int snapshot_socks(const char *pin_dir, unsigned long *bytes);

#endif
