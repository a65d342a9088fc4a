/* SPDX-License-Identifier: GPL-2.0 */
/* records.h — where flowowner is attached, as remembered in the pinned fo_attach map. */
#ifndef FO_RECORDS_H
#define FO_RECORDS_H

#include <stddef.h>
#include "flowowner.h"
#include "pinset.h"

struct attach_rec {
	struct attach_key key;
	struct attach_value val;
};

/* One record: 0, or -ENOENT when there is none. */
int attach_rec_get(struct fo_pins *p, const struct attach_key *k, struct attach_value *v);
int attach_rec_put(struct fo_pins *p, const struct attach_key *k, const struct attach_value *v);
/* Forget K; not there is no error. */
int attach_rec_forget(struct fo_pins *p, const struct attach_key *k);
/* Every record. *out is malloc'd. */
int attach_rec_list(struct fo_pins *p, struct attach_rec **out, size_t *n);
/* The same for a command that holds no pin set (status, listings). */
int attach_list(const char *pin_dir, struct attach_rec **out, size_t *n);

#endif
