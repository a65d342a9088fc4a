// SPDX-License-Identifier: GPL-2.0
/*
 * floor.bpf.c — the floors of per-flow classifiers, for the bench to set beside flowowner.
 * Both use flowowner's own parse and key (parse.bpf.h) and count a packet with two atomic adds;
 * no owner, no policy, no counters of their own: what counting a flow costs before anything
 * is known.
 *   fo_bench_floor_*   one lookup in a kernel hash shaped like fo_flows (the same key, value
 *                      and size), an insert for a flow not seen yet: flowowner's design.
 *   fo_bench_table_*   a table the program walks itself: an array of 4-way buckets indexed by
 *                      a hash of the key computed inline, the key compared inline, no call.
 *                      A design flowowner does not have (see docs/performance.md).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "flowowner.h"
#include "parse.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FO_DEFAULT_MAX_FLOWS);
	__type(key, struct flow_key);
	__type(value, struct flow_value);
} floor_flows SEC(".maps");

/* The count both floors make, as flowowner's flow_count does: two atomic adds. */
static __always_inline void count_packet(__u64 *packets, __u64 *bytes, __u32 len)
{
	__sync_fetch_and_add(packets, 1);
	__sync_fetch_and_add(bytes, len);
}

static __always_inline int floor_count(struct __sk_buff *skb, int egress)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct pkt_info p = {};
	struct flow_key k = {};
	struct flow_value *fv;

	if (parse_frame(data, data_end, &p) != FO_WHY_NONE)
		return 0; /* TC_ACT_OK */
	flow_key_skb(&k, &p, egress, skb);
	fv = bpf_map_lookup_elem(&floor_flows, &k);
	if (!fv) {
		struct flow_value nv = {};

		bpf_map_update_elem(&floor_flows, &k, &nv, BPF_NOEXIST);
		fv = bpf_map_lookup_elem(&floor_flows, &k);
		if (!fv)
			return 0;
	}
	if (egress)
		count_packet(&fv->tx_packets, &fv->tx_bytes, skb->len);
	else
		count_packet(&fv->rx_packets, &fv->rx_bytes, skb->len);
	return 0;
}

SEC("tc")
int fo_bench_floor_in(struct __sk_buff *skb)
{
	return floor_count(skb, 0);
}

SEC("tc")
int fo_bench_floor_out(struct __sk_buff *skb)
{
	return floor_count(skb, 1);
}

#define TABLE_BUCKETS 16384 /* x 4 ways: 65536 flows, as fo_flows */
#define TABLE_WAYS 4
struct table_slot {
	struct flow_key key; /* family 0: free */
	__u64 last_ns;
	__u64 tx_packets, tx_bytes;
	__u8 pad_tx[48];
	__u64 rx_packets, rx_bytes;
	__u8 pad_rx[48];
};
struct table_bucket {
	struct table_slot way[TABLE_WAYS];
};
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TABLE_BUCKETS);
	__type(key, __u32);
	__type(value, struct table_bucket);
} floor_table SEC(".maps");

static __always_inline int key_eq(const struct flow_key *a, const struct flow_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4] &&
	       x[5] == y[5] && x[6] == y[6];
}

static __always_inline int table_count(struct __sk_buff *skb, int egress)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct pkt_info p = {};
	struct flow_key k = {};
	struct table_bucket *b;
	struct table_slot *s = NULL;
	const __u64 *w = (const __u64 *)&k;
	__u64 h;
	__u32 idx;
	int i;

	if (parse_frame(data, data_end, &p) != FO_WHY_NONE)
		return 0;
	flow_key_skb(&k, &p, egress, skb);
	h = w[0] ^ w[1] ^ w[2] ^ w[3] ^ w[4] ^ w[5] ^ w[6];
	h *= 0x9E3779B97F4A7C15ULL;
	idx = (__u32)(h >> 40) & (TABLE_BUCKETS - 1);
	b = bpf_map_lookup_elem(&floor_table, &idx);
	if (!b)
		return 0;
#pragma unroll
	for (i = 0; i < TABLE_WAYS; i++) {
		if (key_eq(&b->way[i].key, &k)) {
			s = &b->way[i];
			break;
		}
	}
	if (!s) {
#pragma unroll
		for (i = 0; i < TABLE_WAYS; i++) {
			if (!b->way[i].key.family) {
				s = &b->way[i];
				s->key = k;
				break;
			}
		}
		if (!s)
			return 0;
	}
	if (egress)
		count_packet(&s->tx_packets, &s->tx_bytes, skb->len);
	else
		count_packet(&s->rx_packets, &s->rx_bytes, skb->len);
	return 0;
}

SEC("tc")
int fo_bench_table_in(struct __sk_buff *skb)
{
	return table_count(skb, 0);
}

SEC("tc")
int fo_bench_table_out(struct __sk_buff *skb)
{
	return table_count(skb, 1);
}

char LICENSE[] SEC("license") = "GPL";
