/* SPDX-License-Identifier: GPL-2.0 */
/* tc.h — clsact qdisc and cls_bpf filters, spelled in rtnetlink. */
#ifndef FO_TC_H
#define FO_TC_H

#include <stdbool.h>
#include <linux/types.h>
#include "nl.h"

enum tc_dir { TC_INGRESS = 0, TC_EGRESS = 1 };

struct tc_filter_info {
	__u32 prio;
	__u32 handle;
	__u32 prog_id;   /* TCA_BPF_ID, 0 if not a bpf filter */
	__u32 bpf_flags; /* TCA_BPF_FLAGS (TCA_BPF_FLAG_ACT_DIRECT) */
	char kind[16];   /* TCA_KIND, e.g. "bpf" */
	char name[64];   /* TCA_BPF_NAME */
};

/* Create clsact on IFINDEX unless present; *created says whether this call made it.
 * An "ingress" qdisc in clsact's slot is -EEXIST with nl->extack saying so. */
int tc_clsact_ensure(struct nl_sock *nl, int ifindex, bool *created);
/* Delete clsact (and with it every filter on it). Only call when it is ours and empty.
 * -ENOENT if there is none; an ingress qdisc in its place is refused (-EINVAL). */
int tc_clsact_delete(struct nl_sock *nl, int ifindex);
/* Add or replace, in place, the direct-action cls_bpf filter at PRIO/HANDLE (protocol
 * all). Both must be non-zero (-EINVAL): zero lets the kernel choose, which duplicates.
 * Another classifier kind already at PRIO is -EINVAL, never replaced. */
int tc_filter_replace(struct nl_sock *nl, int ifindex, enum tc_dir dir, __u16 prio,
		      __u32 handle, int prog_fd, const char *name);
/* List the filters on one direction into OUT (at most MAX); *n is the count. The kernel's
 * per-prio header entries (handle 0, no options) are skipped; every other entry of any
 * kind is listed (u32 also lists its hash tables). -ENOSPC if more than MAX existed, with
 * the first MAX in OUT. No clsact is not an error: *n is 0. */
int tc_filter_dump(struct nl_sock *nl, int ifindex, enum tc_dir dir,
		   struct tc_filter_info *out, int max, int *n);
/* Delete exactly the bpf filter at PRIO/HANDLE (both non-zero, else -EINVAL). A filter of
 * another kind at PRIO is refused (-EINVAL); none there is -ENOENT. */
int tc_filter_delete(struct nl_sock *nl, int ifindex, enum tc_dir dir, __u16 prio, __u32 handle);

/* Parse one RTM_NEWTFILTER message. Pure: unit-tested on generated messages. */
int tc_filter_parse(const struct nlmsghdr *nlh, struct tc_filter_info *out);

#endif
