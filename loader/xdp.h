/* SPDX-License-Identifier: GPL-2.0 */
/* xdp.h — IFLA_XDP attach, query and detach, replace-safe. */
#ifndef FO_XDP_H
#define FO_XDP_H

#include <linux/types.h>
#include "nl.h"

struct xdp_info {
	__u32 prog_id; /* IFLA_XDP_PROG_ID: the single attached program, if any */
	__u32 skb_prog_id;
	__u32 drv_prog_id;
	__u32 hw_prog_id;
	__u8 attached; /* IFLA_XDP_ATTACHED: XDP_ATTACHED_NONE/DRV/SKB/HW/MULTI */
	char kind[16]; /* IFLA_INFO_KIND ("veth", ...), "" for a physical device */
};

int xdp_query(struct nl_sock *nl, int ifindex, struct xdp_info *info);
/* Attach PROG_FD with XDP_FLAGS_* FLAGS. EXPECTED_FD >= 0 adds XDP_FLAGS_REPLACE so the
 * kernel refuses if something else was attached meanwhile; -1 means "only if none". */
int xdp_attach(struct nl_sock *nl, int ifindex, int prog_fd, int expected_fd, __u32 flags);
/* Detach, but only if EXPECTED_FD is still the program there (XDP_FLAGS_REPLACE). */
int xdp_detach(struct nl_sock *nl, int ifindex, int expected_fd, __u32 flags);

/* Parse the IFLA_XDP nest of one RTM_NEWLINK message. Pure: unit-tested. */
int xdp_link_parse(const struct nlmsghdr *nlh, struct xdp_info *info);

#endif
