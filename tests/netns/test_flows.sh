# SPDX-License-Identifier: GPL-2.0
# test_flows.sh — the owner of each flow, on both ends and in both directions, for real programs.

# Start python's HTTP server in B on PORT; its pid is $BG_PID (nsenter execs it).
http_server() { # PORT
	mkdir -p "/tmp/fo-www-$TEST_ID" && echo "hello from $TEST_ID" > "/tmp/fo-www-$TEST_ID/index.html"
	on_cleanup "rm -rf /tmp/fo-www-$TEST_ID"
	bg nsenter --net="/run/netns/$NS_B" /usr/bin/python3 -m http.server "$1" --bind "${2:-$IP4_B}" \
		--directory "/tmp/fo-www-$TEST_ID"
	wait_listen "$NS_B" $1
}

# One flow in namespace NS matching FILTER; prints "pid comm tx_bytes>0 rx_bytes>0 source".
one_flow() { # NS FILTER
	fo -n "$1" -j flows | pyjson "m=[f for f in d if ($2)]; assert len(m)==1, m; f=m[0]; \
print(f['pid'], f['comm'], f['tx_bytes']>0, f['rx_bytes']>0, f['owner_source'])"
}

test_curl_and_http_server_each_own_their_flow() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 && fo -n "$NS_B" attach veth0 || return 1
	http_server 8080 || fail "server did not start" || return 1
	local srv=$BG_PID out cli
	# The client prints its own pid, then becomes curl.
	out=$(in_a sh -c 'echo $$; exec curl -s --max-time 5 http://'"$IP4_B"':8080/index.html') || fail "curl" || return 1
	cli=$(echo "$out" | head -1)
	assert_contains "$out" "hello from $TEST_ID" "page" || return 1
	assert_eq "$(one_flow "$NS_A" 'f["remote_port"]==8080')" "$cli curl True True socket" "client side" || return 1
	assert_eq "$(one_flow "$NS_B" 'f["local_port"]==8080')" "$srv python3 True True socket" "server side"
}

test_flows_are_kept_apart_by_namespace() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 && fo -n "$NS_B" attach veth0 || return 1
	http_server 8081 || return 1
	in_a curl -s --max-time 5 "http://$IP4_B:8081/" >/dev/null || return 1
	# Both veth0 have the same ifindex in their namespaces: only the cookie tells them apart.
	assert_eq "$(fo -j flows | pyjson 'print(len({(f["ifindex"], f["netns_cookie"]) for f in d if f["proto"]=="tcp"}))')" 2 \
		"distinct devices" || return 1
	assert_eq "$(fo -n "$NS_A" -j flows | pyjson 'print(sorted({f["local"] for f in d if f["proto"]=="tcp"}))')" \
		"['$IP4_A']" "local address in A" || return 1
	assert_eq "$(fo -n "$NS_B" -j flows | pyjson 'print(sorted({f["local"] for f in d if f["proto"]=="tcp"}))')" \
		"['$IP4_B']" "local address in B"
}

test_ipv6_tcp_owned_on_both_sides() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 && fo -n "$NS_B" attach veth0 || return 1
	http_server 8082 "$IP6_B" || return 1
	local srv=$BG_PID out cli
	out=$(in_a sh -c 'echo $$; exec curl -s --max-time 5 "http://['"$IP6_B"']:8082/index.html"') || fail "curl" || return 1
	cli=$(echo "$out" | head -1)
	assert_eq "$(one_flow "$NS_A" 'f["remote_port"]==8082 and f["family"]==6')" "$cli curl True True socket" "client" || return 1
	assert_eq "$(one_flow "$NS_B" 'f["local_port"]==8082 and f["family"]==6')" "$srv python3 True True socket" "server"
}

test_udp_request_and_reply_owned() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 && fo -n "$NS_B" attach veth0 || return 1
	bg nsenter --net="/run/netns/$NS_B" socat -T 5 UDP-RECVFROM:9100,bind="$IP4_B",fork SYSTEM:cat
	local srv=$BG_PID out cli
	wait_listen "$NS_B" 9100 udp || return 1
	out=$(in_a sh -c 'echo $$; exec socat -T 2 - UDP:'"$IP4_B"':9100' <<<ping) || return 1
	cli=$(echo "$out" | head -1)
	assert_contains "$out" "ping" "echo" || return 1
	assert_eq "$(one_flow "$NS_A" 'f["proto"]=="udp" and f["remote_port"]==9100')" "$cli socat True True socket" "client" || return 1
	# socat forks a child per datagram; the server's flow belongs to whoever answered.
	local owner
	owner=$(one_flow "$NS_B" 'f["proto"]=="udp" and f["local_port"]==9100') || return 1
	assert_contains "$owner" "socat True True" "server flow" || return 1
	local opid=${owner%% *}
	[ "$opid" = "$srv" ] || [ "$(awk '{print $4}' "/proc/$opid/stat" 2>/dev/null)" = "$srv" ] ||
		grep -q "PPid:.*$srv" "/proc/$opid/status" 2>/dev/null || ps -o ppid= -p "$opid" 2>/dev/null | grep -q "$srv" ||
		[ "$(fo -j procs | pyjson "print([p['ppid'] for p in d if p['pid']==$opid][0])")" = "$srv" ] ||
		fail "server flow owner $opid is neither the server $srv nor its child"
}

