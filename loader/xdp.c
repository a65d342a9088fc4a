// SPDX-License-Identifier: GPL-2.0
/* xdp.c — XDP programs on a device through IFLA_XDP, attached and removed only as expected. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "xdp.h"

static int xdp_nest_cb(const struct nlattr *attr, void *data)
{
	struct xdp_info *info = data;
	__u32 *dst;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_XDP_ATTACHED:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		info->attached = mnl_attr_get_u8(attr);
		return MNL_CB_OK;
	case IFLA_XDP_PROG_ID:
		dst = &info->prog_id;
		break;
	case IFLA_XDP_SKB_PROG_ID:
		dst = &info->skb_prog_id;
		break;
	case IFLA_XDP_DRV_PROG_ID:
		dst = &info->drv_prog_id;
		break;
	case IFLA_XDP_HW_PROG_ID:
		dst = &info->hw_prog_id;
		break;
	default:
		return MNL_CB_OK;
	}
	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_ERROR;
	*dst = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

struct link_attrs {
	const struct nlattr *xdp;
	const struct nlattr *linkinfo;
};

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct link_attrs *a = data;
	int type = mnl_attr_get_type(attr);

	if (type != IFLA_XDP && type != IFLA_LINKINFO)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
		return MNL_CB_ERROR;
	if (type == IFLA_XDP)
		a->xdp = attr;
	else
		a->linkinfo = attr;
	return MNL_CB_OK;
}

static int linkinfo_cb(const struct nlattr *attr, void *data)
{
	struct xdp_info *info = data;
	size_t len;

	if (mnl_attr_get_type(attr) != IFLA_INFO_KIND)
		return MNL_CB_OK;
	len = mnl_attr_get_payload_len(attr);
	if (len >= sizeof(info->kind))
		len = sizeof(info->kind) - 1;
	memcpy(info->kind, mnl_attr_get_payload(attr), len);
	info->kind[len] = '\0';
	return MNL_CB_OK;
}

int xdp_link_parse(const struct nlmsghdr *nlh, struct xdp_info *info)
{
	struct link_attrs a = {};
	const struct ifinfomsg *ifi;
	int err;

	memset(info, 0, sizeof(*info));
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN || nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EBADMSG;
	err = nl_attr_parse(mnl_nlmsg_get_payload_offset(nlh, sizeof(*ifi)),
			    mnl_nlmsg_get_payload_len(nlh) - MNL_ALIGN(sizeof(*ifi)), link_attr_cb,
			    &a);
	/* No IFLA_XDP at all is a device with nothing attached (or a kernel without XDP). */
	if (!err && a.xdp)
		err = nl_attr_parse(mnl_attr_get_payload(a.xdp), mnl_attr_get_payload_len(a.xdp),
				    xdp_nest_cb, info);
	if (!err && a.linkinfo)
		err = nl_attr_parse(mnl_attr_get_payload(a.linkinfo),
				    mnl_attr_get_payload_len(a.linkinfo), linkinfo_cb, info);
	if (err)
		memset(info, 0, sizeof(*info));
	return err;
}

struct query_ctx {
	struct xdp_info *info;
	int ifindex;
	int err;
	bool seen;
};

static int query_cb(const struct nlmsghdr *nlh, void *data)
{
	struct query_ctx *ctx = data;
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_index != ctx->ifindex)
		return MNL_CB_OK;
	ctx->err = xdp_link_parse(nlh, ctx->info);
	ctx->seen = true;
	return MNL_CB_OK;
}

int xdp_query(struct nl_sock *nl, int ifindex, struct xdp_info *info)
{
	struct query_ctx ctx = { .info = info, .ifindex = ifindex };
	char buf[NL_REQ_SIZE];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	int err;

	memset(info, 0, sizeof(*info));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);

	err = nl_talk(nl, nlh, query_cb, &ctx);
	if (err)
		return err;
	if (!ctx.seen)
		return -ENODEV;
	return ctx.err;
}

static int xdp_set(struct nl_sock *nl, int ifindex, int fd, int expected_fd, __u32 flags)
{
	char buf[NL_REQ_SIZE];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_SETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;

	nest = mnl_attr_nest_start(nlh, IFLA_XDP);
	mnl_attr_put_u32(nlh, IFLA_XDP_FD, (__u32)fd);
	if (expected_fd >= 0) {
		/* The kernel compares this with what is attached now, under RTNL: no race. */
		mnl_attr_put_u32(nlh, IFLA_XDP_EXPECTED_FD, (__u32)expected_fd);
		flags |= XDP_FLAGS_REPLACE;
	}
	if (flags)
		mnl_attr_put_u32(nlh, IFLA_XDP_FLAGS, flags);
	mnl_attr_nest_end(nlh, nest);
	return nl_talk(nl, nlh, NULL, NULL);
}

int xdp_attach(struct nl_sock *nl, int ifindex, int prog_fd, int expected_fd, __u32 flags)
{
	nl->extack[0] = '\0';
	if (prog_fd < 0)
		return -EBADF;
	/* "Only if none": another tool's program must never be silently replaced. */
	if (expected_fd < 0)
		flags |= XDP_FLAGS_UPDATE_IF_NOEXIST;
	return xdp_set(nl, ifindex, prog_fd, expected_fd, flags);
}

int xdp_detach(struct nl_sock *nl, int ifindex, int expected_fd, __u32 flags)
{
	nl->extack[0] = '\0';
	/* A detach that does not name its program could remove someone else's. */
	if (expected_fd < 0)
		return -EBADF;
	return xdp_set(nl, ifindex, -1, expected_fd, flags);
}
