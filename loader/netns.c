// SPDX-License-Identifier: GPL-2.0
/* netns.c — naming network namespaces: /run/netns names, inodes and SO_NETNS_COOKIE. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <dirent.h>
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

int netns_run_path(const char *path, int (*fn)(void *data), void *data)
{
	int self = -1, target, err, ret;

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

int netns_run(const char *name, int (*fn)(void *data), void *data)
{
	char path[256];
	int err;

	if (!name || !*name)
		return fn(data);
	err = netns_path(name, path, sizeof(path));
	if (err)
		return err;
	return netns_run_path(path, fn, data);
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

/* PATH is namespace INO, and (when COOKIE is set) the very one: inode numbers are reused
 * after a namespace dies, cookies never are. */
static bool netns_is(const char *path, __u64 ino, __u64 cookie)
{
	struct stat st;
	__u64 c = 0;

	if (stat(path, &st) || st.st_ino != ino)
		return false;
	return !cookie || (!netns_run_path(path, cookie_here, &c) && c == cookie);
}

/* Every entry of DIR as "DIR/ENTRY/TAIL" (TAIL may be ""), checked with netns_is. */
static bool scan_for(const char *dir, const char *tail, __u64 ino, __u64 cookie, char *buf,
		     size_t len)
{
	struct dirent *de;
	bool found = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		int n;

		if (de->d_name[0] == '.')
			continue;
		n = snprintf(buf, len, "%s/%s%s", dir, de->d_name, tail);
		if (n > 0 && (size_t)n < len)
			found = netns_is(buf, ino, cookie);
	}
	closedir(d);
	return found;
}

int netns_find(const char *name, __u64 ino, __u64 cookie, char *buf, size_t len)
{
	if (name && *name && !netns_path(name, buf, len) && netns_is(buf, ino, cookie))
		return 0;
	if (!netns_path(NULL, buf, len) && netns_is(buf, ino, cookie))
		return 0;
	if (scan_for("/run/netns", "", ino, cookie, buf, len) ||
	    scan_for("/proc", "/ns/net", ino, cookie, buf, len))
		return 0;
	return -ENOENT;
}
