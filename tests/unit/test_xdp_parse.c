// SPDX-License-Identifier: GPL-2.0
/* test_xdp_parse.c — xdp_link_parse on hand-built RTM_NEWLINK messages for each attach mode. */
#include <errno.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "xdp.h"
#include "test.h"

static union {
	char buf[4096];
	struct nlmsghdr align;
} msg;

static struct nlmsghdr *put_link(void)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	memset(&msg, 0, sizeof(msg));
	nlh = mnl_nlmsg_put_header(msg.buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = 4;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "veth0");
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	return nlh;
}

/* The nest as rtnl_xdp_fill writes it: per-mode ids, then PROG_ID unless several modes. */
static struct nlmsghdr *put_link_xdp(__u8 attached, __u32 skb, __u32 drv, __u32 hw)
{
	struct nlmsghdr *nlh = put_link();
	struct nlattr *nest = mnl_attr_nest_start(nlh, IFLA_XDP);

	mnl_attr_put_u8(nlh, IFLA_XDP_ATTACHED, attached);
	if (skb)
		mnl_attr_put_u32(nlh, IFLA_XDP_SKB_PROG_ID, skb);
	if (drv)
		mnl_attr_put_u32(nlh, IFLA_XDP_DRV_PROG_ID, drv);
	if (hw)
		mnl_attr_put_u32(nlh, IFLA_XDP_HW_PROG_ID, hw);
	if (attached != XDP_ATTACHED_NONE && attached != XDP_ATTACHED_MULTI)
		mnl_attr_put_u32(nlh, IFLA_XDP_PROG_ID, skb | drv | hw);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, IFLA_GROUP, 0);
	return nlh;
}

static void test_link_without_xdp_nest_reports_none(void)
{
	struct xdp_info xi = { .prog_id = 99 };

	if (!ASSERT_OK(xdp_link_parse(put_link(), &xi), "parse"))
		return;
	ASSERT_EQ(xi.attached, XDP_ATTACHED_NONE, "none");
	ASSERT_EQ(xi.prog_id, 0, "cleared");
}

static void test_xdp_nest_with_nothing_attached_reports_none(void)
{
	struct xdp_info xi;

	if (!ASSERT_OK(xdp_link_parse(put_link_xdp(XDP_ATTACHED_NONE, 0, 0, 0), &xi), "parse"))
		return;
	ASSERT_EQ(xi.attached, XDP_ATTACHED_NONE, "none");
	ASSERT_EQ(xi.prog_id, 0, "no prog");
}

static void test_generic_mode_reports_skb_prog_id(void)
{
	struct xdp_info xi;

	if (!ASSERT_OK(xdp_link_parse(put_link_xdp(XDP_ATTACHED_SKB, 17, 0, 0), &xi), "parse"))
		return;
	ASSERT_EQ(xi.attached, XDP_ATTACHED_SKB, "skb");
	ASSERT_EQ(xi.prog_id, 17, "prog id");
	ASSERT_EQ(xi.skb_prog_id, 17, "skb id");
	ASSERT_EQ(xi.drv_prog_id, 0, "no drv");
}

static void test_native_mode_reports_drv_prog_id(void)
{
	struct xdp_info xi;

	if (!ASSERT_OK(xdp_link_parse(put_link_xdp(XDP_ATTACHED_DRV, 0, 23, 0), &xi), "parse"))
		return;
	ASSERT_EQ(xi.attached, XDP_ATTACHED_DRV, "drv");
	ASSERT_EQ(xi.prog_id, 23, "prog id");
	ASSERT_EQ(xi.drv_prog_id, 23, "drv id");
	ASSERT_EQ(xi.skb_prog_id, 0, "no skb");
}

static void test_multi_mode_reports_each_id_and_no_single_prog(void)
{
	struct xdp_info xi;

	if (!ASSERT_OK(xdp_link_parse(put_link_xdp(XDP_ATTACHED_MULTI, 5, 6, 0), &xi), "parse"))
		return;
	ASSERT_EQ(xi.attached, XDP_ATTACHED_MULTI, "multi");
	ASSERT_EQ(xi.prog_id, 0, "no single id");
	ASSERT_EQ(xi.skb_prog_id, 5, "skb id");
	ASSERT_EQ(xi.drv_prog_id, 6, "drv id");
	ASSERT_EQ(xi.hw_prog_id, 0, "no hw");
}

static void test_torn_xdp_nest_is_rejected(void)
{
	struct nlmsghdr *nlh = put_link_xdp(XDP_ATTACHED_SKB, 17, 0, 0);
	struct xdp_info xi;

	nlh->nlmsg_len -= 8 + 6; /* drop IFLA_GROUP and end inside the nest */
	ASSERT_EQ(xdp_link_parse(nlh, &xi), -EBADMSG, "torn");
	ASSERT_EQ(xi.prog_id, 0, "cleared");
}

static void test_wrong_sized_xdp_attribute_is_rejected(void)
{
	struct nlmsghdr *nlh = put_link();
	struct nlattr *nest = mnl_attr_nest_start(nlh, IFLA_XDP);
	struct xdp_info xi;

	mnl_attr_put_u32(nlh, IFLA_XDP_ATTACHED, XDP_ATTACHED_SKB); /* u8 on the wire */
	mnl_attr_nest_end(nlh, nest);
	ASSERT_EQ(xdp_link_parse(nlh, &xi), -EBADMSG, "u32 attached");
}

int main(void)
{
	RUN_TEST(test_link_without_xdp_nest_reports_none);
	RUN_TEST(test_xdp_nest_with_nothing_attached_reports_none);
	RUN_TEST(test_generic_mode_reports_skb_prog_id);
	RUN_TEST(test_native_mode_reports_drv_prog_id);
	RUN_TEST(test_multi_mode_reports_each_id_and_no_single_prog);
	RUN_TEST(test_torn_xdp_nest_is_rejected);
	RUN_TEST(test_wrong_sized_xdp_attribute_is_rejected);
	return test_failures != 0;
}
