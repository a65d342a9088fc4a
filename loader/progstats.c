// SPDX-License-Identifier: GPL-2.0
/* progstats.c — reading run_cnt and run_time_ns of every flowowner program from the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "pins.h"
#include "pinset.h"
#include "progstats.h"

int progstats_enabled(void)
{
	char c = 0;
	int fd = open(FO_BPF_STATS_SYSCTL, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (read(fd, &c, 1) != 1)
		err = -EIO;
	close(fd);
	return err ? err : c != '0';
}

struct stats_acc {
	struct prog_stat *v;
	size_t n, cap;
	int err;
};

/* One program, by fd: appended under NAME (its pin or link name, which is its program name). */
static int stat_add(struct stats_acc *a, const char *name, int prog_fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct prog_stat *s;

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		struct prog_stat *nv = realloc(a->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		a->v = nv;
		a->cap = cap;
	}
	s = &a->v[a->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->prog_id = info.id;
	s->run_cnt = info.run_cnt;
	s->run_time_ns = info.run_time_ns;
	return 0;
}

static int link_stat(const char *name, int link_fd, void *data)
{
	struct stats_acc *a = data;
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	if (bpf_obj_get_info_by_fd(link_fd, &info, &len))
		return 0; /* a link going away meanwhile: not ours to report */
	fd = bpf_prog_get_fd_by_id(info.prog_id);
	if (fd < 0)
		return 0;
	err = stat_add(a, name, fd);
	close(fd);
	if (err == -ENOMEM)
		return err;
	return 0;
}

int progstats_read(struct fo_pins *p, struct prog_stat **out, size_t *n)
{
	/* The packet-path programs are pinned as programs; every other one by its link. */
	static const char *const pinned[] = { FO_PIN_TC_EGRESS, FO_PIN_TC_INGRESS,
					       FO_PIN_TC_INGRESS_XDP, FO_PIN_XDP };
	struct stats_acc a = {};
	size_t i;
	int err;

	for (i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
		int fd = fo_pins_fd(p, pinned[i]);

		if (fd < 0)
			continue; /* an older load without XDP */
		err = stat_add(&a, pinned[i], fd);
		if (err == -ENOMEM)
			goto fail;
	}
	err = pins_for_each_link(p->dir, link_stat, &a);
	if (err)
		goto fail;
	*out = a.v;
	*n = a.n;
	return 0;
fail:
	free(a.v);
	return err;
}
