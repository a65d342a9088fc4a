// SPDX-License-Identifier: GPL-2.0
/* test_classifier.c — the tc classifier under BPF_PROG_TEST_RUN on crafted frames: keys, counts, reasons. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flowowner.h"
#include "flowrows.h"
#include "pins.h"
#include "classifier_fixture.h"
#include "test.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/*
 * The test runs in a network namespace of its own, so what the ingress socket lookup and
 * the forwarding check find is known: no sockets, no routes. Its one veth gives the frames
 * an ifindex other than lo's. BPF_PROG_TEST_RUN gives an skb a placeholder socket that no
 * process ever owned, so egress packets are "no_owner" and ingress ones "no_socket".
 */
#define VETH "fo-unit0"
#define VETH_PEER "fo-unit1"

static struct cls_fixture fx;
static int flows_fd = -1, stats_fd = -1, egress_fd = -1, ingress_fd = -1;
static int ifindex;
static __u64 netns_cookie;

/* Fixtures in the kernel selftests' style: packed, one struct per frame shape. */
struct pkt_v4 {
	struct ethhdr eth;
	struct iphdr iph;
	struct tcphdr tcp;
} __attribute__((packed));

struct pkt_v4_udp {
	struct ethhdr eth;
	struct iphdr iph;
	struct udphdr udp;
	__u8 payload[4];
} __attribute__((packed));

struct pkt_v6 {
	struct ethhdr eth;
	struct ipv6hdr iph;
	struct tcphdr tcp;
} __attribute__((packed));

struct pkt_v6_udp {
	struct ethhdr eth;
	struct ipv6hdr iph;
	struct udphdr udp;
} __attribute__((packed));

/* IPv6 with hop-by-hop (8 bytes) then destination options (16 bytes) before UDP. */
struct pkt_v6_ext {
	struct ethhdr eth;
	struct ipv6hdr iph;
	__u8 hbh[8];
	__u8 dst[16];
	struct udphdr udp;
} __attribute__((packed));

struct pkt_vlan_v4 {
	struct ethhdr eth;
	__be16 tci;
	__be16 proto;
	struct iphdr iph;
	struct udphdr udp;
} __attribute__((packed));

struct pkt_qinq_v4 {
	struct ethhdr eth;
	__be16 tci_outer;
	__be16 proto_inner;
	__be16 tci_inner;
	__be16 proto;
	struct iphdr iph;
	struct udphdr udp;
} __attribute__((packed));

struct pkt_icmp4 {
	struct ethhdr eth;
	struct iphdr iph;
	struct icmphdr icmp;
} __attribute__((packed));

struct pkt_arp {
	struct ethhdr eth;
	__u8 arp[28];
} __attribute__((packed));

/* The addresses: "host" is this side, "peer" the other end. */
#define HOST4 "10.7.0.1"
#define PEER4 "10.7.0.2"
#define HOST6 "fd07::1"
#define PEER6 "fd07::2"
#define HOST_PORT 8080
#define PEER_PORT 40001

static __be32 ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

/* The fill helpers take void *: packed fixtures put headers at any alignment. */
static void eth_fill(void *dst, __u16 proto)
{
	struct ethhdr eth;

	memset(eth.h_dest, 0x02, ETH_ALEN);
	memset(eth.h_source, 0x04, ETH_ALEN);
	eth.h_proto = htons(proto);
	memcpy(dst, &eth, sizeof(eth));
}

/* IPv4 header with IHL 5, from SRC to DST, carrying L4LEN bytes of PROTO. */
static void iph_fill(void *at, const char *src, const char *dst, __u8 proto, int l4len)
{
	struct iphdr iph = {};

	iph.version = 4;
	iph.ihl = 5;
	iph.ttl = 64;
	iph.protocol = proto;
	iph.tot_len = htons(sizeof(iph) + l4len);
	iph.saddr = ip4(src);
	iph.daddr = ip4(dst);
	memcpy(at, &iph, sizeof(iph));
}

static void ip6h_fill(void *at, const char *src, const char *dst, __u8 nexthdr, int payload)
{
	struct ipv6hdr h = {};

	h.version = 6;
	h.hop_limit = 64;
	h.nexthdr = nexthdr;
	h.payload_len = htons(payload);
	h.saddr = ip6(src);
	h.daddr = ip6(dst);
	memcpy(at, &h, sizeof(h));
}

/* A TCP/IPv4 frame as it would leave (EGRESS: host -> peer) or arrive (peer -> host). */
static struct pkt_v4 tcp4(int egress)
{
	struct pkt_v4 p = {};

	eth_fill(&p.eth, ETH_P_IP);
	iph_fill(&p.iph, egress ? HOST4 : PEER4, egress ? PEER4 : HOST4, IPPROTO_TCP, sizeof(p.tcp));
	p.tcp.source = htons(egress ? HOST_PORT : PEER_PORT);
	p.tcp.dest = htons(egress ? PEER_PORT : HOST_PORT);
	p.tcp.doff = 5;
	p.tcp.ack = 1;
	return p;
}

static struct pkt_v4_udp udp4(int egress)
{
	struct pkt_v4_udp p = {};

	eth_fill(&p.eth, ETH_P_IP);
	iph_fill(&p.iph, egress ? HOST4 : PEER4, egress ? PEER4 : HOST4, IPPROTO_UDP,
		 sizeof(p.udp) + sizeof(p.payload));
	p.udp.source = htons(egress ? HOST_PORT : PEER_PORT);
	p.udp.dest = htons(egress ? PEER_PORT : HOST_PORT);
	p.udp.len = htons(sizeof(p.udp) + sizeof(p.payload));
	return p;
}

