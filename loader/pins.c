// SPDX-License-Identifier: GPL-2.0
/* pins.c — loading the BPF objects once and keeping them, their maps and links, pinned. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "flowowner.h"
#include "pins.h"
#include "snapshot.h"
#include "cgroup.h"
#include "probe.h"
#include "tracing.skel.h"
#include "classifier.skel.h"
#include "xdp.skel.h"

#define LINK_PREFIX "link_"

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int is_bpffs(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	return st.f_type == BPF_FS_MAGIC;
}

int pins_prepare(const char *pin_dir)
{
	char parent[PATH_MAX];
	char *slash;
	int r;

	if (strlen(pin_dir) >= sizeof(parent) - 1)
		return -ENAMETOOLONG;
	strcpy(parent, pin_dir);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return -EINVAL;
	*slash = '\0';

	/* The default home lives on /sys/fs/bpf; mount it there if the system has not. */
	r = is_bpffs(parent);
	if (r == 0 && !strcmp(parent, "/sys/fs/bpf")) {
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
			return -errno;
		r = is_bpffs(parent);
	}
	if (r < 0)
		return r;
	if (r == 0)
		return -ENOTSUP; /* pins can live only on a bpf filesystem */
	/* 0700: who owns which flow is for root to read, not every user. */
	if (mkdir(pin_dir, 0700) && errno != EEXIST)
		return -errno;
	r = is_bpffs(pin_dir);
	if (r <= 0)
		return r < 0 ? r : -ENOTSUP;
	return 0;
}

int pins_lock(const char *pin_dir, int *lock_fd)
{
	struct stat held, now;
	int fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		close(fd);
		return err;
	}
	/* While we waited, an unload may have removed the dir: a lock on the removed inode
	 * excludes nobody (libbpf would pin into a new dir of the same name). */
	if (fstat(fd, &held) || stat(pin_dir, &now) || held.st_ino != now.st_ino ||
	    held.st_dev != now.st_dev) {
		close(fd);
		return -ENOENT;
	}
	*lock_fd = fd;
	return 0;
}

void pins_unlock(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd); /* closing drops the flock */
}

int pins_get(const char *pin_dir, const char *name)
{
	char path[PATH_MAX];
	int fd, err;

	err = pin_path(path, sizeof(path), pin_dir, name);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

bool pins_loaded(const char *pin_dir)
{
	char path[PATH_MAX];

	if (pin_path(path, sizeof(path), pin_dir, "fo_tc_egress"))
		return false;
	return access(path, F_OK) == 0;
}

int pins_check_version(const char *pin_dir)
{
	struct fo_config cfg = {};
	__u32 zero = 0;
	int fd, err = 0;

	fd = pins_get(pin_dir, "fo_config");
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, &cfg))
		err = -errno;
	else if (cfg.version != FO_VERSION_STAMP)
		err = -ESTALE;
	close(fd);
	return err;
}

