/* SPDX-License-Identifier: GPL-2.0 */
/* cgname.h — a systemd unit and a container id, read from a cgroup path. */
#ifndef FO_CGNAME_H
#define FO_CGNAME_H

#include <stddef.h>

#define CGNAME_UNIT_LEN 256
#define CGNAME_CONTAINER_LEN 13 /* 12 hex digits, as docker ps shows them */

struct cgroup_names {
	char unit[CGNAME_UNIT_LEN];           /* "" when no .service or .scope is on the path */
	char container[CGNAME_CONTAINER_LEN]; /* "" when no container runtime's layout matches */
};

/* Pure: from PATH alone ("/system.slice/nginx.service", "/docker/<64 hex>", ...), the innermost
 * .service or .scope component, and the innermost container id. Returns 0. */
int cgroup_names_of(const char *path, struct cgroup_names *out);
/* The id a container component carries, written to ID (ID_LEN > 64), or -EINVAL: a 64-digit hex
 * id, bare (cgroupfs layouts) or as docker-, cri-containerd-, crio-, libpod-ID[.scope]. */
int cgroup_container_id(const char *component, size_t len, char *id, size_t id_len);
/* Whether S is 12 to 64 lowercase hex digits: a container id or a prefix of one. */
int cgroup_is_container_ref(const char *s);

#endif