static struct pkt_v6 tcp6(int egress)
{
	struct pkt_v6 p = {};

	eth_fill(&p.eth, ETH_P_IPV6);
	ip6h_fill(&p.iph, egress ? HOST6 : PEER6, egress ? PEER6 : HOST6, IPPROTO_TCP, sizeof(p.tcp));
	p.tcp.source = htons(egress ? HOST_PORT : PEER_PORT);
	p.tcp.dest = htons(egress ? PEER_PORT : HOST_PORT);
	p.tcp.doff = 5;
	p.tcp.ack = 1;
	return p;
}

static struct pkt_v6_udp udp6(int egress)
{
	struct pkt_v6_udp p = {};

	eth_fill(&p.eth, ETH_P_IPV6);
	ip6h_fill(&p.iph, egress ? HOST6 : PEER6, egress ? PEER6 : HOST6, IPPROTO_UDP, sizeof(p.udp));
	p.udp.source = htons(egress ? HOST_PORT : PEER_PORT);
	p.udp.dest = htons(egress ? PEER_PORT : HOST_PORT);
	p.udp.len = htons(sizeof(p.udp));
	return p;
}

static struct pkt_v6_ext udp6_ext(int egress)
{
	struct pkt_v6_ext p = {};

	eth_fill(&p.eth, ETH_P_IPV6);
	ip6h_fill(&p.iph, egress ? HOST6 : PEER6, egress ? PEER6 : HOST6, 0 /* hop-by-hop */,
		  sizeof(p) - sizeof(p.eth) - sizeof(p.iph));
	p.hbh[0] = 60; /* next: destination options */
	p.hbh[1] = 0;  /* (0 + 1) * 8 bytes */
	p.hbh[2] = 1;  /* PadN filling the rest */
	p.hbh[3] = 4;
	p.dst[0] = IPPROTO_UDP;
	p.dst[1] = 1; /* (1 + 1) * 8 bytes */
	p.dst[2] = 1;
	p.dst[3] = 12;
	p.udp.source = htons(egress ? HOST_PORT : PEER_PORT);
	p.udp.dest = htons(egress ? PEER_PORT : HOST_PORT);
	p.udp.len = htons(sizeof(p.udp));
	return p;
}

static struct pkt_icmp4 icmp4(int egress, __u8 type, __u16 id)
{
	struct pkt_icmp4 p = {};

	eth_fill(&p.eth, ETH_P_IP);
	iph_fill(&p.iph, egress ? HOST4 : PEER4, egress ? PEER4 : HOST4, IPPROTO_ICMP, sizeof(p.icmp));
	p.icmp.type = type;
	p.icmp.un.echo.id = htons(id);
	p.icmp.un.echo.sequence = htons(1);
	return p;
}

