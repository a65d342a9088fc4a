# SPDX-License-Identifier: GPL-2.0
# test_robust.sh — hostile input and hostile timing: stale pins, wrong filesystems, full tables,
# concurrent commands, vanished devices and namespaces, process churn. Nothing half-done.

count_ours() { # NS DIR
	nsenter --net="/run/netns/$1" tc filter show dev veth0 "$2" 2>/dev/null | grep -c 'flowowner.*direct-action'
}

# Every pin the tool makes, or nothing at all: what a half-done load would break.
assert_pins_whole_or_gone() {
	if [ -d "$PIN" ]; then
		[ -e "$PIN/fo_tc_egress" ] && [ -e "$PIN/fo_flows" ] && [ -e "$PIN/fo_config" ] ||
			fail "pin dir with a partial load: $(ls "$PIN" | tr '\n' ' ')"
	fi
}

# UDP datagrams from COUNT fresh sockets (so COUNT source ports, COUNT flows) from A to B.
udp_flows() { # COUNT [PORT]
	in_a bash -c "for i in \$(seq $1); do echo x > /dev/udp/$IP4_B/${2:-9999}; done" 2>/dev/null
}

# What an older flowowner leaves behind: the same pins, another layout stamp (version 1).
load_and_restamp() {
	fo -n "$NS_A" attach veth0 || return 1
	# struct fo_config: policy_gen, nr_rules, owner_ttl_ms, version, tick_ns, pad, clock_off
	bpftool map update pinned "$PIN/fo_config" key 0 0 0 0 \
		value 1 0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 ||
		fail "rewrite the stamp"
}

test_stale_pins_from_older_version_are_explained() {
	setup_pair || return 1
	have_cmd bpftool || skip "bpftool missing"
	load_and_restamp || return 1
	assert_rc 1 fo flows || return 1
	assert_contains "$ERR" "another flowowner version" "flows on stale pins" || return 1
	assert_contains "$ERR" "unload" "says what to do" || return 1
	assert_rc 1 fo -n "$NS_A" attach veth0 || return 1
	assert_contains "$ERR" "another flowowner version" "attach on stale pins" || return 1
	# the refused attach changed nothing: one filter each way still, the old one
	assert_eq "$(count_ours "$NS_A" egress)" 1 "egress filters" || return 1
	assert_rc 0 fo unload || return 1
	[ -e "$PIN" ] && fail "unload left stale pins"
	assert_eq "$(count_ours "$NS_A" egress)" 0 "filters after unload"
}

# An older flowowner whose classifier pins under another name leaves no fo_tc_egress: that is
# not a load of ours that died part way, to be cleared and done again, but another version's
# pins, which stay, refused with the dir and the cause named.
test_older_version_pins_without_the_classifier_pin_are_refused_not_cleared() {
	setup_pair || return 1
	have_cmd bpftool || skip "bpftool missing"
	load_and_restamp || return 1
	rm "$PIN/fo_tc_egress" || return 1
	assert_rc 1 fo -n "$NS_A" attach veth0 || return 1
	assert_contains "$ERR" "$PIN" "the pin dir is named" || return 1
	assert_contains "$ERR" "another flowowner version" "the cause" || return 1
	assert_contains "$ERR" "unload" "says what to do" || return 1
	[ -e "$PIN/fo_config" ] && [ -e "$PIN/fo_flows" ] && [ -e "$PIN/link_fo_fork" ] ||
		fail "the other version's pins were removed: $(ls "$PIN" 2>/dev/null | tr '\n' ' ')" || return 1
	assert_eq "$(count_ours "$NS_A" ingress) $(count_ours "$NS_A" egress)" "1 1" "its filters stay" || return 1
	assert_rc 0 fo unload || return 1
	[ -e "$PIN" ] && fail "unload left the old pins"
	assert_eq "$(count_ours "$NS_A" ingress) $(count_ours "$NS_A" egress)" "0 0" "filters after unload"
}

