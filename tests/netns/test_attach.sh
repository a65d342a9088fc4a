# SPDX-License-Identifier: GPL-2.0
# test_attach.sh — attach, replace, detach and unload, as tc and the kernel see them.

# tc filter show prints one "direct-action" line per bpf filter.
count_ours() { # NS DIR
	nsenter --net="/run/netns/$1" tc filter show dev veth0 "$2" | grep -c 'flowowner.*direct-action'
}

test_attach_shows_one_direct_action_filter_per_direction() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || fail "attach" || return 1
	assert_eq "$(count_ours "$NS_A" egress)" 1 "egress filters" || return 1
	assert_eq "$(count_ours "$NS_A" ingress)" 1 "ingress filters" || return 1
	nsenter --net="/run/netns/$NS_A" tc filter show dev veth0 egress | grep -q 'flowowner_egress direct-action' ||
		fail "filter not named flowowner_egress"
}

test_second_attach_replaces_in_place() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo -n "$NS_A" attach veth0 || fail "second attach" || return 1
	fo -n "$NS_A" attach veth0 --egress || fail "third attach" || return 1
	assert_eq "$(count_ours "$NS_A" egress)" 1 "egress filters after three attaches" || return 1
	assert_eq "$(count_ours "$NS_A" ingress)" 1 "ingress filters after three attaches" || return 1
	assert_eq "$(fo -j status | pyjson 'print(len(d["attachments"]))')" 2 "recorded attachments"
}

test_attach_one_direction_only() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 --ingress || return 1
	assert_eq "$(count_ours "$NS_A" ingress)" 1 "ingress" || return 1
	assert_eq "$(count_ours "$NS_A" egress)" 0 "egress"
}

test_detach_leaves_other_filters() {
	setup_pair || return 1
	# This kernel has u32 but not matchall: a foreign filter of another tool at prio 1.
	in_a tc qdisc add dev veth0 clsact || return 1
	in_a tc filter add dev veth0 egress prio 1 protocol all u32 match u32 0 0 classid 1:1 || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo -n "$NS_A" detach veth0 || fail "detach" || return 1
	assert_eq "$(count_ours "$NS_A" egress)" 0 "our egress filter" || return 1
	in_a tc filter show dev veth0 egress | grep -q 'u32' || fail "foreign u32 filter was removed" || return 1
	in_a tc qdisc show dev veth0 | grep -q clsact || fail "clsact we did not create was removed"
}

test_detach_removes_clsact_it_created() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	in_a tc qdisc show dev veth0 | grep -q clsact || fail "no clsact after attach" || return 1
	fo -n "$NS_A" detach veth0 || return 1
	in_a tc qdisc show dev veth0 | grep -q clsact && fail "clsact left behind"
	return 0
}

test_detach_one_direction_keeps_the_other() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo -n "$NS_A" detach veth0 --egress || return 1
	assert_eq "$(count_ours "$NS_A" egress)" 0 "egress" || return 1
	assert_eq "$(count_ours "$NS_A" ingress)" 1 "ingress kept" || return 1
	in_a tc qdisc show dev veth0 | grep -q clsact || fail "clsact removed while ingress is still on it"
}

test_unload_leaves_nothing_behind() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo -n "$NS_B" attach veth0 || return 1
	local ids
	ids=$(fo -j status | pyjson 'print(" ".join(str(a["prog_id"]) for a in d["attachments"]))')
	fo unload || fail "unload" || return 1
	[ -e "$PIN" ] && fail "pin dir $PIN left behind" && return 1
	assert_eq "$(count_ours "$NS_A" egress)$(count_ours "$NS_B" ingress)" 00 "filters after unload" || return 1
	in_a tc qdisc show dev veth0 | grep -q clsact && fail "clsact left in $NS_A" && return 1
	local id
	for id in $ids; do
		# Programs go when the last filter and pin go; give RCU a moment.
		wait_for sh -c "! bpftool prog show id $id" || fail "program $id still loaded" || return 1
	done
	bpftool link show | grep -q "fo_sock_create\|fo_fork" && fail "tracing links left" && return 1
	return 0
}

test_status_json_names_each_attachment() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	local s
	s=$(fo -j status) || return 1
	assert_eq "$(echo "$s" | pyjson 'print(sorted(a["direction"] for a in d["attachments"]))')" \
		"['egress', 'ingress']" "directions" || return 1
	assert_eq "$(echo "$s" | pyjson 'print({a["dev"]+"/"+a["netns"]+"/"+a["kind"] for a in d["attachments"]})')" \
		"{'veth0/$NS_A/tc'}" "dev/netns/kind" || return 1
	assert_eq "$(echo "$s" | pyjson 'print(all(a["prog_id"] > 0 and a["prio"] == 49152 for a in d["attachments"]))')" \
		True "prog ids and prio" || return 1
	assert_eq "$(echo "$s" | pyjson 'print(d["maps"]["fo_flows"]["max_entries"], "packets" in d["counters"], "attributed" in d["counters"], "unattributed" in d["counters"])')" \
		"65536 True True True" "maps and counters"
}

