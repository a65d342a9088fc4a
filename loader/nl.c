// SPDX-License-Identifier: GPL-2.0
/* nl.c — the rtnetlink socket: open it in a namespace, send a request, collect ACK and extack. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "nl.h"

/* Dump replies are sized by the kernel up to 32 KiB per datagram; a smaller buffer truncates. */
#define NL_RECV_SIZE 32768

static void copy_str(char *dst, size_t len, const char *src, size_t srclen)
{
	size_t n;

	if (!len)
		return;
	n = strnlen(src, srclen);
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A namespace name is a file name under /run/netns; refuse anything that could leave it. */
static bool netns_name_ok(const char *name)
{
	return name[0] && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

static int socket_setup(struct nl_sock *nl)
{
	int one = 1;
	int fd;

	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		return -errno;
	fd = mnl_socket_get_fd(nl->sock);
	/* Without these the kernel's reason for a refusal is lost and every ACK echoes the
	 * whole request; old kernels lack them, which only costs the text. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	nl->portid = mnl_socket_get_portid(nl->sock);
	return 0;
}

int nl_open_path(struct nl_sock *nl, const char *path)
{
	int target = -1, saved = -1;
	int err, rerr;

	memset(nl, 0, sizeof(*nl));
	nl->seq = (unsigned int)time(NULL);

	if (!path) {
		err = socket_setup(nl);
		goto out;
	}
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0) {
		err = -errno;
		goto out;
	}
	/* thread-self, not self: setns moves only the calling thread. */
	saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (saved < 0) {
		err = -errno;
		goto out;
	}
	if (setns(target, CLONE_NEWNET) < 0) {
		err = -errno;
		goto out;
	}
	/* A netlink socket stays bound to the namespace it was created in. */
	err = socket_setup(nl);
	if (setns(saved, CLONE_NEWNET) < 0) {
		/* The thread is stranded in the wrong namespace: nothing after this is safe. */
		rerr = -errno;
		if (!err)
			err = rerr;
	}
out:
	if (err)
		nl_close(nl);
	if (target >= 0)
		close(target);
	if (saved >= 0)
		close(saved);
	return err;
}

int nl_open(struct nl_sock *nl, const char *netns)
{
	char path[4096];

	if (!netns || !netns[0])
		return nl_open_path(nl, NULL);
	if (!netns_name_ok(netns)) {
		memset(nl, 0, sizeof(*nl));
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	return nl_open_path(nl, path);
}

void nl_close(struct nl_sock *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
	nl->portid = 0;
}

static int err_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, NLMSGERR_ATTR_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

/* The extack TLVs start at OFFSET bytes into the payload; the message text is a string
 * the kernel NUL-terminates, but a hostile or truncated one must not overrun BUF. */
static void parse_ext_ack(const struct nlmsghdr *nlh, unsigned int offset, char *buf, size_t len)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + offset)
		return;
	if (mnl_attr_parse(nlh, offset, err_attr_cb, tb) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		copy_str(buf, len, mnl_attr_get_payload(tb[NLMSGERR_ATTR_MSG]),
			 mnl_attr_get_payload_len(tb[NLMSGERR_ATTR_MSG]));
}

int nl_parse_error(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	const struct nlmsgerr *e;
	unsigned int offset;
	int error;

	if (buf && len)
		buf[0] = '\0';
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN)
		return -EBADMSG;

	if (nlh->nlmsg_type == NLMSG_DONE) {
		/* A dump's end carries its status as a bare int, then the same TLVs. */
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int))
			return 0;
		memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
		offset = sizeof(int);
	} else if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nlmsgerr))
			return -EBADMSG;
		e = mnl_nlmsg_get_payload(nlh);
		error = e->error;
		offset = sizeof(*e);
		/* Uncapped, the whole request is echoed before the TLVs. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (e->msg.nlmsg_len < MNL_NLMSG_HDRLEN)
				return -EBADMSG;
			offset += MNL_ALIGN(e->msg.nlmsg_len) - MNL_NLMSG_HDRLEN;
		}
	} else {
		return -EBADMSG;
	}
	/* The kernel sends -errno; a positive value would be a malformed message. */
	if (error > 0)
		return -EBADMSG;
	if (buf && len)
		parse_ext_ack(nlh, offset, buf, len);
	return error;
}

