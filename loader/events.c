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
 * The lock is a file in /run/lock named after the pin dir: bpffs holds only pins, and
 * the pin dir's own flock is the short-lived lock commands that change state take.
 * The file goes when its reader closes; a reader that locked a file just unlinked
 * retries on the new one.
 */
static int lock_consumer(const char *pin_dir, char *path, size_t len)
{
	const char *dir = access("/run/lock", W_OK) ? "/tmp" : "/run/lock";
	struct stat a, b;
	size_t i, o;
	int fd, tries;

	o = snprintf(path, len, "%s/flowowner-events", dir);
	for (i = 0; pin_dir[i] && o + 2 < len; i++)
		path[o++] = pin_dir[i] == '/' ? '_' : pin_dir[i];
	if (o + 6 >= len)
		return -ENAMETOOLONG;
	strcpy(path + o, ".lock");
	for (tries = 0; tries < 8; tries++) {
		fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

			close(fd);
			return err;
		}
		if (!fstat(fd, &a) && !stat(path, &b) && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return fd;
		close(fd);
	}
	return -EBUSY;
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
	if (e->lock_fd >= 0) {
		unlink(e->lock_path);
		close(e->lock_fd);
	}
	free(e);
}
