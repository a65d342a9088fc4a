/* SPDX-License-Identifier: GPL-2.0 */
/* parse.bpf.h — Ethernet/VLAN/IPv4/IPv6 header parsing into a flow, shared by tc and XDP. */
#ifndef FO_PARSE_BPF_H
#define FO_PARSE_BPF_H

#include <bpf/bpf_endian.h>
#include "flowowner.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_HLEN 14
#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129
#define IPV6_MAX_EXT 6
#define IPPROTO_ICMPV6 58

struct pkt_info {
	__u32 saddr[4];
	__u32 daddr[4];
	__u16 sport; /* host order; ICMP echo: the identifier */
	__u16 dport;
	__u8 family;
	__u8 proto;
	__u8 tcp_flags;
	__u8 icmp_echo; /* 1 echo request, 2 echo reply: ports carry the identifier */
	__u16 l3_off;
	/* TCP: the bytes before the payload, from the IP header on (see lo_segment). */
	__u16 tcp_hdr_end;
	__u32 l3_len; /* from the IP header; 0 when it does not say (jumbo, BIG TCP) */
	/* ICMP errors: the quoted packet's protocol (0: not an error), the error's type, and
	 * where the quoted IP header starts. Ports are then the quoted packet's, swapped, so
	 * flow_key_fill orients them as this host sees the quoted flow. */
	__u8 quoted;
	__u8 icmp_type;
	__u16 inner_off;
	/* A fragment (parse_frame said FO_PARSE_FRAG_HEAD or FO_WHY_FRAGMENT): its datagram's
	 * identification, and the header bytes the reassembled datagram does not have. */
	__u32 frag_id;
	__u16 frag_hdr;
	__u16 tcp_seq; /* TCP: the sequence number's low half (see lo_segment) */
};

/* parse_frame: the first fragment of a datagram, keyed; its ports are for the later ones. */
#define FO_PARSE_FRAG_HEAD 0x40

struct vlan_hdr_fo {
	__be16 tci;
	__be16 proto;
};

static __always_inline int icmp_is_error(__u8 proto, __u8 type)
{
	if (proto == IPPROTO_ICMP)
		/* destination unreachable (incl. frag needed), source quench, time exceeded,
		 * parameter problem */
		return type == 3 || type == 4 || type == 11 || type == 12;
	/* destination unreachable, packet too big, time exceeded, parameter problem */
	return type >= 1 && type <= 4;
}

/*
 * The packet an ICMP error quotes, at OFF: its protocol and ports. Leaves p->quoted 0 when the
 * quote is too short to say, so the error is keyed by its addresses alone.
 */
static __always_inline void parse_quote(void *data, void *data_end, __u32 off, struct pkt_info *p)
{
	__u8 *b;
	__u8 proto;

	if (p->family == 4) {
		struct iphdr *ih = data + off;
		__u32 ihl;

		if ((void *)(ih + 1) > data_end || ih->version != 4)
			return;
		ihl = ih->ihl * 4;
		if (ihl < sizeof(*ih) || ihl > 60)
			return;
		proto = ih->protocol;
		/* A later fragment quoted carries no ports: the error still names its protocol. */
		b = (ih->frag_off & bpf_htons(IP_OFFSET)) ? NULL : data + off + ihl;
	} else {
		struct ipv6hdr *ih = data + off;

		if ((void *)(ih + 1) > data_end || ih->version != 6)
			return;
		proto = ih->nexthdr;
		b = data + off + sizeof(*ih);
	}
	if (!proto)
		return;
	p->quoted = proto;
	p->inner_off = off;
	p->sport = 0;
	p->dport = 0;
	if (!b || (void *)(b + 4) > data_end)
		return;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		p->dport = ((__u16)b[0] << 8) | b[1]; /* swapped: see struct pkt_info */
		p->sport = ((__u16)b[2] << 8) | b[3];
	} else if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) &&
		   (void *)(b + 8) <= data_end) {
		/* A quoted echo: its identifier, as the echo's own flow is keyed. */
		p->sport = ((__u16)b[4] << 8) | b[5];
		p->dport = p->sport;
	}
}

