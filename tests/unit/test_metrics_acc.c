// SPDX-License-Identifier: GPL-2.0
/* test_metrics_acc.c — metrics' totals across reads: never lower, evicted flows kept, reused tuples new. */
#include <stdlib.h>
#include <string.h>
#include "metrics_acc.h"
#include "test.h"

static void flow_set(struct flow_rec *f, __u16 port, __u64 first_ns, __u32 pid, const char *comm,
		     __u64 tx_bytes)
{
	memset(f, 0, sizeof(*f));
	f->key.family = 4;
	f->key.proto = 17;
	f->key.ifindex = 2;
	f->key.local_port = 5000;
	f->key.remote_port = port;
	f->val.first_ns = first_ns;
	f->val.source = pid ? FO_SRC_SOCKET : FO_SRC_NONE;
	f->val.owner.pid = pid;
	memcpy(f->val.owner.comm, comm, strlen(comm)); /* memset above: NUL-padded */
	f->cnt.tx_bytes = tx_bytes;
	f->cnt.tx_packets = tx_bytes ? 1 : 0;
}

static const struct acc_series *series_of(const struct metrics_acc *a, const char *comm)
{
	size_t i;

	for (i = 0; i < a->nseries; i++)
		if (!strcmp(a->series[i].comm, comm))
			return &a->series[i];
	return NULL;
}

static void test_evicted_flows_keep_their_bytes_and_a_reused_tuple_counts_anew(void)
{
	struct flow_rec f[3];
	struct flow_view v = { .flows = f };
	struct metrics_acc a;
	const struct acc_series *s;

	acc_init(&a, false);
	flow_set(&f[0], 1, 100, 10, "curl", 100);
	flow_set(&f[1], 2, 100, 10, "curl", 50);
	v.nflows = 2;
	ASSERT_OK(acc_read(&a, &v, NULL), "first read");
	s = series_of(&a, "curl");
	ASSERT_TRUE(s && s->tx_bytes == 150 && s->flows == 2, "the sum of the table");
	/* Port 1's flow is evicted; port 2 grows; port 3 is new; port 1 comes back as a new
	 * flow (another first_ns) with 20 bytes: all of those count, nothing goes down. */
	flow_set(&f[0], 2, 100, 10, "curl", 70);
	flow_set(&f[1], 3, 200, 10, "curl", 5);
	flow_set(&f[2], 1, 300, 10, "curl", 20);
	v.nflows = 3;
	ASSERT_OK(acc_read(&a, &v, NULL), "second read");
	s = series_of(&a, "curl");
	ASSERT_EQ(s ? s->tx_bytes : 0, 150 + 20 + 5 + 20, "evicted kept, growth and new flows added");
	ASSERT_EQ(s ? s->flows : 0, 3, "flows now in the table");
	acc_free(&a);
}

static void test_owner_runs_of_a_full_table_sum_to_their_series(void)
{
	const size_t n = 100000;
	struct flow_rec *f = calloc(n, sizeof(*f));
	struct flow_view v = { .flows = f, .nflows = n };
	struct metrics_acc a;
	const struct acc_series *x, *y, *none;
	size_t i, round;

	ASSERT_TRUE(f, "memory");
	if (!f)
		return;
	acc_init(&a, false);
	for (round = 1; round <= 2; round++) {
		/* Runs of one owner, of changing lengths; every 7th flow unattributed. */
		for (i = 0; i < n; i++) {
			__u32 pid = i % 7 == 0 ? 0 : (i / 100) % 3 ? 20 : 30;

			flow_set(&f[i], (__u16)i, i / 65536 + 1, pid, pid == 20 ? "x" : pid ? "y" : "",
				 round * (i % 13 + 1));
		}
		ASSERT_OK(acc_read(&a, &v, NULL), "read");
	}
	x = series_of(&a, "x");
	y = series_of(&a, "y");
	none = series_of(&a, "");
	{
		__u64 sx = 0, sy = 0, sn = 0;

		for (i = 0; i < n; i++) {
			__u32 pid = f[i].val.owner.pid;

			*(pid == 20 ? &sx : pid ? &sy : &sn) += f[i].cnt.tx_bytes;
		}
		ASSERT_EQ(a.nseries, 3, "two owners and the unattributed");
		ASSERT_TRUE(x && x->tx_bytes == sx, "x: the sum of its flows' last counters");
		ASSERT_TRUE(y && y->tx_bytes == sy, "y: the sum of its flows' last counters");
		ASSERT_TRUE(none && none->tx_bytes == sn, "unattributed: the same");
		ASSERT_TRUE(x && y && none && x->flows + y->flows + none->flows == n,
			    "every flow in one series");
	}
	acc_free(&a);
	/* A read no other follows keeps no flows, and sums the same. */
	acc_init(&a, false);
	a.last_read = true;
	ASSERT_OK(acc_read(&a, &v, NULL), "last read");
	x = series_of(&a, "x");
	ASSERT_TRUE(!a.flows && a.nseries == 3, "no flows kept");
	{
		__u64 sx = 0;

		for (i = 0; i < n; i++)
			sx += f[i].val.owner.pid == 20 ? f[i].cnt.tx_bytes : 0;
		ASSERT_TRUE(x && x->tx_bytes == sx, "the same totals");
	}
	acc_free(&a);
	free(f);
}

int main(void)
{
	RUN_TEST(test_evicted_flows_keep_their_bytes_and_a_reused_tuple_counts_anew);
	RUN_TEST(test_owner_runs_of_a_full_table_sum_to_their_series);
	return test_failures ? 1 : 0;
}
