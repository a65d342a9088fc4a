/* SPDX-License-Identifier: GPL-2.0 */
/* events.h — reading the pinned fo_events ring buffer: flow start, owner change, end, exit. */
#ifndef FO_EVENTS_H
#define FO_EVENTS_H

#include "flowowner.h"

struct events;

/* The single reader's lock, a directory in the pin dir. */
#define EVENTS_LOCK "watch_lock" /* bpffs refuses names with a dot */

/* Called for each record; a negative return stops the current events_poll with that value. */
typedef int (*events_cb)(void *data, const struct fo_event *ev);

/*
 * Open the ring buffer pinned under PIN_DIR. A BPF ring buffer has one consumer position,
 * so two readers would each see part of the stream: the open takes an exclusive lock (a
 * flock on PIN_DIR/EVENTS_LOCK, a directory only root can make) and fails with -EBUSY while
 * another reader holds it.
 */
int events_open(const char *pin_dir, events_cb cb, void *data, struct events **out);
/* Wait up to TIMEOUT_MS for records and deliver them; returns how many, or -errno
 * (-EINTR when a signal came). */
int events_poll(struct events *e, int timeout_ms);
void events_close(struct events *e);

#endif