/* Transport ports, flags and echo ids. Returns FO_WHY_NONE or why the packet cannot be keyed. */
static __always_inline int parse_l4(void *data, void *data_end, __u32 off, struct pkt_info *p)
{
	__u8 *b = data + off;

	switch (p->proto) {
	case IPPROTO_TCP:
		if ((void *)(b + 14) > data_end)
			return FO_WHY_UNPARSED;
		p->sport = ((__u16)b[0] << 8) | b[1];
		p->dport = ((__u16)b[2] << 8) | b[3];
		p->tcp_flags = b[13];
		p->tcp_seq = ((__u16)b[6] << 8) | b[7];
		p->tcp_hdr_end = off - p->l3_off + (b[12] >> 4) * 4;
		return FO_WHY_NONE;
	case IPPROTO_UDP:
		if ((void *)(b + 4) > data_end)
			return FO_WHY_UNPARSED;
		p->sport = ((__u16)b[0] << 8) | b[1];
		p->dport = ((__u16)b[2] << 8) | b[3];
		return FO_WHY_NONE;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if ((void *)(b + 8) > data_end)
			return FO_WHY_UNPARSED;
		if ((p->proto == IPPROTO_ICMP && (b[0] == ICMP_ECHO || b[0] == ICMP_ECHOREPLY)) ||
		    (p->proto == IPPROTO_ICMPV6 &&
		     (b[0] == ICMPV6_ECHO_REQUEST || b[0] == ICMPV6_ECHO_REPLY))) {
			/* 1 for a request, 2 for a reply: a reply nobody asked for is not the
			 * kernel answering, it is traffic for no socket. */
			p->icmp_echo = (b[0] == ICMP_ECHO || b[0] == ICMPV6_ECHO_REQUEST) ? 1 : 2;
			p->sport = ((__u16)b[4] << 8) | b[5];
			p->dport = p->sport;
		} else if (icmp_is_error(p->proto, b[0]) && off < 0x400) {
			p->icmp_type = b[0];
			parse_quote(data, data_end, off + 8, p);
			if (!p->quoted)
				p->icmp_type = 0;
		}
		return FO_WHY_NONE;
	default:
		/* Other protocols are keyed by addresses alone. */
		return FO_WHY_NONE;
	}
}

static __always_inline int parse_ipv4(void *data, void *data_end, __u32 off, struct pkt_info *p)
{
	struct iphdr *iph = data + off;
	__u32 ihl;

	if ((void *)(iph + 1) > data_end)
		return FO_WHY_UNPARSED;
	ihl = iph->ihl * 4;
	if (iph->version != 4 || ihl < sizeof(*iph))
		return FO_WHY_UNPARSED;
	p->family = 4;
	p->proto = iph->protocol;
	p->saddr[0] = iph->saddr;
	p->daddr[0] = iph->daddr;
	p->l3_off = off;
	p->l3_len = bpf_ntohs(iph->tot_len);
	if (ihl > 60)
		return FO_WHY_UNPARSED;
	if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET)) {
		/* A fragment. A later one carries no ports: only fo_frags can key it. */
		p->frag_id = bpf_ntohs(iph->id);
		if (iph->frag_off & bpf_htons(IP_OFFSET)) {
			p->frag_hdr = ihl;
			return FO_WHY_FRAGMENT;
		}
		return parse_l4(data, data_end, off + ihl, p) ?: FO_PARSE_FRAG_HEAD;
	}
	return parse_l4(data, data_end, off + ihl, p);
}

static __always_inline int parse_ipv6(void *data, void *data_end, __u32 off, struct pkt_info *p)
{
	struct ipv6hdr *ip6 = data + off;
	__u32 l4off = off + sizeof(*ip6);
	__u8 nexthdr;
	int i, frag_head = 0;

	if ((void *)(ip6 + 1) > data_end)
		return FO_WHY_UNPARSED;
	if (ip6->version != 6)
		return FO_WHY_UNPARSED;
	p->family = 6;
	__builtin_memcpy(p->saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6->daddr, 16);
	p->l3_off = off;
	p->l3_len = ip6->payload_len ? bpf_ntohs(ip6->payload_len) + sizeof(*ip6) : 0;
	nexthdr = ip6->nexthdr;

	/* Walk a bounded chain of extension headers to the transport header. */
#pragma unroll
	for (i = 0; i < IPV6_MAX_EXT; i++) {
		__u8 *h = data + l4off;

		switch (nexthdr) {
		case 0:  /* hop-by-hop */
		case 43: /* routing */
		case 60: /* destination options */
			if ((void *)(h + 2) > data_end)
				return FO_WHY_UNPARSED;
			nexthdr = h[0];
			l4off += (h[1] + 1) * 8;
			break;
		case 51: /* authentication header */
			if ((void *)(h + 2) > data_end)
				return FO_WHY_UNPARSED;
			nexthdr = h[0];
			l4off += (h[1] + 2) * 4;
			break;
		case 44: /* fragment */
			if ((void *)(h + 8) > data_end)
				return FO_WHY_UNPARSED;
			p->frag_id = ((__u32)h[4] << 24) | ((__u32)h[5] << 16) | ((__u32)h[6] << 8) | h[7];
			if (((h[2] << 8) | h[3]) & 0xFFF8) {
				p->proto = h[0];
				/* Everything up to the fragment's data is counted once, on the first. */
				p->frag_hdr = l4off + 8 - off;
				return FO_WHY_FRAGMENT;
			}
			/* The first fragment (M set): the datagram has no fragment header. An
			 * atomic one (M clear) is a whole packet and counts as it is. */
			if (h[3] & 1) {
				frag_head = 1;
				p->frag_hdr = 8;
			}
			nexthdr = h[0];
			l4off += 8;
			break;
		case 59: /* no next header */
			p->proto = nexthdr;
			return FO_WHY_NONE;
		default:
			p->proto = nexthdr;
			if (l4off > 0xffff)
				return FO_WHY_UNPARSED;
			if (frag_head)
				return parse_l4(data, data_end, l4off, p) ?: FO_PARSE_FRAG_HEAD;
			return parse_l4(data, data_end, l4off, p);
		}
	}
	/* Longer chains than we walk: count, but do not guess ports. */
	return FO_WHY_UNPARSED;
}

