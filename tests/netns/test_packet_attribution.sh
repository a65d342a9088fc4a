# SPDX-License-Identifier: GPL-2.0
# test_packet_attribution.sh — the packet path on real topologies: a router with its own service
# (transit is forwarded, not its listener's), IP fragments, ICMP errors, and loopback.

# A third namespace C behind B, which routes between A and C: A - R(=B) - C. The kernel's own
# IPv6 traffic (ND, MLD) is kept out of every assertion by selecting rows by port or quote.
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
	in_b sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	# R has no link-local address (quiet_ns), and neighbour solicitation for a packet it
	# forwards needs one: C's address is entered by hand.
	ip -n "$NS_B" -6 neigh replace "$IP6_C" dev veth1 nud permanent \
		lladdr "$(ip -n "$NS_C" -br link show dev veth1 | awk '{ print $3 }')"
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

# An HTTP server on 0.0.0.0:PORT (or $BIND:PORT) in NS serving $TMPD/www; BG_PID is its pid.
http_server() { # NS PORT [PROGRAM]
	local py=${3:-/usr/bin/python3}
	bg nsenter --net="/run/netns/$1" "$py" -m http.server -d "$TMPD/www" -b "${BIND:-0.0.0.0}" "$2" \
		>/dev/null 2>&1
	wait_listen "$1" "$2"
}

# Bytes curl fetched from URL in NS ("" on failure).
fetch() { # NS URL [CURL ARGS...]
	local ns=$1 url=$2; shift 2
	nsenter --net="/run/netns/$ns" curl -s -o /dev/null -w '%{size_download}' "$@" "$url"
}

# R's TCP flows whose A-side port is one of PORTS, as (dev, FIELDS...) tuples.
transit_rows() { # PORTS FIELDS...
	local ports=$1; shift
	rows "$NS_B" "f['proto']=='tcp' and (f['local_port'] in ($ports) or f['remote_port'] in ($ports))" dev "$@"
}

