/* SPDX-License-Identifier: GPL-2.0 */
/* snapshot.h — seeding and reconciling the tables with the task iterator and task-file walk. */
#ifndef FO_SNAPSHOT_H
#define FO_SNAPSHOT_H

#include "flowowner.h"

/* Run the SEC("syscall") task walk (BPF_PROG_TEST_RUN): every live process is refreshed;
 * entries it no longer sees, yet never saw exit, are marked exited. */
int snapshot_procs(const char *pin_dir, struct snapshot_args *out);
/* The same, and the process table as the walk and the reconciling left it, in no order,
 * into *PROCS (malloc'd, N entries): what a listing right after the walk shows. */
int snapshot_procs_read(const char *pin_dir, struct snapshot_args *out,
			struct proc_entry **procs, size_t *n);
/* Sockets opened before attach get owners: the task-file walk notes each inet socket's
 * holder, then the TCP and UDP socket walks of each namespace it found write them into the
 * sockets' storage. *NAMESPACES (may be NULL): how many namespaces were walked. */
int snapshot_socks(const char *pin_dir, unsigned long *namespaces);

#endif
