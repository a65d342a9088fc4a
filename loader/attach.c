// SPDX-License-Identifier: GPL-2.0
/* attach.c — putting the programs on devices and taking them off, and remembering where. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include "attach.h"
#include "netns.h"
#include "pins.h"
#include "tc.h"
#include "xdp.h"

#define FILTER_NAME_PREFIX "flowowner"

const char *fo_dir_name(enum fo_dir dir)
{
	switch (dir) {
	case FO_DIR_INGRESS: return "ingress";
	case FO_DIR_EGRESS: return "egress";
	case FO_DIR_XDP: return "xdp";
	}
	return "?";
}

static int record_fd(const char *pin_dir)
{
	return pins_get(pin_dir, "fo_attach");
}

int attach_record(const char *pin_dir, const struct attach_key *k, const struct attach_value *v)
{
	int fd = record_fd(pin_dir), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, k, v, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
}

int attach_forget(const char *pin_dir, const struct attach_key *k)
{
	int fd = record_fd(pin_dir), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_delete_elem(fd, k) && errno != ENOENT)
		err = -errno;
	close(fd);
	return err;
}

static int record_get(const char *pin_dir, const struct attach_key *k, struct attach_value *v)
{
	int fd = record_fd(pin_dir), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, k, v))
		err = -errno;
	close(fd);
	return err;
}

int attach_list(const char *pin_dir, struct attach_rec **out, size_t *n)
{
	struct attach_key key, next, *prev = NULL;
	struct attach_rec *recs = NULL;
	size_t cnt = 0, cap = 0;
	int fd, err = 0;

	*out = NULL;
	*n = 0;
	fd = record_fd(pin_dir);
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
	close(fd);
	return err;
}

/* The record key of DIR on D. */
static struct attach_key dev_key(const struct fo_dev *d, enum fo_dir dir)
{
	struct attach_key k = { .netns_ino = d->netns_ino, .ifindex = d->ifindex, .dir = dir };

	return k;
}

int attach_tc(const char *pin_dir, struct fo_dev *d, enum fo_dir dir, __u16 prio,
	      struct fo_err *e)
{
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info);
	struct attach_key k = dev_key(d, dir);
	struct attach_value v = { .netns_cookie = d->netns_cookie }, old;
	struct nl_sock *nl = &d->nl;
	const char *dev = d->name;
	char name[32];
	bool created = false, made_clsact, was_recorded, xdp;
	int ifindex = d->ifindex, prog_fd = -1, err;

	/* Under XDP, which counts every received packet, ingress only attributes and acts. */
	xdp = dir == FO_DIR_INGRESS && attach_is_recorded(pin_dir, d, FO_DIR_XDP);
	prog_fd = pins_get(pin_dir, dir == FO_DIR_EGRESS ? "fo_tc_egress" :
				    xdp ? "fo_tc_ingress_xdp" : "fo_tc_ingress");
	if (prog_fd < 0) {
		err = prog_fd;
		fo_err_set(e, "%s: program not loaded: %s", pin_dir, strerror(-err));
		goto out;
	}
	err = tc_clsact_ensure(nl, ifindex, &created);
	if (err) {
		fo_err_nl(e, dev, err, nl);
		goto out;
	}
	snprintf(name, sizeof(name), FILTER_NAME_PREFIX "_%s%s", fo_dir_name(dir), xdp ? "_xdp" : "");
	err = tc_filter_replace(nl, ifindex, dir == FO_DIR_INGRESS ? TC_INGRESS : TC_EGRESS,
				prio, FO_TC_HANDLE, prog_fd, name);
	if (err) {
		fo_err_nl(e, dev, err, nl);
		/* Leave the device as it was: clsact we just made goes again. */
		if (created)
			tc_clsact_delete(nl, ifindex);
		goto out;
	}
	if (!bpf_obj_get_info_by_fd(prog_fd, &info, &info_len))
		v.prog_id = info.id;

	/* A repeated attach keeps what the first one knew: whether clsact was ours. */
	made_clsact = created;
	was_recorded = !record_get(pin_dir, &k, &old);
	if (was_recorded)
		created = created || old.created_clsact;
	else {
		struct attach_key other = k;

		other.dir = dir == FO_DIR_INGRESS ? FO_DIR_EGRESS : FO_DIR_INGRESS;
		if (!record_get(pin_dir, &other, &old))
			created = created || old.created_clsact;
	}
	snprintf(v.dev, sizeof(v.dev), "%s", dev);
	snprintf(v.netns, sizeof(v.netns), "%s", d->netns);
	v.prio = prio;
	v.handle = FO_TC_HANDLE;
	v.created_clsact = created;
	err = attach_record(pin_dir, &k, &v);
	if (err) {
		fo_err_set(e, "%s: cannot record the attachment: %s", dev, strerror(-err));
		/* Unrecorded, unload would never find it: a filter this call added goes again,
		 * and clsact with it if this call made it. A replaced one stays recorded. */
		if (!was_recorded) {
			tc_filter_delete(nl, ifindex, dir == FO_DIR_INGRESS ? TC_INGRESS : TC_EGRESS,
					 prio, FO_TC_HANDLE);
			if (made_clsact)
				tc_clsact_delete(nl, ifindex);
		}
	}
