// SPDX-License-Identifier: GPL-2.0
/* errmsg.c — the message a failed loader step leaves for the command: object, cause, extack. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "errmsg.h"

void fo_err_set(struct fo_err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
}

void fo_err_nl(struct fo_err *e, const char *obj, int err, const struct nl_sock *nl)
{
	if (nl && nl->extack[0])
		fo_err_set(e, "%s: %s: %s", obj, strerror(-err), nl->extack);
	else
		fo_err_set(e, "%s: %s", obj, strerror(-err));
}