int nl_reply_parse(struct nl_sock *nl, unsigned int seq, bool dump, const void *buf, size_t len,
		   mnl_cb_t cb, void *data, bool *interrupted, bool *cb_failed)
{
	const struct nlmsghdr *msg;
	int left = (int)len, err, ret;

	*cb_failed = false;
	for (msg = buf; mnl_nlmsg_ok(msg, left); msg = mnl_nlmsg_next(msg, &left)) {
		/* Leftovers of an earlier request (e.g. its ACK after DONE) are not ours. */
		if (msg->nlmsg_seq != seq || (msg->nlmsg_pid && msg->nlmsg_pid != nl->portid))
			continue;
		if (msg->nlmsg_flags & NLM_F_DUMP_INTR)
			*interrupted = true;
		switch (msg->nlmsg_type) {
		case NLMSG_NOOP:
			continue;
		case NLMSG_ERROR:
		case NLMSG_DONE:
			err = nl_parse_error(msg, nl->extack, sizeof(nl->extack));
			if (!err && msg->nlmsg_type == NLMSG_ERROR && dump)
				continue; /* the dump's own entries and DONE still follow */
			if (!err && *interrupted)
				err = -EINTR;
			/* Warnings may ride on a successful ACK; only failures keep text. */
			if (!err)
				nl->extack[0] = '\0';
			return err;
		case NLMSG_OVERRUN:
			return -ENOBUFS;
		default:
			if (!cb)
				continue;
			errno = 0;
			ret = cb(msg, data);
			if (ret < MNL_CB_STOP) {
				*cb_failed = true;
				return errno ? -errno : -EIO;
			}
			if (ret == MNL_CB_STOP && !dump)
				return 0;
		}
	}
	return 1;
}

int nl_talk(struct nl_sock *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	bool interrupted = false, cb_failed;
	char buf[NL_RECV_SIZE];
	unsigned int seq;
	ssize_t ret;
	int err = 0;

	nl->extack[0] = '\0';
	if (!nl->sock)
		return -EBADF;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq = ++nl->seq;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		ret = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (ret < 0) {
			/* libmnl reports a truncated datagram as ENOSPC. */
			return errno ? -errno : -EIO;
		}
		if (ret == 0)
			return -EIO;
		err = nl_reply_parse(nl, seq, dump, buf, (size_t)ret, cb, data, &interrupted,
				     &cb_failed);
		if (err == 1)
			continue;
		if (cb_failed)
			break;
		return err;
	}
	/* A callback refused an entry: read on to the end so the next request starts clean. */
	for (;;) {
		struct nlmsghdr *msg;
		int left;

		ret = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (ret <= 0)
			return err;
		left = (int)ret;
		for (msg = (struct nlmsghdr *)buf; mnl_nlmsg_ok(msg, left);
		     msg = mnl_nlmsg_next(msg, &left))
			if (msg->nlmsg_seq == seq &&
			    (msg->nlmsg_type == NLMSG_DONE ||
			     (msg->nlmsg_type == NLMSG_ERROR && !dump)))
				return err;
	}
}

int nl_retry_interrupted(int (*attempt)(void *ctx), void (*restart)(void *ctx), void *ctx)
{
	int tries, err = -EINTR;

	for (tries = 0; tries < NL_DUMP_TRIES && err == -EINTR; tries++) {
		if (tries && restart)
			restart(ctx);
		err = attempt(ctx);
	}
	return err;
}

struct dump_req {
	struct nl_sock *nl;
	struct nlmsghdr *nlh;
	mnl_cb_t cb;
	void *data;
	void (*restart)(void *data);
};

static int dump_attempt(void *ctx)
{
	struct dump_req *r = ctx;

	return nl_talk(r->nl, r->nlh, r->cb, r->data);
}

static void dump_restart(void *ctx)
{
	struct dump_req *r = ctx;

	if (r->restart)
		r->restart(r->data);
}

int nl_dump(struct nl_sock *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	    void (*restart)(void *data))
{
	struct dump_req r = { nl, nlh, cb, data, restart };

	return nl_retry_interrupted(dump_attempt, dump_restart, &r);
}

struct link_index_ctx {
	int ifindex;
};

static int link_index_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_index_ctx *ctx = data;
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	ctx->ifindex = ifi->ifi_index;
	return MNL_CB_OK;
}

int nl_link_index(struct nl_sock *nl, const char *dev)
{
	char buf[NL_REQ_SIZE];
	struct link_index_ctx ctx = { 0 };
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	int err;

	nl->extack[0] = '\0';
	/* A name that cannot fit in IFNAMSIZ names no device; the kernel would say EINVAL. */
	if (!dev || !dev[0] || strlen(dev) >= IFNAMSIZ)
		return -ENODEV;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, dev);
	/* Only the index is wanted: spare the kernel the statistics. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);

	err = nl_talk(nl, nlh, link_index_cb, &ctx);
	if (err)
		return err;
	return ctx.ifindex > 0 ? ctx.ifindex : -ENODEV;
}

int nl_attr_parse(const void *start, size_t len, mnl_attr_cb_t cb, void *data)
{
	const struct nlattr *attr = start;
	int left = (int)len;
	int ret;

	if (len > INT32_MAX)
		return -EBADMSG;
	while (mnl_attr_ok(attr, left)) {
		ret = cb(attr, data);
		if (ret <= MNL_CB_ERROR)
			return -EBADMSG;
		if (ret == MNL_CB_STOP)
			return 0;
		left -= MNL_ALIGN(attr->nla_len);
		attr = (const struct nlattr *)((const char *)attr + MNL_ALIGN(attr->nla_len));
	}
	/* mnl_attr_ok stops at a torn attribute; only clean alignment padding may remain. */
	return left > 0 ? -EBADMSG : 0;
}
