/* SPDX-License-Identifier: GPL-2.0 */
/* dev.h — the device a command acts on, opened once: its namespace's rtnetlink socket, its
 * name and ifindex, and the namespace's identity (inode and cookie) the records use. */
#ifndef FO_DEV_H
#define FO_DEV_H

#include <linux/types.h>
#include "errmsg.h"
#include "nl.h"

/* xdp-tools' struct iface, with what every step here needs besides: each step takes it, so a
 * device is looked up and its namespace named once per command, not once per step. */
struct fo_dev {
	struct nl_sock nl;  /* NETLINK_ROUTE, in the device's namespace */
	char name[16];      /* IFNAMSIZ */
	char netns[64];     /* -n NAME as given, "" for the namespace the command runs in */
	int ifindex;
	__u64 netns_ino;    /* what /proc/PID/ns/net links to */
	__u64 netns_cookie; /* SO_NETNS_COOKIE */
};

/* Open rtnetlink in NETNS (NULL or "": here), find NAME there and name the namespace, with the
 * messages a user can act on: "NETNS: no such network namespace", "NAME: no such device". */
int fo_dev_open(struct fo_dev *d, const char *netns, const char *name, struct fo_err *e);
/* The device a record names, in the namespace PATH opens (netns_find found it by identity):
 * NAME, IFINDEX and the identity as recorded, not looked up again. */
int fo_dev_open_at(struct fo_dev *d, const char *path, const char *netns, const char *name,
		   int ifindex, __u64 netns_ino, __u64 netns_cookie);
void fo_dev_close(struct fo_dev *d);

#endif
