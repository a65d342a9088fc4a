# SPDX-License-Identifier: GPL-2.0
# test_mark.sh — the marking policy end to end: nftables, HTB, drops, every selector, live changes.

# A copy of socat under another name: the kernel's comm for it is NAME.
named() { # NAME -> path
	local dir="/tmp/fo-mark-$TEST_ID"
	mkdir -p "$dir" && cp "$(command -v socat)" "$dir/$1" && echo "$dir/$1"
	on_cleanup "rm -rf $dir"
}

# Send one line over TCP from namespace A to B:PORT with the program at PATH; 0 if echoed back.
send_once() { # PATH PORT
	in_a sh -c "echo hello | timeout 5 $1 -T 3 - TCP:$IP4_B:$2,connect-timeout=2" | grep -q hello
}

# A table "fot" in NS with an input-hook rule counting packets that carry MARK.
nft_count_mark() { # NS MARK
	nsenter --net="/run/netns/$1" nft add table inet fot &&
	nsenter --net="/run/netns/$1" nft add chain inet fot in '{ type filter hook input priority 0; }' &&
	nsenter --net="/run/netns/$1" nft add rule inet fot in meta mark "$2" counter
}

nft_counter() { # NS -> packets counted by the only counter in table inet fot
	nsenter --net="/run/netns/$1" nft -j list table inet fot |
		pyjson 'print(sum(e["counter"]["packets"] for r in d["nftables"] if "rule" in r for e in r["rule"]["expr"] if "counter" in e))'
}

rx_at_least() { # PORT N: the flows to local PORT have received at least N packets
	[ "$(flows_where "f['local_port']==$1" | pyjson 'print(sum(f["rx_packets"] for f in d))')" -ge "$2" ]
}

flow_field() { # FILTER FIELD -> the field of the single flow matching FILTER
	flows_where "$1" | pyjson "assert len(d) == 1, d; print(d[0]['$2'])"
}

test_ingress_mark_counted_by_nftables_only_for_selected_process() {
	setup_pair || return 1
	local sel other
	sel=$(named fo_sel) && other=$(named fo_other) || return 1
	bg nsenter --net="/run/netns/$NS_B" "$sel" TCP-LISTEN:9001,bind="$IP4_B",reuseaddr,fork SYSTEM:cat
	bg nsenter --net="/run/netns/$NS_B" "$other" TCP-LISTEN:9002,bind="$IP4_B",reuseaddr,fork SYSTEM:cat
	nft_count_mark "$NS_B" 0x42 || return 1
	fo -n "$NS_B" attach veth0 || return 1
	fo mark add comm fo_sel mark 0x42 >/dev/null || return 1
	wait_listen "$NS_B" 9002 || return 1
	send_once socat 9001 || fail "client to fo_sel" || return 1
	send_once socat 9002 || fail "client to fo_other" || return 1
	settle || fail "traffic on veth0 did not stop" || return 1
	local rx_sel
	rx_sel=$(flow_field 'f["local_port"]==9001 and f["dev"]=="veth0"' rx_packets) || return 1
	assert_ge "$rx_sel" 4 "rx packets of the selected flow" || return 1
	assert_eq "$(nft_counter "$NS_B")" "$rx_sel" "nft meta mark counter vs flowowner rx_packets" || return 1
	assert_eq "$(flow_field 'f["local_port"]==9001' mark)" 66 "mark on the selected flow" || return 1
	assert_eq "$(flow_field 'f["local_port"]==9002' mark)" 0 "mark on the other flow"
}

test_egress_priority_lands_in_htb_class() {
	setup_pair || return 1
	local prio_cli
	prio_cli=$(named fo_prio) || return 1
	bg nsenter --net="/run/netns/$NS_B" socat TCP-LISTEN:9003,bind="$IP4_B",reuseaddr,fork SYSTEM:cat
	in_a tc qdisc add dev veth0 root handle 1: htb default 20 || return 1
	in_a tc class add dev veth0 parent 1: classid 1:10 htb rate 1gbit || return 1
	in_a tc class add dev veth0 parent 1: classid 1:20 htb rate 1gbit || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo mark add comm fo_prio priority 1:10 >/dev/null || return 1
	wait_listen "$NS_B" 9003 || return 1
	send_once "$prio_cli" 9003 || fail "fo_prio client" || return 1
	send_once socat 9003 || fail "plain client" || return 1
	settle || fail "traffic on veth0 did not stop" || return 1
	local tx sent
	tx=$(flow_field 'f["comm"]=="fo_prio" and f["proto"]=="tcp"' tx_packets) || return 1
	assert_eq "$(flow_field 'f["comm"]=="fo_prio"' priority)" "1:10" "flow priority" || return 1
	# iproute2 6.1 has no JSON for htb class stats: " Sent N bytes M pkt ..."
	sent=$(in_a tc -s class show dev veth0 classid 1:10 | awk '/Sent/ {print $4; exit}')
	assert_ge "$tx" 4 "tx packets of fo_prio" || return 1
	assert_eq "$sent" "$tx" "HTB class 1:10 packets vs fo_prio's tx_packets"
}

