/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup.h — the cgroup v2 hierarchy: its root, and paths for cgroup ids. */
#ifndef FO_CGROUP_H
#define FO_CGROUP_H

#include <stddef.h>
#include <linux/types.h>

/* Where cgroup v2 is mounted (e.g. /sys/fs/cgroup or /sys/fs/cgroup/unified). */
int cgroup_root(char *buf, size_t len);
/* An O_RDONLY fd on the v2 root, for attaching socket hooks to every process. */
int cgroup_root_open(void);
/* The id of the cgroup at PATH (absolute, or relative to the v2 root), as the kernel names it. */
int cgroup_id_of(const char *path, __u64 *id);
/* The path, relative to the root, of the cgroup with id ID; -ENOENT if it is gone.
 * One walk of the hierarchy per call: listings use a cgroup_table instead. */
int cgroup_path_of(__u64 id, char *buf, size_t len);

/* Every cgroup's id and path, read in one walk, for listings that name many. */
struct cgroup_ent {
	__u64 id;
	char *path; /* relative to the v2 root, "/" for the root */
};

struct cgroup_table {
	struct cgroup_ent *ent; /* sorted by id */
	size_t n, cap;
};

int cgroup_table_load(struct cgroup_table *t);
/* The path of cgroup ID, or NULL if no such cgroup exists now. */
const char *cgroup_table_path(const struct cgroup_table *t, __u64 id);
void cgroup_table_free(struct cgroup_table *t);

#endif
