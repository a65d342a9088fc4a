// SPDX-License-Identifier: GPL-2.0
/* attach.c — putting the programs on devices and taking them off: what to attach, replace or
 * remove is decided here from the device's state and the records (records.c keeps those). */
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
#include "tc.h"
#include "xdp.h"

#define FILTER_NAME_PREFIX "flowowner"
#define MAX_FILTERS 64 /* per direction: more than any device holds */

const char *fo_dir_name(enum fo_dir dir)
{
	switch (dir) {
	case FO_DIR_INGRESS: return "ingress";
	case FO_DIR_EGRESS: return "egress";
	case FO_DIR_XDP: return "xdp";
	}
	return "?";
}

/* The record key of DIR on D. */
static struct attach_key dev_key(const struct fo_dev *d, enum fo_dir dir)
{
	struct attach_key k = { .netns_ino = d->netns_ino, .ifindex = d->ifindex, .dir = dir };

	return k;
}

static enum tc_dir tc_dir_of(enum fo_dir dir)
{
	return dir == FO_DIR_INGRESS ? TC_INGRESS : TC_EGRESS;
}

static __u32 prog_id_of(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id : 0;
}

/* The ids of this pin dir's tc programs: a filter running one of them is ours, whatever its
 * prio (another flowowner, with another pin dir, runs other ids). */
static void our_tc_ids(struct fo_pins *p, __u32 ids[3])
{
	ids[0] = prog_id_of(fo_pins_fd(p, FO_PIN_TC_INGRESS));
	ids[1] = prog_id_of(fo_pins_fd(p, FO_PIN_TC_INGRESS_XDP));
	ids[2] = prog_id_of(fo_pins_fd(p, FO_PIN_TC_EGRESS));
}

/* One direction of a device as we see it: ours at PRIO/HANDLE (a bpf filter named flowowner),
 * ours elsewhere (running one of our programs: left by an attach at another prio), and how
 * many filters are someone else's. */
struct tc_scan {
	bool at_prio;
	int nstale;
	struct { __u16 prio; __u32 handle; } stale[8];
	int others;
};

static int tc_scan(struct fo_pins *p, struct fo_dev *d, enum tc_dir tdir, __u32 prio,
		   __u32 handle, struct tc_scan *s)
{
	struct tc_filter_info f[MAX_FILTERS];
	__u32 ids[3];
	int n = 0, i, err;

	memset(s, 0, sizeof(*s));
	err = tc_filter_dump(&d->nl, d->ifindex, tdir, f, MAX_FILTERS, &n);
	if (err)
		return err;
	our_tc_ids(p, ids);
	for (i = 0; i < n; i++) {
		bool named = !strcmp(f[i].kind, "bpf") &&
			     !strncmp(f[i].name, FILTER_NAME_PREFIX, strlen(FILTER_NAME_PREFIX));
		bool ours = named && f[i].prog_id &&
			    (f[i].prog_id == ids[0] || f[i].prog_id == ids[1] || f[i].prog_id == ids[2]);

		if (named && f[i].prio == prio && f[i].handle == handle) {
			s->at_prio = true;
		} else if (ours && s->nstale < (int)(sizeof(s->stale) / sizeof(s->stale[0]))) {
			s->stale[s->nstale].prio = f[i].prio;
			s->stale[s->nstale].handle = f[i].handle;
			s->nstale++;
		} else {
			s->others++;
		}
	}
	return 0;
}

/* Whether D holds clsact for us: a record of either tc direction says we made it. */
static bool clsact_recorded_ours(struct fo_pins *p, const struct fo_dev *d)
{
	struct attach_key k;
	struct attach_value v;
	enum fo_dir dirs[2] = { FO_DIR_INGRESS, FO_DIR_EGRESS };
	int i;

	for (i = 0; i < 2; i++) {
		k = dev_key(d, dirs[i]);
		if (!attach_rec_get(p, &k, &v) && v.created_clsact)
			return true;
	}
	return false;
}

