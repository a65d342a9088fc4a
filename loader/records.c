// SPDX-License-Identifier: GPL-2.0
/* records.c — where flowowner is attached, as remembered in the pinned fo_attach map: what
 * status, unload and detach find. What to attach is decided in attach.c; this only keeps it. */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include "records.h"

int attach_rec_get(struct fo_pins *p, const struct attach_key *k, struct attach_value *v)
{
	int fd = fo_pins_fd(p, FO_PIN_ATTACH);

	if (fd < 0)
		return fd;
	return bpf_map_lookup_elem(fd, k, v) ? -errno : 0;
}

int attach_rec_put(struct fo_pins *p, const struct attach_key *k, const struct attach_value *v)
{
	int fd = fo_pins_fd(p, FO_PIN_ATTACH);

	if (fd < 0)
		return fd;
	return bpf_map_update_elem(fd, k, v, BPF_ANY) ? -errno : 0;
}

int attach_rec_forget(struct fo_pins *p, const struct attach_key *k)
{
	int fd = fo_pins_fd(p, FO_PIN_ATTACH);

	if (fd < 0)
		return fd;
	return bpf_map_delete_elem(fd, k) && errno != ENOENT ? -errno : 0;
}

int attach_rec_list(struct fo_pins *p, struct attach_rec **out, size_t *n)
{
	struct attach_key key, next, *prev = NULL;
	struct attach_rec *recs = NULL;
	size_t cnt = 0, cap = 0;
	int fd, err = 0;

	*out = NULL;
	*n = 0;
	fd = fo_pins_fd(p, FO_PIN_ATTACH);
	if (fd < 0)
		return fd;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (cnt == cap) {
			struct attach_rec *r;

			cap = cap ? cap * 2 : 16;
			r = realloc(recs, cap * sizeof(*recs));
			if (!r) {
				err = -ENOMEM;
				goto out;
			}
			recs = r;
		}
		if (bpf_map_lookup_elem(fd, &key, &recs[cnt].val))
			continue;
		recs[cnt].key = key;
		cnt++;
	}
	*out = recs;
	*n = cnt;
	recs = NULL;
out:
	free(recs);
	return err;
}

int attach_list(const char *pin_dir, struct attach_rec **out, size_t *n)
{
	struct fo_pins p;
	int err;

	fo_pins_init(&p, pin_dir);
	err = attach_rec_list(&p, out, n);
	fo_pins_close(&p);
	return err;
}
