# SPDX-License-Identifier: GPL-2.0
# test_accounting.sh — per-flow layer-3 bytes and packets, byte-exact against nf_conntrack's
# accounting in both namespaces, on multi-megabyte transfers with GSO, GRO and retransmissions.

H="$OUT/tests"

setup() {
	setup_pair || return 1
	TMPD=$(mktemp -d /tmp/fo-acct-test.XXXXXX) || return 1
	on_cleanup "rm -rf '$TMPD'"
	conntrack_on "$NS_A" || return 1
	conntrack_on "$NS_B" || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo -n "$NS_B" attach veth0
}

# Compare, in NS, every conntrack entry of PROTO with local port or remote port PORT to the
# flow flowowner has for it. INITIATOR is 1 when NS opened the connection (original = tx).
# Prints "entries packets mismatches", mismatches spelled out.
compare_ct() { # NS PROTO PORT INITIATOR
	local ns=$1
	nsenter --net="/run/netns/$ns" conntrack -L -f ipv4 -p "$2" 2>/dev/null > "$TMPD/ct.$ns"
	nsenter --net="/run/netns/$ns" conntrack -L -f ipv6 -p "$2" 2>/dev/null >> "$TMPD/ct.$ns"
	fo -n "$ns" -j flows > "$TMPD/fl.$ns"
	/usr/bin/python3 - "$TMPD/ct.$ns" "$TMPD/fl.$ns" "$2" "$3" "$4" <<'PY'
import ipaddress, json, re, sys
ctf, flf, proto, port, initiator = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == '1'
flows = {}
for f in json.load(open(flf)):
    if f['proto'] == proto:
        flows[(ipaddress.ip_address(f['local']), f['local_port'], ipaddress.ip_address(f['remote']), f['remote_port'])] = f
n = pk = 0
bad = []
for l in open(ctf):
    kv = re.findall(r'(\w+)=(\S+)', l)
    src, dst, sport, dport, opk, oby = [v for k, v in kv if k in ('src', 'dst', 'sport', 'dport', 'packets', 'bytes')][:6]
    rpk, rby = [v for k, v in kv if k in ('packets', 'bytes')][2:4]
    sport, dport = int(sport), int(dport)
    if port not in (sport, dport):
        continue
    n += 1
    if initiator:
        key, want = (ipaddress.ip_address(src), sport, ipaddress.ip_address(dst), dport), (opk, oby, rpk, rby)
    else:
        key, want = (ipaddress.ip_address(dst), dport, ipaddress.ip_address(src), sport), (rpk, rby, opk, oby)
    f = flows.get(key)
    got = tuple(str(f[k]) for k in ('tx_packets', 'tx_bytes', 'rx_packets', 'rx_bytes')) if f else None
    pk += int(opk) + int(rpk)
    if got != want:
        bad.append('%s:%d->%s:%d conntrack tx/rx %s flowowner %s' % (key[0], key[1], key[2], key[3], want, got))
print(n, pk, len(bad), '; '.join(bad))
PY
}

# Both namespaces agree with their conntrack on the flows of PORT; at least MINPKTS packets.
check_both() { # PROTO PORT MINPKTS
	local a b
	a=$(compare_ct "$NS_A" "$1" "$2" 1)
	b=$(compare_ct "$NS_B" "$1" "$2" 0)
	echo "  conntrack vs flowowner, port $2: $NS_A: $a / $NS_B: $b" >&2
	assert_eq "$(echo "$a" | cut -d' ' -f3)" 0 "mismatches in $NS_A ($a)" || return 1
	assert_eq "$(echo "$b" | cut -d' ' -f3)" 0 "mismatches in $NS_B ($b)" || return 1
	assert_ge "$(echo "$a" | cut -d' ' -f1)" 1 "conntrack entries in $NS_A" || return 1
	assert_ge "$(echo "$a" | cut -d' ' -f2)" "$3" "packets counted"
}

test_tcp_download_8mb_gso_exact_with_conntrack() {
	setup || return 1
	bg nsenter --net="/run/netns/$NS_B" "$H/fo_server" -s 8000000 "$IP4_B" 8080 > "$TMPD/srv"
	wait_for test -s "$TMPD/srv" || return 1
	in_a "$H/fo_client" -b 1000 -r "$IP4_B" 8080 > /dev/null || return 1
	settle || fail "traffic on veth0 did not stop" || return 1
	check_both tcp 8080 100 || return 1
	# GSO: the sender's tc sees super-packets, far fewer than 8 MB / 1500.
	local pk
	pk=$(fo -n "$NS_B" -j flows | pyjson "print(sum(f['tx_packets'] for f in d if f['proto']=='tcp'))")
	[ "$pk" -lt 2000 ] || fail "expected GSO-sized packets at egress, got $pk packets for 8 MB"
}