test_procs_lists_the_processes_with_their_traffic() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	bg nsenter --net="/run/netns/$NS_B" socat TCP-LISTEN:9101,bind="$IP4_B",reuseaddr SYSTEM:cat
	wait_listen "$NS_B" 9101 || return 1
	bg in_a sh -c "(head -c 20000 /dev/zero; sleep 30) | socat - TCP:$IP4_B:9101 >/dev/null"
	wait_for sh -c "$FO_BIN --pin-dir $PIN -j flows | grep -q '\"remote_port\":9101'" || return 1
	settle || fail "traffic on veth0 did not stop" || return 1
	local pid
	pid=$(flows_where 'f["remote_port"]==9101' | pyjson 'print(d[0]["pid"])') || return 1
	assert_eq "$(fo -j procs | pyjson "p=[p for p in d if p['pid']==$pid][0]; print(p['comm'], p['tx_bytes'] >= 20000, p['threads'] >= 1, p['uid'])")" \
		"socat True True 0" "procs row of the client" || return 1
	assert_eq "$(fo -j procs | pyjson "print(len(set(['pid','ppid','comm','uid','cgroup_id','threads','tx_bytes','rx_bytes']) - set(d[0].keys())))")" \
		0 "procs fields" || return 1
	fo procs --refresh >/dev/null || fail "procs --refresh"
}

# --sort orders whole rows, both printers alike: three UDP flows whose bytes, packets and
# first packets are each ordered differently (one socket, so only the peer port tells them apart).
test_flows_sort_by_bytes_packets_and_age() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	in_a /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for port, size, count in ((9101, 1000, 1), (9102, 10, 5), (9103, 300, 2)):
    for _ in range(count):
        s.sendto(b"x" * size, (sys.argv[1], port))
    time.sleep(0.05)' "$IP4_B" || return 1
	local order want by
	for by in bytes:9101,9103,9102 packets:9102,9103,9101 age:9101,9102,9103; do
		want=${by#*:}
		order=$(fo -n "$NS_A" -j flows --sort "${by%%:*}" |
			pyjson 'print(",".join(str(f["remote_port"]) for f in d if f["proto"] == "udp" and 9100 < f["remote_port"] < 9104))')
		assert_eq "$order" "$want" "flows -j --sort ${by%%:*}" || return 1
		order=$(fo -n "$NS_A" flows --sort "${by%%:*}" | awk '$1 == "udp" { sub(/.*:/, "", $3); print $3 }' |
			grep -E '^910[123]$' | paste -sd,)
		assert_eq "$order" "$want" "flows --sort ${by%%:*} (table)" || return 1
	done
	# The counters the order came from, exactly: IP + UDP headers on each payload.
	assert_eq "$(fo -n "$NS_A" -j flows | pyjson 'print(sorted((f["remote_port"], f["tx_packets"], f["tx_bytes"]) for f in d if f["proto"] == "udp" and 9100 < f["remote_port"] < 9104))')" \
		"[(9101, 1, 1028), (9102, 5, 190), (9103, 2, 656)]" "counters" || return 1
}

# The links setup_pair makes carry only what a test sends: no ARP, neighbour discovery, DAD,
# router solicitations or MLD reports, before or after traffic. (With QUIET_LINKS=0 the kernel
# sends a few in the first seconds after link-up, and the first count below is not 0.)
test_quiet_links_carry_only_the_tests_traffic() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 && fo -n "$NS_B" attach veth0 || return 1
	sleep 2.5 # MLD reports and DAD go within about two seconds of link-up
	assert_eq "$(link_packets)" 0 "packets the kernel sent on its own" || return 1
	in_a ping -c 1 -W 2 "$IP4_B" >/dev/null || fail "ping $IP4_B" || return 1
	in_a ping -6 -c 1 -W 2 "$IP6_B" >/dev/null || fail "ping $IP6_B" || return 1
	settle || fail "traffic did not stop" || return 1
	assert_eq "$(link_packets)" 4 "two echo requests, two replies" || return 1
	assert_eq "$(fo -n "$NS_A" -j flows | pyjson 'print(sorted((f["proto"], f["comm"], f["tx_packets"], f["rx_packets"]) for f in d))')" \
		"[('icmp', 'ping', 1, 1), ('icmpv6', 'ping', 1, 1)]" "the only flows in $NS_A"
}

# A device name may hold any byte but '/', ':' and blanks, UTF-8 or not. flows -j stays valid JSON
# and keeps the field: stray bytes come out as the text \xNN (jansson refused such a string, and
# the row lost its "dev").
test_flows_json_keeps_a_device_name_that_is_not_utf8() {
	setup_pair || return 1
	local odd=$'fo\xff\xc3x'
	ip -n "$NS_A" link set veth0 down && ip -n "$NS_A" link set veth0 name "$odd" &&
		ip -n "$NS_A" link set "$odd" up || return 1
	ip -n "$NS_A" addr add "$IP4_A/24" dev "$odd" 2>/dev/null
	fo -n "$NS_A" attach "$odd" || return 1
	in_a /usr/bin/python3 -c '
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", (sys.argv[1], 9111))' "$IP4_B" || return 1
	assert_eq "$(fo -n "$NS_A" -j flows | pyjson 'print([f.get("dev") for f in d if f["proto"] == "udp" and f["remote_port"] == 9111])')" \
		"['fo\\\\xff\\\\xc3x']" "dev of the flow, as text" || return 1
	assert_eq "$(fo -n "$NS_A" -p flows | pyjson 'print(sum(1 for f in d if f["proto"] == "udp" and f["remote_port"] == 9111))')" 1 \
		"indented JSON parses too" || return 1
	assert_eq "$(fo -n "$NS_A" -j status | pyjson 'print(sorted({a.get("dev") for a in d["attachments"]}))')" \
		"['fo\\\\xff\\\\xc3x']" "status names the device too" || return 1
}
