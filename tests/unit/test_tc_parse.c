// SPDX-License-Identifier: GPL-2.0
/* test_tc_parse.c — tc_filter_parse on hand-built RTM_NEWTFILTER messages, as a dump sends them. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "tc.h"
#include "test.h"

static union {
	char buf[4096];
	struct nlmsghdr align;
} msg;

static struct nlmsghdr *put_filter(const char *kind, __u16 prio, __u32 handle)
{
	struct nlmsghdr *nlh;
	struct tcmsg *t;

	memset(&msg, 0, sizeof(msg));
	nlh = mnl_nlmsg_put_header(msg.buf);
	nlh->nlmsg_type = RTM_NEWTFILTER;
	nlh->nlmsg_flags = NLM_F_MULTI;
	t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_ifindex = 3;
	t->tcm_parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS);
	t->tcm_handle = handle;
	t->tcm_info = TC_H_MAKE((__u32)prio << 16, htons(ETH_P_ALL));
	mnl_attr_put_strz(nlh, TCA_KIND, kind);
	return nlh;
}

/* The kernel's cls_bpf dump: id, name, flags and tag inside TCA_OPTIONS. */
static struct nlmsghdr *put_bpf_filter(__u16 prio, __u32 handle, __u32 id, const char *name)
{
	struct nlmsghdr *nlh = put_filter("bpf", prio, handle);
	__u8 tag[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct nlattr *opts;

	mnl_attr_put_u32(nlh, TCA_CHAIN, 0);
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_BPF_ID, id);
	mnl_attr_put_strz(nlh, TCA_BPF_NAME, name);
	mnl_attr_put(nlh, TCA_BPF_TAG, sizeof(tag), tag);
	mnl_attr_put_u32(nlh, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
	mnl_attr_nest_end(nlh, opts);
	return nlh;
}

static void test_bpf_filter_gives_prio_handle_id_name_and_direct_action(void)
{
	struct tc_filter_info fi;
	struct nlmsghdr *nlh = put_bpf_filter(49152, 0xf0, 42, "flowowner_egress");

	if (!ASSERT_OK(tc_filter_parse(nlh, &fi), "parse"))
		return;
	ASSERT_EQ(fi.prio, 49152, "prio");
	ASSERT_EQ(fi.handle, 0xf0, "handle");
	ASSERT_EQ(fi.prog_id, 42, "prog id");
	ASSERT_EQ(fi.bpf_flags, TCA_BPF_FLAG_ACT_DIRECT, "direct-action");
	ASSERT_STREQ(fi.kind, "bpf", "kind");
	ASSERT_STREQ(fi.name, "flowowner_egress", "name");
}

/* u32's option numbers overlap bpf's (11 is TCA_U32_FLAGS, and TCA_BPF_ID): ignore them. */
static void test_non_bpf_filter_has_kind_but_no_prog_id(void)
{
	struct nlmsghdr *nlh = put_filter("u32", 1, 0x800);
	struct tc_filter_info fi;
	struct nlattr *opts;

	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_U32_FLAGS, 8);
	mnl_attr_put_u32(nlh, TCA_U32_DIVISOR, 1);
	mnl_attr_nest_end(nlh, opts);

	if (!ASSERT_OK(tc_filter_parse(nlh, &fi), "parse"))
		return;
	ASSERT_STREQ(fi.kind, "u32", "kind");
	ASSERT_EQ(fi.prio, 1, "prio");
	ASSERT_EQ(fi.handle, 0x800, "handle");
	ASSERT_EQ(fi.prog_id, 0, "no prog id");
	ASSERT_EQ(fi.bpf_flags, 0, "no flags");
	ASSERT_STREQ(fi.name, "", "no name");
}

/* A dump reports each prio once as kind + chain with handle 0 and no options. */
static void test_prio_header_entry_parses_as_handle_zero(void)
{
	struct nlmsghdr *nlh = put_filter("bpf", 7, 0);
	struct tc_filter_info fi;

	mnl_attr_put_u32(nlh, TCA_CHAIN, 0);
	if (!ASSERT_OK(tc_filter_parse(nlh, &fi), "parse"))
		return;
	ASSERT_EQ(fi.prio, 7, "prio");
	ASSERT_EQ(fi.handle, 0, "handle");
	ASSERT_EQ(fi.prog_id, 0, "no prog");
}

