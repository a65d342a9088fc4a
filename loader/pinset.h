/* SPDX-License-Identifier: GPL-2.0 */
/* pinset.h — a command's pins: each opened once, on first use, and all closed together. */
#ifndef FO_PINSET_H
#define FO_PINSET_H

#include "pin_names.h"

#define FO_PINSET_MAX 16

/* What libbpf-tools get from keeping the skeleton: a map reached by name without reopening
 * its pin at every read (top reads three maps per sample, status each map twice). */
struct fo_pins {
	const char *dir;
	struct {
		const char *name; /* an FO_PIN_* name */
		int fd;
	} open[FO_PINSET_MAX];
	int n;
};

void fo_pins_init(struct fo_pins *p, const char *dir);
/* The fd of pin NAME, opened the first time it is asked for; -errno when it cannot be.
 * The fd is the set's: valid until fo_pins_close. */
int fo_pins_fd(struct fo_pins *p, const char *name);
void fo_pins_close(struct fo_pins *p);

#endif