out:
	if (prog_fd >= 0)
		close(prog_fd);
	return err;
}

/* Ours: the cls_bpf filter at our prio/handle whose name says flowowner. */
static int find_ours(struct nl_sock *nl, int ifindex, enum tc_dir tdir, __u32 prio,
		     __u32 handle, int *others)
{
	struct tc_filter_info f[64];
	int n = 0, i, found = 0, err;

	err = tc_filter_dump(nl, ifindex, tdir, f, 64, &n);
	if (err)
		return err;
	*others = 0;
	for (i = 0; i < n; i++) {
		if (f[i].prio == prio && f[i].handle == handle && !strcmp(f[i].kind, "bpf") &&
		    !strncmp(f[i].name, FILTER_NAME_PREFIX, strlen(FILTER_NAME_PREFIX)))
			found = 1;
		else
			(*others)++;
	}
	return found;
}

static int detach_on(const char *pin_dir, struct fo_dev *d, const struct attach_key *k,
		     struct fo_err *e)
{
	struct nl_sock *nl = &d->nl;
	const char *dev = d->name;
	int ifindex = d->ifindex;
	struct attach_value v = {};
	struct attach_key other = *k;
	enum tc_dir tdir = k->dir == FO_DIR_INGRESS ? TC_INGRESS : TC_EGRESS;
	__u32 prio = FO_TC_PRIO_DEFAULT, handle = FO_TC_HANDLE;
	int others = 0, others2 = 0, found, err;
	bool ours_clsact = false, other_dir;

	if (!record_get(pin_dir, k, &v)) {
		prio = v.prio;
		handle = v.handle;
		ours_clsact = v.created_clsact;
	}
	found = find_ours(nl, ifindex, tdir, prio, handle, &others);
	if (found < 0) {
		if (found == -EINVAL || found == -ENOENT)
			found = 0; /* no clsact at all: nothing of ours */
		else {
			fo_err_nl(e, dev, found, nl);
			return found;
		}
	}
	if (found) {
		err = tc_filter_delete(nl, ifindex, tdir, prio, handle);
		if (err) {
			fo_err_nl(e, dev, err, nl);
			return err;
		}
	}
	attach_forget(pin_dir, k);

	other.dir = k->dir == FO_DIR_INGRESS ? FO_DIR_EGRESS : FO_DIR_INGRESS;
	other_dir = record_get(pin_dir, &other, &v) == 0;
	/* clsact goes only if we made it and nothing at all is left on it. */
	if (ours_clsact && !other_dir && !others) {
		if (find_ours(nl, ifindex, tdir == TC_INGRESS ? TC_EGRESS : TC_INGRESS, 0, 0,
			      &others2) >= 0 && !others2)
			tc_clsact_delete(nl, ifindex);
	}
	return found ? 0 : -ENOENT;
}

