/* SPDX-License-Identifier: GPL-2.0 */
/* attach.h — putting the programs on devices and taking them off, and remembering where. */
#ifndef FO_ATTACH_H
#define FO_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include "dev.h"
#include "flowowner.h"

#define FO_TC_PRIO_DEFAULT 49152 /* far from prio 1, which other tools take */
#define FO_TC_HANDLE 0xf10

struct attach_rec {
	struct attach_key key;
	struct attach_value val;
};

/* Every step takes the device a command opened once (fo_dev_open). */
/* Attach the tc program for DIR on D; replaces in place. */
int attach_tc(const char *pin_dir, struct fo_dev *d, enum fo_dir dir, __u16 prio,
	      struct fo_err *e);
/* Remove this tool's filter for DIR from DEV, and clsact if we made it and it is now empty.
 * -ENOENT if nothing of ours was there. */
int detach_tc(const char *pin_dir, struct fo_dev *d, enum fo_dir dir, struct fo_err *e);
/* Put fo_xdp on D in MODE (XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE; 0: native,
 * falling back to generic with the reason in NOTE). Replaces only flowowner's own program:
 * a foreign one is refused (-EBUSY). The tc ingress filter, if any, must then be re-attached
 * (attach_tc picks the attribution-only companion while XDP is recorded on the device). */
int attach_xdp(const char *pin_dir, struct fo_dev *d, __u32 mode, struct fo_err *note,
	       struct fo_err *e);
/* Remove fo_xdp from D, only if the program there is ours (-EBUSY and untouched if not;
 * -ENOENT if there is none); a tc ingress filter of ours goes back to counting. */
int detach_xdp(const char *pin_dir, struct fo_dev *d, struct fo_err *e);
/* Whether an attachment of ours in DIR (FO_DIR_XDP: the XDP program) is recorded on D. */
bool attach_is_recorded(const char *pin_dir, const struct fo_dev *d, enum fo_dir dir);
/* "native" or "generic", from the XDP_FLAGS_* mode bits of a record. */
const char *fo_xdp_mode_name(__u32 xdp_flags);
/* Every recorded attachment. *out is malloc'd. */
int attach_list(const char *pin_dir, struct attach_rec **out, size_t *n);
/* Take every attachment off, wherever it is; what vanished with its namespace is skipped. */
int detach_all(const char *pin_dir, struct fo_err *e);
/* Record helpers shared by tc and XDP. */
int attach_record(const char *pin_dir, const struct attach_key *k, const struct attach_value *v);
int attach_forget(const char *pin_dir, const struct attach_key *k);

const char *fo_dir_name(enum fo_dir dir);

#endif
