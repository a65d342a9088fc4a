/* SPDX-License-Identifier: GPL-2.0 */
/* attach.h — putting the programs on devices and taking them off: what to attach, replace or
 * remove, decided from the device's state and the records (records.h keeps those). */
#ifndef FO_ATTACH_H
#define FO_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include "dev.h"
#include "flowowner.h"
#include "pinset.h"
#include "records.h"

#define FO_TC_PRIO_DEFAULT 49152 /* far from prio 1, which other tools take */
#define FO_TC_HANDLE 0xf10

/* Every step takes the device a command opened once (fo_dev_open) and its pin set. */

/* What one tc attach decided before it changed anything, and what it did: so that a later
 * step's failure can take it back (attach_tc_undo), and success can finish it. */
struct tc_plan {
	enum fo_dir dir;
	__u16 prio;
	__u32 handle;
	const char *prog;        /* the program's pin name */
	bool xdp_companion;      /* ingress under XDP: attribution only */
	bool in_place;           /* ours was at prio/handle already: replaced in place */
	bool recorded;           /* OLD is the record before this attach */
	struct attach_value old;
	int nstale;              /* ours at other prios (an attach with another --prio) */
	struct { __u16 prio; __u32 handle; } stale[8];
	bool made_clsact;
	bool applied;            /* filter and record in place; undo or finish pending */
};

/* Attach the tc program for DIR on D at PRIO; replaces in place. With PLAN, the attach stays
 * open: attach_tc_finish removes what an attach at another prio left (one filter of ours per
 * direction), attach_tc_undo puts the device and record back as they were. Without, it is
 * finished at once. A failure leaves the device as it was. */
int attach_tc(struct fo_pins *p, struct fo_dev *d, enum fo_dir dir, __u16 prio,
	      struct tc_plan *plan, struct fo_err *e);
void attach_tc_finish(struct fo_pins *p, struct fo_dev *d, struct tc_plan *plan);
void attach_tc_undo(struct fo_pins *p, struct fo_dev *d, struct tc_plan *plan);
/* Remove this tool's filters for DIR from D, and clsact if we made it and it is now empty.
 * -ENOENT if nothing of ours was there. */
int detach_tc(struct fo_pins *p, struct fo_dev *d, enum fo_dir dir, struct fo_err *e);
/* Put fo_xdp on D in MODE (XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE; 0: native,
 * falling back to generic with the reason in NOTE). Replaces only flowowner's own program:
 * a foreign one is refused (-EBUSY). The tc ingress filter, if any, must then be re-attached
 * (attach_tc picks the attribution-only companion while XDP is recorded on the device). */
int attach_xdp(struct fo_pins *p, struct fo_dev *d, __u32 mode, struct fo_err *note,
	       struct fo_err *e);
/* Remove fo_xdp from D, only if the program there is ours (-EBUSY and untouched if not;
 * -ENOENT if there is none); a tc ingress filter of ours goes back to counting. */
int detach_xdp(struct fo_pins *p, struct fo_dev *d, struct fo_err *e);
/* Whether an attachment of ours in DIR (FO_DIR_XDP: the XDP program) is recorded on D. */
bool attach_is_recorded(struct fo_pins *p, const struct fo_dev *d, enum fo_dir dir);
/* "native" or "generic", from the XDP_FLAGS_* mode bits of a record. */
const char *fo_xdp_mode_name(__u32 xdp_flags);
/* Take every attachment off, wherever it is; what vanished with its namespace is skipped. */
int detach_all(struct fo_pins *p, struct fo_err *e);

const char *fo_dir_name(enum fo_dir dir);

#endif