# A pin dir holding what flowowner never pins is another tool's: refused, and nothing removed.
test_foreign_pins_in_the_pin_dir_are_refused_not_cleared() {
	setup_pair || return 1
	have_cmd bpftool || skip "bpftool missing"
	mkdir -p "$PIN" || return 1
	bpftool map create "$PIN/other_tool_map" type array key 4 value 4 entries 1 name other_map ||
		fail "pin a foreign map" || return 1
	assert_rc 1 fo -n "$NS_A" attach veth0 || return 1
	assert_contains "$ERR" "$PIN" "the pin dir is named" || return 1
	assert_contains "$ERR" "other_tool_map" "the foreign pin is named" || return 1
	[ -e "$PIN/other_tool_map" ] || fail "the foreign pin was removed" || return 1
	[ -e "$PIN/fo_flows" ] && fail "loaded beside it" && return 1
	assert_eq "$(count_ours "$NS_A" egress)" 0 "no filter"
}

test_pin_dir_not_on_bpffs_is_refused_and_left_alone() {
	local dir="/tmp/fo-notbpf-$TEST_ID"
	setup_pair || return 1
	on_cleanup "rm -rf '$dir'"
	mkdir -p "$dir" || return 1
	assert_rc 1 "$FO_BIN" --pin-dir "$dir/pins" -n "$NS_A" attach veth0 || return 1
	assert_contains "$ERR" "not on a bpf filesystem" "message" || return 1
	[ -e "$dir/pins" ] && fail "made a pin dir on tmpfs" && return 1
	assert_eq "$(count_ours "$NS_A" egress)" 0 "no filter attached" || return 1
	assert_rc 2 "$FO_BIN" --pin-dir relative/dir status || return 1
	assert_contains "$ERR" "absolute path" "relative pin dir"
}

test_bad_input_changes_nothing() {
	setup_pair || return 1
	assert_rc 2 fo -n "$NS_A" attach veth0 --max-flows 3 || return 1
	assert_contains "$ERR" "max-flows" "capacity named" || return 1
	assert_rc 2 fo -n "$NS_A" attach veth0 --max-procs lots || return 1
	assert_rc 2 fo -n "$NS_A" attach veth0 --xdp=sideways || return 1
	assert_rc 2 fo -n "$NS_A" attach veth0 veth1 || return 1
	assert_rc 2 fo -n "$NS_A" attach "$(printf 'x%.0s' $(seq 16))" || return 1
	assert_contains "$ERR" "at most 15 characters" "IFNAMSIZ named" || return 1
	assert_rc 2 fo -n || return 1
	assert_rc 2 fo --pin-dir || return 1
	assert_rc 1 fo -n "fo-missing-$TEST_ID" attach veth0 || return 1
	assert_contains "$ERR" "no such network namespace" "missing namespace" || return 1
	assert_rc 1 fo -n "$NS_A" detach veth0 || return 1
	# none of it loaded, pinned or attached anything
	[ -e "$PIN" ] && fail "pins after refused commands: $(ls "$PIN" | tr '\n' ' ')" && return 1
	assert_eq "$(count_ours "$NS_A" egress)" 0 "filters"
}

