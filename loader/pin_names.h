/* SPDX-License-Identifier: GPL-2.0 */
/* pin_names.h — the names everything is pinned under, in one place (they are the BPF objects' map
 * and program names, so a pin is found by the name bpftool shows). */
#ifndef FO_PIN_NAMES_H
#define FO_PIN_NAMES_H

#define FO_PIN_FLOWS "fo_flows"
#define FO_PIN_PROCS "fo_procs"
#define FO_PIN_SOCKS "fo_socks"
#define FO_PIN_POLICY "fo_policy"
#define FO_PIN_CONFIG "fo_config"
#define FO_PIN_STATS "fo_stats"
#define FO_PIN_EVENTS "fo_events"
#define FO_PIN_ATTACH "fo_attach"
#define FO_PIN_SHAPE "fo_shape"
#define FO_PIN_RELATED "fo_related" /* ICMP error row -> the flow it quotes */
#define FO_PIN_FRAGS "fo_frags"     /* fragmented datagrams: the first fragment's ports */
#define FO_PIN_SOCKSEED "fo_sockseed" /* sockets the attach walk found, until stored */
#define FO_PIN_TC_EGRESS "fo_tc_egress"
#define FO_PIN_TC_INGRESS "fo_tc_ingress"
#define FO_PIN_TC_INGRESS_XDP "fo_tc_ingress_xdp" /* the ingress companion of XDP */
#define FO_PIN_XDP "fo_xdp"
#define FO_PIN_SNAPSHOT "fo_snapshot"
#define FO_PIN_CLOCK "fo_clock" /* sets the packet path's clock at the first load */
#define FO_PIN_PREFIX "fo_"          /* every map and program pin */
#define FO_PIN_LINK_PREFIX "link_" /* a tracing link: link_<program> */

#endif