test_prio_option_sets_filter_priority() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 --prio 777 || return 1
	in_a tc filter show dev veth0 egress | grep -q 'pref 777 bpf' || fail "prio 777 not used"
}

# Our filters on DEV, both directions, as tc in the namespace PATH opens sees them.
ours_at() { # NSPATH DEV
	{ nsenter --net="$1" tc filter show dev "$2" ingress; nsenter --net="$1" tc filter show dev "$2" egress; } 2>/dev/null |
		grep -c 'flowowner'
}

# unload finds every attachment by its namespace's identity, wherever the attach ran: the
# namespace unload itself runs in, here a veth pair of the test's own, kept down so it sends
# nothing.
test_unload_clears_an_attach_made_in_its_own_namespace() {
	local h="fo${TEST_ID}h"
	ip link add "$h" type veth peer name "fo${TEST_ID}p" || return 1
	on_cleanup "ip link del $h"
	fo attach "$h" || return 1
	assert_eq "$(ours_at /proc/self/ns/net "$h")" 2 "filters after attach" || return 1
	fo unload || fail "unload" || return 1
	assert_eq "$(ours_at /proc/self/ns/net "$h")" 0 "filters after unload" || return 1
	tc qdisc show dev "$h" | grep -q clsact && fail "clsact left on $h" && return 1
	[ -e "$PIN" ] && fail "pins left" && return 1
	return 0
}

# ...inside a namespace entered with nsenter (the attach saw it as its own, with no name),
# and inside one that has no name at all, only a process holding it (a container's).
test_unload_clears_attaches_made_through_nsenter_and_in_unnamed_namespaces() {
	local u="fo${TEST_ID}u" holder
	setup_pair || return 1
	in_a "$FO_BIN" --pin-dir "$PIN" attach veth0 || fail "attach through nsenter" || return 1
	bg unshare --net sleep 60
	holder=$BG_PID
	wait_for sh -c "[ \$(readlink /proc/$holder/ns/net) != \$(readlink /proc/self/ns/net) ]" ||
		fail "no namespace of its own for $holder" || return 1
	ip link add "$u" type veth peer name "${u}p" || return 1
	on_cleanup "ip link del ${u}p"
	ip link set "$u" netns "/proc/$holder/ns/net" || return 1
	nsenter --net="/proc/$holder/ns/net" "$FO_BIN" --pin-dir "$PIN" attach "$u" --egress ||
		fail "attach in the unnamed namespace" || return 1
	assert_eq "$(ours_at "/run/netns/$NS_A" veth0) $(ours_at "/proc/$holder/ns/net" "$u")" "2 1" \
		"filters after the attaches" || return 1
	fo unload || fail "unload" || return 1
	assert_eq "$(ours_at "/run/netns/$NS_A" veth0) $(ours_at "/proc/$holder/ns/net" "$u")" "0 0" \
		"filters after unload from the host" || return 1
	in_a tc qdisc show dev veth0 | grep -q clsact && fail "clsact left in $NS_A" && return 1
	nsenter --net="/proc/$holder/ns/net" tc qdisc show dev "$u" | grep -q clsact &&
		fail "clsact left in the unnamed namespace" && return 1
	return 0
}

# tc's view of veth0 in A: every qdisc and filter, both directions (prog ids aside).
device_state() {
	{ in_a tc qdisc show dev veth0; in_a tc filter show dev veth0 ingress; in_a tc filter show dev veth0 egress
	  ip -n "$NS_A" -d link show veth0 | grep -o 'xdp[a-z]*\|prog/xdp id [0-9]*'; } 2>&1
}

# attach is all or nothing: a failure at any step leaves the device as it was. Each failure is
# one another tool or the state could really cause, no test-only switch.
test_attach_failing_at_the_second_direction_leaves_the_device_as_it_was() {
	setup_pair || return 1
	# Another tool's u32 filter holds egress at our prio: ingress goes on, egress cannot.
	in_a tc qdisc add dev veth0 clsact || return 1
	in_a tc filter add dev veth0 egress prio 49152 protocol all u32 match u32 0 0 classid 1:1 || return 1
	local before
	before=$(device_state)
	assert_rc 1 fo -n "$NS_A" attach veth0 || return 1
	assert_contains "$ERR" "veth0" "the device is named" || return 1
	assert_eq "$(device_state)" "$before" "tc state after the failed attach" || return 1
	assert_eq "$(fo -j status | pyjson 'print(len(d["attachments"]))')" 0 "recorded attachments"
}

