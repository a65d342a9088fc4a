/* SPDX-License-Identifier: GPL-2.0 */
/* policy.bpf.h — deciding, once per flow and policy generation, what to do with its packets. */
#ifndef FO_POLICY_BPF_H
#define FO_POLICY_BPF_H

#include "maps.bpf.h"
#include "shape.bpf.h"

extern struct cgroup *bpf_cgroup_from_id(__u64 cgid) __weak __ksym;
extern struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level) __weak __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __weak __ksym;

/* Most specific selector wins: a pid names one process, an exe one program, a uid many; an
 * exact cgroup is narrower than the container around it, a container narrower than a unit. */
static __always_inline __u32 selector_rank(__u32 sel)
{
	switch (sel) {
	case FO_SEL_PID: return 7;
	case FO_SEL_EXE: return 6;
	case FO_SEL_COMM: return 5;
	case FO_SEL_CGROUP: return 4;
	case FO_SEL_CONTAINER: return 3;
	case FO_SEL_UNIT: return 2;
	case FO_SEL_UID: return 1;
	}
	return 0;
}

/* The winning rule's id and what it does: not the whole rule, whose path stays in the map. */
struct policy_verdict {
	__u32 id;
	__u32 actions;
	__u32 mark;
	__u32 mark_mask;
	__u32 priority;
};

struct policy_match {
	const struct owner *owner;
	__u64 exe_ino; /* the owner's executable, from the pid table; 0 when unknown */
	__u32 exe_dev;
	__u32 rank;
	struct policy_verdict best;
	__u32 bank;                 /* FO_RULE_BANK bit of the rules in force */
	__u32 nanc;
	__u64 anc[FO_CGROUP_DEPTH]; /* the owner's cgroup and its ancestors, root first */
};

/* A unit or container rule names a cgroup; it covers the cgroups created below it later too,
 * because the owner's ancestors are read when a flow decides, not when the rule was added. */
static __always_inline int in_subtree(const struct policy_match *m, __u64 id)
{
	__u32 i;

	for (i = 0; i < FO_CGROUP_DEPTH; i++) {
		if (i >= m->nanc)
			break;
		if (m->anc[i] == id)
			return 1;
	}
	return 0;
}

/* The owner's cgroup ancestry from its id (tc, XDP: the owner is not the current task). Slow
 * (a cgroup lookup and a reference per level), so only when a flow decides. */
static __always_inline void ancestors_of_id(struct policy_match *m, __u64 cgid)
{
	struct cgroup *cg, *a;
	int i, level;

	m->nanc = 0;
	if (!bpf_cgroup_from_id || !cgid)
		return;
	cg = bpf_cgroup_from_id(cgid);
	if (!cg)
		return;
	level = cg->level;
	for (i = 0; i < FO_CGROUP_DEPTH; i++) {
		if (i > level)
			break;
		a = bpf_cgroup_ancestor(cg, i);
		if (!a)
			break;
		m->anc[i] = a->kn->id;
		bpf_cgroup_release(a);
		m->nanc = i + 1;
	}
	bpf_cgroup_release(cg);
}

/* The same for the current task (socket hooks run in the owner's context). */
static __always_inline void ancestors_of_current(struct policy_match *m)
{
	__u64 id;
	int i;

	m->nanc = 0;
	for (i = 0; i < FO_CGROUP_DEPTH; i++) {
		id = bpf_get_current_ancestor_cgroup_id(i);
		if (!id)
			break;
		m->anc[i] = id;
		m->nanc = i + 1;
	}
}

static __always_inline int comm_eq(const char *a, const char *b)
{
	/* Both are NUL-padded 16-byte names: compare them as two words, not byte by byte. */
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1];
}

static long policy_match_one(void *map, __u32 *id, struct policy_rule *rule,
			     struct policy_match *m)
{
	const struct owner *o = m->owner;
	int hit = 0;
	__u32 rank;

	if ((rule->id & FO_RULE_BANK) != m->bank)
		return 0; /* the other bank: a set being written, or one being deleted */
	switch (rule->selector) {
	case FO_SEL_PID: hit = rule->value == o->pid; break;
	case FO_SEL_UID: hit = rule->value == o->uid; break;
	case FO_SEL_CGROUP: hit = rule->value == o->cgroup_id; break;
	case FO_SEL_COMM: hit = comm_eq(rule->comm, o->comm); break;
	case FO_SEL_EXE: hit = m->exe_ino && rule->value == m->exe_ino && rule->dev == m->exe_dev; break;
	case FO_SEL_UNIT:
	case FO_SEL_CONTAINER: hit = in_subtree(m, rule->value); break;
	}
	if (!hit)
		return 0;
	rank = selector_rank(rule->selector);
	/* Among equally specific rules the oldest (lowest id) wins, so adding a rule never
	 * silently overrides an existing one of the same kind. */
	if (rank > m->rank || (rank == m->rank && rule->id < m->best.id)) {
		m->rank = rank;
		m->best.id = rule->id;
		m->best.actions = rule->actions;
		m->best.mark = rule->mark;
		m->best.mark_mask = rule->mark_mask;
		m->best.priority = rule->priority;
	}
	return 0;
}