int detach_tc(const char *pin_dir, struct fo_dev *d, enum fo_dir dir, struct fo_err *e)
{
	struct attach_key k = dev_key(d, dir);
	int err;

	err = detach_on(pin_dir, d, &k, e);
	if (err == -ENOENT)
		fo_err_set(e, "%s: no flowowner %s filter attached", d->name, fo_dir_name(dir));
	return err;
}

const char *fo_xdp_mode_name(__u32 xdp_flags)
{
	if (xdp_flags & XDP_FLAGS_SKB_MODE)
		return "generic";
	if (xdp_flags & XDP_FLAGS_DRV_MODE)
		return "native";
	if (xdp_flags & XDP_FLAGS_HW_MODE)
		return "offload";
	return "?";
}

bool attach_is_recorded(const char *pin_dir, const struct fo_dev *d, enum fo_dir dir)
{
	struct attach_key k = dev_key(d, dir);
	struct attach_value v;

	return record_get(pin_dir, &k, &v) == 0;
}

/* Our program: the pinned fo_xdp, its fd and id. */
static int xdp_prog_get(const char *pin_dir, __u32 *id, struct fo_err *e)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = pins_get(pin_dir, "fo_xdp");

	if (fd < 0) {
		fo_err_set(e, "%s: fo_xdp not loaded (pins from an older flowowner? run 'flowowner unload'): %s",
			pin_dir, strerror(-fd));
		return fd;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		int err = -errno;

		fo_err_set(e, "%s: fo_xdp: %s", pin_dir, strerror(-err));
		close(fd);
		return err;
	}
	*id = info.id;
	return fd;
}

/* The program attached in each mode, and the mode ours is in (0 if ours is not there). */
struct xdp_state {
	__u32 ids[3];   /* generic, native, offload */
	__u32 ours;     /* XDP_FLAGS_*_MODE ours is attached in */
	__u32 foreign;  /* id of a program that is not ours, 0 if none */
	char kind[16];  /* the device's link kind, "" for a physical one */
};

static const __u32 xdp_modes[3] = { XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE, XDP_FLAGS_HW_MODE };

static int xdp_state_get(struct nl_sock *nl, int ifindex, __u32 our_id, struct xdp_state *st)
{
	struct xdp_info info;
	int err, i;

	memset(st, 0, sizeof(*st));
	err = xdp_query(nl, ifindex, &info);
	if (err)
		return err;
	memcpy(st->kind, info.kind, sizeof(st->kind));
	st->ids[0] = info.skb_prog_id;
	st->ids[1] = info.drv_prog_id;
	st->ids[2] = info.hw_prog_id;
	/* With one program the kernel may name it only in IFLA_XDP_PROG_ID. */
	if (info.prog_id && !st->ids[0] && !st->ids[1] && !st->ids[2]) {
		if (info.attached == XDP_ATTACHED_SKB)
			st->ids[0] = info.prog_id;
		else if (info.attached == XDP_ATTACHED_DRV)
			st->ids[1] = info.prog_id;
		else if (info.attached == XDP_ATTACHED_HW)
			st->ids[2] = info.prog_id;
	}
	for (i = 0; i < 3; i++) {
		if (!st->ids[i])
			continue;
		if (st->ids[i] == our_id)
			st->ours = xdp_modes[i];
		else
			st->foreign = st->ids[i];
	}
	return 0;
}

static int xdp_attach_mode(struct nl_sock *nl, int ifindex, int prog_fd, int expected_fd,
			   __u32 mode, const char *dev, struct fo_err *e)
{
	int err = xdp_attach(nl, ifindex, prog_fd, expected_fd, mode);

	if (err)
		fo_err_nl(e, dev, err, nl);
	return err;
}

/*
 * Where XDP costs more than it saves, say so (it still attaches: dropping floods early may be
 * worth it). Native XDP on veth turns off the peer's TSO/GSO, so a TCP sender's 64 KB
 * segments cross one MTU at a time (bench: 0.3-0.4x of tc alone). Generic XDP runs after the
 * skb is built, saving nothing over tc, and copies every non-linear (GRO) packet flat first.
 */