test_tcp_upload_with_loss_and_retransmits_exact_with_conntrack() {
	local before after
	setup || return 1
	# Loss on A's egress qdisc, after tc's clsact egress: A's tc and A's conntrack both count
	# the packets the qdisc then drops; B counts neither. Retransmissions count on both sides.
	# (This kernel has no netem: a token bucket with a short queue drops instead.)
	in_a tc qdisc add dev veth0 root tbf rate 200mbit burst 16k limit 24k || return 1
	bg nsenter --net="/run/netns/$NS_B" "$H/fo_server" "$IP4_B" 8081 > "$TMPD/srv"
	wait_for test -s "$TMPD/srv" || return 1
	before=$(in_a nstat -az TcpRetransSegs | awk '/TcpRetransSegs/ { print $2 }')
	in_a "$H/fo_client" -b 6000000 -r "$IP4_B" 8081 > /dev/null || return 1
	after=$(in_a nstat -az TcpRetransSegs | awk '/TcpRetransSegs/ { print $2 }')
	settle || fail "traffic on veth0 did not stop" || return 1
	assert_ge "$((after - before))" 1 "retransmitted segments" || return 1
	check_both tcp 8081 100
}

test_tcp6_download_gro_exact_with_conntrack() {
	setup || return 1
	# B sends MTU-sized segments (no TSO/GSO); A's veth merges them with GRO before tc ingress
	# and conntrack see them.
	in_b ethtool -K veth0 tso off gso off >/dev/null 2>&1 || skip "ethtool cannot set offloads"
	in_a ethtool -K veth0 gro on >/dev/null 2>&1 || skip "veth GRO not available"
	bg nsenter --net="/run/netns/$NS_B" "$H/fo_server" -s 4000000 "$IP6_B" 8082 > "$TMPD/srv"
	wait_for test -s "$TMPD/srv" || return 1
	in_a "$H/fo_client" -b 1000 -r "$IP6_B" 8082 > /dev/null || return 1
	settle || fail "traffic on veth0 did not stop" || return 1
	check_both tcp 8082 100
}

test_udp_2mb_echo_exact_with_conntrack() {
	setup || return 1
	bg nsenter --net="/run/netns/$NS_B" "$H/fo_server" -u "$IP4_B" 5353 > /dev/null
	wait_listen "$NS_B" 5353 udp || fail "server" || return 1
	in_a "$H/fo_client" -u -b 1400 -c 1500 -r "$IP4_B" 5353 > /dev/null || return 1
	settle || fail "traffic on veth0 did not stop" || return 1
	check_both udp 5353 3000
}

test_several_concurrent_transfers_exact_with_conntrack() {
	local i pids=()
	setup || return 1
	bg nsenter --net="/run/netns/$NS_B" "$H/fo_server" -k 4 -s 3000000 "$IP4_B" 8083 > "$TMPD/srv"
	wait_for test -s "$TMPD/srv" || return 1
	for i in 1 2 3 4; do
		nsenter --net="/run/netns/$NS_A" "$H/fo_client" -b $((i * 1000000)) -r "$IP4_B" 8083 > /dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	settle || fail "traffic on veth0 did not stop" || return 1
	assert_eq "$(compare_ct "$NS_A" tcp 8083 1 | cut -d' ' -f1)" 4 "four connections" || return 1
	check_both tcp 8083 100
}

# A listing of a TCP connection still open has its whole tx, equal to conntrack, and so has the
# same flow after the socket closed.
test_open_tcp_connection_exact_with_conntrack_before_and_after_close() {
	setup || return 1
	bg nsenter --net="/run/netns/$NS_B" socat -u TCP-LISTEN:8090,reuseaddr OPEN:/dev/null
	wait_for sh -c "nsenter --net=/run/netns/$NS_B ss -Htln 'sport = :8090' | grep -q ." || return 1
	head -c 3000000 /dev/zero > "$TMPD/data"
	bg sh -c "cat '$TMPD/data'; sleep 60" |
		nsenter --net="/run/netns/$NS_A" socat -u - "TCP:$IP4_B:8090"
	local client=$BG_PID
	wait_for sh -c "$FO_BIN --pin-dir $PIN -n $NS_A -j flows | /usr/bin/python3 -c '
import json, sys
sys.exit(0 if any(f[\"remote_port\"] == 8090 and f[\"tx_bytes\"] >= 3000000 for f in json.load(sys.stdin)) else 1)'" ||
		fail "the open connection's tx never reached 3 MB: $(fo -n "$NS_A" -j flows)" || return 1
	settle || fail "traffic on veth0 did not stop" || return 1
	check_both tcp 8090 100 || return 1
	kill -- "-$client" 2>/dev/null
	wait "$client" 2>/dev/null
	wait_for sh -c "! nsenter --net=/run/netns/$NS_A ss -Htn 'dport = :8090' state established | grep -q ." ||
		fail "the client's connection did not close" || return 1
	settle || fail "traffic on veth0 did not stop" || return 1
	check_both tcp 8090 100
}