/* Parse an Ethernet frame at DATA. Returns FO_WHY_NONE, or why it has no flow key. */
static __always_inline int parse_frame(void *data, void *data_end, struct pkt_info *p)
{
	struct ethhdr *eth = data;
	__u32 off = ETH_HLEN;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return FO_WHY_UNPARSED;
	proto = bpf_ntohs(eth->h_proto);
#pragma unroll
	for (i = 0; i < 2; i++) {
		struct vlan_hdr_fo *vh = data + off;

		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if ((void *)(vh + 1) > data_end)
			return FO_WHY_UNPARSED;
		proto = bpf_ntohs(vh->proto);
		off += sizeof(*vh);
	}
	if (proto == ETH_P_IP)
		return parse_ipv4(data, data_end, off, p);
	if (proto == ETH_P_IPV6)
		return parse_ipv6(data, data_end, off, p);
	return FO_WHY_NON_IP;
}

/*
 * Layer-3 bytes as conntrack counts them: the whole packet from the IP header on
 * (a GSO or GRO packet counts once, at its full size), trimmed to the IP length
 * when link-layer padding makes the frame longer.
 */
static __always_inline __u32 l3_bytes(__u32 frame_len, const struct pkt_info *p)
{
	__u32 len = frame_len > p->l3_off ? frame_len - p->l3_off : 0;

	if (p->l3_len && p->l3_len < len)
		len = p->l3_len;
	return len;
}

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

/*
 * The namespace of the device the packet is on. Not bpf_get_netns_cookie(skb): that
 * follows skb->sk, which at veth ingress is the sender's socket in the peer namespace.
 */
static __always_inline __u64 dev_netns_cookie(struct net_device *dev)
{
	return dev ? dev->nd_net.net->net_cookie : 0;
}

/* Key the flow from the host's side: local is the source going out, the destination coming in. */
static __always_inline void flow_key_fill(struct flow_key *k, const struct pkt_info *p, int egress)
{
	k->family = p->family;
	k->proto = p->proto;
	if (egress) {
		__builtin_memcpy(k->local, p->saddr, 16);
		__builtin_memcpy(k->remote, p->daddr, 16);
		k->local_port = p->sport;
		k->remote_port = p->dport;
	} else {
		__builtin_memcpy(k->local, p->daddr, 16);
		__builtin_memcpy(k->remote, p->saddr, 16);
		k->local_port = p->dport;
		k->remote_port = p->sport;
	}
	/* An echo's identifier names the local socket; the remote side has no port. An error
	 * row is the quoted flow's: its ports, its protocol and the error's type in the key. */
	if (p->icmp_echo | p->quoted) {
		if (p->icmp_echo)
			k->remote_port = 0;
		k->icmp_type = p->icmp_type;
		k->quoted_proto = p->quoted;
	}
}

/* The flow key of packet P as tc sees it on SKB: oriented for EGRESS, in the device's
 * namespace and on its ifindex. */
static __always_inline void flow_key_skb(struct flow_key *k, const struct pkt_info *p, int egress,
					 struct __sk_buff *skb)
{
	flow_key_fill(k, p, egress);
	k->netns_cookie = dev_netns_cookie(((struct sk_buff *)bpf_cast_to_kern_ctx(skb))->dev);
	k->ifindex = skb->ifindex;
}

#endif