test_full_flow_table_evicts_and_status_warns() {
	local st entries max created evicted
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 --max-flows 16 --max-procs 16 || return 1
	udp_flows 120 || return 1
	st=$(fo -j status) || return 1
	max=$(echo "$st" | pyjson 'print(d["maps"]["fo_flows"]["max_entries"])')
	entries=$(echo "$st" | pyjson 'print(d["maps"]["fo_flows"]["entries"])')
	created=$(echo "$st" | pyjson 'print(d["counters"]["flows_created"])')
	evicted=$(echo "$st" | pyjson 'print(d["counters"]["flow_evictions"])')
	assert_eq "$max" 16 "--max-flows kept in the pins" || return 1
	assert_eq "$(echo "$st" | pyjson 'print(d["maps"]["fo_procs"]["max_entries"])')" 16 "--max-procs" || return 1
	# a small LRU map evicts before its last slots are used (free lists are per CPU)
	[ "$entries" -le 16 ] && [ "$entries" -ge 4 ] || fail "table at capacity: $entries of 16" || return 1
	assert_ge "$created" 120 "every flow was created" || return 1
	assert_eq "$evicted" "$((created - entries))" "evictions counted" || return 1
	# every packet still counted once
	echo "$st" | pyjson 'c=d["counters"]; assert c["attributed"]+c["unattributed"]==c["packets"], c' ||
		fail "packets not counted once" || return 1
	fo status | grep -q 'fo_flows.*nearly full' || fail "status does not warn" || return 1
	[ "$(echo "$st" | pyjson 'print(d["maps"]["fo_procs"]["entries"])')" -le 16 ] || fail "procs over capacity" || return 1
	# a later attach does not resize what is pinned
	fo -n "$NS_B" attach veth0 --max-flows 4096 || return 1
	assert_eq "$(fo -j status | pyjson 'print(d["maps"]["fo_flows"]["max_entries"])')" 16 "capacity kept"
}

test_two_attaches_at_once() {
	local i rc1 rc2 rc3
	setup_pair || return 1
	for i in 1 2 3; do
		fo -n "$NS_A" attach veth0 & local p1=$!
		fo -n "$NS_A" attach veth0 & local p2=$!
		fo -n "$NS_B" attach veth0 & local p3=$!
		wait $p1; rc1=$?; wait $p2; rc2=$?; wait $p3; rc3=$?
		assert_eq "$rc1 $rc2 $rc3" "0 0 0" "round $i exit codes" || return 1
		assert_eq "$(count_ours "$NS_A" egress) $(count_ours "$NS_A" ingress)" "1 1" "filters in A" || return 1
		assert_eq "$(count_ours "$NS_B" egress) $(count_ours "$NS_B" ingress)" "1 1" "filters in B" || return 1
		assert_eq "$(fo -j status | pyjson 'print(len(d["attachments"]))')" 4 "attachments" || return 1
		[ "$i" = 3 ] || fo unload || return 1
	done
	assert_pins_whole_or_gone
}

test_attach_while_unload_runs() {
	local i rca rcu
	setup_pair || return 1
	for i in 1 2 3 4 5 6; do
		fo -n "$NS_A" attach veth0 >/dev/null 2>&1 # something to unload
		fo unload & local pu=$!
		fo -n "$NS_A" attach veth0 2>"/tmp/fo-$TEST_ID.err.$i" & local pa=$!
		wait $pu; rcu=$?; wait $pa; rca=$?
		on_cleanup "rm -f /tmp/fo-$TEST_ID.err.$i"
		assert_eq "$rcu" 0 "round $i unload" || return 1
		assert_eq "$rca" 0 "round $i attach: $(cat "/tmp/fo-$TEST_ID.err.$i")" || return 1
		assert_pins_whole_or_gone || return 1
		# whichever came last, pins and filters agree
		if [ -e "$PIN/fo_tc_egress" ]; then
			assert_eq "$(count_ours "$NS_A" egress)" 1 "round $i: loaded, filter there" || return 1
			fo status >/dev/null || fail "round $i: status on the result" || return 1
		else
			assert_eq "$(count_ours "$NS_A" egress)" 0 "round $i: unloaded, no filter" || return 1
		fi
	done
}

test_device_and_namespace_vanish() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo -n "$NS_B" attach veth0 || return 1
	ip -n "$NS_A" link del veth0 || return 1 # takes its peer in B with it
	assert_rc 1 fo -n "$NS_A" detach veth0 || return 1
	assert_contains "$ERR" "veth0" "the device is named" || return 1
	ip netns del "$NS_B" || return 1
	fo status >/dev/null || fail "status after the device and namespace went" || return 1
	assert_rc 0 fo unload || return 1
	[ -e "$PIN" ] && fail "pins left after unload"
	return 0
}

