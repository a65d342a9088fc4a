/* SPDX-License-Identifier: GPL-2.0 */
/* nl.h — one rtnetlink socket through libmnl, opened in a chosen namespace, with extack. */
#ifndef FO_NL_H
#define FO_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <libmnl/libmnl.h>

/* Room for one request this project builds: a header and a handful of attributes. */
#define NL_REQ_SIZE 4096

struct nl_sock {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	char extack[256]; /* the kernel's message for the last failed request, "" if none */
};

/* Open a NETLINK_ROUTE socket in /run/netns/NETNS (NULL or "": the caller's namespace).
 * Only the socket creation happens inside the namespace; the calling thread returns to
 * its own namespace before this returns, so pins and files stay where they are. */
int nl_open(struct nl_sock *nl, const char *netns);
/* The same in the namespace PATH opens (/run/netns/X, /proc/PID/ns/net; NULL: the caller's). */
int nl_open_path(struct nl_sock *nl, const char *path);
void nl_close(struct nl_sock *nl);

/* Send NLH (NLM_F_ACK is added) and run every reply through CB (may be NULL) until the
 * ACK or NLMSG_DONE. Returns 0 or -errno; on error nl->extack holds the kernel's text.
 * A dump the kernel flags NLM_F_DUMP_INTR (changed while dumped) is -EINTR: nl_dump retries it.
 * CB returning MNL_CB_ERROR fails the call with its errno; the rest is still read. */
int nl_talk(struct nl_sock *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* How often an interrupted dump is asked again before its -EINTR is the answer. */
#define NL_DUMP_TRIES 8

/* A dump through nl_talk, asked again while it comes back -EINTR (NLM_F_DUMP_INTR: the
 * table changed while it was dumped, so what CB saw may be torn; or a signal), up to
 * NL_DUMP_TRIES times. RESTART (may be NULL) resets DATA before each new attempt, so CB
 * collects one whole, consistent dump. */
int nl_dump(struct nl_sock *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	    void (*restart)(void *data));
/* The retry rule of nl_dump, apart from any socket: ATTEMPT again while it returns -EINTR,
 * RESTART before each new attempt. Pure: unit-tested. */
int nl_retry_interrupted(int (*attempt)(void *ctx), void (*restart)(void *ctx), void *ctx);
/* One received datagram of replies to request SEQ, through CB: 1 when the reply goes on in
 * the next datagram, else the request's result, 0 or -errno (-EINTR for a dump flagged
 * NLM_F_DUMP_INTR in any of its datagrams: *INTERRUPTED carries across them). *CB_FAILED
 * says CB refused an entry (the rest must be drained). Pure: unit-tested. */
int nl_reply_parse(struct nl_sock *nl, unsigned int seq, bool dump, const void *buf, size_t len,
		   mnl_cb_t cb, void *data, bool *interrupted, bool *cb_failed);

/* Resolve a device name in the socket's namespace. Returns ifindex > 0 or -ENODEV. */
int nl_link_index(struct nl_sock *nl, const char *dev);

/* Parse the extack message (NLMSGERR_ATTR_MSG) out of an NLMSG_ERROR message into buf.
 * Returns the errno carried by the message (0 for an ACK). Pure: unit-tested.
 * The errno is negative, as the kernel sends it; a dump's NLMSG_DONE is read the same
 * way; a message too short to hold its header is -EBADMSG. */
int nl_parse_error(const struct nlmsghdr *nlh, char *buf, size_t len);

/* Walk the attributes in LEN bytes at START through CB, strictly: an attribute that runs
 * past the end, or bytes left over, is -EBADMSG (mnl_attr_parse would stop silently);
 * CB returning MNL_CB_ERROR is -EBADMSG too. For reply parsers fed untrusted bytes. */
int nl_attr_parse(const void *start, size_t len, mnl_attr_cb_t cb, void *data);

#endif
