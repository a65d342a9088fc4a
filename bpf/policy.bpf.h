/* SPDX-License-Identifier: GPL-2.0 */
/* policy.bpf.h — deciding, once per flow and policy generation, what to do with its packets. */
#ifndef FO_POLICY_BPF_H
#define FO_POLICY_BPF_H

#include "maps.bpf.h"

/* Most specific selector wins: a pid names one process, an exe one program, a uid many. */
static __always_inline __u32 selector_rank(__u32 sel)
{
	switch (sel) {
	case FO_SEL_PID: return 5;
	case FO_SEL_EXE: return 4;
	case FO_SEL_COMM: return 3;
	case FO_SEL_CGROUP: return 2;
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
};

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

	switch (rule->selector) {
	case FO_SEL_PID: hit = rule->value == o->pid; break;
	case FO_SEL_UID: hit = rule->value == o->uid; break;
	case FO_SEL_CGROUP: hit = rule->value == o->cgroup_id; break;
	case FO_SEL_COMM: hit = comm_eq(rule->comm, o->comm); break;
	case FO_SEL_EXE: hit = m->exe_ino && rule->value == m->exe_ino && rule->dev == m->exe_dev; break;
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
 */
static __always_inline __u32 policy_match_owner(const struct owner *o, struct policy_verdict *out)
{
	struct policy_match m = {};
	struct proc_entry *pe;
	__u32 pid = o->pid;

	m.owner = o;
	pe = pid ? bpf_map_lookup_elem(&fo_procs, &pid) : NULL;
	if (pe && (pe->start_ns == o->start_ns || !o->start_ns)) {
		m.exe_ino = pe->exe_ino;
		m.exe_dev = pe->exe_dev;
	}
	bpf_for_each_map_elem(&fo_policy, policy_match_one, &m, 0);
	if (m.rank)
		*out = m.best;
	return m.rank;
}

/* Re-decide FV's verdict if the policy changed since it was cached. One compare otherwise. */
static __always_inline void policy_decide(struct flow_value *fv, const struct fo_config *cfg)
{
	struct policy_verdict v = {};

	if (!cfg || fv->policy_gen == cfg->policy_gen)
		return;
	fv->policy_gen = cfg->policy_gen;
	fv->verdict = 0;
	fv->rule_id = 0;
	fv->mark = 0;
	fv->priority = 0;
	if (!cfg->nr_rules || fv->source == FO_SRC_NONE)
		return;
	if (!policy_match_owner(&fv->owner, &v))
		return;
	fv->rule_id = v.id;
	fv->verdict = v.actions;
	fv->mark = v.mark;
	fv->mark_mask = v.mark_mask;
	fv->priority = v.priority;
}

/* What tc does with the packet: the flow's cached verdict, applied. */
static __always_inline int policy_apply_skb(struct __sk_buff *skb, struct flow_value *fv,
					    const struct fo_config *cfg, struct fo_counters *c)
{
	policy_decide(fv, cfg);
	if (!fv->verdict)
		return 0; /* TC_ACT_OK */
	if (fv->verdict & FO_ACT_DROP) {
		if (c)
			c->v[FO_STAT_DROPPED]++;
		return 2; /* TC_ACT_SHOT */
	}
	if (fv->verdict & FO_ACT_MARK)
		skb->mark = (skb->mark & ~fv->mark_mask) | (fv->mark & fv->mark_mask);
	if (fv->verdict & FO_ACT_PRIORITY)
		skb->priority = fv->priority;
	if (c)
		c->v[FO_STAT_MARKED]++;
	return 0;
}

#endif
