// SPDX-License-Identifier: GPL-2.0
/* cmd_mark.c — `flowowner mark`: add, delete and list marking rules. */
#include "cli.h"

int cmd_mark(struct cli *cli, int argc, char **argv)
{
	return fo_usage("mark", "policy is not built yet");
}
