// SPDX-License-Identifier: GPL-2.0
/* events.c — reading the pinned fo_events ring buffer: flow start, owner change, end, exit. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "pin_names.h"
#include "pins.h"

struct events {
	struct ring_buffer *rb;
	int map_fd;
	int lock_fd;
	char lock_path[PATH_MAX];
	events_cb cb;
	void *data;
};

static int on_sample(void *ctx, void *data, size_t size)
{
	struct events *e = ctx;
	struct fo_event ev;

	/* Records from a BPF object of another layout are skipped, not misread. */
	if (size < sizeof(ev))
		return 0;
	memcpy(&ev, data, sizeof(ev));
	return e->cb(e->data, &ev);
}

/*
 * The lock is a directory inside the pin dir (EVENTS_LOCK), flocked: the pin dir is root's
 * and 0700, so no other user can take, pre-create or replace it, and O_NOFOLLOW refuses a
 * symlink even from one who could. It stays when its reader goes (an flock dies with its
 * holder), so there is no unlink for a second reader to race; unload removes it with the
 * pins.
 */
static int lock_consumer(const char *pin_dir, char *path, size_t len)
{
	struct stat st;
	int n, fd;

	n = snprintf(path, len, "%s/" EVENTS_LOCK, pin_dir);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Only what root made there is a lock: anything else is refused, never used. */
	if (fstat(fd, &st) || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		close(fd);
		return -EPERM;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		return err;
	}
	return fd;
}

int events_open(const char *pin_dir, events_cb cb, void *data, struct events **out)
{
	struct events *e;
	int err;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->map_fd = -1;
	e->lock_fd = -1;
	e->cb = cb;
	e->data = data;
	e->lock_fd = lock_consumer(pin_dir, e->lock_path, sizeof(e->lock_path));
	if (e->lock_fd < 0) {
		err = e->lock_fd;
		goto fail;
	}
	e->map_fd = pins_get(pin_dir, FO_PIN_EVENTS);
	if (e->map_fd < 0) {
		err = e->map_fd;
		goto fail;
	}
	e->rb = ring_buffer__new(e->map_fd, on_sample, e, NULL);
	if (!e->rb) {
		err = -errno;
		goto fail;
	}
	*out = e;
	return 0;
fail:
	events_close(e);
	return err;
}

int events_poll(struct events *e, int timeout_ms)
{
	return ring_buffer__poll(e->rb, timeout_ms);
}

void events_close(struct events *e)
{
	if (!e)
		return;
	ring_buffer__free(e->rb);
	if (e->map_fd >= 0)
		close(e->map_fd);
	if (e->lock_fd >= 0)
		close(e->lock_fd); /* closing drops the flock; the dir stays for the next reader */
	free(e);
}
