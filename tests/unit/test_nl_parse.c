// SPDX-License-Identifier: GPL-2.0
/* test_nl_parse.c — ACK, error and extack parsing on hand-built NLMSG_ERROR/DONE messages. */
#include <errno.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "nl.h"
#include "test.h"

/* Word-aligned like the kernel's buffers, so casts to struct nlmsghdr are valid. */
static union {
	char buf[4096];
	struct nlmsghdr align;
} msg;

/* What the kernel sends back when NETLINK_CAP_ACK is set: the request's header only. */
static struct nlmsghdr *put_capped_error(int error, __u16 flags)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	memset(&msg, 0, sizeof(msg));
	nlh = mnl_nlmsg_put_header(msg.buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | flags;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = 64; /* the original length, though only the header came back */
	e->msg.nlmsg_type = RTM_NEWTFILTER;
	return nlh;
}

static void test_ack_is_success_with_no_text(void)
{
	char text[64] = "stale";
	struct nlmsghdr *nlh = put_capped_error(0, 0);

	ASSERT_EQ(nl_parse_error(nlh, text, sizeof(text)), 0, "ack");
	ASSERT_STREQ(text, "", "text cleared");
}

static void test_error_without_extack_returns_errno(void)
{
	char text[64] = "stale";
	struct nlmsghdr *nlh = put_capped_error(-ENODEV, 0);

	ASSERT_EQ(nl_parse_error(nlh, text, sizeof(text)), -ENODEV, "errno");
	ASSERT_STREQ(text, "", "no text");
}

static void test_capped_error_carries_extack_text(void)
{
	char text[64];
	struct nlmsghdr *nlh = put_capped_error(-EEXIST, NLM_F_ACK_TLVS);

	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "Exclusivity flag on, cannot override");
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
	ASSERT_EQ(nl_parse_error(nlh, text, sizeof(text)), -EEXIST, "errno");
	ASSERT_STREQ(text, "Exclusivity flag on, cannot override", "extack");
}

/* Without NETLINK_CAP_ACK the whole request is echoed and the TLVs follow it. */
static void test_uncapped_error_skips_echoed_request(void)
{
	union {
		char buf[256];
		struct nlmsghdr align;
	} req;
	struct nlmsghdr *r, *nlh;
	char text[64];
	struct nlmsgerr *e;
	void *echo;

	r = mnl_nlmsg_put_header(req.buf);
	r->nlmsg_type = RTM_NEWTFILTER;
	mnl_nlmsg_put_extra_header(r, sizeof(struct tcmsg));
	/* A string in the echo that a sloppy parser would pick up as the message. */
	mnl_attr_put_strz(r, NLMSGERR_ATTR_MSG, "echoed, not the error");

	memset(&msg, 0, sizeof(msg));
	nlh = mnl_nlmsg_put_header(msg.buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_ACK_TLVS;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EINVAL;
	e->msg = *r;
	echo = mnl_nlmsg_put_extra_header(nlh, r->nlmsg_len - MNL_NLMSG_HDRLEN);
	memcpy(echo, mnl_nlmsg_get_payload(r), r->nlmsg_len - MNL_NLMSG_HDRLEN);
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "Specified filter kind does not match");

	ASSERT_EQ(nl_parse_error(nlh, text, sizeof(text)), -EINVAL, "errno");
	ASSERT_STREQ(text, "Specified filter kind does not match", "extack after echo");
}

static void test_dump_done_carries_error_and_extack(void)
{
	struct nlmsghdr *nlh;
	char text[64];
	int *status;

	memset(&msg, 0, sizeof(msg));
	nlh = mnl_nlmsg_put_header(msg.buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	status = mnl_nlmsg_put_extra_header(nlh, sizeof(*status));
	*status = -EOPNOTSUPP;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "dump failed");

	ASSERT_EQ(nl_parse_error(nlh, text, sizeof(text)), -EOPNOTSUPP, "errno");
	ASSERT_STREQ(text, "dump failed", "extack");
}

static void test_extack_text_is_cut_to_the_buffer(void)
{
	char text[8];
	struct nlmsghdr *nlh = put_capped_error(-EINVAL, NLM_F_ACK_TLVS);

	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "a long message from the kernel");
	ASSERT_EQ(nl_parse_error(nlh, text, sizeof(text)), -EINVAL, "errno");
	ASSERT_STREQ(text, "a long ", "cut, terminated");
}

static void test_short_error_message_is_ebadmsg(void)
{
	char text[64];
	struct nlmsghdr *nlh = put_capped_error(-EINVAL, 0);

	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	ASSERT_EQ(nl_parse_error(nlh, text, sizeof(text)), -EBADMSG, "truncated");
}

/* A torn string attribute must neither be read past its end nor taken as text. */
static void test_torn_extack_attribute_gives_errno_without_text(void)
{
	char text[64];
	struct nlmsghdr *nlh = put_capped_error(-EPERM, NLM_F_ACK_TLVS);
	struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "Operation not permitted here");
	a->nla_len = 200; /* claims more than the message holds */
	ASSERT_EQ(nl_parse_error(nlh, text, sizeof(text)), -EPERM, "errno kept");
	ASSERT_STREQ(text, "", "no text");
}

static int count_cb(const struct nlattr *attr, void *data)
{
	(*(int *)data)++;
	return MNL_CB_OK;
}

