// SPDX-License-Identifier: GPL-2.0
/* netns.c — naming network namespaces: /run/netns names, inodes and SO_NETNS_COOKIE. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "netns.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int netns_path(const char *name, char *buf, unsigned long len)
{
	int n;

	if (name && *name) {
		if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
			return -EINVAL;
		n = snprintf(buf, len, "/run/netns/%s", name);
	} else {
		n = snprintf(buf, len, "/proc/thread-self/ns/net");
	}
	return n < 0 || (unsigned long)n >= len ? -ENAMETOOLONG : 0;
}

int netns_inode(const char *name, __u64 *ino)
{
	char path[256];
	struct stat st;
	int err;

	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	if (stat(path, &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

int netns_run(const char *name, int (*fn)(void *data), void *data)
{
	int self = -1, target = -1, err, ret;
	char path[256];

	if (!name || !*name)
		return fn(data);
	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return -errno;
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		err = -errno;
		goto out;
	}
	if (setns(target, CLONE_NEWNET)) {
		err = -errno;
		goto out;
	}
	ret = fn(data);
	/* Coming back cannot fail for a namespace we were in a moment ago; if it does, the
	 * process must not go on in the wrong one. */
	if (setns(self, CLONE_NEWNET))
		abort();
	err = ret;
out:
	if (self >= 0)
		close(self);
	close(target);
	return err;
}

static int cookie_here(void *data)
{
	socklen_t len = sizeof(__u64);
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, data, &len))
		err = -errno;
	close(fd);
	return err;
}

int netns_cookie(const char *name, __u64 *cookie)
{
	return netns_run(name, cookie_here, cookie);
}
