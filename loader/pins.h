/* SPDX-License-Identifier: GPL-2.0 */
/* pins.h — loading the BPF objects once and keeping them, their maps and links, pinned. */
#ifndef FO_PINS_H
#define FO_PINS_H

#include <stdbool.h>
#include <linux/types.h>

#define FO_PIN_DIR_DEFAULT "/sys/fs/bpf/flowowner"

struct fo_limits {
	__u32 max_flows; /* 0: default */
	__u32 max_procs; /* 0: default */
};

/* Make sure PIN_DIR can hold pins: bpffs mounted (mounting /sys/fs/bpf if needed), dir made. */
int pins_prepare(const char *pin_dir);
/* Serialise commands that change state: an exclusive lock on the pin dir. -ENOENT when the
 * dir is gone, or was removed (unload) while waiting for the lock. */
int pins_lock(const char *pin_dir, int *lock_fd);
void pins_unlock(int lock_fd);
/* Whether everything is loaded and pinned already (the classifier programs exist). */
bool pins_loaded(const char *pin_dir);
/* Load the tracing side, attach and pin its links, seed the tables, then load and pin the
 * classifier and XDP programs. Pins outlive the command. A no-op when already loaded. */
int pins_load(const char *pin_dir, const struct fo_limits *lim, char *err, size_t errlen);
/* Pinned object by name, e.g. "fo_flows", "fo_tc_egress"; returns an fd or -errno. */
int pins_get(const char *pin_dir, const char *name);
/* Pinned stamp versus this tool's layouts: -ESTALE if the pins are from another version. */
int pins_check_version(const char *pin_dir);
/* Remove every pin (links detach as their last reference goes) and the dir. */
int pins_remove(const char *pin_dir);
/* Names of the pinned tracing links, for status. Calls CB for each with its fd. */
int pins_for_each_link(const char *pin_dir, int (*cb)(const char *name, int fd, void *data),
		       void *data);

#endif