# One round of A's fetches through R (to C) and to R itself, from fixed ports from BASE on, to
# $HOST_C and $HOST_R (IPv4 unless set).
# Without the rule (RULED 0): transit is forwarded on both of R's devices, bytes in = out, and
# R's own connection is its service's. Under the drop rule for R's service (RULED 1): R's own
# connections die, transit is whole — a slow one too, past the owner TTL (1 s), whose ingress
# re-check must not turn it into no_socket nor give it to the listener.
transit_round() { # BASE RULED
	local b=$1 n t c=${HOST_C:-$IP4_C} r=${HOST_R:-$IP4_B}
	if [ "$2" = 0 ]; then
		assert_eq "$(fetch "$NS_A" "http://$c:8080/f" --local-port $((b + 1)))" 300000 "A fetches from C through R" || return 1
		assert_eq "$(fetch "$NS_A" "http://$r:8080/f" --local-port $((b + 2)))" 300000 "A fetches from R" || return 1
		sleep 0.2
		assert_eq "$(transit_rows $((b + 1)), pid owner_source unattributed_reason)" \
			"[('veth0', 0, 'none', 'forwarded'), ('veth1', 0, 'none', 'forwarded')]" "transit flows on R" || return 1
		assert_eq "$(transit_rows $((b + 2)), pid comm)" "[('veth0', $RPID, 'fo-rsvc')]" "R's own connection" || return 1
		# Forwarding changes no length: what comes in on one side goes out on the other.
		n=$(fo -n "$NS_B" -j flows | pyjson "
t={f['dev']: f for f in d if f['proto']=='tcp' and $((b + 1)) in (f['local_port'], f['remote_port'])}
print(t['veth1']['rx_bytes'] == t['veth0']['tx_bytes'] >= 300000, t['veth0']['rx_bytes'] == t['veth1']['tx_bytes'] > 0)")
		assert_eq "$n" "True True" "transit bytes in = out"
		return
	fi
	fetch "$NS_A" "http://$c:8080/f" --max-time 5 --limit-rate 200k --local-port $((b + 3)) > "$TMPD/slow" &
	n=$!
	assert_eq "$(fetch "$NS_A" "http://$c:8080/f" --max-time 5 --local-port $((b + 4)))" 300000 "transit under the drop rule" || return 1
	t=$(fetch "$NS_A" "http://$r:8080/f" --max-time 1 --local-port $((b + 5)))
	assert_eq "${t:-0}" 0 "R's service is dropped" || return 1
	wait "$n"
	assert_eq "$(cat "$TMPD/slow")" 300000 "a slow transit under the drop rule" || return 1
	sleep 0.2
	assert_eq "$(transit_rows "$((b + 3)), $((b + 4))" pid unattributed_reason dropped)" \
		"[('veth0', 0, 'forwarded', False), ('veth0', 0, 'forwarded', False), ('veth1', 0, 'forwarded', False), ('veth1', 0, 'forwarded', False)]" \
		"transit flows under the drop rule, after the owner TTL"
}

# Transit through a router with its own service on the same port: the stack forwards A -> C:P,
# so R's listener on 0.0.0.0:P (over IPv6 [::]:P, A -> [C]:P) must not claim it. At tc, then
# with XDP on R's A side; fetches from fixed ports from BASE on.
transit_check() { # FAMILY BASE
	local rsvc id b=$2 bind=0.0.0.0
	setup_router || return 1
	mkdir -p "$TMPD/www" && head -c 300000 /dev/urandom > "$TMPD/www/f" || return 1
	[ "$1" = 6 ] && { bind=::; HOST_C="[$IP6_C]"; HOST_R="[$IP6_B]"; }
	rsvc=$(named /usr/bin/python3 fo-rsvc) || return 1
	BIND=$bind http_server "$NS_B" 8080 "$rsvc" || fail "R's service" || return 1
	RPID=$BG_PID
	BIND=$bind http_server "$NS_C" 8080 || fail "C's service" || return 1
	fo -n "$NS_B" attach veth0 || return 1
	fo -n "$NS_B" attach veth1 || return 1
	transit_round "$b" 0 || return 1
	id=$(fo mark add comm fo-rsvc drop) || return 1
	transit_round "$b" 1 || return 1
	fo mark del "$id" || return 1
	fo -n "$NS_B" attach veth0 --xdp || return 1
	transit_round $((b + 100)) 0 || return 1
	fo mark add comm fo-rsvc drop > /dev/null || return 1
	transit_round $((b + 100)) 1
}

test_router_transit_forwarded_not_its_listeners_tc_and_xdp() { transit_check 4 31000; }
test_router_transit_v6_forwarded_not_its_listeners_tc_and_xdp() { transit_check 6 32000; }

# The ICMP error rows in NS whose related_to is of PROTO (and whose own proto is ICMP), as tuples.
error_rows() { # NS PROTO [ICMP]
	fo -n "$1" -j flows | pyjson "print(sorted((f['proto'], f['pid'], f['owner_source'], f.get('unattributed_reason'), f['related_to']['proto'], f['related_to']['local'], f['related_to']['local_port'], f['related_to']['remote'], f['related_to']['remote_port']) for f in d if f.get('related_to', {}).get('proto') == '$2' and f['proto'] == '${3:-icmp}'))"
}

# A UDP datagram to a closed port, from two sockets of one process: each port-unreachable is a
# row of its own, owned by the sender, naming the flow it quotes; on the receiver it is the
# kernel's, about a flow nobody owns.
closed_port_check() { # FAMILY ADDR_A ADDR_B ICMP
	local fam=$1 a=$2 b=$3 icmp=$4 out pid p1 p2 lo hi
	out=$(in_a /usr/bin/python3 - "$fam" "$b" <<'PY'
import os, socket, sys, time
fam = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET
ports = []
for i in range(2):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.connect((sys.argv[2], 9))
    s.send(b'x' * 20)
    s.settimeout(2)
    try:
        s.recv(100)
    except ConnectionRefusedError:
        pass
    ports.append(s.getsockname()[1])
print(os.getpid(), *ports)
PY
) || return 1
	read -r pid p1 p2 <<< "$out"
	lo=$(( p1 < p2 ? p1 : p2 )) hi=$(( p1 < p2 ? p2 : p1 ))
	sleep 0.2
	assert_eq "$(error_rows "$NS_A" udp "$icmp")" \
		"[('$icmp', $pid, 'related', None, 'udp', '$a', $lo, '$b', 9), ('$icmp', $pid, 'related', None, 'udp', '$a', $hi, '$b', 9)]" \
		"$icmp port-unreachable rows on the sender" || return 1
	assert_eq "$(error_rows "$NS_B" udp "$icmp")" \
		"[('$icmp', 0, 'none', 'kernel', 'udp', '$b', 9, '$a', $lo), ('$icmp', 0, 'none', 'kernel', 'udp', '$b', 9, '$a', $hi)]" \
		"$icmp port-unreachable rows on the receiver"
}

test_udp_closed_port_error_owned_by_sender_v4_v6() {
	setup_router || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo -n "$NS_B" attach veth0 || return 1
	closed_port_check 4 "$IP4_A" "$IP4_B" icmp || return 1
	closed_port_check 6 "$IP6_A" "$IP6_B" icmpv6
}

# A TCP connect through R to an address R has an unreachable route for: R answers with ICMP
# host unreachable, and on A that error is the connecting process's; on R, whose route refuses
# the SYN, its flow is forwarded.
test_tcp_connect_refused_by_router_error_owned_by_connector() {
	local out pid port
	setup_router || return 1
	ip -n "$NS_B" route add unreachable "$NET_C.99/32" || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo -n "$NS_B" attach veth0 --ingress || return 1
	out=$(in_a /usr/bin/python3 - "$NET_C.99" <<'PY'
import os, socket, sys
s = socket.socket()
s.settimeout(3)
try:
    s.connect((sys.argv[1], 8080))
except OSError as e:
    print(os.getpid(), s.getsockname()[1], e.errno)
PY
) || return 1
	read -r pid port errno <<< "$out"
	assert_eq "$errno" 113 "connect failed with EHOSTUNREACH" || return 1
	sleep 0.2
	assert_eq "$(error_rows "$NS_A" tcp)" "[('icmp', $pid, 'related', None, 'tcp', '$IP4_A', $port, '$NET_C.99', 8080)]" \
		"host-unreachable row on A" || return 1
	# On R the SYN matched no socket, and its route is unreachable: forwarded, not no_socket.
	assert_eq "$(rows "$NS_B" "f['proto']=='tcp' and f['remote_port']==$port" pid owner_source unattributed_reason)" \
		"[(0, 'none', 'forwarded')]" "the SYN's flow on R"
}

# A drop rule for a process drops the errors about its flows too. A's tc sees only ingress, so
# the process's datagrams leave while B's port-unreachable about them arrives: without the rule
# the process reads ECONNREFUSED, with it the error never reaches it.
test_drop_rule_drops_the_errors_about_its_flows() {
	local pid
	setup_router || return 1
	in_b sysctl -qw net.ipv4.icmp_ratelimit=0 || return 1
	fo -n "$NS_A" attach veth0 --ingress || return 1
	mkfifo "$TMPD/go" || return 1
	bg nsenter --net="/run/netns/$NS_A" /usr/bin/python3 - "$IP4_A" "$IP4_B" "$TMPD/go" > "$TMPD/out" <<'PY'
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 4000))
s.connect((sys.argv[2], 9))
s.settimeout(1)
print('pid', os.getpid(), flush=True)
s.recv(100)  # B's datagram from port 9 makes the flow, found by lookup: this process's
for phase in ('free', 'ruled'):
    open(sys.argv[3]).read()
    s.send(b'x')
    try:
        s.recv(100)
        r = 'data'
    except ConnectionRefusedError:
        r = 'refused'
    except socket.timeout:
        r = 'timeout'
    print(phase, r, flush=True)