test_drop_stops_one_program_and_is_counted() {
	setup_pair || return 1
	local blocked allowed
	blocked=$(named fo_blocked) && allowed=$(named fo_allowed) || return 1
	bg nsenter --net="/run/netns/$NS_B" socat TCP-LISTEN:9004,bind="$IP4_B",reuseaddr,fork SYSTEM:cat
	fo -n "$NS_A" attach veth0 || return 1
	fo mark add comm fo_blocked drop >/dev/null || return 1
	wait_listen "$NS_B" 9004 || return 1
	send_once "$blocked" 9004 && fail "fo_blocked got through" && return 1
	send_once "$allowed" 9004 || fail "fo_allowed (same binary, other name) was blocked" || return 1
	assert_ge "$(fo -j status | pyjson 'print(d["counters"]["dropped"])')" 1 "dropped counter" || return 1
	assert_eq "$(flows_where 'f["comm"]=="fo_blocked"' | pyjson 'print(all(f["dropped"] for f in d) and len(d) > 0)')" \
		True "fo_blocked's flow says dropped"
}

test_rules_by_pid_uid_and_cgroup() {
	setup_pair || return 1
	local cgroot cg
	cgroot=$(awk '$3=="cgroup2"{print $2; exit}' /proc/mounts)
	[ -n "$cgroot" ] || skip "no cgroup v2"
	cg="fo-test-$TEST_ID"
	mkdir "$cgroot/$cg" || return 1
	on_cleanup "rmdir $cgroot/$cg"
	# One connection only (no fork): the listening process is the one that receives.
	bg nsenter --net="/run/netns/$NS_B" socat TCP-LISTEN:9005,bind="$IP4_B",reuseaddr SYSTEM:cat
	local srv=$BG_PID
	bg nsenter --net="/run/netns/$NS_B" socat TCP-LISTEN:9006,bind="$IP4_B",reuseaddr,fork SYSTEM:cat
	fo -n "$NS_A" attach veth0 || return 1
	fo -n "$NS_B" attach veth0 || return 1
	fo mark add pid "$srv" mark 5 >/dev/null || return 1
	fo mark add uid 65534 mark 9 >/dev/null || return 1
	fo mark add cgroup "/$cg" mark 11 >/dev/null || return 1
	wait_listen "$NS_B" 9006 || return 1
	send_once socat 9005 || fail "client to pid-selected server" || return 1
	in_a setpriv --reuid=65534 --regid=65534 --clear-groups sh -c \
		"echo hi | timeout 5 socat -T 3 - TCP:$IP4_B:9006,connect-timeout=2" | grep -q hi || fail "uid client" || return 1
	in_a sh -c "echo \$\$ > $cgroot/$cg/cgroup.procs && echo hi | timeout 5 socat -T 3 - TCP:$IP4_B:9006,connect-timeout=2" |
		grep -q hi || fail "cgroup client" || return 1
	settle || fail "traffic on veth0 did not stop" || return 1
	assert_eq "$(flow_field "f['local_port']==9005 and f['pid']==$srv" mark)" 5 "pid rule on the server's flow" || return 1
	assert_eq "$(flow_field 'f["uid"]==65534 and f["remote_port"]==9006' mark)" 9 "uid rule" || return 1
	assert_eq "$(flows_where 'f["remote_port"]==9006 and f["mark"]==11' | pyjson 'print(len(d))')" 1 "cgroup rule"
}

test_most_specific_rule_wins() {
	setup_pair || return 1
	local cli
	cli=$(named fo_prec) || return 1
	bg nsenter --net="/run/netns/$NS_B" socat TCP-LISTEN:9007,bind="$IP4_B",reuseaddr,fork SYSTEM:cat
	fo -n "$NS_A" attach veth0 || return 1
	fo mark add uid 0 mark 1 >/dev/null || return 1
	fo mark add comm fo_prec mark 2 >/dev/null || return 1
	wait_listen "$NS_B" 9007 || return 1
	send_once "$cli" 9007 || return 1
	send_once socat 9007 || return 1
	settle || fail "traffic on veth0 did not stop" || return 1
	assert_eq "$(flow_field 'f["comm"]=="fo_prec"' mark)" 2 "comm beats uid" || return 1
	assert_eq "$(flow_field 'f["comm"]=="socat" and f["remote_port"]==9007' mark)" 1 "uid rule for the rest"
}

