/* SPDX-License-Identifier: GPL-2.0 */
/* testrun.h — one BPF_PROG_TEST_RUN of a tc program on a 64-byte frame the bench builds itself. */
#ifndef FO_BENCH_TESTRUN_H
#define FO_BENCH_TESTRUN_H

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "flowowner.h"

#define PKT_LEN 64

enum pkt_kind { PKT_TCP4, PKT_UDP4, PKT_UDP6, PKT_MAX };

struct addrs {
	struct in_addr l4, r4;
	struct in6_addr l6, r6;
};

/* A 64-byte frame between local port LPORT and remote port RPORT, the local side per EGRESS
 * (source at egress, destination at ingress). TCP carries ACK only: no SYN/FIN/RST path. */
static inline void pkt_build(unsigned char *buf, enum pkt_kind kind, const struct addrs *a,
			     int egress, __u16 lport, __u16 rport)
{
	struct ethhdr *eth = (void *)buf;
	__u16 sport = egress ? lport : rport, dport = egress ? rport : lport;

	memset(buf, 0, PKT_LEN);
	memset(eth->h_dest, 0x02, ETH_ALEN);
	memset(eth->h_source, 0x04, ETH_ALEN);
	if (kind == PKT_UDP6) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		struct udphdr *udp = (void *)(ip6 + 1);

		eth->h_proto = htons(ETH_P_IPV6);
		ip6->version = 6;
		ip6->payload_len = htons(PKT_LEN - sizeof(*eth) - sizeof(*ip6));
		ip6->nexthdr = IPPROTO_UDP;
		ip6->hop_limit = 64;
		ip6->saddr = egress ? a->l6 : a->r6;
		ip6->daddr = egress ? a->r6 : a->l6;
		udp->source = htons(sport);
		udp->dest = htons(dport);
		udp->len = ip6->payload_len;
		return;
	}
	struct iphdr *ip = (void *)(eth + 1);

	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(PKT_LEN - sizeof(*eth));
	ip->ttl = 64;
	ip->saddr = egress ? a->l4.s_addr : a->r4.s_addr;
	ip->daddr = egress ? a->r4.s_addr : a->l4.s_addr;
	if (kind == PKT_TCP4) {
		struct tcphdr *tcp = (void *)(ip + 1);

		ip->protocol = IPPROTO_TCP;
		tcp->source = htons(sport);
		tcp->dest = htons(dport);
		tcp->doff = 5;
		tcp->ack = 1;
		tcp->window = htons(512);
	} else {
		struct udphdr *udp = (void *)(ip + 1);

		ip->protocol = IPPROTO_UDP;
		udp->source = htons(sport);
		udp->dest = htons(dport);
		udp->len = htons(PKT_LEN - sizeof(*eth) - sizeof(*ip));
	}
}

/* One test run of REPEAT; returns the kernel's average ns per run, or -errno (-EPROTO when
 * the program did not return TC_ACT_OK). */
static inline long run(int prog_fd, const unsigned char *pkt, __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = PKT_LEN,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	if (opts.retval != 0 /* TC_ACT_OK */)
		return -EPROTO;
	return opts.duration;
}

/* Empty the flow table, so every measurement starts from the same state. */
static inline void flows_clear(int map_fd)
{
	struct flow_key key, next;

	while (!bpf_map_get_next_key(map_fd, NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(map_fd, &key))
			break;
	}
}

#endif
