/* SPDX-License-Identifier: GPL-2.0 */
/* netns.h — naming network namespaces: /run/netns names, inodes and SO_NETNS_COOKIE. */
#ifndef FO_NETNS_H
#define FO_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Path of a named namespace, or of the caller's own for NULL/"". */
int netns_path(const char *name, char *buf, unsigned long len);
/* Inode number of the namespace (what /proc/PID/ns/net links to); -ENOENT if it is missing. */
int netns_inode(const char *name, __u64 *ino);
/* The namespace's cookie, as SO_NETNS_COOKIE and bpf_get_netns_cookie() name it. */
int netns_cookie(const char *name, __u64 *cookie);
/* A path that opens namespace INO (and COOKIE, when not 0) wherever it is: its name NAME
 * under /run/netns, the caller's own, any other name there, or any process's /proc/PID/ns/net.
 * -ENOENT when no path reaches it (it is gone). */
int netns_find(const char *name, __u64 ino, __u64 cookie, char *buf, size_t len);
/* Run FN inside the namespace PATH opens (a /run/netns name, /proc/PID/ns/net, an nsfs fd's
 * /proc/self/fd/N), on this thread, then come back. */
int netns_run_path(const char *path, int (*fn)(void *data), void *data);
/* Run FN inside the namespace on this thread, then come back. */
int netns_run(const char *name, int (*fn)(void *data), void *data);

#endif
