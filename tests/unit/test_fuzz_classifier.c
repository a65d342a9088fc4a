// SPDX-License-Identifier: GPL-2.0
/* test_fuzz_classifier.c — random and mutated frames through the classifier: it fails open and counts each once. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flowowner.h"
#include "pins.h"
#include "classifier_fixture.h"
#include "test.h"

/*
 * FO_FUZZ_FRAMES frames (default 200000; `make stress` runs millions) from a fixed seed
 * (FO_FUZZ_SEED), alternately on egress and ingress, in a network namespace of this process's
 * own where no socket exists and no process owns anything. So the invariants are exact:
 *   - every run returns TC_ACT_OK (no policy is loaded: fail open);
 *   - packets == frames run, attributed == 0 (there is no owner to find: anything attributed
 *     would be a misattribution), unattributed == packets, and the reason buckets sum to it;
 *   - the per-flow packet counts sum to the frames that could be keyed (all but unparsed,
 *     fragments and non-IP), and flows_created == entries (the table is sized not to evict).
 * The kernel itself refuses frames shorter than Ethernet, or with an IPv4/IPv6 ethertype and
 * less than a whole IP header; those are counted apart and must be exactly such frames.
 */

#define FRAME_MAX 3000 /* test_run takes up to a page, minus head- and tailroom */
#define FLOWS_CAP (1 << 18)

static struct cls_fixture fx;
static int flows_fd = -1, prog_fd[2] = { -1, -1 };
static __u64 rng_state;

