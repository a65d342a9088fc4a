/* SPDX-License-Identifier: GPL-2.0 */
/* number.h — whole numbers from text, one parser for the loader's rules and the commands' options. */
#ifndef FO_NUMBER_H
#define FO_NUMBER_H

/* Parse a whole non-negative number (decimal, 0x hex or 0 octal, as strtoull with base 0);
 * -EINVAL unless all of S is that number and it is at most MAX. */
int parse_u64(const char *s, unsigned long long max, unsigned long long *out);

#endif