static void xdp_cost_note(struct fo_err *note, const char *dev, const char *kind, __u32 mode)
{
	size_t used = strlen(note->text);
	const char *why = NULL;

	if (mode == XDP_FLAGS_DRV_MODE && !strcmp(kind, "veth"))
		why = "native XDP on veth turns off the peer's TSO/GSO (GRO'd segments): "
		      "bulk TCP runs at a fraction of tc alone; without --xdp, tc counts the same";
	else if (mode == XDP_FLAGS_SKB_MODE)
		why = "generic XDP runs after the kernel built the packet, saves nothing over tc, "
		      "and copies every GRO'd packet flat first; without --xdp, tc counts the same";
	if (!why)
		return;
	snprintf(note->text + used, sizeof(note->text) - used, "%s%s: warning: %s",
		 used ? "\nflowowner: " : "", dev, why);
}

int attach_xdp(const char *pin_dir, struct fo_dev *d, __u32 mode, struct fo_err *note,
	       struct fo_err *e)
{
	struct attach_key k = dev_key(d, FO_DIR_XDP);
	struct attach_value v = { .netns_cookie = d->netns_cookie };
	struct xdp_state st;
	struct nl_sock *nl = &d->nl;
	const char *dev = d->name;
	int ifindex = d->ifindex, prog_fd = -1, err;
	__u32 our_id = 0;

	if (note)
		note->text[0] = '\0';
	prog_fd = xdp_prog_get(pin_dir, &our_id, e);
	if (prog_fd < 0) {
		err = prog_fd;
		goto out;
	}
	err = xdp_state_get(nl, ifindex, our_id, &st);
	if (err) {
		fo_err_nl(e, dev, err, nl);
		goto out;
	}
	if (st.foreign) {
		/* Never ours to replace: the kernel would refuse anyway (UPDATE_IF_NOEXIST),
		 * but this names the program and what to do. */
		err = -EBUSY;
		fo_err_set(e, "%s: another XDP program (id %u) is attached: flowowner will not replace it",
			dev, st.foreign);
		goto out;
	}
	if (st.ours && (!mode || mode == st.ours)) {
		/* Ours already, in the mode asked for: replace in place, guarded by its fd. */
		mode = st.ours;
		err = xdp_attach_mode(nl, ifindex, prog_fd, prog_fd, mode, dev, e);
		if (err)
			goto out;
	} else {
		if (st.ours) {
			/* Another mode: the kernel holds one mode at a time, so ours goes first. */
			err = xdp_detach(nl, ifindex, prog_fd, st.ours);
			if (err) {
				fo_err_nl(e, dev, err, nl);
				goto out;
			}
		}
		if (mode) {
			err = xdp_attach_mode(nl, ifindex, prog_fd, -1, mode, dev, e);
			/* The new mode refused: ours goes back in the old one, so the device
			 * counts as before (its tc ingress is the attribution-only companion). */
			if (err && st.ours && xdp_attach(nl, ifindex, prog_fd, -1, st.ours) == 0)
				goto out;
		} else {
			mode = XDP_FLAGS_DRV_MODE;
			err = xdp_attach_mode(nl, ifindex, prog_fd, -1, mode, dev, e);
			/* A driver without XDP, or one that refuses this MTU: generic always works. */
			if (err && err != -EBUSY && err != -EEXIST && err != -EPERM) {
				if (note)
					snprintf(note->text, sizeof(note->text),
						 "%s: native XDP not possible (%s): using generic XDP",
						 dev, e->text + strlen(dev) + 2);
				mode = XDP_FLAGS_SKB_MODE;
				err = xdp_attach_mode(nl, ifindex, prog_fd, -1, mode, dev, e);
			}
		}
		if (err)
			goto out;
	}
	if (note)
		xdp_cost_note(note, dev, st.kind, mode);
	snprintf(v.dev, sizeof(v.dev), "%s", dev);
	snprintf(v.netns, sizeof(v.netns), "%s", d->netns);
	v.prog_id = our_id;
	v.xdp_flags = mode;
	err = attach_record(pin_dir, &k, &v);
	if (err) {
		fo_err_set(e, "%s: cannot record the attachment: %s", dev, strerror(-err));
		/* Unrecorded, unload would not find it: take it off again. */
		xdp_detach(nl, ifindex, prog_fd, mode);
	}
out:
	if (prog_fd >= 0)
		close(prog_fd);
	return err;
}