PY
	wait_for grep -q pid "$TMPD/out" || return 1
	pid=$(awk '$1 == "pid" { print $2 }' "$TMPD/out")
	in_b /usr/bin/python3 -c "
import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('$IP4_B', 9)); s.sendto(b'y', ('$IP4_A', 4000))" || return 1
	echo > "$TMPD/go"
	wait_for grep -q free "$TMPD/out" || return 1
	fo mark add pid "$pid" drop > /dev/null || return 1
	echo > "$TMPD/go"
	WAIT=30 wait_for grep -q ruled "$TMPD/out" || return 1
	assert_eq "$(grep -v pid "$TMPD/out" | tr '\n' ' ')" "free refused ruled timeout " "the error reaches the process, then not" || return 1
	assert_eq "$(fo -n "$NS_A" -j flows | pyjson "print([(f['pid'], f['owner_source'], f['rx_packets'], f['dropped']) for f in d if f.get('related_to')])")" \
		"[($pid, 'related', 2, True)]" "the error row: owned, both errors seen, the second dropped"
}

# The errors a router sends about a datagram it cannot forward: fragmentation needed / packet
# too big (R's link to C has MTU 1280, A sends 1400 bytes with DF), time exceeded (hop limit
# 1). On A each is a row of its own, owned by the sender, naming the quoted flow.
test_frag_needed_and_time_exceeded_errors_owned_by_sender_v4_v6() {
	local fam a c icmp out pid p1 p2 lo hi
	setup_router || return 1
	ip -n "$NS_B" link set veth1 mtu 1280 && ip -n "$NS_C" link set veth1 mtu 1280 || return 1
	in_b sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 || return 1
	fo -n "$NS_A" attach veth0 || return 1
	for fam in 4 6; do
		[ "$fam" = 4 ] && { a=$IP4_A c=$IP4_C icmp=icmp; } || { a=$IP6_A c=$IP6_C icmp=icmpv6; }
		out=$(in_a /usr/bin/python3 - "$fam" "$c" <<'PY'
import os, socket, sys, time
v6 = sys.argv[1] == '6'
fam = socket.AF_INET6 if v6 else socket.AF_INET
big = socket.socket(fam, socket.SOCK_DGRAM)
if v6:
    big.setsockopt(socket.IPPROTO_IPV6, 23, 2)  # IPV6_MTU_DISCOVER = IPV6_PMTUDISC_DO
else:
    big.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER = IP_PMTUDISC_DO
big.connect((sys.argv[2], 9))
big.send(b'x' * 1400)
ttl = socket.socket(fam, socket.SOCK_DGRAM)
if v6:
    ttl.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 1)
else:
    ttl.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
ttl.connect((sys.argv[2], 9))
ttl.send(b'y' * 20)
time.sleep(0.3)
print(os.getpid(), big.getsockname()[1], ttl.getsockname()[1])
PY
) || return 1
		read -r pid p1 p2 <<< "$out"
		lo=$(( p1 < p2 ? p1 : p2 )) hi=$(( p1 < p2 ? p2 : p1 ))
		assert_eq "$(error_rows "$NS_A" udp "$icmp")" \
			"[('$icmp', $pid, 'related', None, 'udp', '$a', $lo, '$c', 9), ('$icmp', $pid, 'related', None, 'udp', '$a', $hi, '$c', 9)]" \
			"IPv$fam frag-needed and time-exceeded rows on the sender" || return 1
		assert_eq "$(fo -n "$NS_A" -j flows | pyjson "print(sorted(f['related_to']['local_port'] for f in d if f.get('related_to') and f['proto'] == '$icmp' and f['rx_packets'] == 1))")" \
			"[$lo, $hi]" "IPv$fam: one error each" || return 1
	done
}