# A fork/exec/exit storm while traffic flows: the table stays bounded, and what it calls alive
# is alive, with the name /proc gives it. FO_CHURN (default 2000; make stress: 10000).
test_process_churn_leaves_no_stale_owner() {
	local n=${FO_CHURN:-2000} pids="/tmp/fo-$TEST_ID.churn" bad
	setup_pair || return 1
	on_cleanup "rm -f '$pids'"
	fo -n "$NS_A" attach veth0 --max-procs 4096 || return 1
	bg nsenter --net="/run/netns/$NS_A" ping -q -i 0.01 "$IP4_B"
	local ping=$BG_PID
	bash -c "for i in \$(seq $n); do /bin/true & echo \$!; done; wait" > "$pids" || return 1
	assert_eq "$(wc -l < "$pids")" "$n" "processes started" || return 1
	fo -j procs > "$pids.json" || return 1
	on_cleanup "rm -f '$pids.json'"
	bad=$(/usr/bin/python3 - "$pids" "$pids.json" "$FO_BIN" "$PIN" "$ping" <<'EOF'
import json, subprocess, sys, time
churn = set(int(l) for l in open(sys.argv[1]) if l.strip())
procs = json.load(open(sys.argv[2]))
assert len(procs) <= 4096, "table over capacity: %d" % len(procs)
def comm(pid):
    try:
        return open("/proc/%d/comm" % pid).read().strip()
    except OSError:
        return None
suspect, bad = {}, []
for p in procs:
    # pid 0 is the idle task the task iterator yields first: reported, not this test's subject
    if p["exited"] or p["pid"] == 0:
        continue
    c = comm(p["pid"])
    if c is None or (p["pid"] in churn and c == "true") or not c.startswith(p["comm"][:15]):
        suspect[p["pid"]] = (p["comm"], c)
if suspect:
    # The listing is a moment: a process may exit or exec after it. Look again in an order
    # that leaves no race: /proc first, then the table, then /proc again. A process gone
    # from /proc has run its exit hook, so the table read after must say exited; a name the
    # same in both /proc reads was the name while the table was read.
    first = {pid: comm(pid) for pid in suspect}
    again = {p["pid"]: p for p in json.loads(subprocess.check_output(
        [sys.argv[3], "--pin-dir", sys.argv[4], "-j", "procs"]))}
    for pid in suspect:
        p, now = again.get(pid), comm(pid)
        if not p or p["exited"]:
            continue
        if first[pid] is None:
            bad.append("pid %d (%s) alive in the table, gone from /proc" % (pid, p["comm"]))
        elif first[pid] == now and not now.startswith(p["comm"][:15]) and (
                pid in churn or pid == int(sys.argv[5])):
            # a name is checked only for this test's own processes: others may rename
            # themselves (prctl) without an exec
            bad.append("pid %d: table says %s, /proc says %s" % (pid, p["comm"], now))
print("\n".join(bad[:10]))
EOF
) || return 1
	[ -z "$bad" ] || fail "$bad"
}

test_two_unloads_at_once() {
	local rc1 rc2
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo unload & local p1=$!
	fo unload & local p2=$!
	wait $p1; rc1=$?; wait $p2; rc2=$?
	assert_eq "$rc1 $rc2" "0 0" "both unloads succeed" || return 1
	[ -e "$PIN" ] && fail "pins left: $(ls "$PIN" | tr '\n' ' ')" && return 1
	assert_eq "$(count_ours "$NS_A" egress)" 0 "no filter left"
}