static __u64 rnd(void)
{
	/* xorshift64*: fast, and the same frames for the same seed on every machine */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static __u32 rnd_below(__u32 n)
{
	return n ? (__u32)(rnd() % n) : 0;
}

/* Well-formed frames the mutations start from. */
static __u32 seed_frame(unsigned char *f, int kind)
{
	static const unsigned char eth_ip[14] = { 2, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4, 0x08, 0x00 };
	static const unsigned char eth_ip6[14] = { 2, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4, 0x86, 0xdd };
	static const unsigned char ip4[20] = { 0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0,
					       10, 7, 0, 1, 10, 7, 0, 2 };
	static const unsigned char ip6[8] = { 0x60, 0, 0, 0, 0, 20, 6, 64 };
	static const unsigned char tcp[20] = { 0x1f, 0x90, 0x9c, 0x41, 0, 0, 0, 1, 0, 0, 0, 0,
					       0x50, 0x10, 2, 0, 0, 0, 0, 0 };
	__u32 off = 14, i;

	memset(f, 0, 128);
	switch (kind % 6) {
	case 0: /* TCP/IPv4 */
		memcpy(f, eth_ip, 14);
		memcpy(f + 14, ip4, 20);
		memcpy(f + 34, tcp, 20);
		return 54;
	case 1: /* UDP/IPv4 */
		memcpy(f, eth_ip, 14);
		memcpy(f + 14, ip4, 20);
		f[14 + 3] = 28;
		f[14 + 9] = 17;
		memcpy(f + 34, tcp, 8);
		return 42;
	case 2: /* TCP/IPv6 */
	case 3: /* UDP/IPv6 behind hop-by-hop and destination options */
		memcpy(f, eth_ip6, 14);
		memcpy(f + 14, ip6, 8);
		for (i = 0; i < 32; i++)
			f[22 + i] = (i % 16) + (i < 16 ? 0xfd : 0xfe); /* two distinct addresses */
		if (kind % 6 == 2) {
			memcpy(f + 54, tcp, 20);
			return 74;
		}
		f[14 + 5] = 32;
		f[14 + 6] = 0; /* hop-by-hop */
		f[54] = 60;
		f[55] = 0;
		f[62] = 17;
		f[63] = 1;
		memcpy(f + 78, tcp, 8);
		return 86;
	case 4: /* 802.1Q + ICMP echo over IPv4 */
		memcpy(f, eth_ip, 12);
		f[12] = 0x81;
		f[13] = 0x00;
		f[15] = 42;
		f[16] = 0x08;
		off = 18;
		memcpy(f + off, ip4, 20);
		f[off + 3] = 28;
		f[off + 9] = 1;
		f[off + 20] = 8;
		f[off + 24] = 0x12;
		f[off + 25] = 0x34;
		return off + 28;
	default: /* ARP */
		memcpy(f, eth_ip, 12);
		f[12] = 0x08;
		f[13] = 0x06;
		return 42;
	}
}

/* Values that reach parser branches: IHLs, versions, ethertypes, extension headers. */
static const unsigned char interesting[] = { 0x00, 0x01, 0x06, 0x11, 0x2c, 0x2b, 0x33, 0x3a,
					     0x3b, 0x3c, 0x40, 0x41, 0x44, 0x45, 0x46, 0x4f,
					     0x60, 0x7f, 0x80, 0x81, 0x86, 0x88, 0xa8, 0xdd,
					     0xff };

static __u32 mutate(unsigned char *f, __u32 len)
{
	int n = 1 + rnd_below(4), i;

	for (i = 0; i < n; i++) {
		switch (rnd_below(6)) {
		case 0: /* flip a bit */
			f[rnd_below(len)] ^= 1 << rnd_below(8);
			break;
		case 1: /* a byte that steers a branch, somewhere in the headers */
			f[rnd_below(len < 90 ? len : 90)] = interesting[rnd_below(sizeof(interesting))];
			break;
		case 2: /* cut anywhere, even inside Ethernet */
			len = rnd_below(len + 1);
			break;
		case 3: { /* grow, up to jumbo sizes */
			__u32 more = rnd_below(8) ? rnd_below(64) : rnd_below(FRAME_MAX - len + 1);

			if (len + more > FRAME_MAX)
				more = FRAME_MAX - len;
			for (__u32 j = 0; j < more; j++)
				f[len + j] = rnd();
			len += more;
			break;
		}
		case 4: /* a fragment offset, or none */
			if (len > 21)
				f[20] = rnd_below(2) ? 0 : rnd();
			break;
		default: /* random length field (IPv4 tot_len / IPv6 payload_len) */
			if (len > 19) {
				f[16 + rnd_below(4)] = rnd();
			}
			break;
		}
	}
	return len;
}

/* Purely random bytes, with an ethertype that takes them to a parser half of the time. */
static __u32 random_frame(unsigned char *f)
{
	static const __u16 types[] = { 0x0800, 0x86dd, 0x8100, 0x88a8 };
	__u32 len = rnd_below(8) ? rnd_below(200) : rnd_below(FRAME_MAX + 1), i;

	for (i = 0; i < len; i++)
		f[i] = rnd();
	if (len >= 14 && rnd_below(2)) {
		__u16 t = types[rnd_below(4)];

		f[12] = t >> 8;
		f[13] = t & 0xff;
		if (t == 0x0800 && len > 14)
			f[14] = 0x40 | (f[14] & 0x0f);
		if (t == 0x86dd && len > 14)
			f[14] = 0x60 | (f[14] & 0x0f);
	}
	return len;
}

/* Would the kernel's test_run refuse this frame before the program runs? */
static bool kernel_refuses(const unsigned char *f, __u32 len)
{
	__u16 type;

	if (len < ETH_HLEN)
		return true;
	type = (f[12] << 8) | f[13];
	return (type == ETH_P_IP && len < ETH_HLEN + 20) || (type == ETH_P_IPV6 && len < ETH_HLEN + 40);
}

static struct fo_counters stats(void)
{
	return cls_fixture_stats(&fx);
}

/* Every flow's packets, and how many flows there are. */
static void flows_sum(__u64 *packets, __u64 *entries)
{
	struct flow_key k, next;
	struct flow_value v;
	void *prev = NULL;

	*packets = *entries = 0;
	while (!bpf_map_get_next_key(flows_fd, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(flows_fd, &k, &v))
			continue;
		*packets += v.tx_packets + v.rx_packets;
		(*entries)++;
	}
}

static unsigned long env_num(const char *name, unsigned long dflt)
{
	const char *s = getenv(name);

	return s && *s ? strtoul(s, NULL, 0) : dflt;
}

static void test_fuzz_frames_fail_open_and_count_once(void)
{
	static unsigned char frame[FRAME_MAX + 64];
	unsigned long frames = env_num("FO_FUZZ_FRAMES", 200000), i;
	__u64 ran = 0, refused = 0, bad_ret = 0, bad_err = 0, why_sum = 0, keyed;
	__u64 flow_packets, entries;
	struct fo_counters c;
	struct timespec t0, t1;
	int w;

	rng_state = env_num("FO_FUZZ_SEED", 0x5eed5eedULL) | 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < frames; i++) {
		struct __sk_buff ctx = { .ifindex = 1 };
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx));
		__u32 len;
		int err;

		if (rnd_below(4) == 0)
			len = random_frame(frame);
		else
			len = mutate(frame, seed_frame(frame, rnd_below(6)));
		opts.data_size_in = len;
		err = bpf_prog_test_run_opts(prog_fd[i & 1], &opts) ? -errno : 0;
		if (err) {
			if (err == -EINVAL && kernel_refuses(frame, len)) {
				refused++;
				continue;
			}
			if (bad_err++ < 5)
				fprintf(stderr, "  frame %lu (len %u): test_run: %s\n", i, len,
					strerror(-err));
			continue;
		}
		ran++;
		if (opts.retval != TC_ACT_OK && bad_ret++ < 5)
			fprintf(stderr, "  frame %lu (len %u): returned %u\n", i, len, opts.retval);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	c = stats();
	for (w = 0; w < FO_WHY_MAX; w++)
		why_sum += c.v[FO_STAT_WHY_BASE + w];
	keyed = ran - c.v[FO_STAT_WHY_BASE + FO_WHY_UNPARSED] -
		c.v[FO_STAT_WHY_BASE + FO_WHY_FRAGMENT] - c.v[FO_STAT_WHY_BASE + FO_WHY_NON_IP];
	flows_sum(&flow_packets, &entries);
	printf("# fuzz: %lu frames, %llu run, %llu refused by the kernel, %llu flows, "
	       "%llu unparsed, %llu fragments, %llu non-IP, %.1f s\n", frames,
	       (unsigned long long)ran, (unsigned long long)refused, (unsigned long long)entries,
	       (unsigned long long)c.v[FO_STAT_WHY_BASE + FO_WHY_UNPARSED],
	       (unsigned long long)c.v[FO_STAT_WHY_BASE + FO_WHY_FRAGMENT],
	       (unsigned long long)c.v[FO_STAT_WHY_BASE + FO_WHY_NON_IP],
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);

	ASSERT_EQ(bad_err, 0, "no run fails but those the kernel refuses");
	ASSERT_EQ(bad_ret, 0, "every frame passes (TC_ACT_OK)");
	ASSERT_EQ(ran + refused, frames, "every frame accounted for");
	ASSERT_EQ(c.v[FO_STAT_PACKETS], ran, "packets == frames run");
	ASSERT_EQ(c.v[FO_STAT_ATTRIBUTED], 0, "nothing owned, nothing attributed");
	ASSERT_EQ(c.v[FO_STAT_UNATTRIBUTED], ran, "each frame unattributed once");
	ASSERT_EQ(why_sum, c.v[FO_STAT_UNATTRIBUTED], "reason buckets sum to unattributed");
	ASSERT_EQ(c.v[FO_STAT_MAP_FULL], 0, "table sized not to fill");
	/* A SYN on a closed flow's tuple starts a new flow in its place: the old one's packets
	 * leave the table and are counted as retired. */
	ASSERT_EQ(flow_packets + c.v[FO_STAT_RETIRED_PACKETS] + c.v[FO_STAT_FRAGMENTS], keyed,
		  "flow packets + retired + later fragments (bytes, not packets) == keyed frames");
	ASSERT_TRUE(c.v[FO_STAT_FLOWS_REOPENED] > 0, "reopened flows reached");
	ASSERT_EQ(c.v[FO_STAT_FLOWS_NEW], entries, "flows_created == entries (no eviction)");
	/* the mutations must reach the parser's corners, or the test proves little */
	ASSERT_TRUE(c.v[FO_STAT_WHY_BASE + FO_WHY_UNPARSED] > frames / 100, "unparsed reached");
	ASSERT_TRUE(c.v[FO_STAT_WHY_BASE + FO_WHY_FRAGMENT] > frames / 1000, "fragments reached");
	ASSERT_TRUE(c.v[FO_STAT_WHY_BASE + FO_WHY_NON_IP] > frames / 100, "non-IP reached");
	ASSERT_TRUE(entries > frames / 100, "flows made");
}

static int setup(void)
{
	int err;

	/* No sockets, no routes: ingress lookups find nothing, by construction. */
	if (unshare(CLONE_NEWNET))
		return -errno;
	err = cls_fixture_load(&fx, FLOWS_CAP);
	if (err)
		return err;
	flows_fd = fx.flows_fd;
	prog_fd[0] = fx.ingress_fd;
	prog_fd[1] = fx.egress_fd;
	return 0;
}

int main(void)
{
	int st = cls_fixture_start(setup, "test_fuzz_frames_fail_open_and_count_once", "fuzz_setup");

	if (st > 0)
		return 0;
	if (st < 0)
		goto cleanup;
	RUN_TEST(test_fuzz_frames_fail_open_and_count_once);
cleanup:
	cls_fixture_destroy(&fx);
	return test_failures != 0;
}