bool attach_is_recorded(struct fo_pins *p, const struct fo_dev *d, enum fo_dir dir)
{
	struct attach_key k = dev_key(d, dir);
	struct attach_value v;

	return attach_rec_get(p, &k, &v) == 0;
}

/*
 * The decision, before anything changes: which program, whether ours is already at PRIO (then
 * it is replaced in place), which filters of ours sit at other prios (they go once the whole
 * attach succeeded: one filter of ours per direction, the recorded one), and the record as it
 * was, to put back if a later step fails.
 */
static int tc_plan_make(struct fo_pins *p, struct fo_dev *d, enum fo_dir dir, __u16 prio,
			struct tc_plan *pl, struct fo_err *e)
{
	struct attach_key k = dev_key(d, dir);
	struct tc_scan s;
	int err;

	memset(pl, 0, sizeof(*pl));
	pl->dir = dir;
	pl->prio = prio;
	pl->handle = FO_TC_HANDLE;
	pl->recorded = !attach_rec_get(p, &k, &pl->old);
	/* Under XDP, which counts every received packet, ingress only attributes and acts. */
	pl->xdp_companion = dir == FO_DIR_INGRESS && attach_is_recorded(p, d, FO_DIR_XDP);
	pl->prog = dir == FO_DIR_EGRESS ? FO_PIN_TC_EGRESS :
		   pl->xdp_companion ? FO_PIN_TC_INGRESS_XDP : FO_PIN_TC_INGRESS;
	err = tc_scan(p, d, tc_dir_of(dir), prio, pl->handle, &s);
	if (err) {
		fo_err_nl(e, d->name, err, &d->nl);
		return err;
	}
	pl->in_place = s.at_prio;
	pl->nstale = s.nstale;
	memcpy(pl->stale, s.stale, sizeof(pl->stale));
	return 0;
}

/* Filter and record as planned; a step that fails takes back what this one did. */
static int tc_plan_apply(struct fo_pins *p, struct fo_dev *d, struct tc_plan *pl,
			 struct fo_err *e)
{
	struct attach_key k = dev_key(d, pl->dir);
	struct attach_value v = { .netns_cookie = d->netns_cookie };
	enum tc_dir tdir = tc_dir_of(pl->dir);
	char name[32];
	int prog_fd, err;

	prog_fd = fo_pins_fd(p, pl->prog);
	if (prog_fd < 0) {
		fo_err_set(e, "%s: program not loaded: %s", p->dir, strerror(-prog_fd));
		return prog_fd;
	}
	/* A repeated attach keeps what the first one knew: whether clsact was ours. */
	v.created_clsact = clsact_recorded_ours(p, d);
	err = tc_clsact_ensure(&d->nl, d->ifindex, &pl->made_clsact);
	if (err) {
		fo_err_nl(e, d->name, err, &d->nl);
		return err;
	}
	snprintf(name, sizeof(name), FILTER_NAME_PREFIX "_%s%s", fo_dir_name(pl->dir),
		 pl->xdp_companion ? "_xdp" : "");
	err = tc_filter_replace(&d->nl, d->ifindex, tdir, pl->prio, pl->handle, prog_fd, name);
	if (err) {
		fo_err_nl(e, d->name, err, &d->nl);
		/* Leave the device as it was: clsact we just made goes again. */
		if (pl->made_clsact)
			tc_clsact_delete(&d->nl, d->ifindex);
		return err;
	}
	v.prog_id = prog_id_of(prog_fd);
	snprintf(v.dev, sizeof(v.dev), "%s", d->name);
	snprintf(v.netns, sizeof(v.netns), "%s", d->netns);
	v.prio = pl->prio;
	v.handle = pl->handle;
	v.created_clsact = v.created_clsact || pl->made_clsact;
	err = attach_rec_put(p, &k, &v);
	if (err) {
		fo_err_set(e, "%s: cannot record the attachment: %s", d->name, strerror(-err));
		/* Unrecorded, unload would never find it: a filter this call added goes again,
		 * and clsact with it if this call made it. One replaced in place stays, and so
		 * does its record. */
		if (!pl->in_place)
			tc_filter_delete(&d->nl, d->ifindex, tdir, pl->prio, pl->handle);
		if (pl->made_clsact)
			tc_clsact_delete(&d->nl, d->ifindex);
		return err;
	}
	pl->applied = true;
	return 0;
}

