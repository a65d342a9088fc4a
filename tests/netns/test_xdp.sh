# SPDX-License-Identifier: GPL-2.0
# test_xdp.sh — the XDP path: attach modes, counting received bytes per process, drop, detach, unload.

# The XDP program id on veth0 in NS as `ip link` shows it ("" if none).
xdp_id() { # NS
	ip -n "$1" link show veth0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'
}

# Background programs run under nsenter directly, not through in_a/in_b: a shell function
# would run in a forked subshell, and $BG_PID would not be the program's pid.

# Our status row for DIRECTION, one FIELD of it.
att_field() { # DIRECTION FIELD
	fo -j status | pyjson "print(''.join(str(a['$2']) for a in d['attachments'] if a['direction']=='$1'))"
}

# A copy of socat under another name: the kernel's comm for it is NAME. Called in $(...),
# so the caller registers the cleanup of /tmp/fo-xdp-$TEST_ID.
named() { # NAME -> path
	local dir="/tmp/fo-xdp-$TEST_ID"
	mkdir -p "$dir" && cp "$(command -v socat)" "$dir/$1" && echo "$dir/$1"
}

# A tiny XDP program of "another tool", attached in generic mode: flowowner must leave it be.
foreign_xdp() { # NS
	local dir="/tmp/fo-xdp-$TEST_ID"
	mkdir -p "$dir" && on_cleanup "rm -rf $dir"
	cat > "$dir/foreign.c" <<-'EOF'
	struct xdp_md;
	__attribute__((section("xdp"), used)) int foreign_pass(struct xdp_md *ctx) { return 2; }
	char _license[] __attribute__((section("license"), used)) = "GPL";
	EOF
	clang -O2 -target bpf -c "$dir/foreign.c" -o "$dir/foreign.o" &&
		ip -n "$1" link set dev veth0 xdpgeneric obj "$dir/foreign.o" sec xdp
}

# Whether something in NS listens on PORT (t: TCP, u: UDP). ss exits 0 even when nothing matches.
listening() { # NS PORT [t|u]
	nsenter --net="/run/netns/$1" ss -Hn"${3:-t}"l "sport = :$2" | grep -q .
}

# XDP_DROP count of veth0's queues in NS (native mode only: veth counts them per queue).
xdp_drops() { # NS
	nsenter --net="/run/netns/$1" ethtool -S veth0 | awk '/xdp_drops/ { s += $2 } END { print s + 0 }'
}

test_xdp_attach_shows_program_in_ip_link() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 --xdp || fail "attach --xdp" || return 1
	local id
	id=$(xdp_id "$NS_A")
	assert_ne "$id" "" "xdp program on veth0 in ip link" || return 1
	assert_eq "$(att_field xdp prog_id)" "$id" "status prog_id is the one ip link shows" || return 1
	# veth has a native XDP driver: no fallback needed.
	assert_eq "$(att_field xdp mode)/$(att_field xdp kind)" "native/xdp" "mode/kind" || return 1
	ip -n "$NS_A" link show veth0 | grep -q ' xdp ' || fail "not in native (driver) mode" || return 1
	# Ingress is the attribution-only companion, egress counts as ever.
	assert_eq "$(att_field ingress mode)/$(att_field egress mode)" "attribute/count" "tc modes" || return 1
	in_a tc filter show dev veth0 ingress | grep -q 'flowowner_ingress_xdp direct-action' ||
		fail "ingress companion filter missing"
}

test_xdp_generic_mode_and_mode_switch_in_place() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 --xdp=generic || fail "attach --xdp=generic" || return 1
	ip -n "$NS_A" link show veth0 | grep -q xdpgeneric || fail "ip link does not say xdpgeneric" || return 1
	assert_eq "$(att_field xdp mode)" generic "status mode" || return 1
	local id
	id=$(xdp_id "$NS_A")
	fo -n "$NS_A" attach veth0 --xdp=native || fail "switch to native" || return 1
	ip -n "$NS_A" link show veth0 | grep -q xdpgeneric && fail "still generic after --xdp=native" && return 1
	assert_eq "$(xdp_id "$NS_A")" "$id" "same program after the switch" || return 1
	assert_eq "$(att_field xdp mode)" native "status mode after switch" || return 1
	assert_eq "$(fo -j status | pyjson 'print(len(d["attachments"]))')" 3 "xdp, ingress, egress: no duplicates"
}

