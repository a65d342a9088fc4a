// SPDX-License-Identifier: GPL-2.0
/* pins.c — the pin dir and what is in it: prepare, lock, open, check, clear (loading is load.c). */
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
#include "flowowner.h"
#include "pin_names.h"
#include "pins.h"

int pins_path(char *buf, size_t len, const char *dir, const char *name)
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

	err = pins_path(path, sizeof(path), pin_dir, name);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

bool pins_loaded(const char *pin_dir)
{
	char path[PATH_MAX];

	if (pins_path(path, sizeof(path), pin_dir, FO_PIN_TC_EGRESS))
		return false;
	return access(path, F_OK) == 0;
}

int pins_check_version(const char *pin_dir)
{
	struct fo_config cfg = {};
	__u32 zero = 0;
	int fd, err = 0;

	fd = pins_get(pin_dir, FO_PIN_CONFIG);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, &cfg))
		err = -errno;
	else if (cfg.version != FO_VERSION_STAMP)
		err = -ESTALE;
	close(fd);
	return err;
}

int pins_clear(const char *pin_dir)
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

int pins_check_unfinished(const char *pin_dir, char *why, size_t len)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info), zero = 0;
	struct fo_config cfg = {};
	struct dirent *de;
	DIR *d;
	int fd, err = 0;

	d = opendir(pin_dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!err && (de = readdir(d))) {
		/* What flowowner pins: fo_* maps and programs, link_* tracing links, and one
		 * directory, watch's lock. Anything else is someone else's. */
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || de->d_type == DT_DIR ||
		    !strncmp(de->d_name, FO_PIN_PREFIX, strlen(FO_PIN_PREFIX)) ||
		    !strncmp(de->d_name, FO_PIN_LINK_PREFIX, strlen(FO_PIN_LINK_PREFIX)))
			continue;
		snprintf(why, len, "holds %s, which flowowner does not pin: not a flowowner pin dir "
			 "(remove what is there, or choose another --pin-dir)", de->d_name);
		err = -ENOTEMPTY;
	}
	closedir(d);
	if (err)
		return err;
	fd = pins_get(pin_dir, FO_PIN_CONFIG);
	if (fd < 0)
		return 0; /* the load died before the tables: nothing says whose, all of it ours */
	/* Another layout of fo_config is another version's, whatever it says. */
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len) ||
	    info.value_size != sizeof(struct fo_config)) {
		snprintf(why, len, "%s has another layout (%u-byte value, this flowowner's is %zu): "
			 "pinned by another flowowner version; run 'flowowner unload' first",
			 FO_PIN_CONFIG, info.value_size, sizeof(struct fo_config));
		err = -ESTALE;
	} else if (bpf_map_lookup_elem(fd, &zero, &cfg)) {
		err = -errno;
		snprintf(why, len, "%s: %s", FO_PIN_CONFIG, strerror(errno));
	} else if (cfg.version && cfg.version != FO_VERSION_STAMP) {
		/* 0: our dead load, before it stamped the table; any other stamp is a version's
		 * that pins differently (its classifier under another name, say), not a load
		 * of ours to finish. */
		snprintf(why, len, "pinned by another flowowner version (layout stamp %u, this "
			 "one's is %u): run 'flowowner unload' first", cfg.version,
			 (unsigned int)FO_VERSION_STAMP);
		err = -ESTALE;
	}
	close(fd);
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

		if (strncmp(de->d_name, FO_PIN_LINK_PREFIX, strlen(FO_PIN_LINK_PREFIX)))
			continue;
		fd = pins_get(pin_dir, de->d_name);
		if (fd < 0)
			continue;
		err = cb(de->d_name + strlen(FO_PIN_LINK_PREFIX), fd, data);
		close(fd);
		if (err)
			break;
	}
	closedir(d);
	return err;
}