int attach_tc(struct fo_pins *p, struct fo_dev *d, enum fo_dir dir, __u16 prio,
	      struct tc_plan *plan, struct fo_err *e)
{
	struct tc_plan own = { .applied = false };
	struct tc_plan *pl = plan ? plan : &own;
	int err;

	err = tc_plan_make(p, d, dir, prio, pl, e);
	if (!err)
		err = tc_plan_apply(p, d, pl, e);
	if (!err && !plan)
		attach_tc_finish(p, d, pl);
	return err;
}

void attach_tc_finish(struct fo_pins *p, struct fo_dev *d, struct tc_plan *pl)
{
	int i;

	if (!pl->applied)
		return;
	/* The attach is whole: what an attach at another prio left goes, so the device ends with
	 * one filter of ours per direction, the recorded one. */
	for (i = 0; i < pl->nstale; i++)
		tc_filter_delete(&d->nl, d->ifindex, tc_dir_of(pl->dir), pl->stale[i].prio,
				 pl->stale[i].handle);
	pl->applied = false;
}

void attach_tc_undo(struct fo_pins *p, struct fo_dev *d, struct tc_plan *pl)
{
	struct attach_key k = dev_key(d, pl->dir);

	if (!pl->applied)
		return;
	/* A filter this attach added goes; one it replaced in place stays, as it was there
	 * before. The record goes back to what it said. */
	if (!pl->in_place)
		tc_filter_delete(&d->nl, d->ifindex, tc_dir_of(pl->dir), pl->prio, pl->handle);
	if (pl->recorded)
		attach_rec_put(p, &k, &pl->old);
	else
		attach_rec_forget(p, &k);
	if (pl->made_clsact)
		tc_clsact_delete(&d->nl, d->ifindex);
	pl->applied = false;
}

static int detach_on(struct fo_pins *p, struct fo_dev *d, const struct attach_key *k,
		     struct fo_err *e)
{
	struct nl_sock *nl = &d->nl;
	struct attach_value v = {};
	struct attach_key other = *k;
	enum tc_dir tdir = tc_dir_of(k->dir);
	__u32 prio = FO_TC_PRIO_DEFAULT, handle = FO_TC_HANDLE;
	struct tc_scan s, s2;
	bool ours_clsact = false, other_dir;
	int err, i;

	if (!attach_rec_get(p, k, &v)) {
		prio = v.prio;
		handle = v.handle;
		ours_clsact = v.created_clsact;
	}
	err = tc_scan(p, d, tdir, prio, handle, &s);
	if (err) {
		if (err != -EINVAL && err != -ENOENT) {
			fo_err_nl(e, d->name, err, nl);
			return err;
		}
		memset(&s, 0, sizeof(s)); /* no clsact at all: nothing of ours */
	}
	if (s.at_prio) {
		err = tc_filter_delete(nl, d->ifindex, tdir, prio, handle);
		if (err) {
			fo_err_nl(e, d->name, err, nl);
			return err;
		}
	}
	/* Ours at another prio too (an older attach's): nothing of ours stays. */
	for (i = 0; i < s.nstale; i++)
		tc_filter_delete(nl, d->ifindex, tdir, s.stale[i].prio, s.stale[i].handle);
	attach_rec_forget(p, k);

	other.dir = k->dir == FO_DIR_INGRESS ? FO_DIR_EGRESS : FO_DIR_INGRESS;
	other_dir = attach_rec_get(p, &other, &v) == 0;
	/* clsact goes only if we made it and nothing at all is left on it. */
	if (ours_clsact && !other_dir && !s.others) {
		if (tc_scan(p, d, tdir == TC_INGRESS ? TC_EGRESS : TC_INGRESS, 0, 0, &s2) >= 0 &&
		    !s2.others && !s2.nstale)
			tc_clsact_delete(nl, d->ifindex);
	}
	return s.at_prio || s.nstale ? 0 : -ENOENT;
}