test_xdp_driver_error_reaches_user_and_default_falls_back() {
	setup_pair || return 1
	# veth refuses native XDP when the peer's MTU does not fit a page: a driver error with extack.
	ip -n "$NS_A" link set veth0 mtu 9000 && ip -n "$NS_B" link set veth0 mtu 9000 || return 1
	assert_rc 1 fo -n "$NS_A" attach veth0 --xdp=native || return 1
	assert_contains "$ERR" "flowowner: veth0: Numerical result out of range: veth: Peer MTU is too large" \
		"strerror and extack" || return 1
	assert_eq "$(xdp_id "$NS_A")" "" "nothing attached after the error" || return 1
	assert_rc 0 fo -n "$NS_A" attach veth0 --xdp || return 1
	assert_contains "$ERR" "native XDP not possible" "fallback note" || return 1
	assert_contains "$ERR" "using generic XDP" "fallback note" || return 1
	ip -n "$NS_A" link show veth0 | grep -q xdpgeneric || fail "not generic after fallback" || return 1
	assert_eq "$(att_field xdp mode)" generic "status mode"
}

test_xdp_rx_bytes_attributed_to_receiving_process() {
	setup_pair || return 1
	local dir="/tmp/fo-xdp-$TEST_ID" n=200000 spid cpid
	mkdir -p "$dir/www" && on_cleanup "rm -rf $dir"
	head -c 300000 /dev/urandom > "$dir/www/blob" || return 1
	# conntrack in A is the witness of every frame XDP sees: with GRO off on A's veth0 the stack
	# takes the frames one by one, as XDP does, retransmissions included.
	conntrack_on "$NS_A" || return 1
	in_a ethtool -K veth0 gro off >/dev/null 2>&1 || fail "gro off" || return 1
	fo -n "$NS_A" attach veth0 --xdp || return 1
	# An upload to a server in A (the flow starts at ingress: XDP makes it, tc names it)...
	bg nsenter --net="/run/netns/$NS_A" socat -u "TCP-LISTEN:7100,bind=$IP4_A,reuseaddr" "OPEN:$dir/got,creat"
	spid=$BG_PID
	wait_for listening "$NS_A" 7100 || fail "server did not listen" || return 1
	head -c $n /dev/zero | in_b socat -u - "TCP:$IP4_A:7100" || fail "upload" || return 1
	# ...and a download by a client in A (the flow starts at egress: the socket names it).
	bg nsenter --net="/run/netns/$NS_B" /usr/bin/python3 -m http.server --bind "$IP4_B" --directory "$dir/www" 7101 2>/dev/null
	wait_for listening "$NS_B" 7101 || fail "http server did not listen" || return 1
	bg nsenter --net="/run/netns/$NS_A" curl -sS --noproxy "*" -o "$dir/dl" "http://$IP4_B:7101/blob"
	cpid=$BG_PID
	wait "$cpid" || fail "curl" || return 1
	wait_for sh -c "[ \$(stat -c %s $dir/got) = $n ]" || fail "server got $(stat -c %s "$dir/got")" || return 1

	local up down
	up=$(fo -n "$NS_A" -j flows | pyjson "print(json.dumps([f for f in d if f['local_port']==7100]))")
	assert_eq "$(echo "$up" | pyjson 'print(len(d), d[0]["pid"], d[0]["comm"])')" "1 $spid socat" \
		"upload flow owner" || return 1
	# Exact layer-3 packets and bytes, as conntrack counted the upload's original direction: a
	# packet counted twice (XDP and tc) would break it, and a retransmission counts on both.
	local ct
	ct=$(in_a conntrack -L -p tcp --dport 7100 2>/dev/null | /usr/bin/python3 -c '
import re, sys
kv = re.findall(r"(packets|bytes)=(\d+)", sys.stdin.read())
print(kv[0][1], kv[1][1])')
	assert_eq "$(echo "$up" | pyjson 'f=d[0]; print(f["rx_packets"], f["rx_bytes"])')" "$ct" \
		"upload rx packets and bytes against conntrack" || return 1
	# The payload, 52 bytes of IPv4+TCP (timestamps) a packet and 8 more on the SYN's options,
	# unless a segment went twice.
	assert_ge "$(echo "$up" | pyjson 'f=d[0]; print(f["rx_bytes"] - 52 * f["rx_packets"] - 8)')" $n \
		"upload rx_bytes minus headers" || return 1
	assert_ge "$(echo "$up" | pyjson 'print(d[0]["tx_packets"])')" 1 "egress counted on the same flow" || return 1

	down=$(fo -n "$NS_A" -j flows | pyjson "print(json.dumps([f for f in d if f['remote_port']==7101]))")
	assert_eq "$(echo "$down" | pyjson 'print(len(d), d[0]["pid"], d[0]["comm"], d[0]["owner_source"])')" \
		"1 $cpid curl socket" "download flow owner" || return 1
	assert_ge "$(echo "$down" | pyjson 'print(d[0]["rx_bytes"])')" 300000 "download rx_bytes" || return 1
	# Nothing of this went unattributed for want of an owner.
	assert_eq "$(fo -j status | pyjson 'print(d["counters"]["unattributed_no_owner"])')" 0 "no_owner"
}

# A flow XDP sees first is ownerless until the tc companion names its owner on the same packet:
# that is the flow's start, not an owner change. Its flow_start names the owner, as at tc.
test_xdp_inbound_flow_starts_with_its_owner_and_no_owner_change() {
	setup_pair || return 1
	fo -n "$NS_B" attach veth0 --xdp 2>/dev/null || fail "attach --xdp" || return 1
	bg nsenter --net="/run/netns/$NS_B" iperf3 -s -1 -B "$IP4_B" -p 5202 > /dev/null
	local srv=$BG_PID dir="/tmp/fo-xdp-$TEST_ID" watch_pid got
	mkdir -p "$dir" && on_cleanup "rm -rf $dir"
	wait_for listening "$NS_B" 5202 || fail "iperf3 server did not listen" || return 1
	# The binary itself in the background, not the fo function's subshell: SIGINT ends it.
	"$FO_BIN" --pin-dir "$PIN" -j -n "$NS_B" watch --timeout 10 > "$dir/watch" &
	watch_pid=$!
	on_cleanup "kill $watch_pid"
	sleep 0.3
	in_a iperf3 -c "$IP4_B" -p 5202 -t 1 -b 10M > /dev/null || fail "iperf3 client" || return 1
	kill -INT "$watch_pid"; wait "$watch_pid"
	# iperf3's control and data connections: two flows, each started once, by the server.
	got=$(/usr/bin/python3 -c "
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
ours = [e for e in evs if e.get('proto') == 'tcp' and e.get('local_port') == 5202]
starts = [e for e in ours if e['type'] == 'flow_start']
print(len(starts), sorted(set((e['pid'], e['owner_source']) for e in starts)),
      sum(e['type'] == 'owner_change' for e in ours))" "$dir/watch")
	assert_eq "$got" "2 [($srv, 'listener')] 0" \
		"flow_start events (count, owners) and owner_change events of the iperf3 flows" || return 1
	assert_eq "$(fo -j status | pyjson "print(d['counters']['owner_changes'])")" 0 "owner_changes counter"
}

test_xdp_drop_blocks_one_process_while_another_receives() {
	setup_pair || return 1
	local dir="/tmp/fo-xdp-$TEST_ID" blocked i
	on_cleanup "rm -rf $dir"
	blocked=$(named fo_blocked) || return 1
	fo -n "$NS_A" attach veth0 --xdp || return 1
	fo mark add comm fo_blocked drop >/dev/null || fail "mark add" || return 1
	# UDP: no handshake to hide behind, the very first datagram must not reach fo_blocked.
	bg nsenter --net="/run/netns/$NS_A" "$blocked" -u "UDP-RECV:7200,bind=$IP4_A" "OPEN:$dir/blocked,creat"
	bg nsenter --net="/run/netns/$NS_A" socat -u "UDP-RECV:7201,bind=$IP4_A" "OPEN:$dir/free,creat"
	wait_for listening "$NS_A" 7200 u || return 1
	wait_for listening "$NS_A" 7201 u || return 1
	# One source port per receiver: each is one flow, whose first datagram only is new.
	for i in 1 2 3 4 5; do
		echo "datagram $i" | in_b socat -u - "UDP-SENDTO:$IP4_A:7200,sourceport=7210,reuseaddr" || return 1
		echo "datagram $i" | in_b socat -u - "UDP-SENDTO:$IP4_A:7201,sourceport=7211,reuseaddr" || return 1
	done
	wait_for sh -c "[ \$(wc -l < $dir/free) = 5 ]" || fail "free receiver got $(wc -l < "$dir/free") of 5" || return 1
	assert_eq "$(stat -c %s "$dir/blocked")" 0 "bytes that reached fo_blocked" || return 1
	# TCP to the blocked program fails; the same binary under its own name still connects.
	bg nsenter --net="/run/netns/$NS_A" "$blocked" -u "TCP-LISTEN:7202,bind=$IP4_A,reuseaddr" OPEN:/dev/null
	wait_for listening "$NS_A" 7202 || return 1
	echo hi | in_b timeout 5 socat -u - "TCP:$IP4_A:7202,connect-timeout=2" 2>/dev/null &&
		fail "fo_blocked accepted a connection" && return 1
	local flow
	flow=$(fo -n "$NS_A" -j flows | pyjson "print(json.dumps([f for f in d if f['local_port']==7200]))")
	assert_eq "$(echo "$flow" | pyjson 'print(d[0]["comm"], d[0]["rx_packets"])')" "fo_blocked 5" \
		"blocked flow: owner and every datagram counted" || return 1
	# The first datagram falls to the tc companion (the owner is new), the rest to XDP itself;
	# the SYN and its retries likewise.
	assert_ge "$(fo -j status | pyjson 'print(d["counters"]["dropped"])')" 6 "dropped counter" || return 1
	if have_cmd ethtool; then
		assert_ge "$(xdp_drops "$NS_A")" 4 "XDP_DROP on veth0 (ethtool)" || return 1
	fi
	return 0
}

test_xdp_companion_applies_ingress_marks() {
	setup_pair || return 1
	local sock
	on_cleanup "rm -rf /tmp/fo-xdp-$TEST_ID"
	sock=$(named fo_marked) || return 1
	fo -n "$NS_A" attach veth0 --xdp || return 1
	fo mark add comm fo_marked mark 0x42 >/dev/null || return 1
	in_a nft add table inet fox && in_a nft add chain inet fox in '{ type filter hook input priority 0; }' &&
		in_a nft add rule inet fox in meta mark 0x42 counter || return 1
	bg nsenter --net="/run/netns/$NS_A" "$sock" -u "TCP-LISTEN:7300,bind=$IP4_A,reuseaddr" OPEN:/dev/null
	wait_for listening "$NS_A" 7300 || return 1
	head -c 50000 /dev/zero | in_b socat -u - "TCP:$IP4_A:7300" || return 1
	assert_ge "$(in_a nft -j list table inet fox | pyjson 'print(sum(e["counter"]["packets"] for r in d["nftables"] if "rule" in r for e in r["rule"]["expr"] if "counter" in e))')" \
		10 "packets seen with mark 0x42 by netfilter" || return 1
	assert_eq "$(fo -n "$NS_A" -j flows | pyjson 'print([f["mark"] for f in d if f["local_port"]==7300])')" \
		"[66]" "flow mark"
}

test_xdp_detach_leaves_device_clean() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 --xdp || return 1
	fo -n "$NS_A" detach veth0 --xdp || fail "detach --xdp" || return 1
	ip -n "$NS_A" link show veth0 | grep -q xdp && fail "xdp still on veth0: $(ip -n "$NS_A" link show veth0)" &&
		return 1
	# tc ingress takes the counting back.
	in_a tc filter show dev veth0 ingress | grep -q 'flowowner_ingress direct-action' ||
		fail "ingress filter not back to counting" || return 1
	assert_eq "$(att_field ingress mode)" count "status ingress mode" || return 1
	assert_eq "$(att_field xdp mode)" "" "xdp row after detach" || return 1
	fo -n "$NS_A" attach veth0 --xdp || return 1
	fo -n "$NS_A" detach veth0 || fail "detach everything" || return 1
	ip -n "$NS_A" link show veth0 | grep -q xdp && fail "xdp left by plain detach" && return 1
	in_a tc qdisc show dev veth0 | grep -q clsact && fail "clsact left behind" && return 1
	return 0
}

test_xdp_detach_refuses_foreign_program() {
	setup_pair || return 1
	have_cmd clang || skip "clang not installed"
	foreign_xdp "$NS_A" || fail "could not attach the foreign program" || return 1
	local id
	id=$(xdp_id "$NS_A")
	assert_rc 1 fo -n "$NS_A" attach veth0 --xdp || return 1
	assert_contains "$ERR" "veth0: another XDP program (id $id) is attached" "attach refusal" || return 1
	fo -n "$NS_A" attach veth0 || return 1
	assert_rc 1 fo -n "$NS_A" detach veth0 --xdp || return 1
	assert_contains "$ERR" "veth0: the XDP program attached (id $id) is not flowowner's" "detach refusal" ||
		return 1
	assert_eq "$(xdp_id "$NS_A")" "$id" "foreign program still attached" || return 1
	fo unload || fail "unload" || return 1
	assert_eq "$(xdp_id "$NS_A")" "$id" "foreign program still attached after unload"
}

test_xdp_unload_removes_it() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 --xdp || return 1
	fo -n "$NS_B" attach veth0 --xdp=generic || return 1
	local id
	id=$(xdp_id "$NS_A")
	assert_eq "$(xdp_id "$NS_B")" "$id" "one program on both devices" || return 1
	fo unload || fail "unload" || return 1
	assert_eq "$(xdp_id "$NS_A")$(xdp_id "$NS_B")" "" "xdp programs after unload" || return 1
	ip -n "$NS_B" link show veth0 | grep -q xdp && fail "xdpgeneric left in $NS_B" && return 1
	in_a tc filter show dev veth0 ingress | grep -q flowowner && fail "companion filter left" && return 1
	# Programs go when the last attachment and pin go; give RCU a moment.
	wait_for sh -c "! bpftool prog show id $id" || fail "fo_xdp (id $id) still loaded" || return 1
	return 0
}
