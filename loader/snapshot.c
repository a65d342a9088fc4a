// SPDX-License-Identifier: GPL-2.0
/* snapshot.c — seeding and reconciling the tables with the task iterator and task-file walk. */
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/sockios.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <stdlib.h>
#include "netns.h"
#include "pin_names.h"
#include "pins.h"
#include "reader.h"
#include "snapshot.h"

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Entries the walk did not see alive but that never saw their exit tracepoint (they died
 * before attach, or an exit was missed) are marked exited, not dropped: flows name them. */
static void reconcile(int map_fd, __u32 gen, struct proc_entry *procs, size_t n)
{
	__u64 now = mono_ns();
	size_t i;

	for (i = 0; i < n; i++) {
		struct proc_entry *e = &procs[i];

		if (e->flags & FO_PROC_EXITED || e->snap_gen == gen)
			continue;
		/* Started after the walk passed: the fork tracepoint made it, it is alive. */
		if (!(e->flags & FO_PROC_SNAPSHOT) && e->snap_gen == 0 && !kill((int)e->pid, 0))
			continue;
		e->flags |= FO_PROC_EXITED;
		e->exit_ns = now;
		e->threads = 0;
		bpf_map_update_elem(map_fd, &e->pid, e, BPF_EXIST);
	}
}

int snapshot_procs_read(const char *pin_dir, struct snapshot_args *out,
			struct proc_entry **procs, size_t *nprocs)
{
	struct snapshot_args args = { .gen = (__u32)(mono_ns() / 1000000) | 1 };
	/* Syscall programs take no ctx_out: the kernel writes the context back into ctx_in. */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
	struct proc_entry *all = NULL;
	int prog_fd, map_fd = -1, err;
	size_t n = 0;

	prog_fd = pins_get(pin_dir, FO_PIN_SNAPSHOT);
	if (prog_fd < 0)
		return prog_fd;
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err) {
		err = -errno;
		goto out;
	}
	map_fd = pins_get(pin_dir, FO_PIN_PROCS);
	if (map_fd < 0) {
		err = map_fd;
		goto out;
	}
	/* One batched read: two syscalls per entry made a 10k-process refresh slow. */
	err = reader_procs(pin_dir, &all, &n);
	if (err)
		goto out;
	reconcile(map_fd, args.gen, all, n);
	if (out)
		*out = args;
	if (procs) { /* the table as it now is: the caller need not read it again */
		*procs = all;
		*nprocs = n;
		all = NULL;
	}
out:
	free(all);
	if (map_fd >= 0)
		close(map_fd);
	close(prog_fd);
	return err;
}

int snapshot_procs(const char *pin_dir, struct snapshot_args *out)
{
	return snapshot_procs_read(pin_dir, out, NULL, NULL);
}

/* Read an iterator to its end: reading is what runs its program. */
static int iter_run(int link_fd)
{
	char buf[4096];
	ssize_t n;
	int it_fd, err = 0;

	it_fd = bpf_iter_create(link_fd);
	if (it_fd < 0)
		return -errno;
	while ((n = read(it_fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		err = -errno;
	close(it_fd);
	return err;
}

struct seed_walk {
	int tcp_fd, udp_fd; /* the socket walks' links */
};

/* Inside a namespace: the socket iterators walk the namespace they are created in. */
static int seed_walk_here(void *data)
{
	const struct seed_walk *w = data;
	int err = iter_run(w->tcp_fd);

	return err ? err : iter_run(w->udp_fd);
}

/*
 * A path to namespace INO, where socket FD of process PID lives: the process's own namespace
 * when that is it (the usual case), else the socket's, asked of a copy of its descriptor
 * (SIOCGSKNS). *NSFD is set when a descriptor was opened for the path; the caller closes it.
 */
static int seed_netns_path(const struct sock_seed *s, char *path, size_t len, int *nsfd)
{
	struct stat st;
	int pidfd, sfd;

	*nsfd = -1;
	snprintf(path, len, "/proc/%u/ns/net", s->pid);
	if (!stat(path, &st) && st.st_ino == s->netns_ino)
		return 0;
	pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	if (pidfd < 0)
		return -errno;
	sfd = (int)syscall(SYS_pidfd_getfd, pidfd, s->fd, 0);
	close(pidfd);
	if (sfd < 0)
		return -errno;
	*nsfd = ioctl(sfd, SIOCGSKNS);
	close(sfd);
	if (*nsfd < 0)
		return -errno;
	snprintf(path, len, "/proc/self/fd/%d", *nsfd);
	return 0;
}

/* The namespaces the walk found sockets in, each once, with one socket of each: *OUT, *N. */
static int seed_namespaces(int seed_fd, struct sock_seed **out, size_t *n)
{
	struct sock_seed s, *v = NULL, *grown;
	__u64 key, next, *prev = NULL;
	size_t found = 0, cap = 0, i;

	while (!bpf_map_get_next_key(seed_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(seed_fd, &key, &s))
			continue;
		for (i = 0; i < found && v[i].netns_ino != s.netns_ino; i++)
			;
		if (i < found)
			continue;
		if (found == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(v, cap * sizeof(*v));
			if (!grown) {
				free(v);
				return -ENOMEM;
			}
			v = grown;
		}
		v[found++] = s;
	}
	*out = v;
	*n = found;
	return 0;
}

int snapshot_socks(const char *pin_dir, unsigned long *namespaces)
{
	struct seed_walk w = { .tcp_fd = -1, .udp_fd = -1 };
	struct sock_seed *ns = NULL;
	int link_fd, seed_fd = -1, err;
	size_t nns = 0, i;
	__u64 key;

	link_fd = pins_get(pin_dir, FO_PIN_LINK_PREFIX "fo_sock_walk");
	if (link_fd < 0)
		return link_fd;
	err = iter_run(link_fd);
	if (err)
		goto out;
	seed_fd = pins_get(pin_dir, FO_PIN_SOCKSEED);
	w.tcp_fd = pins_get(pin_dir, FO_PIN_LINK_PREFIX "fo_sock_seed_tcp");
	w.udp_fd = pins_get(pin_dir, FO_PIN_LINK_PREFIX "fo_sock_seed_udp");
	if (seed_fd < 0 || w.tcp_fd < 0 || w.udp_fd < 0) {
		err = seed_fd < 0 ? seed_fd : w.tcp_fd < 0 ? w.tcp_fd : w.udp_fd;
		goto out;
	}
	err = seed_namespaces(seed_fd, &ns, &nns);
	if (err)
		goto out;
	for (i = 0; i < nns; i++) {
		char path[64];
		int nsfd;

		/* A process or namespace gone since the walk has no sockets left to own. */
		if (seed_netns_path(&ns[i], path, sizeof(path), &nsfd))
			continue;
		err = netns_run_path(path, seed_walk_here, &w);
		if (nsfd >= 0)
			close(nsfd);
		if (err)
			goto out;
	}
	if (namespaces)
		*namespaces = nns;
	/* What no namespace walk took (closed meanwhile, or neither TCP nor UDP) is of no use. */
	while (!bpf_map_get_next_key(seed_fd, NULL, &key))
		if (bpf_map_delete_elem(seed_fd, &key))
			break;
out:
	free(ns);
	if (w.udp_fd >= 0)
		close(w.udp_fd);
	if (w.tcp_fd >= 0)
		close(w.tcp_fd);
	if (seed_fd >= 0)
		close(seed_fd);
	close(link_fd);
	return err;
}
