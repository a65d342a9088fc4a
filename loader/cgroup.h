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
/* The path, relative to the root, of the cgroup with id ID; -ENOENT if it is gone. */
int cgroup_path_of(__u64 id, char *buf, size_t len);

#endif