/* One run of PROG_FD on DATA as if it were on our veth; returns 0 and the verdict, or -errno. */
static int run_on(int prog_fd, const void *data, __u32 len, int *retval)
{
	struct __sk_buff ctx = { .ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		return -errno;
	*retval = opts.retval;
	return 0;
}

/* Run and require TC_ACT_OK: the classifier fails open whatever the frame. */
static bool run_ok(int egress, const void *data, __u32 len, const char *name)
{
	int retval = -1, err;

	err = run_on(egress ? egress_fd : ingress_fd, data, len, &retval);
	if (!ASSERT_EQ(err, 0, name))
		return false;
	return ASSERT_EQ(retval, TC_ACT_OK, name);
}

/* Every test starts from empty tables. */
static void reset(void)
{
	struct flow_key k;
	size_t sz = sizeof(struct fo_counters) * fx.ncpus;
	void *zero = calloc(1, sz);
	__u32 idx = 0;

	while (!bpf_map_get_next_key(flows_fd, NULL, &k))
		if (bpf_map_delete_elem(flows_fd, &k))
			break;
	if (zero)
		bpf_map_update_elem(stats_fd, &idx, zero, BPF_ANY);
	free(zero);
}

static struct fo_counters stats(void)
{
	return cls_fixture_stats(&fx);
}

static int flows_count(void)
{
	struct flow_key k, next;
	int n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(flows_fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

/* The key the classifier must have made: this namespace, our veth, ports in host order. */
static struct flow_key key4(__u8 proto, const char *local, __u16 lport, const char *remote,
			    __u16 rport)
{
	struct flow_key k = {};

	k.netns_cookie = netns_cookie;
	k.ifindex = ifindex;
	k.family = 4;
	k.proto = proto;
	k.local[0] = ip4(local);
	k.remote[0] = ip4(remote);
	k.local_port = lport;
	k.remote_port = rport;
	return k;
}

static struct flow_key key6(__u8 proto, const char *local, __u16 lport, const char *remote,
			    __u16 rport)
{
	struct flow_key k = {};
	struct in6_addr l = ip6(local), r = ip6(remote);

	k.netns_cookie = netns_cookie;
	k.ifindex = ifindex;
	k.family = 6;
	k.proto = proto;
	memcpy(k.local, &l, 16);
	memcpy(k.remote, &r, 16);
	k.local_port = lport;
	k.remote_port = rport;
	return k;
}

/* Look up K exactly; the test fails when the classifier keyed the flow any other way. */
static bool flow_get(const struct flow_key *k, struct flow_value *v, const char *name)
{
	int err = bpf_map_lookup_elem(flows_fd, k, v);

	if (!ASSERT_OK(err, name)) {
		/* Say what is there, so a wrong key is easy to see. */
		struct flow_key got;

		if (!bpf_map_get_next_key(flows_fd, NULL, &got))
			fprintf(stderr, "    found instead: family %u proto %u ifindex %u cookie %llu "
				"local %08x:%u remote %08x:%u\n", got.family, got.proto, got.ifindex,
				(unsigned long long)got.netns_cookie, ntohl(got.local[0]),
				got.local_port, ntohl(got.remote[0]), got.remote_port);
		return false;
	}
	return true;
}

/* The frames seen were each counted once: as attributed or as unattributed with one reason. */
static void assert_counted_once(const struct fo_counters *c, __u64 packets, const char *name)
{
	__u64 why = 0;
	int i;

	for (i = 0; i < FO_WHY_MAX; i++)
		why += c->v[FO_STAT_WHY_BASE + i];
	ASSERT_EQ(c->v[FO_STAT_PACKETS], packets, name);
	ASSERT_EQ(c->v[FO_STAT_ATTRIBUTED] + c->v[FO_STAT_UNATTRIBUTED], packets, name);
	ASSERT_EQ(why, c->v[FO_STAT_UNATTRIBUTED], name);
}

static void assert_unowned(const struct flow_value *v, int reason, const char *name)
{
	ASSERT_STREQ(source_name(v->source), "none", name);
	ASSERT_STREQ(reason_name(v->reason), reason_name(reason), name);
	ASSERT_EQ(v->owner.pid, 0, name);
}

static void test_tcp4_egress_keys_local_as_source(void)
{
	struct pkt_v4 p = tcp4(1);
	struct flow_key k = key4(IPPROTO_TCP, HOST4, HOST_PORT, PEER4, PEER_PORT);
	struct flow_value v;
	struct fo_counters c;

	reset();
	if (!run_ok(1, &p, sizeof(p), "run egress"))
		return;
	if (!flow_get(&k, &v, "flow keyed host side"))
		return;
	ASSERT_EQ(v.tx_packets, 1, "tx packets");
	ASSERT_EQ(v.tx_bytes, sizeof(p) - ETH_HLEN, "tx bytes are layer 3");
	ASSERT_EQ(v.rx_packets, 0, "rx packets");
	ASSERT_EQ(v.rx_bytes, 0, "rx bytes");
	assert_unowned(&v, FO_WHY_NO_OWNER, "egress without an owned socket");
	c = stats();
	assert_counted_once(&c, 1, "counted once");
	ASSERT_EQ(c.v[FO_STAT_UNATTRIBUTED], 1, "unattributed");
	ASSERT_EQ(c.v[FO_STAT_WHY_BASE + FO_WHY_NO_OWNER], 1, "reason no_owner");
	ASSERT_EQ(c.v[FO_STAT_FLOWS_NEW], 1, "one new flow");
	ASSERT_EQ(c.v[FO_STAT_BYTES], sizeof(p), "stat bytes is skb->len");
	ASSERT_EQ(flows_count(), 1, "one flow");
}

static void test_tcp4_ingress_keys_local_as_destination(void)
{
	struct pkt_v4 p = tcp4(0);
	struct flow_key k = key4(IPPROTO_TCP, HOST4, HOST_PORT, PEER4, PEER_PORT);
	struct flow_value v;
	struct fo_counters c;

	reset();
	if (!run_ok(0, &p, sizeof(p), "run ingress"))
		return;
	if (!flow_get(&k, &v, "flow keyed host side"))
		return;
	ASSERT_EQ(v.rx_packets, 1, "rx packets");
	ASSERT_EQ(v.rx_bytes, sizeof(p) - ETH_HLEN, "rx bytes");
	ASSERT_EQ(v.tx_packets, 0, "tx packets");
	assert_unowned(&v, FO_WHY_NO_SOCKET, "no local socket listens");
	c = stats();
	assert_counted_once(&c, 1, "counted once");
	ASSERT_EQ(c.v[FO_STAT_WHY_BASE + FO_WHY_NO_SOCKET], 1, "reason no_socket");
}

static void test_tcp4_both_directions_share_one_flow(void)
{
	struct pkt_v4 out = tcp4(1), in = tcp4(0);
	struct flow_key k = key4(IPPROTO_TCP, HOST4, HOST_PORT, PEER4, PEER_PORT);
	struct flow_value v;
	int i;

	reset();
	for (i = 0; i < 3; i++)
		if (!run_ok(1, &out, sizeof(out), "egress"))
			return;
	for (i = 0; i < 2; i++)
		if (!run_ok(0, &in, sizeof(in), "ingress"))
			return;
	if (!flow_get(&k, &v, "one flow"))
		return;
	ASSERT_EQ(flows_count(), 1, "both directions in one entry");
	ASSERT_EQ(v.tx_packets, 3, "tx packets");
	ASSERT_EQ(v.rx_packets, 2, "rx packets");
	ASSERT_EQ(v.tx_bytes, 3 * (sizeof(out) - ETH_HLEN), "tx bytes");
	ASSERT_EQ(v.rx_bytes, 2 * (sizeof(in) - ETH_HLEN), "rx bytes");
	assert_counted_once((struct fo_counters[]){ stats() }, 5, "five frames");
}

static void test_udp4_egress_and_ingress(void)
{
	struct pkt_v4_udp out = udp4(1), in = udp4(0);
	struct flow_key k = key4(IPPROTO_UDP, HOST4, HOST_PORT, PEER4, PEER_PORT);
	struct flow_value v;
	struct fo_counters c;

	reset();
	if (!run_ok(1, &out, sizeof(out), "egress") || !run_ok(0, &in, sizeof(in), "ingress"))
		return;
	if (!flow_get(&k, &v, "udp flow"))
		return;
	ASSERT_EQ(v.tx_packets, 1, "tx");
	ASSERT_EQ(v.rx_packets, 1, "rx");
	ASSERT_EQ(v.tx_bytes, 32, "20 IP + 8 UDP + 4 payload");
	ASSERT_EQ(v.rx_bytes, 32, "rx bytes");
	assert_unowned(&v, FO_WHY_NO_OWNER, "first packet decided");
	c = stats();
	assert_counted_once(&c, 2, "two frames");
	ASSERT_EQ(c.v[FO_STAT_FLOWS_NEW], 1, "one flow");
}

static void test_tcp6_egress_and_ingress(void)
{
	struct pkt_v6 out = tcp6(1), in = tcp6(0);
	struct flow_key k = key6(IPPROTO_TCP, HOST6, HOST_PORT, PEER6, PEER_PORT);
	struct flow_value v;

	reset();
	if (!run_ok(1, &out, sizeof(out), "egress") || !run_ok(0, &in, sizeof(in), "ingress"))
		return;
	if (!flow_get(&k, &v, "tcp6 flow"))
		return;
	ASSERT_EQ(flows_count(), 1, "one flow");
	ASSERT_EQ(v.tx_packets, 1, "tx");
	ASSERT_EQ(v.rx_packets, 1, "rx");
	ASSERT_EQ(v.tx_bytes, 60, "40 IPv6 + 20 TCP");
	ASSERT_EQ(v.rx_bytes, 60, "rx bytes");
	assert_unowned(&v, FO_WHY_NO_OWNER, "egress decided");
	assert_counted_once((struct fo_counters[]){ stats() }, 2, "two frames");
}

static void test_udp6_ingress_first_has_no_socket(void)
{
	struct pkt_v6_udp in = udp6(0), out = udp6(1);
	struct flow_key k = key6(IPPROTO_UDP, HOST6, HOST_PORT, PEER6, PEER_PORT);
	struct flow_value v;
	struct fo_counters c;

	reset();
	if (!run_ok(0, &in, sizeof(in), "ingress") || !run_ok(1, &out, sizeof(out), "egress"))
		return;
	if (!flow_get(&k, &v, "udp6 flow"))
		return;
	ASSERT_EQ(v.rx_packets, 1, "rx");
	ASSERT_EQ(v.tx_packets, 1, "tx");
	ASSERT_EQ(v.rx_bytes, 48, "40 IPv6 + 8 UDP");
	assert_unowned(&v, FO_WHY_NO_SOCKET, "nothing listens here");
	c = stats();
	assert_counted_once(&c, 2, "two frames");
	/* The egress packet carries a socket no process owns: counted under that reason. */
	ASSERT_EQ(c.v[FO_STAT_WHY_BASE + FO_WHY_NO_SOCKET], 1, "ingress reason");
	ASSERT_EQ(c.v[FO_STAT_WHY_BASE + FO_WHY_NO_OWNER], 1, "egress packet reason");
}

/* Options push the transport header back: ports are read after IHL * 4 bytes, for each IHL. */
static void test_ipv4_options_every_ihl(void)
{
	/* the IP header 4-byte aligned, as the stack keeps it (NET_IP_ALIGN) */
	unsigned char raw[2 + 14 + 60 + 8] __attribute__((aligned(4))), *buf = raw + 2;
	int ihl;

	reset();
	for (ihl = 6; ihl <= 15; ihl++) {
		struct ethhdr *eth = (void *)buf;
		struct iphdr *iph = (void *)(eth + 1);
		struct udphdr *udp = (void *)((unsigned char *)iph + ihl * 4);
		__u32 len = ETH_HLEN + ihl * 4 + sizeof(*udp);
		struct flow_key k = key4(IPPROTO_UDP, HOST4, 1000 + ihl, PEER4, PEER_PORT);
		struct flow_value v;
		char name[32];

		snprintf(name, sizeof(name), "ihl %d", ihl);
		memset(raw, 0, sizeof(raw));
		eth_fill(eth, ETH_P_IP);
		iph_fill(iph, HOST4, PEER4, IPPROTO_UDP, 0);
		iph->ihl = ihl;
		iph->tot_len = htons(ihl * 4 + sizeof(*udp));
		/* NOPs, then one end-of-options: what a real stack would put there */
		memset(iph + 1, 1, ihl * 4 - sizeof(*iph));
		((unsigned char *)iph)[ihl * 4 - 1] = 0;
		udp->source = htons(1000 + ihl);
		udp->dest = htons(PEER_PORT);
		udp->len = htons(sizeof(*udp));
		if (!run_ok(1, buf, len, name))
			return;
		if (!flow_get(&k, &v, name))
			continue;
		ASSERT_EQ(v.tx_bytes, ihl * 4 + sizeof(*udp), name);
	}
	ASSERT_EQ(flows_count(), 10, "one flow per IHL");
	assert_counted_once((struct fo_counters[]){ stats() }, 10, "ten frames");
}

/* An IHL below 5 cannot be a header: unparsed, and no flow. */
static void test_ipv4_bogus_ihl_is_unparsed(void)
{
	struct pkt_v4 p;
	struct fo_counters c;
	int ihl;

	reset();
	for (ihl = 0; ihl < 5; ihl++) {
		p = tcp4(1);
		p.iph.ihl = ihl;
		if (!run_ok(1, &p, sizeof(p), "bogus ihl"))
			return;
	}
	p = tcp4(1);
	p.iph.version = 5; /* not IPv4 behind an IPv4 ethertype */
	if (!run_ok(1, &p, sizeof(p), "bad version"))
		return;
	c = stats();
	assert_counted_once(&c, 6, "six frames");
	ASSERT_EQ(c.v[FO_STAT_WHY_BASE + FO_WHY_UNPARSED], 6, "all unparsed");
	ASSERT_EQ(flows_count(), 0, "no flow");
}

static void test_ipv6_hop_by_hop_and_dest_opts_chain(void)
{
	struct pkt_v6_ext out = udp6_ext(1);
	struct flow_key k = key6(IPPROTO_UDP, HOST6, HOST_PORT, PEER6, PEER_PORT);
	struct flow_value v;

	reset();
	if (!run_ok(1, &out, sizeof(out), "egress"))
		return;
	if (!flow_get(&k, &v, "ports read past the chain"))
		return;
	ASSERT_EQ(v.tx_bytes, sizeof(out) - ETH_HLEN, "40 + 8 + 16 + 8");
	assert_counted_once((struct fo_counters[]){ stats() }, 1, "one frame");
}

/*
 * Cut FRAME at every length from the end of Ethernet up to, not including, FULL (the first
 * length at which the headers the classifier needs are whole): each cut passes, is counted
 * once as unparsed, and makes no flow. Shorter than Ethernet the kernel itself refuses, and
 * recent kernels also refuse an IPv4/IPv6 ethertype with less than a whole IP header
 * (KERNEL_MIN): bpf_prog_test_run_skb checks it, as the stack would never deliver one.
 * Those cuts are made again behind a VLAN tag, where the kernel does not look.
 */
static void cut_everywhere(const void *frame, __u32 full, __u32 kernel_min, const char *what)
{
	struct fo_counters c;
	__u32 len, n = 0;
	char name[64];
	int retval, err;

	reset();
	for (len = 0; len < ETH_HLEN; len++) {
		snprintf(name, sizeof(name), "%s cut at %u refused", what, len);
		ASSERT_TRUE(run_on(egress_fd, frame, len, &retval) < 0, name);
	}
	for (len = ETH_HLEN; len < full; len++) {
		snprintf(name, sizeof(name), "%s cut at %u", what, len);
		err = run_on(egress_fd, frame, len, &retval);
		if (err == -EINVAL && len < kernel_min)
			continue;
		n++;
		if (!ASSERT_EQ(err, 0, name) || !ASSERT_EQ(retval, TC_ACT_OK, name) ||
		    !run_ok(0, frame, len, name))
			return;
		n++;
	}
	c = stats();
	assert_counted_once(&c, n, what);
	ASSERT_EQ(c.v[FO_STAT_WHY_BASE + FO_WHY_UNPARSED], n, what);
	ASSERT_EQ(c.v[FO_STAT_FLOWS_NEW], 0, what);
	ASSERT_EQ(flows_count(), 0, what);
	/* and one byte more is enough */
	snprintf(name, sizeof(name), "%s whole at %u", what, full);
	if (!run_ok(1, frame, full, name))
		return;
	ASSERT_EQ(flows_count(), 1, name);
}

/* FRAME (LEN bytes) with an 802.1Q tag after the MAC addresses, into OUT. */
static __u32 vlan_wrap(const void *frame, __u32 len, unsigned char *out)
{
	const unsigned char tag[4] = { 0x81, 0x00, 0x00, 0x2a };

	memcpy(out, frame, 12);
	memcpy(out + 12, tag, 4);
	memcpy(out + 16, (const unsigned char *)frame + 12, len - 12);
	return len + 4;
}

/* Cut FRAME as it is, then tagged, so every byte of the IP header is a cut point. */
static void cut_plain_and_tagged(const void *frame, __u32 len, __u32 full, __u32 ip_hlen,
				 const char *what)
{
	unsigned char tagged[128];
	char name[64];
	int before = test_failures;

	cut_everywhere(frame, full, ETH_HLEN + ip_hlen, what);
	if (test_failures != before)
		return;
	vlan_wrap(frame, len, tagged);
	snprintf(name, sizeof(name), "%s tagged", what);
	cut_everywhere(tagged, full + 4, 0, name);
}

static void test_truncated_tcp4_every_cut(void)
{
	struct pkt_v4 p = tcp4(1);

	/* TCP needs 14 bytes: the ports and the flags byte */
	cut_plain_and_tagged(&p, sizeof(p), ETH_HLEN + 20 + 14, 20, "tcp4");
}

static void test_truncated_udp4_every_cut(void)
{
	struct pkt_v4_udp p = udp4(1);

	cut_plain_and_tagged(&p, sizeof(p), ETH_HLEN + 20 + 4, 20, "udp4");
}

static void test_truncated_tcp6_every_cut(void)
{
	struct pkt_v6 p = tcp6(1);

	cut_plain_and_tagged(&p, sizeof(p), ETH_HLEN + 40 + 14, 40, "tcp6");
}

static void test_truncated_ipv6_ext_chain_every_cut(void)
{
	struct pkt_v6_ext p = udp6_ext(1);

	cut_plain_and_tagged(&p, sizeof(p), ETH_HLEN + 40 + 8 + 16 + 4, 40, "ipv6 ext chain");
}

static void test_truncated_vlan_every_cut(void)
{
	struct pkt_vlan_v4 p = {};

	eth_fill(&p.eth, ETH_P_8021Q);
	p.tci = htons(42);
	p.proto = htons(ETH_P_IP);
	iph_fill(&p.iph, HOST4, PEER4, IPPROTO_UDP, sizeof(p.udp));
	p.udp.source = htons(HOST_PORT);
	p.udp.dest = htons(PEER_PORT);
	cut_everywhere(&p, sizeof(p.eth) + 4 + 20 + 4, 0, "vlan");
}

static void test_truncated_icmp_every_cut(void)
{
	struct pkt_icmp4 p = icmp4(1, ICMP_ECHO, 77);

	cut_plain_and_tagged(&p, sizeof(p), sizeof(p), 20, "icmp echo");
}

static void test_arp_is_non_ip(void)
{
	struct pkt_arp p = {};
	struct fo_counters c;

	reset();
	eth_fill(&p.eth, ETH_P_ARP);
	p.arp[1] = 1;	 /* Ethernet */
	p.arp[2] = 0x08; /* IPv4 */
	p.arp[4] = 6;
	p.arp[5] = 4;
	p.arp[7] = 1; /* request */
	if (!run_ok(1, &p, sizeof(p), "egress") || !run_ok(0, &p, sizeof(p), "ingress"))
		return;
	c = stats();
	assert_counted_once(&c, 2, "two frames");
	ASSERT_EQ(c.v[FO_STAT_NON_IP], 2, "non_ip counter");
	ASSERT_EQ(c.v[FO_STAT_WHY_BASE + FO_WHY_NON_IP], 2, "reason non_ip");
	ASSERT_EQ(flows_count(), 0, "no flow");
}

static void test_vlan_tagged_ipv4_keyed_past_tag(void)
{
	struct pkt_vlan_v4 p = {};
	struct flow_key k = key4(IPPROTO_UDP, HOST4, HOST_PORT, PEER4, PEER_PORT);
	struct flow_value v;

	reset();
	eth_fill(&p.eth, ETH_P_8021Q);
	p.tci = htons(42);
	p.proto = htons(ETH_P_IP);
	iph_fill(&p.iph, PEER4, HOST4, IPPROTO_UDP, sizeof(p.udp));
	p.udp.source = htons(PEER_PORT);
	p.udp.dest = htons(HOST_PORT);
	if (!run_ok(0, &p, sizeof(p), "ingress"))
		return;
	if (!flow_get(&k, &v, "vlan flow"))
		return;
	ASSERT_EQ(v.rx_bytes, 28, "bytes from the IP header, not the tag");
	assert_unowned(&v, FO_WHY_NO_SOCKET, "ingress");
	assert_counted_once((struct fo_counters[]){ stats() }, 1, "one frame");
}

static void test_qinq_ipv4_keyed_past_both_tags(void)
{
	struct pkt_qinq_v4 p = {};
	struct flow_key k = key4(IPPROTO_UDP, HOST4, HOST_PORT, PEER4, PEER_PORT);
	struct flow_value v;

	reset();
	eth_fill(&p.eth, ETH_P_8021AD);
	p.tci_outer = htons(100);
	p.proto_inner = htons(ETH_P_8021Q);
	p.tci_inner = htons(42);
	p.proto = htons(ETH_P_IP);
	iph_fill(&p.iph, HOST4, PEER4, IPPROTO_UDP, sizeof(p.udp));
	p.udp.source = htons(HOST_PORT);
	p.udp.dest = htons(PEER_PORT);
	if (!run_ok(1, &p, sizeof(p), "egress"))
		return;
	if (!flow_get(&k, &v, "qinq flow"))
		return;
	ASSERT_EQ(v.tx_bytes, 28, "bytes from the IP header");
}

static void test_ipv4_nonfirst_fragment_unkeyed(void)
{
	struct pkt_v4_udp p = udp4(1);
	struct fo_counters c;

	reset();
	p.iph.frag_off = htons(185); /* offset 1480 bytes, last fragment: payload, not UDP */
	if (!run_ok(1, &p, sizeof(p), "egress") || !run_ok(0, &p, sizeof(p), "ingress"))
		return;
	c = stats();
	assert_counted_once(&c, 2, "two frames");
	ASSERT_EQ(c.v[FO_STAT_WHY_BASE + FO_WHY_FRAGMENT], 2, "reason fragment");
	ASSERT_EQ(flows_count(), 0, "no flow from a fragment");
}

static void test_ipv4_first_fragment_keyed(void)
{
	struct pkt_v4_udp p = udp4(1);
	struct flow_key k = key4(IPPROTO_UDP, HOST4, HOST_PORT, PEER4, PEER_PORT);
	struct flow_value v;

	reset();
	p.iph.frag_off = htons(0x2000); /* more fragments, offset 0: the UDP header is here */
	if (!run_ok(1, &p, sizeof(p), "egress"))
		return;
	ASSERT_TRUE(flow_get(&k, &v, "first fragment keyed"), "first fragment keyed");
}

/* A later fragment before its first is not guessed; once the first has passed, the later
 * ones count their data (no IP header, no packet) on the datagram's flow. */
static void test_ipv4_fragments_out_of_order_then_keyed(void)
{
	struct pkt_v4_udp first = udp4(1), later = udp4(1);
	struct flow_key k = key4(IPPROTO_UDP, HOST4, HOST_PORT, PEER4, PEER_PORT);
	struct flow_value v;
	struct fo_counters c;

	reset();
	first.iph.id = later.iph.id = htons(0x77);
	first.iph.frag_off = htons(0x2000);     /* MF, offset 0 */
	later.iph.frag_off = htons(185);        /* offset 1480, last */
	first.iph.check = later.iph.check = 0;
	if (!run_ok(1, &later, sizeof(later), "later first"))
		return;
	c = stats();
	ASSERT_EQ(c.v[FO_STAT_WHY_BASE + FO_WHY_FRAGMENT], 1, "out of order: unattributed fragment");
	ASSERT_EQ(flows_count(), 0, "no flow yet");
	if (!run_ok(1, &first, sizeof(first), "first") || !run_ok(1, &later, sizeof(later), "later"))
		return;
	if (!flow_get(&k, &v, "datagram's flow"))
		return;
	ASSERT_EQ(v.tx_packets, 1, "one datagram, one packet");
	ASSERT_EQ(v.tx_bytes, sizeof(first) - ETH_HLEN + sizeof(later) - ETH_HLEN - 20,
		  "first whole, later its data");
	c = stats();
	ASSERT_EQ(c.v[FO_STAT_FRAGMENTS], 1, "one later fragment keyed");
	ASSERT_EQ(c.v[FO_STAT_WHY_BASE + FO_WHY_FRAGMENT], 1, "still only the out-of-order one");
}

/* A port unreachable about our UDP flow: its own row, keyed by the quoted ports, protocol and
 * type (not port 0, not an echo's), and fo_related names the quoted flow. */
static void test_icmp_error_row_keyed_by_quoted_flow(void)
{
	struct {
		struct ethhdr eth;
		struct iphdr iph;
		struct icmphdr icmp;
		struct iphdr in;
		struct udphdr udp;
	} __attribute__((packed)) e = {};
	struct pkt_v4_udp out = udp4(1);
	struct pkt_icmp4 echo = icmp4(0, ICMP_ECHOREPLY, 0);
	struct flow_key k = key4(IPPROTO_ICMP, HOST4, HOST_PORT, PEER4, PEER_PORT);
	struct flow_key q = key4(IPPROTO_UDP, HOST4, HOST_PORT, PEER4, PEER_PORT), got;
	struct flow_value v;
	char path[128];
	int rel;

	reset();
	eth_fill(&e.eth, ETH_P_IP);
	iph_fill(&e.iph, PEER4, HOST4, IPPROTO_ICMP, sizeof(e) - ETH_HLEN - 20);
	e.icmp.type = 3;
	e.icmp.code = 3;
	iph_fill(&e.in, HOST4, PEER4, IPPROTO_UDP, 12);
	e.udp.source = htons(HOST_PORT);
	e.udp.dest = htons(PEER_PORT);
	if (!run_ok(1, &out, sizeof(out), "datagram out") || !run_ok(0, &e, sizeof(e), "error in") ||
	    !run_ok(0, &echo, sizeof(echo), "echo id 0"))
		return;
	k.icmp_type = 3;
	k.quoted_proto = IPPROTO_UDP;
	if (!flow_get(&k, &v, "error row"))
		return;
	ASSERT_EQ(v.rx_packets, 1, "the error, once");
	ASSERT_EQ(flows_count(), 3, "datagram, error and echo: three rows");
	snprintf(path, sizeof(path), "%s/fo_related", fx.pin_dir);
	rel = bpf_obj_get(path);
	if (!ASSERT_TRUE(rel >= 0, "fo_related pinned"))
		return;
	ASSERT_EQ(bpf_map_lookup_elem(rel, &k, &got), 0, "related entry");
	ASSERT_EQ(memcmp(&got, &q, sizeof(q)), 0, "names the quoted flow");
	close(rel);
}

/* An echo request arriving is the kernel's to answer; the reply going out joins its flow. */
static void test_icmp_echo_request_answered_by_kernel(void)
{
	struct pkt_icmp4 req = icmp4(0, ICMP_ECHO, 0x1234), rep = icmp4(1, ICMP_ECHOREPLY, 0x1234);
	struct flow_key k = key4(IPPROTO_ICMP, HOST4, 0x1234, PEER4, 0);
	struct flow_value v;
	struct fo_counters c;

	reset();
	if (!run_ok(0, &req, sizeof(req), "ingress") || !run_ok(1, &rep, sizeof(rep), "egress"))
		return;
	if (!flow_get(&k, &v, "echo id is the local port"))
		return;
	ASSERT_EQ(flows_count(), 1, "request and reply one flow");
	ASSERT_EQ(v.rx_packets, 1, "rx");
	ASSERT_EQ(v.tx_packets, 1, "tx");
	ASSERT_EQ(v.rx_bytes, 28, "20 IP + 8 ICMP");
	assert_unowned(&v, FO_WHY_KERNEL, "kernel answers pings");
	c = stats();
	assert_counted_once(&c, 2, "two frames");
	ASSERT_EQ(c.v[FO_STAT_WHY_BASE + FO_WHY_KERNEL], 1, "request: kernel");
}

static void test_icmp_echo_reply_unasked_has_no_socket(void)
{
	struct pkt_icmp4 rep = icmp4(0, ICMP_ECHOREPLY, 0x4321);
	struct flow_key k = key4(IPPROTO_ICMP, HOST4, 0x4321, PEER4, 0);
	struct flow_value v;

	reset();
	if (!run_ok(0, &rep, sizeof(rep), "ingress"))
		return;
	if (!flow_get(&k, &v, "reply flow"))
		return;
	assert_unowned(&v, FO_WHY_NO_SOCKET, "a reply nobody asked for");
}

/* Ethernet pads short frames to 60 bytes: bytes are the IP length, not the frame's. */
static void test_link_padding_not_counted(void)
{
	unsigned char frame[60] = {};
	struct pkt_v4_udp p = udp4(1);
	struct flow_key k = key4(IPPROTO_UDP, HOST4, HOST_PORT, PEER4, PEER_PORT);
	struct flow_value v;

	reset();
	memcpy(frame, &p, sizeof(p));
	if (!run_ok(1, frame, sizeof(frame), "egress"))
		return;
	if (flow_get(&k, &v, "flow"))
		ASSERT_EQ(v.tx_bytes, 32, "tot_len, not 46 bytes of frame");
}

/* Two interfaces, or two namespaces, never share a flow: the key carries both. */
static void test_ifindex_and_netns_in_key(void)
{
	struct pkt_v4 p = tcp4(1);
	struct flow_key k = key4(IPPROTO_TCP, HOST4, HOST_PORT, PEER4, PEER_PORT);
	struct flow_value v;
	int saved = ifindex;

	reset();
	if (!run_ok(1, &p, sizeof(p), "on veth"))
		return;
	ifindex = 1; /* lo */
	run_ok(1, &p, sizeof(p), "on lo");
	ifindex = saved;
	ASSERT_EQ(flows_count(), 2, "one flow per interface");
	ASSERT_TRUE(flow_get(&k, &v, "veth flow"), "veth flow");
	k.ifindex = 1;
	ASSERT_TRUE(flow_get(&k, &v, "lo flow"), "lo flow");
	ASSERT_TRUE(netns_cookie != 0, "namespace cookie is set");
}

/* Setup: a private network namespace with one veth, a private bpffs dir for the pins. */
static int setup(void)
{
	socklen_t len = sizeof(netns_cookie);
	int fd, err;

	if (unshare(CLONE_NEWNET))
		return -errno;
	if (system("ip link add " VETH " type veth peer name " VETH_PEER " 2>/dev/null") != 0)
		return -ENODEV;
	ifindex = if_nametoindex(VETH);
	if (!ifindex)
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	err = getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &netns_cookie, &len) ? -errno : 0;
	close(fd);
	if (err)
		return err;

	err = cls_fixture_load(&fx, 0);
	if (err)
		return err;
	flows_fd = fx.flows_fd;
	stats_fd = fx.stats_fd;
	egress_fd = fx.egress_fd;
	ingress_fd = fx.ingress_fd;
	return 0;
}

int main(void)
{
	int st = cls_fixture_start(setup, "test_classifier", "classifier_setup");

	if (st > 0)
		return 0;
	if (st < 0)
		goto cleanup;

	RUN_TEST(test_tcp4_egress_keys_local_as_source);
	RUN_TEST(test_tcp4_ingress_keys_local_as_destination);
	RUN_TEST(test_tcp4_both_directions_share_one_flow);
	RUN_TEST(test_udp4_egress_and_ingress);
	RUN_TEST(test_tcp6_egress_and_ingress);
	RUN_TEST(test_udp6_ingress_first_has_no_socket);
	RUN_TEST(test_ipv4_options_every_ihl);
	RUN_TEST(test_ipv4_bogus_ihl_is_unparsed);
	RUN_TEST(test_ipv6_hop_by_hop_and_dest_opts_chain);
	RUN_TEST(test_truncated_tcp4_every_cut);
	RUN_TEST(test_truncated_udp4_every_cut);
	RUN_TEST(test_truncated_tcp6_every_cut);
	RUN_TEST(test_truncated_ipv6_ext_chain_every_cut);
	RUN_TEST(test_truncated_vlan_every_cut);
	RUN_TEST(test_truncated_icmp_every_cut);
	RUN_TEST(test_arp_is_non_ip);
	RUN_TEST(test_vlan_tagged_ipv4_keyed_past_tag);
	RUN_TEST(test_qinq_ipv4_keyed_past_both_tags);
	RUN_TEST(test_ipv4_nonfirst_fragment_unkeyed);
	RUN_TEST(test_ipv4_first_fragment_keyed);
	RUN_TEST(test_ipv4_fragments_out_of_order_then_keyed);
	RUN_TEST(test_icmp_error_row_keyed_by_quoted_flow);
	RUN_TEST(test_icmp_echo_request_answered_by_kernel);
	RUN_TEST(test_icmp_echo_reply_unasked_has_no_socket);
	RUN_TEST(test_link_padding_not_counted);
	RUN_TEST(test_ifindex_and_netns_in_key);

cleanup:
	/* the namespace and its veth go with this process; the pins do not */
	cls_fixture_destroy(&fx);
	return test_failures != 0;
}