test_attach_failing_to_record_leaves_the_device_as_it_was() {
	have_cmd bpftool || skip "bpftool missing"
	setup_pair || return 1
	fo -n "$NS_B" attach veth0 --egress || return 1 # loads the pins
	# The record map full (256) of other attachments: nothing of ours can be recorded.
	local i batch=/tmp/fo-$TEST_ID.batch zeros before
	on_cleanup "rm -f $batch"
	zeros=$(printf '0 %.0s' $(seq 112))
	for i in $(seq 1 300); do
		echo "map update pinned $PIN/fo_attach key $((i % 256)) $((i / 256)) 0 0 0 0 0 1 $((i % 256)) 0 0 0 9 0 0 0 value $zeros"
	done > "$batch"
	bpftool batch file "$batch" >/dev/null 2>&1
	assert_eq "$(bpftool -j map dump pinned "$PIN/fo_attach" | pyjson 'print(len(d))')" 256 "fo_attach full" || return 1
	before=$(device_state)
	assert_rc 1 fo -n "$NS_A" attach veth0 || return 1
	assert_contains "$ERR" "cannot record" "the cause" || return 1
	assert_eq "$(device_state)" "$before" "tc state after the failed attach (no clsact of ours left)"
}

test_xdp_mode_switch_that_fails_keeps_the_old_mode() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 --xdp=generic 2>/dev/null || return 1
	# Native XDP on veth needs the peer's MTU to fit a page: with 9000 the switch fails.
	ip -n "$NS_A" link set veth0 mtu 9000 && ip -n "$NS_B" link set veth0 mtu 9000 || return 1
	local before status
	before=$(device_state)
	status=$(fo -j status | pyjson 'print(sorted((a["direction"], a.get("mode")) for a in d["attachments"]))')
	assert_rc 1 fo -n "$NS_A" attach veth0 --xdp=native || return 1
	assert_contains "$ERR" "Peer MTU is too large" "the driver's reason" || return 1
	assert_eq "$(device_state)" "$before" "XDP and tc after the failed switch" || return 1
	assert_eq "$(fo -j status | pyjson 'print(sorted((a["direction"], a.get("mode")) for a in d["attachments"]))')" \
		"$status" "status after the failed switch"
}

# Repeating attach with another --prio moves the filters: the device ends with one filter of ours
# per direction, the recorded one, so detach (and unload) take everything off.
test_reattach_with_another_prio_moves_the_filters() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo -n "$NS_A" attach veth0 --prio 777 || fail "attach at prio 777" || return 1
	assert_eq "$(count_ours "$NS_A" ingress) $(count_ours "$NS_A" egress)" "1 1" "filters of ours" || return 1
	in_a tc filter show dev veth0 egress | grep -q 'pref 777 bpf' || fail "egress not at 777" || return 1
	in_a tc filter show dev veth0 ingress | grep -q 'pref 777 bpf' || fail "ingress not at 777" || return 1
	assert_eq "$(fo -j status | pyjson 'print(sorted(a["prio"] for a in d["attachments"]))')" \
		"[777, 777]" "recorded prios" || return 1
	fo -n "$NS_A" detach veth0 || fail "detach" || return 1
	assert_eq "$(count_ours "$NS_A" ingress) $(count_ours "$NS_A" egress)" "0 0" "filters after detach" || return 1
	in_a tc qdisc show dev veth0 | grep -q clsact && fail "clsact left behind"
	return 0
}

# ...and a move to another prio that fails at the second direction moves nothing: the first
# direction goes back to its old prio, its record with it.
test_prio_move_failing_at_the_second_direction_leaves_the_device_as_it_was() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	in_a tc filter add dev veth0 egress prio 777 protocol all u32 match u32 0 0 classid 1:1 || return 1
	local before status
	before=$(device_state)
	status=$(fo -j status | pyjson 'print(sorted((a["direction"], a["prio"]) for a in d["attachments"]))')
	assert_rc 1 fo -n "$NS_A" attach veth0 --prio 777 || return 1
	assert_contains "$ERR" "veth0" "the device is named" || return 1
	assert_eq "$(device_state)" "$before" "tc state after the failed move" || return 1
	assert_eq "$(fo -j status | pyjson 'print(sorted((a["direction"], a["prio"]) for a in d["attachments"]))')" \
		"$status" "records after the failed move"
}