test_policy_change_applies_to_existing_flow() {
	setup_pair || return 1
	local sink
	sink=$(named fo_sink) || return 1
	bg nsenter --net="/run/netns/$NS_B" "$sink" TCP-LISTEN:9008,bind="$IP4_B",reuseaddr,fork SYSTEM:cat
	nft_count_mark "$NS_B" 0x77 || return 1
	fo -n "$NS_B" attach veth0 || return 1
	wait_listen "$NS_B" 9008 || return 1
	bg in_a sh -c "while sleep 0.1; do echo tick; done | socat - TCP:$IP4_B:9008 >/dev/null"
	wait_for rx_at_least 9008 6 || fail "no traffic on the long-lived flow" || return 1
	assert_eq "$(nft_counter "$NS_B")" 0 "marked before the rule" || return 1
	local id
	id=$(fo mark add comm fo_sink mark 0x77) || return 1
	sleep 0.6
	assert_ge "$(nft_counter "$NS_B")" 3 "marked packets after the rule" || return 1
	assert_eq "$(flow_field 'f["local_port"]==9008' mark)" 119 "flow mark after the rule" || return 1
	fo mark del "$id" || return 1
	local before
	sleep 0.3
	before=$(nft_counter "$NS_B")
	sleep 0.6
	assert_eq "$(nft_counter "$NS_B")" "$before" "no marks after the rule is deleted" || return 1
	assert_eq "$(flow_field 'f["local_port"]==9008' mark)" 0 "flow mark after delete"
}

test_bad_rules_are_usage_errors_and_change_nothing() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo mark add comm curl mark 0x10/0xff >/dev/null || return 1
	local before
	before=$(fo -j mark list)
	assert_rc 2 fo mark add program curl drop || return 1
	assert_contains "$ERR" "program: unknown selector" "unknown selector" || return 1
	assert_rc 2 fo mark add comm curl2 mark 0x100000000 || return 1
	assert_contains "$ERR" "out of range" "mark out of range" || return 1
	assert_rc 2 fo mark add comm curl2 priority 1-10 || return 1
	assert_contains "$ERR" "not MAJ:MIN" "malformed priority" || return 1
	assert_rc 2 fo mark add cgroup /no/such/cgroup-$TEST_ID drop || return 1
	assert_contains "$ERR" "no such cgroup" "unknown cgroup" || return 1
	assert_rc 2 fo mark add comm curl drop || return 1
	assert_contains "$ERR" "duplicates rule 1" "duplicate" || return 1
	assert_rc 2 fo mark add comm a-name-longer-than-15 drop || return 1
	assert_rc 2 fo mark add pid 12 || return 1
	assert_rc 1 fo mark del 99 || return 1
	assert_eq "$(fo -j mark list)" "$before" "rules unchanged"
}

test_rules_persist_across_commands_and_unload_clears_them() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	assert_eq "$(fo mark add comm one mark 1)" 1 "first id" || return 1
	assert_eq "$(fo mark add comm two priority 1:2)" 2 "second id" || return 1
	assert_eq "$(fo -j mark list | pyjson 'print([r["match"] + "=" + r["action"] for r in d])')" \
		"['comm one=mark 0x1', 'comm two=priority 1:2']" "listed rules" || return 1
	fo unload || return 1
	fo -n "$NS_A" attach veth0 || return 1
	assert_eq "$(fo -j mark list)" "[]" "rules after unload and attach"
}

test_mark_routes_one_program_through_another_table() {
	setup_pair || return 1
	# A second link between the namespaces, reached only through routing table 100.
	ip link add veth1 netns "$NS_A" type veth peer name veth1 netns "$NS_B" || return 1
	in_a ip link set veth1 up && in_b ip link set veth1 up || return 1
	in_a ip addr add 192.0.2.1/24 dev veth1 && in_b ip addr add 192.0.2.2/24 dev veth1 || return 1
	in_a ip route add "$IP4_B/32" dev veth1 table 100 || return 1
	in_a ip rule add fwmark 0x10/0xff lookup 100 || return 1
	local routed
	routed=$(named fo_routed) || return 1
	bg nsenter --net="/run/netns/$NS_B" socat TCP-LISTEN:9009,bind="$IP4_B",reuseaddr,fork SYSTEM:cat
	fo -n "$NS_A" attach veth0 && fo -n "$NS_A" attach veth1 || return 1
	fo mark add comm fo_routed mark 0x10/0xff >/dev/null || return 1
	wait_listen "$NS_B" 9009 || return 1
	send_once "$routed" 9009 || fail "fo_routed client" || return 1
	send_once socat 9009 || fail "plain client" || return 1
	settle || fail "traffic on veth0 did not stop" || return 1
	assert_eq "$(flows_where 'f["comm"]=="fo_routed" and f["proto"]=="tcp"' | pyjson 'print([(f["dev"], f["mark"], f["tx_packets"] > 3) for f in d])')" \
		"[('veth1', 16, True)]" "fo_routed leaves through table 100's link, marked" || return 1
	assert_eq "$(flows_where 'f["comm"]=="socat" and f["remote_port"]==9009' | pyjson 'print([(f["dev"], f["mark"]) for f in d])')" \
		"[('veth0', 0)]" "the other program keeps the main table"
}