/* Unlink every entry of PIN_DIR, leaving the dir (and the lock held on it). */
static int pins_clear(const char *pin_dir)
{
	struct dirent *de;
	DIR *d;
	int dfd, err = 0;

	d = opendir(pin_dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	dfd = dirfd(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* Pins are files; the one directory is watch's lock (events.c). */
		if (unlinkat(dfd, de->d_name, de->d_type == DT_DIR ? AT_REMOVEDIR : 0) &&
		    errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	return err;
}

int pins_remove(const char *pin_dir)
{
	int err = pins_clear(pin_dir);

	if (rmdir(pin_dir) && errno != ENOENT && !err)
		err = -errno;
	return err;
}

int pins_for_each_link(const char *pin_dir, int (*cb)(const char *name, int fd, void *data),
		       void *data)
{
	struct dirent *de;
	DIR *d;
	int err = 0;

	d = opendir(pin_dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int fd;

		if (strncmp(de->d_name, LINK_PREFIX, strlen(LINK_PREFIX)))
			continue;
		fd = pins_get(pin_dir, de->d_name);
		if (fd < 0)
			continue;
		err = cb(de->d_name + strlen(LINK_PREFIX), fd, data);
		close(fd);
		if (err)
			break;
	}
	closedir(d);
	return err;
}

static int pin_link(struct bpf_link *link, const char *pin_dir, const char *prog_name)
{
	char path[PATH_MAX];
	int n, err;

	n = snprintf(path, sizeof(path), "%s/" LINK_PREFIX "%s", pin_dir, prog_name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	err = bpf_link__pin(link, path);
	return err;
}

static int pin_prog(struct bpf_program *prog, const char *pin_dir)
{
	char path[PATH_MAX];
	int err;

	err = pin_path(path, sizeof(path), pin_dir, bpf_program__name(prog));
	if (err)
		return err;
	return bpf_program__pin(prog, path);
}

static void set_limits(struct bpf_map *flows, struct bpf_map *procs, const struct fo_limits *lim)
{
	bpf_map__set_max_entries(flows, lim && lim->max_flows ? lim->max_flows : FO_DEFAULT_MAX_FLOWS);
	bpf_map__set_max_entries(procs, lim && lim->max_procs ? lim->max_procs : FO_DEFAULT_MAX_PROCS);
}

/* Hooks newer than the kernel floor load only where the kernel has them, and not when
 * FO_DISABLE_HOOKS names them: status tells which are in use (their links are pinned). */
static void optional_hooks_select(struct bpf_object *obj)
{
	size_t i;

	for (i = 0; i < fo_optional_hooks_n; i++) {
		const struct fo_optional_hook *h = &fo_optional_hooks[i];
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, h->prog);

		if (prog && (probe_hook_disabled(h->tracepoint) || probe_tracepoint(h->tracepoint) == 0))
			bpf_program__set_autoload(prog, false);
	}
}

/* The tracing side: every program attached and its link pinned, so it runs with no process. */
static int load_tracing(const char *pin_dir, const struct fo_limits *lim, char *err_msg,
			size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct tracing *skel;
	struct bpf_program *prog;
	int cg_fd = -1, err;

	skel = tracing__open_opts(&opts);
	if (!skel) {
		snprintf(err_msg, errlen, "tracing object: open failed");
		return -errno ? -errno : -EINVAL;
	}
	set_limits(skel->maps.fo_flows, skel->maps.fo_procs, lim);
	optional_hooks_select(skel->obj);
	err = tracing__load(skel);
	if (err) {
		snprintf(err_msg, errlen, "tracing object: load failed (run with -v for the verifier log)");
		goto out;
	}

	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		enum bpf_attach_type at = bpf_program__expected_attach_type(prog);
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue; /* an optional hook this kernel lacks, or FO_DISABLE_HOOKS */

		if (bpf_program__type(prog) == BPF_PROG_TYPE_SYSCALL) {
			err = pin_prog(prog, pin_dir);
			if (err) {
				snprintf(err_msg, errlen, "%s: pin failed", name);
				goto out;
			}
			continue;
		}
		if (bpf_program__type(prog) == BPF_PROG_TYPE_CGROUP_SOCK ||
		    bpf_program__type(prog) == BPF_PROG_TYPE_CGROUP_SOCK_ADDR) {
			if (cg_fd < 0) {
				cg_fd = cgroup_root_open();
				if (cg_fd < 0) {
					err = cg_fd;
					snprintf(err_msg, errlen, "cgroup v2: no mount found");
					goto out;
				}
			}
			link = bpf_program__attach_cgroup(prog, cg_fd);
		} else if (at == BPF_TRACE_ITER) {
			link = bpf_program__attach_iter(prog, NULL);
		} else {
			link = bpf_program__attach(prog);
		}
		if (!link) {
			err = -errno;
			snprintf(err_msg, errlen, "%s: attach failed", name);
			goto out;
		}
		err = pin_link(link, pin_dir, name);
		bpf_link__destroy(link); /* the pin keeps it */
		if (err) {
			snprintf(err_msg, errlen, "%s: pin failed", name);
			goto out;
		}
	}
out:
	if (cg_fd >= 0)
		close(cg_fd);
	tracing__destroy(skel);
	return err;
}

static int load_classifier(const char *pin_dir, const struct fo_limits *lim, char *err_msg,
			   size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct classifier *skel;
	int err;

	skel = classifier__open_opts(&opts);
	if (!skel) {
		snprintf(err_msg, errlen, "classifier object: open failed");
		return -errno ? -errno : -EINVAL;
	}
	set_limits(skel->maps.fo_flows, skel->maps.fo_procs, lim);
	err = classifier__load(skel);
	if (err) {
		snprintf(err_msg, errlen, "classifier object: load failed (run with -v for the verifier log)");
		goto out;
	}
	err = pin_prog(skel->progs.fo_tc_ingress, pin_dir);
	if (!err)
		err = pin_prog(skel->progs.fo_tc_egress, pin_dir);
	if (err)
		snprintf(err_msg, errlen, "classifier programs: pin failed");
out:
	classifier__destroy(skel);
	return err;
}

/* fo_xdp and its tc companion fo_tc_ingress_xdp: loaded with the rest, attached only by --xdp. */
static int load_xdp(const char *pin_dir, const struct fo_limits *lim, char *err_msg, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct xdp *skel;
	int err;

	skel = xdp__open_opts(&opts);
	if (!skel) {
		snprintf(err_msg, errlen, "xdp object: open failed");
		return -errno ? -errno : -EINVAL;
	}
	set_limits(skel->maps.fo_flows, skel->maps.fo_procs, lim);
	err = xdp__load(skel);
	if (err) {
		snprintf(err_msg, errlen, "xdp object: load failed (run with -v for the verifier log)");
		goto out;
	}
	err = pin_prog(skel->progs.fo_xdp, pin_dir);
	if (!err)
		err = pin_prog(skel->progs.fo_tc_ingress_xdp, pin_dir);
	if (err)
		snprintf(err_msg, errlen, "xdp programs: pin failed");
out:
	xdp__destroy(skel);
	return err;
}

static int config_init(const char *pin_dir)
{
	struct fo_config cfg = { .policy_gen = 1, .version = FO_VERSION_STAMP };
	__u32 zero = 0;
	int fd, err = 0;

	fd = pins_get(pin_dir, "fo_config");
	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
}

int pins_load(const char *pin_dir, const struct fo_limits *lim, char *err_msg, size_t errlen)
{
	struct snapshot_args snap = {};
	int err;

	if (pins_loaded(pin_dir)) {
		err = pins_check_version(pin_dir);
		if (err)
			snprintf(err_msg, errlen, "pins are from another flowowner version: run 'flowowner unload' first");
		return err;
	}
	/* Not loaded, yet pins may be there: a load that died part way (SIGKILL, OOM, power)
	 * before the classifier's pin, which is pinned last, said it was complete. Under the
	 * lock nobody else is loading, so what is there is that dead load's: it goes, and
	 * this load starts clean instead of failing on "File exists". */
	err = pins_clear(pin_dir);
	if (err) {
		snprintf(err_msg, errlen, "cannot remove the pins of an unfinished load: %s", strerror(-err));
		return err;
	}
	err = load_tracing(pin_dir, lim, err_msg, errlen);
	if (err)
		goto fail;
	err = config_init(pin_dir);
	if (err) {
		snprintf(err_msg, errlen, "fo_config: cannot initialise");
		goto fail;
	}
	/* Tracing is live before the walks, so nothing that starts meanwhile is missed. */
	err = snapshot_procs(pin_dir, &snap);
	if (!err)
		err = snapshot_socks(pin_dir, NULL);
	if (err) {
		snprintf(err_msg, errlen, "task-iterator snapshot failed");
		goto fail;
	}
	err = load_xdp(pin_dir, lim, err_msg, errlen);
	if (err)
		goto fail;
	/* The classifier goes last: its pin is what says "loaded". */
	err = load_classifier(pin_dir, lim, err_msg, errlen);
	if (err)
		goto fail;
	return 0;
fail:
	/* Nothing half-done: a failed first load leaves no pins. */
	pins_remove(pin_dir);
	return err;
}
