// SPDX-License-Identifier: GPL-2.0
/* cgname.c — a systemd unit and a container id, read from a cgroup path. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cgname.h"

#define FULL_ID_LEN 64

static int all_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len > n && !memcmp(s + len - n, suffix, n);
}

int cgroup_container_id(const char *c, size_t len, char *id, size_t id_len)
{
	/* The runtimes' systemd-driver scopes; conmon's own scope (libpod-conmon-, crio-conmon-)
	 * is the monitor, not the container, and its id is no hex run of 64, so it never matches. */
	static const char *const prefixes[] = { "docker-", "cri-containerd-", "crio-", "libpod-" };
	size_t i;

	if (ends_with(c, len, ".scope"))
		len -= strlen(".scope");
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);

		if (len > n && !memcmp(c, prefixes[i], n)) {
			c += n;
			len -= n;
			break;
		}
	}
	/* cgroupfs layouts (/docker/ID, /kubepods/.../podUID/ID, /libpod_parent/libpod-ID) put
	 * the id as a whole component; 64 digits, so a pod uid or a short name never passes. */
	if (len != FULL_ID_LEN || !all_hex(c, len) || id_len <= FULL_ID_LEN)
		return -EINVAL;
	memcpy(id, c, len);
	id[len] = '\0';
	return 0;
}

int cgroup_names_of(const char *path, struct cgroup_names *out)
{
	char id[FULL_ID_LEN + 1];
	const char *p = path ? path : "";

	out->unit[0] = '\0';
	out->container[0] = '\0';
	/* Left to right, each match overwrites the last: the innermost wins, which is the unit
	 * (nginx.service, not the user@1000.service above it) and the container (docker in docker)
	 * the process is really in. */
	while (*p) {
		const char *end;
		size_t len;

		while (*p == '/')
			p++;
		end = strchr(p, '/');
		len = end ? (size_t)(end - p) : strlen(p);
		if (!len)
			break;
		if ((ends_with(p, len, ".service") || ends_with(p, len, ".scope")) &&
		    len < sizeof(out->unit))
			snprintf(out->unit, sizeof(out->unit), "%.*s", (int)len, p);
		if (!cgroup_container_id(p, len, id, sizeof(id)))
			snprintf(out->container, sizeof(out->container), "%.12s", id);
		p += len;
	}
	return 0;
}

int cgroup_is_container_ref(const char *s)
{
	size_t len = strlen(s);

	return len >= 12 && len <= FULL_ID_LEN && all_hex(s, len);
}
