// SPDX-License-Identifier: GPL-2.0
/* tc.c — the clsact qdisc and direct-action cls_bpf filters, spelled in rtnetlink like tc(8). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "tc.h"

static void copy_str(char *dst, size_t len, const char *src, size_t srclen)
{
	size_t n = strnlen(src, srclen);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static struct nlmsghdr *tc_msg(char *buf, __u16 type, __u16 flags, int ifindex, __u32 parent,
			       __u32 handle, __u32 info)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *t;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = parent;
	t->tcm_handle = handle;
	t->tcm_info = info;
	return nlh;
}

static __u32 dir_parent(enum tc_dir dir)
{
	return TC_H_MAKE(TC_H_CLSACT, dir == TC_INGRESS ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);
}

/* cls_bpf sees every protocol; the filter's identity is (prio, protocol, handle). */
static __u32 filter_info(__u16 prio)
{
	return TC_H_MAKE((__u32)prio << 16, htons(ETH_P_ALL));
}

struct qdisc_kind_ctx {
	int ifindex;
	char kind[16];
};

static int qdisc_kind_attr_cb(const struct nlattr *attr, void *data)
{
	struct qdisc_kind_ctx *ctx = data;

	if (mnl_attr_get_type(attr) == TCA_KIND) {
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		copy_str(ctx->kind, sizeof(ctx->kind), mnl_attr_get_payload(attr),
			 mnl_attr_get_payload_len(attr));
	}
	return MNL_CB_OK;
}

static int qdisc_kind_cb(const struct nlmsghdr *nlh, void *data)
{
	struct qdisc_kind_ctx *ctx = data;
	const struct tcmsg *t;

	if (nlh->nlmsg_type != RTM_NEWQDISC || mnl_nlmsg_get_payload_len(nlh) < sizeof(*t))
		return MNL_CB_OK;
	t = mnl_nlmsg_get_payload(nlh);
	/* The dump walks every device; only the ingress slot of ours matters. */
	if (t->tcm_ifindex != ctx->ifindex || t->tcm_parent != TC_H_CLSACT)
		return MNL_CB_OK;
	nl_attr_parse(mnl_nlmsg_get_payload_offset(nlh, sizeof(*t)),
		      mnl_nlmsg_get_payload_len(nlh) - MNL_ALIGN(sizeof(*t)), qdisc_kind_attr_cb,
		      ctx);
	return MNL_CB_OK;
}

static void qdisc_kind_restart(void *data)
{
	struct qdisc_kind_ctx *ctx = data;

	memset(ctx->kind, 0, sizeof(ctx->kind));
}

/* clsact and ingress share the slot ffff:fff1, so EEXIST alone does not mean clsact. */
static int clsact_slot_kind(struct nl_sock *nl, int ifindex, char *kind, size_t len)
{
	struct qdisc_kind_ctx ctx = { .ifindex = ifindex };
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	int err;

	nlh = tc_msg(buf, RTM_GETQDISC, NLM_F_DUMP, ifindex, 0, 0, 0);
	err = nl_dump(nl, nlh, qdisc_kind_cb, &ctx, qdisc_kind_restart);
	if (err)
		return err;
	copy_str(kind, len, ctx.kind, sizeof(ctx.kind));
	return 0;
}

int tc_clsact_ensure(struct nl_sock *nl, int ifindex, bool *created)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	char kind[16];
	int err;

	*created = false;
	nlh = tc_msg(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex, TC_H_CLSACT,
		     TC_H_MAKE(TC_H_CLSACT, 0), 0);
	mnl_attr_put_strz(nlh, TCA_KIND, "clsact");
	err = nl_talk(nl, nlh, NULL, NULL);
	if (!err) {
		*created = true;
		return 0;
	}
	if (err != -EEXIST)
		return err;

	err = clsact_slot_kind(nl, ifindex, kind, sizeof(kind));
	if (err)
		return err;
	if (strcmp(kind, "clsact")) {
		/* Not the kernel's words, but the caller prints extack as the cause. */
		snprintf(nl->extack, sizeof(nl->extack),
			 "an \"%s\" qdisc holds the clsact slot (ffff:fff1)", kind);
		return -EEXIST;
	}
	return 0;
}

int tc_clsact_delete(struct nl_sock *nl, int ifindex)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;

	char extack[sizeof(nl->extack)];
	char kind[16];
	int err;

	nlh = tc_msg(buf, RTM_DELQDISC, 0, ifindex, TC_H_CLSACT, TC_H_MAKE(TC_H_CLSACT, 0), 0);
	/* Named, so an ingress qdisc in the same slot is refused rather than deleted. */
	mnl_attr_put_strz(nlh, TCA_KIND, "clsact");
	err = nl_talk(nl, nlh, NULL, NULL);
	if (err != -EINVAL)
		return err;
	/* An empty slot is reported as "Invalid handle" (EINVAL); say what it means. */
	memcpy(extack, nl->extack, sizeof(extack));
	if (clsact_slot_kind(nl, ifindex, kind, sizeof(kind)) == 0 && !kind[0])
		err = -ENOENT;
	memcpy(nl->extack, extack, sizeof(extack));
	return err;
}

