// SPDX-License-Identifier: GPL-2.0
/* dev.c — the device a command acts on, opened once: socket, ifindex, namespace identity. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "dev.h"
#include "netns.h"

int fo_dev_open(struct fo_dev *d, const char *netns, const char *name, struct fo_err *e)
{
	int err;

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->netns, sizeof(d->netns), "%s", netns ? netns : "");
	err = nl_open(&d->nl, netns);
	if (err) {
		if (err == -ENOENT)
			fo_err_set(e, "%s: no such network namespace", netns);
		else
			fo_err_set(e, "%s: cannot open netlink: %s", netns && *netns ? netns : "rtnetlink",
				   strerror(-err));
		return err;
	}
	err = nl_link_index(&d->nl, name);
	if (err < 0) {
		if (err == -ENODEV)
			fo_err_set(e, "%s: no such device", name);
		else
			fo_err_nl(e, name, err, &d->nl);
		goto fail;
	}
	d->ifindex = err;
	err = netns_inode(netns, &d->netns_ino);
	if (!err)
		err = netns_cookie(netns, &d->netns_cookie);
	if (err) {
		fo_err_set(e, "%s: cannot name its namespace: %s", name, strerror(-err));
		goto fail;
	}
	return 0;
fail:
	nl_close(&d->nl);
	return err;
}

int fo_dev_open_at(struct fo_dev *d, const char *path, const char *netns, const char *name,
		   int ifindex, __u64 netns_ino, __u64 netns_cookie)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->netns, sizeof(d->netns), "%s", netns ? netns : "");
	d->ifindex = ifindex;
	d->netns_ino = netns_ino;
	d->netns_cookie = netns_cookie;
	return nl_open_path(&d->nl, path);
}

void fo_dev_close(struct fo_dev *d)
{
	nl_close(&d->nl);
}
