/* SPDX-License-Identifier: GPL-2.0 */
/* maps.bpf.h — the maps every flowowner BPF object shares, pinned by name under the pin dir. */
#ifndef FO_MAPS_BPF_H
#define FO_MAPS_BPF_H

#include "flowowner.h"

/*
 * Each object declares all maps; libbpf pins them by name on the first load and
 * reuses the pins on later loads, so the classifier, the XDP program and the
 * tracing side all see one set. Capacities are set by the loader before load.
 */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FO_DEFAULT_MAX_FLOWS);
	__type(key, struct flow_key);
	__type(value, struct flow_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fo_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct sock_owner);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fo_socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FO_DEFAULT_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct proc_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fo_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fo_counters);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fo_stats SEC(".maps");

/* Both banks of rule ids (FO_RULE_BANK): a restore holds the old set and the new one at once. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * FO_MAX_RULES);
	__type(key, __u32);
	__type(value, struct policy_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fo_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fo_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fo_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fo_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FO_MAX_ATTACH);
	__type(key, struct attach_key);
	__type(value, struct attach_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fo_attach SEC(".maps");

/* Like fo_policy, room for both banks: a restore makes the new set's state before the flip. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * FO_MAX_RULES);
	__type(key, __u32);
	__type(value, struct shape_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fo_shape SEC(".maps");

/* ICMP error row key -> the key of the flow it quotes, for flows -j "related_to". Written
 * only when an error row is made; an evicted entry loses related_to, never the row. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FO_MAX_RELATED);
	__type(key, struct flow_key);
	__type(value, struct flow_key);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fo_related SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FO_MAX_FRAGS);
	__type(key, struct frag_key);
	__type(value, struct frag_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fo_frags SEC(".maps");

/*
 * Every BPF timestamp is CLOCK_MONOTONIC ns. The packet path needs only jiffy resolution (first
 * and last seen, a 1 s owner TTL), so it reads jiffies: bpf_jiffies64() is a load the verifier
 * inlines, where bpf_ktime_get_coarse_ns() is two calls, and with retpolines and return thunks
 * each call is most of 20 ns. fo_config converts (tick_ns, clock_off, set by fo_clock at the
 * first load); without them it is the coarse clock, the same time by another way.
 * Tracing programs may not read the coarse clock, so they read the precise one.
 */
static __always_inline __u64 fo_now_packet_cfg(const struct fo_config *cfg)
{
	if (cfg && cfg->tick_ns)
		return bpf_jiffies64() * cfg->tick_ns + cfg->clock_off;
	return bpf_ktime_get_coarse_ns();
}
#define fo_now() bpf_ktime_get_ns()

/* Whether a stamp taken at THEN is older than TTL ns at NOW. Signed: a precise stamp from
 * the tracing side may be a jiffy ahead of the coarse clock, which is "fresh", not "ancient". */
static __always_inline int fo_older_than(__u64 now, __u64 then, __u64 ttl)
{
	return (__s64)(now - then) > (__s64)ttl;
}

/* This CPU's counters; NULL only if the map is broken, so callers just skip counting. */
static __always_inline struct fo_counters *counters_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fo_stats, &zero);
}

/*
 * A per-CPU counter add. tc and XDP run in softirq (or with BH off): nothing else on this CPU
 * runs between the load and the store, so a plain add is exact. Tracing and cgroup programs
 * run in task context with only migration off: another task can preempt one on this CPU and
 * run the same program between its load and store, so an object built with FO_PREEMPTIBLE
 * (tracing.bpf.c) adds atomically.
 */
#ifdef FO_PREEMPTIBLE
#define fo_count(p, n) __sync_fetch_and_add((p), (n))
#else
#define fo_count(p, n) ((void)(*(p) += (n)))
#endif

static __always_inline void stat_inc(__u32 idx)
{
	struct fo_counters *c = counters_get();

	if (c && idx < FO_STAT_MAX)
		fo_count(&c->v[idx], 1);
}

static __always_inline struct fo_config *config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&fo_config, &zero);
}

#endif