int detach_tc(struct fo_pins *p, struct fo_dev *d, enum fo_dir dir, struct fo_err *e)
{
	struct attach_key k = dev_key(d, dir);
	int err;

	err = detach_on(p, d, &k, e);
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

/* Our program: the pinned fo_xdp, its fd (the pin set's) and id. */
static int xdp_prog_get(struct fo_pins *p, __u32 *id, struct fo_err *e)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = fo_pins_fd(p, FO_PIN_XDP);

	if (fd < 0) {
		fo_err_set(e, "%s: fo_xdp not loaded (pins from an older flowowner? run 'flowowner unload'): %s",
			   p->dir, strerror(-fd));
		return fd;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		int err = -errno;

		fo_err_set(e, "%s: fo_xdp: %s", p->dir, strerror(-err));
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

int attach_xdp(struct fo_pins *p, struct fo_dev *d, __u32 mode, struct fo_err *note,
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
	prog_fd = xdp_prog_get(p, &our_id, e);
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
	err = attach_rec_put(p, &k, &v);
	if (err) {
		fo_err_set(e, "%s: cannot record the attachment: %s", dev, strerror(-err));
		/* Unrecorded, unload would not find it: take it off again. */
		xdp_detach(nl, ifindex, prog_fd, mode);
	}
out:
	return err;
}

/* Remove our XDP program from IFINDEX, checking first that it is ours. */
static int xdp_detach_on(struct fo_pins *p, struct fo_dev *d, const struct attach_key *k,
			 struct fo_err *e)
{
	struct nl_sock *nl = &d->nl;
	const char *dev = d->name;
	int ifindex = d->ifindex;
	struct xdp_state st;
	__u32 our_id = 0;
	int prog_fd, err;

	prog_fd = xdp_prog_get(p, &our_id, e);
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
	attach_rec_forget(p, k);
	if (st.foreign) {
		err = -EBUSY;
		fo_err_set(e, "%s: the XDP program attached (id %u) is not flowowner's: left in place",
			dev, st.foreign);
	} else if (!st.ours) {
		err = -ENOENT;
	}
out:
	return err;
}

int detach_xdp(struct fo_pins *p, struct fo_dev *d, struct fo_err *e)
{
	struct attach_key k = dev_key(d, FO_DIR_XDP), ing = dev_key(d, FO_DIR_INGRESS);
	struct attach_value v;
	int err;

	err = xdp_detach_on(p, d, &k, e);
	if (err == -ENOENT)
		fo_err_set(e, "%s: no flowowner XDP program attached", d->name);
	if (err && err != -EBUSY)
		return err;
	/* Without XDP in front, our ingress filter must count again. */
	if (!attach_rec_get(p, &ing, &v)) {
		struct fo_err e2 = {};
		int err2 = attach_tc(p, d, FO_DIR_INGRESS, v.prio, NULL, &e2);

		if (err2 && !err) {
			err = err2;
			*e = e2;
		}
	}
	return err;
}

int detach_all(struct fo_pins *p, struct fo_err *e)
{
	struct attach_rec *recs = NULL;
	size_t n = 0, i;
	int err, first_err = 0;

	err = attach_rec_list(p, &recs, &n);
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
			attach_rec_forget(p, &r->key);
			continue;
		}
		if (r->key.dir == FO_DIR_XDP)
			err = xdp_detach_on(p, &d, &r->key, e);
		else
			err = detach_on(p, &d, &r->key, e);
		/* Already gone, or replaced by another tool's XDP program (which stays): either
		 * way nothing of ours is left there, which is the goal. */
		if (err == -ENOENT || err == -ENODEV || err == -EBUSY)
			err = 0;
		if (err && !first_err)
			first_err = err;
		attach_rec_forget(p, &r->key);
		fo_dev_close(&d);
	}
	free(recs);
	return first_err;
}