/* Remove our XDP program from IFINDEX, checking first that it is ours. */
static int xdp_detach_on(const char *pin_dir, struct fo_dev *d, const struct attach_key *k,
			 struct fo_err *e)
{
	struct nl_sock *nl = &d->nl;
	const char *dev = d->name;
	int ifindex = d->ifindex;
	struct xdp_state st;
	__u32 our_id = 0;
	int prog_fd, err;

	prog_fd = xdp_prog_get(pin_dir, &our_id, e);
	if (prog_fd < 0)
		return prog_fd;
	err = xdp_state_get(nl, ifindex, our_id, &st);
	if (err) {
		fo_err_nl(e, dev, err, nl);
		goto out;
	}
	if (st.ours) {
		/* Named by fd: if it changed since the query, the kernel refuses. */
		err = xdp_detach(nl, ifindex, prog_fd, st.ours);
		if (err) {
			fo_err_nl(e, dev, err, nl);
			goto out;
		}
	}
	/* Whatever is there now, ours is not: the record goes. */
	attach_forget(pin_dir, k);
	if (st.foreign) {
		err = -EBUSY;
		fo_err_set(e, "%s: the XDP program attached (id %u) is not flowowner's: left in place",
			dev, st.foreign);
	} else if (!st.ours) {
		err = -ENOENT;
	}
out:
	close(prog_fd);
	return err;
}

int detach_xdp(const char *pin_dir, struct fo_dev *d, struct fo_err *e)
{
	struct attach_key k = dev_key(d, FO_DIR_XDP), ing = dev_key(d, FO_DIR_INGRESS);
	struct attach_value v;
	int err;

	err = xdp_detach_on(pin_dir, d, &k, e);
	if (err == -ENOENT)
		fo_err_set(e, "%s: no flowowner XDP program attached", d->name);
	if (err && err != -EBUSY)
		return err;
	/* Without XDP in front, our ingress filter must count again. */
	if (!record_get(pin_dir, &ing, &v)) {
		struct fo_err e2 = {};
		int err2 = attach_tc(pin_dir, d, FO_DIR_INGRESS, v.prio, &e2);

		if (err2 && !err) {
			err = err2;
			*e = e2;
		}
	}
	return err;
}

int detach_all(const char *pin_dir, struct fo_err *e)
{
	struct attach_rec *recs = NULL;
	size_t n = 0, i;
	int err, first_err = 0;

	err = attach_list(pin_dir, &recs, &n);
	if (err)
		return err == -ENOENT ? 0 : err;
	for (i = 0; i < n; i++) {
		struct attach_rec *r = &recs[i];
		struct fo_dev d;
		char path[PATH_MAX];

		/* The namespace by its identity, wherever the attach ran (-n, nsenter, a
		 * container's unnamed one): one that is gone took its devices and filters. */
		if (netns_find(r->val.netns, r->key.netns_ino, r->val.netns_cookie, path,
			       sizeof(path)) ||
		    fo_dev_open_at(&d, path, r->val.netns, r->val.dev, r->key.ifindex,
				   r->key.netns_ino, r->val.netns_cookie)) {
			attach_forget(pin_dir, &r->key);
			continue;
		}
		if (r->key.dir == FO_DIR_XDP)
			err = xdp_detach_on(pin_dir, &d, &r->key, e);
		else
			err = detach_on(pin_dir, &d, &r->key, e);
		/* Already gone, or replaced by another tool's XDP program (which stays): either
		 * way nothing of ours is left there, which is the goal. */
		if (err == -ENOENT || err == -ENODEV || err == -EBUSY)
			err = 0;
		if (err && !first_err)
			first_err = err;
		attach_forget(pin_dir, &r->key);
		fo_dev_close(&d);
	}
	free(recs);
	return first_err;
}
