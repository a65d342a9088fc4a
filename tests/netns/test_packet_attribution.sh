# SPDX-License-Identifier: GPL-2.0
# test_packet_attribution.sh — the packet path on real topologies: a router with its own service
# (transit is forwarded, not its listener's), IP fragments, ICMP errors, and loopback.

# A third namespace C behind B, which routes between A and C: A - R(=B) - C. No IPv6 on these
# links unless a test turns it on, so the kernel's own neighbour discovery stays out.
setup_router() {
	setup_pair || return 1
	TMPD=$(mktemp -d /tmp/fo-pkt-test.XXXXXX) || return 1
	on_cleanup "rm -rf '$TMPD'"
	NS_C="fo${TEST_ID}c"
	NET_C="192.168.$((TEST_ID % 250))"
	IP4_C="$NET_C.2"
	IP6_C="fd01:$(printf %x "$TEST_ID")::2"
	ip netns add "$NS_C" || return 1
	on_cleanup "ip netns del $NS_C"
	ip link add veth1 netns "$NS_B" type veth peer name veth1 netns "$NS_C" || return 1
	ip -n "$NS_B" addr add "$NET_C.1/24" dev veth1
	ip -n "$NS_C" addr add "$IP4_C/24" dev veth1
	ip -n "$NS_B" addr add "fd01:$(printf %x "$TEST_ID")::1/64" dev veth1 nodad
	ip -n "$NS_C" addr add "$IP6_C/64" dev veth1 nodad
	ip -n "$NS_B" link set veth1 up
	ip -n "$NS_C" link set veth1 up
	ip -n "$NS_C" link set lo up
	ip -n "$NS_C" route add default via "$NET_C.1"
	ip -n "$NS_C" -6 route add default via "fd01:$(printf %x "$TEST_ID")::1"
	ip -n "$NS_A" route add "$NET_C.0/24" via "$IP4_B"
	ip -n "$NS_A" -6 route add "fd01:$(printf %x "$TEST_ID")::/64" via "$IP6_B"
	in_b sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}
in_c() { nsenter --net="/run/netns/$NS_C" "$@"; }

# A program under another name, so its comm is NAME: exec through a symlink names the process
# after the link (and python still finds its library through it).
named() { # PROGRAM NAME -> path
	mkdir -p "$TMPD/bin" && ln -sf "$1" "$TMPD/bin/$2" && echo "$TMPD/bin/$2"
}

# Flows in NS as Python tuples of FIELDS, for rows matching EXPR, sorted.
rows() { # NS EXPR FIELDS...
	local ns=$1 expr=$2; shift 2
	fo -n "$ns" -j flows | pyjson "print(sorted(tuple(f.get(k) for k in '$*'.split()) for f in d if ($expr)))"
}

# An HTTP server on 0.0.0.0:PORT in NS serving $TMPD/www; BG_PID is its pid.
http_server() { # NS PORT [PROGRAM]
	local py=${3:-/usr/bin/python3}
	bg nsenter --net="/run/netns/$1" "$py" -m http.server -d "$TMPD/www" -b 0.0.0.0 "$2" \
		>/dev/null 2>&1
	wait_listen "$1" "$2"
}

# Bytes curl fetched from URL in NS ("" on failure).
fetch() { # NS URL [CURL ARGS...]
	local ns=$1 url=$2; shift 2
	nsenter --net="/run/netns/$ns" curl -s -o /dev/null -w '%{size_download}' "$@" "$url"
}

# Transit through a router with its own service on the same port: the stack forwards A -> C:P,
# so R's listener on 0.0.0.0:P must not claim it; R's own connection is its service's.
router_transit() { # ATTACH-ARGS...
	local rsvc rpid n t
	setup_router || return 1
	mkdir -p "$TMPD/www" && head -c 300000 /dev/urandom > "$TMPD/www/f" || return 1
	rsvc=$(named /usr/bin/python3 fo-rsvc) || return 1
	http_server "$NS_B" 8080 "$rsvc" || fail "R's service" || return 1
	rpid=$BG_PID
	http_server "$NS_C" 8080 || fail "C's service" || return 1
	fo -n "$NS_B" attach veth0 "$@" || return 1
	fo -n "$NS_B" attach veth1 || return 1

	assert_eq "$(fetch "$NS_A" "http://$IP4_C:8080/f")" 300000 "A fetches from C through R" || return 1
	assert_eq "$(fetch "$NS_A" "http://$IP4_B:8080/f")" 300000 "A fetches from R" || return 1
	sleep 0.2
	# Transit: on both of R's devices, no owner, forwarded.
	assert_eq "$(rows "$NS_B" "f['proto']=='tcp' and '$IP4_C' in (f['local'], f['remote'])" dev pid owner_source unattributed_reason)" \
		"[('veth0', 0, 'none', 'forwarded'), ('veth1', 0, 'none', 'forwarded')]" "transit flows on R" || return 1
	assert_eq "$(rows "$NS_B" "f['proto']=='tcp' and f['local']=='$IP4_B'" dev pid comm)" \
		"[('veth0', $rpid, 'fo-rsvc')]" "R's own connection" || return 1
	# Forwarding changes no length: what comes in on one side goes out on the other.
	n=$(fo -n "$NS_B" -j flows | pyjson "
t={f['dev']: f for f in d if f['proto']=='tcp' and '$IP4_C' in (f['local'], f['remote'])}
print(t['veth1']['rx_bytes'] == t['veth0']['tx_bytes'] >= 300000, t['veth0']['rx_bytes'] == t['veth1']['tx_bytes'] > 0)")
	assert_eq "$n" "True True" "transit bytes in = out" || return 1

	# A drop rule for R's service: its own connections die, transit is untouched. The rule
	# decides on the next packet of each flow; a new connection is a new flow.
	fo mark add comm fo-rsvc drop > /dev/null || return 1
	# One slow transit, past the owner TTL (1 s): the ingress re-check must not turn it into
	# no_socket, nor give it to the listener.
	fetch "$NS_A" "http://$IP4_C:8080/f" --max-time 5 --limit-rate 200k > "$TMPD/slow" &
	n=$!
	assert_eq "$(fetch "$NS_A" "http://$IP4_C:8080/f" --max-time 5)" 300000 "transit under the drop rule" || return 1
	t=$(fetch "$NS_A" "http://$IP4_B:8080/f" --max-time 1)
	assert_eq "${t:-0}" 0 "R's service is dropped" || return 1
	wait "$n"
	assert_eq "$(cat "$TMPD/slow")" 300000 "a slow transit under the drop rule" || return 1
	sleep 0.2
	assert_eq "$(rows "$NS_B" "f['proto']=='tcp' and '$IP4_C' in (f['local'], f['remote'])" dev pid unattributed_reason dropped)" \
		"$(for d in veth0 veth0 veth0 veth1 veth1 veth1; do printf "('%s', 0, 'forwarded', False), " $d; done | sed 's/, $//; s/^/[/; s/$/]/')" \
		"transit flows under the drop rule, after the owner TTL"
}

test_router_transit_forwarded_not_its_listeners() { router_transit; }
test_router_transit_forwarded_not_its_listeners_xdp() { router_transit --xdp; }