# conntrack's "packets bytes" of the original direction of the UDP flow to PORT in NS.
ct_orig() { # NS FAMILY PORT
	nsenter --net="/run/netns/$1" conntrack -L -f "ipv$2" -p udp --orig-port-dst "$3" 2>/dev/null |
		awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(packets|bytes)=/) { sub(/.*=/, "", $i); v = v $i " " }
		       print v; exit }' | awk '{ print $1, $2 }'
}

# 5000-byte UDP datagrams leave A as 4 fragments each (MTU 1500) and arrive at B so: every
# fragment counts on the datagram's flow, and the flow's packets and bytes are conntrack's
# (which counts the reassembled datagram: defrag runs before it, after tc) on both ends.
frag_check() { # FAMILY ADDR_A ADDR_B PORT
	local fam=$1 a=$2 b=$3 port=$4 want k0
	k0=$(fo -j status | pyjson "print(d['counters'].get('fragments_keyed', 0))")
	bg nsenter --net="/run/netns/$NS_B" /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET$([ "$fam" = 6 ] && echo 6), socket.SOCK_DGRAM)
s.bind(('$b', $port))
s.settimeout(5)
for i in range(3):
    print(len(s.recv(10000)), flush=True)" > "$TMPD/rcv.$port"
	wait_listen "$NS_B" "$port" udp || return 1
	in_a /usr/bin/python3 -c "