# Least privilege, measured: in the device's own namespace CAP_BPF, CAP_NET_ADMIN and
# CAP_PERFMON are enough for every step; -n NETNS (setns) is what needs CAP_SYS_ADMIN.
test_three_capabilities_are_enough_in_the_namespace() {
	have_cmd capsh || skip "capsh missing"
	setup_pair || return 1
	nsenter --net="/run/netns/$NS_A" capsh --drop="$(drop_all_but cap_bpf,cap_net_admin,cap_perfmon)" -- -c \
		"'$FO_BIN' --pin-dir '$PIN' attach veth0 && '$FO_BIN' --pin-dir '$PIN' procs --refresh >/dev/null &&
		 '$FO_BIN' --pin-dir '$PIN' -j flows >/dev/null && '$FO_BIN' --pin-dir '$PIN' detach veth0 &&
		 '$FO_BIN' --pin-dir '$PIN' unload" || fail "a step failed with CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON" || return 1
	[ -e "$PIN" ] && fail "unload left pins" && return 1
	# without CAP_BPF nothing loads, and nothing is left behind
	assert_rc 1 nsenter --net="/run/netns/$NS_A" capsh --drop="$(drop_all_but cap_net_admin,cap_perfmon)" -- -c \
		"exec '$FO_BIN' --pin-dir '$PIN' attach veth0" || return 1
	assert_contains "$ERR" "permission denied" "message without CAP_BPF" || return 1
	assert_pins_whole_or_gone || return 1
	assert_eq "$(count_ours "$NS_A" egress)" 0 "no filter without CAP_BPF"
}

test_netns_option_needs_sys_admin_and_says_so() {
	have_cmd capsh || skip "capsh missing"
	setup_pair || return 1
	assert_rc 1 capsh --drop="$(drop_all_but cap_bpf,cap_net_admin,cap_perfmon)" -- -c \
		"exec '$FO_BIN' --pin-dir '$PIN' -n '$NS_A' attach veth0" || return 1
	assert_contains "$ERR" "$NS_A" "the namespace is named" || return 1
	assert_contains "$ERR" "not permitted" "the cause is given" || return 1
	[ -e "$PIN/fo_tc_egress" ] && fail "loaded although the attach could not happen" && return 1
	assert_eq "$(count_ours "$NS_A" egress)" 0 "no filter"
}

# An attach killed (SIGKILL: no cleanup runs) at any point of its load leaves what the next
# plain attach replaces by itself: it succeeds, counts, and unload then leaves nothing. The
# points are spread over the load as long as it takes on this machine: the attach that
# completes the first kill (at 5 ms, so it loads everything) is timed, not asserted on, and the
# other seven kills fall at eighths of that, up to just before the classifier's pin.
test_attach_killed_anywhere_in_its_load_is_completed_by_the_next() {
	local ms pid flows t0 load_ms=0 k
	setup_pair || return 1
	for k in 0 1 2 3 4 5 6 7; do
		ms=$(( 5 + load_ms * k / 8 ))
		"$FO_BIN" --pin-dir "$PIN" -n "$NS_A" attach veth0 >/dev/null 2>&1 &
		pid=$!
		sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		t0=$(date +%s%N)
		assert_rc 0 fo -n "$NS_A" attach veth0 || fail "attach after a kill at $ms ms: $ERR" || return 1
		[ "$k" = 0 ] && load_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
		assert_eq "$(count_ours "$NS_A" ingress) $(count_ours "$NS_A" egress)" "1 1" \
			"filters after a kill at $ms ms" || return 1
		in_a ping -c 1 -W 2 "$IP4_B" >/dev/null || fail "ping" || return 1
		flows=$(fo -n "$NS_A" -j flows | pyjson 'print(sum(1 for f in d if f["proto"] == "icmp" and f["comm"] == "ping"))')
		assert_eq "$flows" 1 "ping's flow after a kill at $ms ms" || return 1
		assert_rc 0 fo unload || return 1
		[ -e "$PIN" ] && fail "pins left after unload (kill at $ms ms): $(ls "$PIN" | tr '\n' ' ')" && return 1
		assert_eq "$(count_ours "$NS_A" ingress) $(count_ours "$NS_A" egress)" "0 0" \
			"filters after unload (kill at $ms ms)" || return 1
	done
	return 0
}
