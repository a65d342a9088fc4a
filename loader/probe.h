/* SPDX-License-Identifier: GPL-2.0 */
/* probe.h — does this kernel have what flowowner needs? Asked before the first load. */
#ifndef FO_PROBE_H
#define FO_PROBE_H

#include <stdbool.h>
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

/*
 * Tracepoints newer than FO_MIN_KERNEL that the tracing side uses when the kernel has them:
 * without one, its program is not loaded and the limit in docs/attribution.md applies.
 * FO_DISABLE_HOOKS (tracepoint names, comma-separated) leaves one out on purpose.
 */
struct fo_optional_hook {
	const char *tracepoint;
	const char *prog; /* the tracing program that attaches to it */
};
extern const struct fo_optional_hook fo_optional_hooks[];
extern const size_t fo_optional_hooks_n;

/* The optional hook on tracepoint TP, or NULL when TP is required. */
const struct fo_optional_hook *probe_optional_hook(const char *tp);
/* 1 if the running kernel has tracepoint TP (btf_trace_TP in its BTF), 0 if not, -errno when
 * its BTF cannot be read. */
int probe_tracepoint(const char *tp);
/* Whether FO_DISABLE_HOOKS names TP. */
bool probe_hook_disabled(const char *tp);

/* The part of probe_kernel that reads kernel BTF only: kfuncs, tracepoints, tc. */
int probe_btf(const struct btf *vmlinux, char *msg, size_t len);

/* CONFIG_OPT's value in the running kernel's config (/proc/config.gz, /boot/config-RELEASE)
 * into VAL: 0, -ENOENT when the config does not set it, -ENODATA when there is no config. */
int probe_kernel_config(const char *opt, char *val, size_t len);

#endif
