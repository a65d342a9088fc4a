/* SPDX-License-Identifier: GPL-2.0 */
/* probe.h — does this kernel have what flowowner needs? Asked before the first load. */
#ifndef FO_PROBE_H
#define FO_PROBE_H

#include <stddef.h>

struct btf;

#define FO_MIN_KERNEL "6.7"

/*
 * Check the running kernel: BTF at /sys/kernel/btf/vmlinux, every kfunc the BPF objects
 * call (the task iterator among them), every tracepoint the tracing side attaches to, tc's
 * cls_bpf and clsact, and the program types. Returns 0, or -EOPNOTSUPP with MSG naming
 * what is missing and the minimum kernel. A check that cannot be made (no privilege to load
 * a test program, no kernel config to read) is not a failure: the load will say more.
 */
int probe_kernel(char *msg, size_t len);

/* The part of probe_kernel that reads kernel BTF only: kfuncs, tracepoints, tc. */
int probe_btf(const struct btf *vmlinux, char *msg, size_t len);

#endif
