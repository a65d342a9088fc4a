// SPDX-License-Identifier: GPL-2.0
/* number.c — whole numbers from text, one parser for the loader's rules and the commands' options. */
#include <errno.h>
#include <stdlib.h>
#include "number.h"

int parse_u64(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	/* strtoull takes a sign and leading blanks; a number here is digits only. */
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ' || *s == '\t')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}
