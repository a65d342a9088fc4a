// SPDX-License-Identifier: GPL-2.0
/* pidns.c — process ids as another pid namespace sees them (containers). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include "pidns.h"

/* The NSpid line of /proc/PID/status: the pid in each namespace, outermost first. */
static int read_nspid(pid_t pid, pid_t *ids, int max)
{
	char path[64], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + 6, *end;

		if (strncmp(line, "NSpid:", 6))
			continue;
		while (n < max) {
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			ids[n++] = (pid_t)v;
			p = end;
		}
		break;
	}
	fclose(f);
	return n ? n : -ENOENT;
}

/* Start time of PID in clock ticks since boot (field 22 of /proc/PID/stat). */
static int read_start_ticks(pid_t pid, unsigned long long *ticks)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	/* The name may hold spaces and parentheses: count fields after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	for (i = 2; i < 22 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", ticks) != 1)
		return -EIO;
	return 0;
}

int pidns_open(pid_t ref, struct pidns_view *v)
{
	char path[64];
	pid_t ids[32];
	struct stat st;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", ref);
	if (stat(path, &st))
		return -errno;
	n = read_nspid(ref, ids, 32);
	if (n < 0)
		return n;
	v->dev = st.st_dev;
	v->ino = st.st_ino;
	v->level = n - 1;
	return 0;
}

int pidns_pid_of(const struct pidns_view *v, pid_t pid, __u64 start_ns, pid_t *out)
{
	unsigned long long ticks = 0; /* read_start_ticks sets it when it returns 0 */
	char path[64];
	pid_t ids[32];
	struct stat st;
	long hz = sysconf(_SC_CLK_TCK);
	int n, fd, up, err = 0;

	n = read_nspid(pid, ids, 32);
	if (n < 0)
		return n;
	if (n - 1 < v->level)
		return -ENOENT; /* lives above the namespace: invisible in it */
	/* /proc/PID may be a newer process that took the pid: start times must agree (ticks are
	 * coarser than nanoseconds, so within one tick). */
	if (start_ns && hz > 0 && !read_start_ticks(pid, &ticks)) {
		unsigned long long want = start_ns / (1000000000ULL / hz);

		if (ticks + 1 < want || ticks > want + 1)
			return -ENOENT;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Walk up from the process's own namespace to the view's depth: same namespace there? */
	for (up = n - 1 - v->level; up > 0; up--) {
		int parent = ioctl(fd, NS_GET_PARENT);

		close(fd);
		if (parent < 0)
			return -errno;
		fd = parent;
	}
	if (fstat(fd, &st))
		err = -errno;
	else if (st.st_dev != v->dev || st.st_ino != v->ino)
		err = -ENOENT;
	close(fd);
	if (!err)
		*out = ids[v->level];
	return err;
}
