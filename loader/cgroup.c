// SPDX-License-Identifier: GPL-2.0
/* cgroup.c — the cgroup v2 hierarchy: its root, and paths for cgroup ids. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cgroup.h"

int cgroup_root(char *buf, size_t len)
{
	char line[4096];
	FILE *f;
	int err = -ENOENT;

	/* mountinfo: "... MOUNTPOINT ... - FSTYPE SOURCE OPTS"; hybrid systems mount v2 at
	 * /sys/fs/cgroup/unified, unified ones at /sys/fs/cgroup. */
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[4096], fstype[64];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if (strlen(mnt) >= len) {
			err = -ENAMETOOLONG;
			break;
		}
		strcpy(buf, mnt);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

int cgroup_root_open(void)
{
	char root[4096];
	int fd, err;

	err = cgroup_root(root, sizeof(root));
	if (err)
		return err;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int cgroup_id_of(const char *path, __u64 *id)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	char root[4096], full[8192];
	int mnt_id, err;

	if (path[0] == '/' && !strncmp(path, "/sys/", 5)) {
		snprintf(full, sizeof(full), "%s", path);
	} else {
		err = cgroup_root(root, sizeof(root));
		if (err)
			return err;
		snprintf(full, sizeof(full), "%s/%s", root, path[0] == '/' ? path + 1 : path);
	}
	/* A cgroup v2 id is its kernfs node id, which the file handle carries. */
	if (name_to_handle_at(AT_FDCWD, full, &h.fh, &mnt_id, 0))
		return -errno;
	*id = h.id;
	return 0;
}

static __u64 want_id;
static char *found_path;
static size_t found_len;
static size_t root_len;

static int visit(const char *fpath, const struct stat *sb, int type, struct FTW *ftw)
{
	__u64 id;

	if (type != FTW_D)
		return 0;
	if (cgroup_id_of(fpath, &id) || id != want_id)
		return 0;
	snprintf(found_path, found_len, "%s", fpath[root_len] ? fpath + root_len : "/");
	return 1;
}

int cgroup_path_of(__u64 id, char *buf, size_t len)
{
	char root[4096];
	int err;

	err = cgroup_root(root, sizeof(root));
	if (err)
		return err;
	want_id = id;
	found_path = buf;
	found_len = len;
	root_len = strlen(root);
	err = nftw(root, visit, 16, FTW_PHYS | FTW_MOUNT);
	return err == 1 ? 0 : -ENOENT;
}
