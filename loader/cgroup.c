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

/* nftw passes no user pointer: the table being filled during one walk. */
static struct cgroup_table *walk_table;
static size_t walk_root_len;

static int visit(const char *fpath, const struct stat *sb, int type, struct FTW *ftw)
{
	struct cgroup_table *t = walk_table;
	struct cgroup_ent *e;
	const char *rel = fpath[walk_root_len] ? fpath + walk_root_len : "/";

	if (type != FTW_D)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;

		e = realloc(t->ent, cap * sizeof(*e));
		if (!e)
			return -1;
		t->ent = e;
		t->cap = cap;
	}
	e = &t->ent[t->n];
	/* On cgroup v2 a directory's inode number is its kernfs node id: the cgroup id the
	 * kernel reports, so the walk needs no call beyond the stat nftw already made. */
	e->id = sb->st_ino;
	e->path = strdup(rel);
	if (!e->path)
		return -1;
	t->n++;
	return 0;
}

static int cmp_ent(const void *a, const void *b)
{
	const struct cgroup_ent *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int cgroup_table_load(struct cgroup_table *t)
{
	char root[4096];
	int err;

	memset(t, 0, sizeof(*t));
	err = cgroup_root(root, sizeof(root));
	if (err)
		return err;
	walk_table = t;
	walk_root_len = strlen(root);
	err = nftw(root, visit, 16, FTW_PHYS | FTW_MOUNT);
	walk_table = NULL;
	if (err) {
		cgroup_table_free(t);
		return -ENOMEM;
	}
	if (t->n)
		qsort(t->ent, t->n, sizeof(*t->ent), cmp_ent);
	return 0;
}

const char *cgroup_table_path(const struct cgroup_table *t, __u64 id)
{
	struct cgroup_ent key = { .id = id }, *e;

	if (!t->n)
		return NULL;
	e = bsearch(&key, t->ent, t->n, sizeof(*t->ent), cmp_ent);
	return e ? e->path : NULL;
}

void cgroup_table_free(struct cgroup_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->ent[i].path);
	free(t->ent);
	memset(t, 0, sizeof(*t));
}

int cgroup_path_of(__u64 id, char *buf, size_t len)
{
	struct cgroup_table t;
	const char *path;
	int err;

	err = cgroup_table_load(&t);
	if (err)
		return err;
	path = cgroup_table_path(&t, id);
	if (path)
		snprintf(buf, len, "%s", path);
	err = path ? 0 : -ENOENT;
	cgroup_table_free(&t);
	return err;
}
