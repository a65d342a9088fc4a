// SPDX-License-Identifier: GPL-2.0
/* pinset.c — a command's pins: each opened once, on first use, and all closed together. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "pins.h"
#include "pinset.h"

void fo_pins_init(struct fo_pins *p, const char *dir)
{
	memset(p, 0, sizeof(*p));
	p->dir = dir;
}

int fo_pins_fd(struct fo_pins *p, const char *name)
{
	int i, fd;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->open[i].name, name))
			return p->open[i].fd;
	fd = pins_get(p->dir, name);
	if (fd < 0 || p->n == FO_PINSET_MAX)
		return fd < 0 ? fd : (close(fd), -ENOSPC);
	p->open[p->n].name = name;
	p->open[p->n].fd = fd;
	p->n++;
	return fd;
}

void fo_pins_close(struct fo_pins *p)
{
	int i;

	for (i = 0; i < p->n; i++)
		close(p->open[i].fd);
	p->n = 0;
}
