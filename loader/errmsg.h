/* SPDX-License-Identifier: GPL-2.0 */
/* errmsg.h — the message a failed loader step leaves for the command: object, cause, extack. */
#ifndef FO_ERRMSG_H
#define FO_ERRMSG_H

#include "nl.h"

struct fo_err {
	char text[512]; /* "OBJECT: cause[: kernel's extack]" */
};

/* E->text from FMT (E may be NULL: nothing to say). */
void fo_err_set(struct fo_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "OBJ: cause" or "OBJ: cause: extack", as tc prints kernel messages; ERR is -errno. */
void fo_err_nl(struct fo_err *e, const char *obj, int err, const struct nl_sock *nl);

#endif