/*
 * The rule that applies to owner O: its rank, 0 when none does. The executable is the pid
 * table's (read at exec, fork and the snapshot), for the same process only: a recycled pid's
 * entry names another program. A process's name is its own to choose (prctl), its exe is not.
 * GEN is the policy generation read once: it names the bank of rules in force. CURRENT: O is
 * the current task (socket hooks), whose ancestry the helper gives; else it is read by id.
 */
static __always_inline __u32 policy_match_owner(const struct owner *o, __u32 gen, bool current,
						struct policy_verdict *out)
{
	struct policy_match m = {};
	struct proc_entry *pe;
	__u32 pid = o->pid;

	m.owner = o;
	m.bank = fo_rule_bank(gen);
	if (current)
		ancestors_of_current(&m);
	else
		ancestors_of_id(&m, o->cgroup_id);
	pe = pid ? bpf_map_lookup_elem(&fo_procs, &pid) : NULL;
	if (pe && pe->start_ns == o->start_ns) {
		m.exe_ino = pe->exe_ino;
		m.exe_dev = pe->exe_dev;
	}
	bpf_for_each_map_elem(&fo_policy, policy_match_one, &m, 0);
	if (m.rank)
		*out = m.best;
	return m.rank;
}

/* FV's verdict under policy generation GEN. */
static __always_inline void policy_redecide_inline(struct flow_value *fv, __u32 gen)
{
	struct policy_verdict v = {};

	fv->policy_gen = gen;
	fv->verdict = 0;
	fv->rule_id = 0;
	fv->mark = 0;
	fv->priority = 0;
	if (fv->source == FO_SRC_NONE)
		return;
	if (!policy_match_owner(&fv->owner, gen, false, &v))
		return;
	fv->rule_id = v.id;
	fv->verdict = v.actions;
	fv->mark = v.mark;
	fv->mark_mask = v.mark_mask;
	fv->priority = v.priority;
}

#ifndef FO_POLICY_INLINE
/*
 * The same as a global function: the verifier checks it once, on its own, instead of at every
 * place the tc program may decide (its cgroup walk and rule loop were a large part of a load's
 * verification), and its code stays out of the packet path's lines. The XDP object inlines it
 * (FO_POLICY_INLINE): its frame and this one's would not fit the 512-byte stack together.
 */
__noinline int policy_redecide(struct flow_value *fv, __u32 gen)
{
	if (fv) /* the verifier's due: a global function's pointer may be NULL */
		policy_redecide_inline(fv, gen);
	return 0;
}
#else
#define policy_redecide(fv, gen) policy_redecide_inline(fv, gen)
#endif

/* Re-decide FV's verdict if the policy changed since it was cached. One compare otherwise. */
static __always_inline void policy_decide(struct flow_value *fv, const struct fo_config *cfg)
{
	__u32 gen;

	if (!cfg)
		return;
	/* One read of the generation: it names both the decision's age and the bank in force. */
	gen = *(volatile const __u32 *)&cfg->policy_gen;
	if (fv->policy_gen == gen)
		return;
	if (!cfg->nr_rules) {
		/* no rules: nothing to match, the verdict is none */
		fv->policy_gen = gen;
		fv->verdict = 0;
		fv->rule_id = 0;
		fv->mark = 0;
		fv->priority = 0;
		return;
	}
	policy_redecide(fv, gen);
}

/*
 * What tc does with the packet: the flow's cached verdict, applied. DIR is the direction for
 * a rate (FO_DIR_INGRESS or FO_DIR_EGRESS), or FO_DIR_XDP where XDP has shaped the packet
 * already; LEN its layer-3 bytes. Returns TC_ACT_OK, or TC_ACT_SHOT to drop.
 */
static __always_inline int policy_apply_skb(struct __sk_buff *skb, struct flow_value *fv,
					    const struct fo_config *cfg, struct fo_counters *c,
					    const struct flow_key *k, int dir, __u32 len)
{
	policy_decide(fv, cfg);
	if (!fv->verdict)
		return 0; /* TC_ACT_OK */
	if (fv->verdict & FO_ACT_DROP) {
		if (c)
			fo_count(&c->v[FO_STAT_DROPPED], 1);
		return 2; /* TC_ACT_SHOT */
	}
	if ((fv->verdict & FO_ACT_SHAPE) && dir != FO_DIR_XDP && !shape_admit(k, fv, dir, len, c))
		return 2;
	if (!(fv->verdict & (FO_ACT_MARK | FO_ACT_PRIORITY)))
		return 0;
	if (fv->verdict & FO_ACT_MARK)
		skb->mark = (skb->mark & ~fv->mark_mask) | (fv->mark & fv->mark_mask);
	if (fv->verdict & FO_ACT_PRIORITY)
		skb->priority = fv->priority;
	if (c)
		fo_count(&c->v[FO_STAT_MARKED], 1);
	return 0;
}

#endif