static void test_torn_attribute_is_rejected_and_output_cleared(void)
{
	struct nlmsghdr *nlh = put_bpf_filter(5, 1, 42, "flowowner_ingress");
	struct tc_filter_info fi;

	nlh->nlmsg_len -= 6; /* the message ends inside TCA_OPTIONS */
	ASSERT_EQ(tc_filter_parse(nlh, &fi), -EBADMSG, "torn");
	ASSERT_EQ(fi.prog_id, 0, "cleared");
	ASSERT_STREQ(fi.kind, "", "cleared kind");
}

static void test_nested_attribute_overrunning_its_nest_is_rejected(void)
{
	struct nlmsghdr *nlh = put_filter("bpf", 5, 1);
	struct nlattr *opts, *inner;
	struct tc_filter_info fi;

	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	inner = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, TCA_BPF_ID, 9);
	mnl_attr_nest_end(nlh, opts);
	mnl_attr_put_u32(nlh, TCA_CHAIN, 0);
	inner->nla_len = 16; /* reaches into TCA_CHAIN, past its nest */
	ASSERT_EQ(tc_filter_parse(nlh, &fi), -EBADMSG, "overrun");
}

static void test_wrong_sized_prog_id_is_rejected(void)
{
	struct nlmsghdr *nlh = put_filter("bpf", 5, 1);
	struct tc_filter_info fi;
	struct nlattr *opts;
	__u16 id = 9;

	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_BPF_ID, sizeof(id), &id);
	mnl_attr_nest_end(nlh, opts);
	ASSERT_EQ(tc_filter_parse(nlh, &fi), -EBADMSG, "u16 id");
}

static void test_unterminated_kind_is_rejected(void)
{
	struct nlmsghdr *nlh;
	struct tc_filter_info fi;

	memset(&msg, 0, sizeof(msg));
	nlh = mnl_nlmsg_put_header(msg.buf);
	nlh->nlmsg_type = RTM_NEWTFILTER;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct tcmsg));
	mnl_attr_put(nlh, TCA_KIND, 3, "bpf");
	ASSERT_EQ(tc_filter_parse(nlh, &fi), -EBADMSG, "no NUL");
}

static void test_overlong_name_is_cut_not_overrun(void)
{
	char name[100];
	struct tc_filter_info fi;
	struct nlmsghdr *nlh;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	nlh = put_bpf_filter(5, 1, 3, name);
	if (!ASSERT_OK(tc_filter_parse(nlh, &fi), "parse"))
		return;
	ASSERT_EQ(strlen(fi.name), sizeof(fi.name) - 1, "cut to the field");
}

static void test_other_message_types_are_rejected(void)
{
	struct nlmsghdr *nlh = put_bpf_filter(5, 1, 3, "x");
	struct tc_filter_info fi;

	nlh->nlmsg_type = RTM_NEWQDISC;
	ASSERT_EQ(tc_filter_parse(nlh, &fi), -EBADMSG, "qdisc");
	nlh->nlmsg_type = RTM_NEWTFILTER;
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 4; /* shorter than struct tcmsg */
	ASSERT_EQ(tc_filter_parse(nlh, &fi), -EBADMSG, "short tcmsg");
}

int main(void)
{
	RUN_TEST(test_bpf_filter_gives_prio_handle_id_name_and_direct_action);
	RUN_TEST(test_non_bpf_filter_has_kind_but_no_prog_id);
	RUN_TEST(test_prio_header_entry_parses_as_handle_zero);
	RUN_TEST(test_torn_attribute_is_rejected_and_output_cleared);
	RUN_TEST(test_nested_attribute_overrunning_its_nest_is_rejected);
	RUN_TEST(test_wrong_sized_prog_id_is_rejected);
	RUN_TEST(test_unterminated_kind_is_rejected);
	RUN_TEST(test_overlong_name_is_cut_not_overrun);
	RUN_TEST(test_other_message_types_are_rejected);
	return test_failures != 0;
}