static void test_attr_parse_rejects_leftover_bytes(void)
{
	struct nlmsghdr *nlh;
	int seen = 0;

	memset(&msg, 0, sizeof(msg));
	nlh = mnl_nlmsg_put_header(msg.buf);
	mnl_attr_put_u32(nlh, 1, 7);
	mnl_attr_put_u32(nlh, 2, 8);
	ASSERT_OK(nl_attr_parse(mnl_nlmsg_get_payload(nlh), mnl_nlmsg_get_payload_len(nlh),
				count_cb, &seen), "clean");
	ASSERT_EQ(seen, 2, "both seen");
	/* Cut the second attribute in half. */
	ASSERT_EQ(nl_attr_parse(mnl_nlmsg_get_payload(nlh), mnl_nlmsg_get_payload_len(nlh) - 4,
				count_cb, &seen), -EBADMSG, "torn");
}

/* A dump's datagram as the kernel builds it: two RTM_NEWLINK entries of request SEQ, the
 * second with FLAGS added, then NLMSG_DONE carrying 0. */
static size_t put_dump(unsigned int seq, __u16 flags)
{
	struct nlmsghdr *nlh;
	char *p = msg.buf;
	int i;

	memset(&msg, 0, sizeof(msg));
	for (i = 0; i < 2; i++) {
		struct ifinfomsg *ifi;

		nlh = mnl_nlmsg_put_header(p);
		nlh->nlmsg_type = RTM_NEWLINK;
		nlh->nlmsg_flags = NLM_F_MULTI | (i ? flags : 0);
		nlh->nlmsg_seq = seq;
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_index = i + 1;
		p += nlh->nlmsg_len;
	}
	nlh = mnl_nlmsg_put_header(p);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | flags;
	nlh->nlmsg_seq = seq;
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
	p += nlh->nlmsg_len;
	return p - msg.buf;
}

static int count_links_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return MNL_CB_OK;
}

static void test_dump_flagged_interrupted_is_eintr(void)
{
	struct nl_sock nl = {};
	bool intr = false, cb_failed;
	int links = 0;
	size_t len;

	len = put_dump(7, 0);
	ASSERT_EQ(nl_reply_parse(&nl, 7, true, msg.buf, len, count_links_cb, &links, &intr, &cb_failed),
		  0, "a whole dump");
	ASSERT_EQ(links, 2, "both entries seen");
	len = put_dump(8, NLM_F_DUMP_INTR);
	links = 0;
	ASSERT_EQ(nl_reply_parse(&nl, 8, true, msg.buf, len, count_links_cb, &links, &intr, &cb_failed),
		  -EINTR, "NLM_F_DUMP_INTR on an entry and on DONE");
	ASSERT_TRUE(intr && !cb_failed, "flagged, not a callback failure");
	/* The flag on an earlier datagram still counts at DONE. */
	len = put_dump(9, 0);
	ASSERT_EQ(nl_reply_parse(&nl, 9, true, msg.buf, len, count_links_cb, &links, &intr, &cb_failed),
		  -EINTR, "interrupted in an earlier datagram");
	/* Another request's replies are not this one's. */
	intr = false;
	len = put_dump(10, NLM_F_DUMP_INTR);
	ASSERT_EQ(nl_reply_parse(&nl, 11, true, msg.buf, len, count_links_cb, &links, &intr, &cb_failed),
		  1, "other seq: still waiting");
}

struct fake_dump {
	int interrupted_left, attempts, restarts, entries;
};

static int fake_attempt(void *ctx)
{
	struct fake_dump *f = ctx;

	f->attempts++;
	f->entries += 3; /* what the callback collected this time */
	return f->interrupted_left-- > 0 ? -EINTR : 0;
}

static void fake_restart(void *ctx)
{
	struct fake_dump *f = ctx;

	f->restarts++;
	f->entries = 0;
}

static void test_interrupted_dump_is_asked_again_from_scratch(void)
{
	struct fake_dump f = { .interrupted_left = 2 };

	ASSERT_EQ(nl_retry_interrupted(fake_attempt, fake_restart, &f), 0, "third attempt whole");
	ASSERT_EQ(f.attempts, 3, "attempts");
	ASSERT_EQ(f.restarts, 2, "reset before each new attempt");
	ASSERT_EQ(f.entries, 3, "only the whole dump's entries kept");
	f = (struct fake_dump){ .interrupted_left = 100 };
	ASSERT_EQ(nl_retry_interrupted(fake_attempt, fake_restart, &f), -EINTR, "gives up");
	ASSERT_EQ(f.attempts, NL_DUMP_TRIES, "bounded");
}

int main(void)
{
	RUN_TEST(test_ack_is_success_with_no_text);
	RUN_TEST(test_error_without_extack_returns_errno);
	RUN_TEST(test_capped_error_carries_extack_text);
	RUN_TEST(test_uncapped_error_skips_echoed_request);
	RUN_TEST(test_dump_done_carries_error_and_extack);
	RUN_TEST(test_extack_text_is_cut_to_the_buffer);
	RUN_TEST(test_short_error_message_is_ebadmsg);
	RUN_TEST(test_torn_extack_attribute_gives_errno_without_text);
	RUN_TEST(test_attr_parse_rejects_leftover_bytes);
	RUN_TEST(test_dump_flagged_interrupted_is_eintr);
	RUN_TEST(test_interrupted_dump_is_asked_again_from_scratch);
	return test_failures != 0;
}