int tc_filter_replace(struct nl_sock *nl, int ifindex, enum tc_dir dir, __u16 prio,
		      __u32 handle, int prog_fd, const char *name)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *opts;

	nl->extack[0] = '\0';
	/* Zero prio or handle lets the kernel pick one, and a second call would then add a
	 * second filter instead of replacing the first. */
	if (!prio || !handle || prog_fd < 0 || !name)
		return -EINVAL;

	nlh = tc_msg(buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_REPLACE, ifindex, dir_parent(dir),
		     handle, filter_info(prio));
	mnl_attr_put_strz(nlh, TCA_KIND, "bpf");
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_BPF_FD, (__u32)prog_fd);
	mnl_attr_put_strz(nlh, TCA_BPF_NAME, name);
	mnl_attr_put_u32(nlh, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
	mnl_attr_nest_end(nlh, opts);
	return nl_talk(nl, nlh, NULL, NULL);
}

struct filter_parse_ctx {
	struct tc_filter_info *out;
	const struct nlattr *options;
};

static int bpf_opt_cb(const struct nlattr *attr, void *data)
{
	struct tc_filter_info *out = data;

	switch (mnl_attr_get_type(attr)) {
	case TCA_BPF_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		out->prog_id = mnl_attr_get_u32(attr);
		break;
	case TCA_BPF_FLAGS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		out->bpf_flags = mnl_attr_get_u32(attr);
		break;
	case TCA_BPF_NAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		copy_str(out->name, sizeof(out->name), mnl_attr_get_payload(attr),
			 mnl_attr_get_payload_len(attr));
		break;
	}
	return MNL_CB_OK;
}

static int filter_attr_cb(const struct nlattr *attr, void *data)
{
	struct filter_parse_ctx *ctx = data;

	switch (mnl_attr_get_type(attr)) {
	case TCA_KIND:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		copy_str(ctx->out->kind, sizeof(ctx->out->kind), mnl_attr_get_payload(attr),
			 mnl_attr_get_payload_len(attr));
		break;
	case TCA_OPTIONS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		ctx->options = attr;
		break;
	}
	return MNL_CB_OK;
}

/* HAS_OPTIONS tells a dump's per-prio header entry apart from a filter. */
static int filter_parse(const struct nlmsghdr *nlh, struct tc_filter_info *out,
			bool *has_options)
{
	struct filter_parse_ctx ctx = { .out = out };
	const struct tcmsg *t;
	int err;

	memset(out, 0, sizeof(*out));
	*has_options = false;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN || nlh->nlmsg_type != RTM_NEWTFILTER)
		return -EBADMSG;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*t))
		return -EBADMSG;
	t = mnl_nlmsg_get_payload(nlh);
	out->handle = t->tcm_handle;
	out->prio = TC_H_MAJ(t->tcm_info) >> 16;

	err = nl_attr_parse(mnl_nlmsg_get_payload_offset(nlh, sizeof(*t)),
			    mnl_nlmsg_get_payload_len(nlh) - MNL_ALIGN(sizeof(*t)), filter_attr_cb,
			    &ctx);
	if (err)
		goto out;
	if (!ctx.options)
		goto out;
	*has_options = true;
	/* Option numbers mean different things per classifier: read only bpf's. */
	if (strcmp(out->kind, "bpf"))
		goto out;
	err = nl_attr_parse(mnl_attr_get_payload(ctx.options),
			    mnl_attr_get_payload_len(ctx.options), bpf_opt_cb, out);
out:
	if (err)
		memset(out, 0, sizeof(*out));
	return err;
}

int tc_filter_parse(const struct nlmsghdr *nlh, struct tc_filter_info *out)
{
	bool has_options;

	return filter_parse(nlh, out, &has_options);
}

struct filter_dump_ctx {
	struct tc_filter_info *out;
	int max;
	int n;
	bool overflow;
};

static int filter_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct filter_dump_ctx *ctx = data;
	struct tc_filter_info info;
	bool has_options;

	if (nlh->nlmsg_type != RTM_NEWTFILTER)
		return MNL_CB_OK;
	if (filter_parse(nlh, &info, &has_options)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	/* Each prio is reported once more as a bare header with handle 0: not a filter. */
	if (!info.handle && !has_options)
		return MNL_CB_OK;
	if (ctx->n >= ctx->max) {
		ctx->overflow = true;
		return MNL_CB_OK;
	}
	ctx->out[ctx->n++] = info;
	return MNL_CB_OK;
}

static void filter_dump_restart(void *data)
{
	struct filter_dump_ctx *ctx = data;

	ctx->n = 0;
	ctx->overflow = false;
}

int tc_filter_dump(struct nl_sock *nl, int ifindex, enum tc_dir dir,
		   struct tc_filter_info *out, int max, int *n)
{
	struct filter_dump_ctx ctx = { .out = out, .max = max };
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	int err;

	*n = 0;
	nlh = tc_msg(buf, RTM_GETTFILTER, NLM_F_DUMP, ifindex, dir_parent(dir), 0, 0);
	err = nl_dump(nl, nlh, filter_dump_cb, &ctx, filter_dump_restart);
	*n = ctx.n;
	if (err)
		return err;
	return ctx.overflow ? -ENOSPC : 0;
}

int tc_filter_delete(struct nl_sock *nl, int ifindex, enum tc_dir dir, __u16 prio, __u32 handle)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;

	nl->extack[0] = '\0';
	/* Prio 0 flushes the whole chain and handle 0 every filter at the prio: never ours. */
	if (!prio || !handle)
		return -EINVAL;
	nlh = tc_msg(buf, RTM_DELTFILTER, 0, ifindex, dir_parent(dir), handle, filter_info(prio));
	/* With the kind named, a different classifier at this prio is refused, not deleted. */
	mnl_attr_put_strz(nlh, TCA_KIND, "bpf");
	return nl_talk(nl, nlh, NULL, NULL);
}
