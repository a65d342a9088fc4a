/* SPDX-License-Identifier: GPL-2.0 */
/* pins.h — the pin dir and what is in it: prepare, lock, open, check, clear (loading is load.h). */
#ifndef FO_PINS_H
#define FO_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define FO_PIN_DIR_DEFAULT "/sys/fs/bpf/flowowner"

/* Make sure PIN_DIR can hold pins: bpffs mounted (mounting /sys/fs/bpf if needed), dir made. */
int pins_prepare(const char *pin_dir);
/* Serialise commands that change state: an exclusive lock on the pin dir. -ENOENT when the
 * dir is gone, or was removed (unload) while waiting for the lock. */
int pins_lock(const char *pin_dir, int *lock_fd);
void pins_unlock(int lock_fd);
/* Whether everything is loaded and pinned already (the classifier programs exist). */
bool pins_loaded(const char *pin_dir);
/* Pinned object by name, e.g. "fo_flows", "fo_tc_egress"; returns an fd or -errno. */
int pins_get(const char *pin_dir, const char *name);
/* Pinned stamp versus this tool's layouts: -ESTALE if the pins are from another version. */
int pins_check_version(const char *pin_dir);
/* PIN_DIR/NAME into BUF; -ENAMETOOLONG if it does not fit. */
int pins_path(char *buf, size_t len, const char *dir, const char *name);
/* PIN_DIR is not loaded (pins_loaded false): whether what is in it is a load of ours that died
 * part way (0: pins_clear may take it), or something to refuse, with WHY saying what: a name
 * flowowner never pins (-ENOTEMPTY), or fo_config of another layout or stamp (-ESTALE). */
int pins_check_unfinished(const char *pin_dir, char *why, size_t len);
/* Unlink every entry of PIN_DIR, leaving the dir (and the lock held on it). */
int pins_clear(const char *pin_dir);
/* Remove every pin (links detach as their last reference goes) and the dir. */
int pins_remove(const char *pin_dir);
/* Names of the pinned tracing links, for status. Calls CB for each with its fd. */
int pins_for_each_link(const char *pin_dir, int (*cb)(const char *name, int fd, void *data),
		       void *data);

#endif