import socket, time
s = socket.socket(socket.AF_INET$([ "$fam" = 6 ] && echo 6), socket.SOCK_DGRAM)
s.bind(('$a', $port + 1))
for i in range(3):
    s.sendto(b'x' * 5000, ('$b', $port)); time.sleep(0.05)" || return 1
	WAIT=30 wait_for sh -c "[ \$(wc -l < $TMPD/rcv.$port) = 3 ]" ||
		fail "receiver got $(cat "$TMPD/rcv.$port")" || return 1
	sleep 0.2
	# The reassembled datagram: IP header + 8 (UDP) + 5000, three times.
	want="3 $(( 3 * (5008 + (fam == 6 ? 40 : 20)) ))"
	assert_eq "$(ct_orig "$NS_A" "$fam" "$port")" "$want" "IPv$fam: conntrack on the sender" || return 1
	assert_eq "$(ct_orig "$NS_B" "$fam" "$port")" "$want" "IPv$fam: conntrack on the receiver" || return 1
	assert_eq "$(fo -n "$NS_A" -j flows | pyjson "print(*[(f['tx_packets'], f['tx_bytes']) for f in d if f['proto']=='udp' and f['local_port']==$port + 1][0])")" \
		"$want" "IPv$fam: sender's flow" || return 1
	assert_eq "$(fo -n "$NS_B" -j flows | pyjson "print(*[(f['rx_packets'], f['rx_bytes']) for f in d if f['proto']=='udp' and f['remote_port']==$port + 1][0])")" \
		"$want" "IPv$fam: receiver's flow" || return 1
	assert_eq "$(fo -j status | pyjson "print(d['counters'].get('fragments_keyed', 0) - $k0, d['counters'].get('unattributed_fragment', 0))")" \
		"18 0" "IPv$fam: later fragments keyed (3 per datagram, both ends), none left over"
}

test_udp_fragments_count_on_their_flow_as_conntrack_v4_v6_xdp() {
	setup_router || return 1
	conntrack_on "$NS_A" || return 1
	conntrack_on "$NS_B" || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo -n "$NS_B" attach veth0 || return 1
	frag_check 4 "$IP4_A" "$IP4_B" 5000 || return 1
	frag_check 6 "$IP6_A" "$IP6_B" 5010 || return 1
	# The receiver under XDP: fo_xdp counts, its tc companion attributes.
	fo -n "$NS_B" attach veth0 --xdp || return 1
	frag_check 4 "$IP4_A" "$IP4_B" 5020
}

# Egress: B's own error about a flow of a process on B — the reassembly timeout of a datagram
# whose first fragment arrived for the process's port (B's tc sees egress only, so the fragment
# is let in). Without a rule the error reaches A; with a drop rule for the process, it does not.
test_drop_rule_drops_the_errors_it_would_send() {
	local pid id
	setup_router || return 1
	in_b sysctl -qw net.ipv4.ipfrag_time=1 net.ipv4.icmp_ratelimit=0 || return 1
	fo -n "$NS_B" attach veth0 --egress || return 1
	fo -n "$NS_A" attach veth0 --ingress || return 1
	bg nsenter --net="/run/netns/$NS_B" /usr/bin/python3 -c "
import os, socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$IP4_B', 9000))
s.sendto(b'hello', ('$IP4_A', 4000))  # the process's flow, seen leaving
print('pid', os.getpid(), flush=True)
time.sleep(20)" > "$TMPD/proc"
	wait_for grep -q pid "$TMPD/proc" || return 1
	pid=$(awk '$1 == "pid" { print $2 }' "$TMPD/proc")
	for id in 101 102; do
		[ "$id" = 102 ] && { fo mark add pid "$pid" drop > /dev/null || return 1; }
		# Only the first fragment of a 5000-byte datagram: B waits for the rest, then gives up.
		in_a /usr/bin/python3 -c "
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 44, $id, 0x2000, 64, 17, 0,
                 socket.inet_aton('$IP4_A'), socket.inet_aton('$IP4_B'))
s.sendto(ip + struct.pack('!HHHH', 4000, 9000, 5008, 0) + b'x' * 16, ('$IP4_B', 0))" || return 1
		sleep 1.6
	done
	assert_eq "$(fo -n "$NS_B" -j flows | pyjson "print([(f['proto'], f['pid'], f['owner_source'], f['tx_packets'], f['dropped'], f['related_to']['local_port']) for f in d if f.get('related_to')])")" \
		"[('icmp', $pid, 'related', 2, True, 9000)]" "B's reassembly-timeout row: the process's, both sent, the second dropped" || return 1
	assert_eq "$(fo -n "$NS_A" -j flows | pyjson "print(sum(f['rx_packets'] for f in d if f['proto'] == 'icmp' and f.get('related_to')))")" \
		1 "A received the first error only"
}

