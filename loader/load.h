/* SPDX-License-Identifier: GPL-2.0 */
/* load.h — the load sequence: the order of loading, pinning and attaching the BPF objects. */
#ifndef FO_LOAD_H
#define FO_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct fo_limits {
	__u32 max_flows; /* 0: default */
	__u32 max_procs; /* 0: default */
};

/* Load the tracing side, attach and pin its links, seed the tables, then load and pin the XDP
 * programs (with XDP only: a loaded dir gets them at its first attach --xdp) and the
 * classifier. Pins outlive the command. When already loaded, only the XDP programs, if XDP
 * wants them and they are missing; pins a load that died part way left are removed first.
 * The caller holds the pins lock. */
int load_all(const char *pin_dir, const struct fo_limits *lim, bool xdp, char *err,
	     size_t errlen);

#endif
