# SPDX-License-Identifier: GPL-2.0
# test_policy.sh — policy a program cannot dodge (exe) and shaping (rate, quota), end to end.

# A private directory for this test's program copies and files.
pol_dir() {
	POL_DIR="/tmp/fo-policy-$TEST_ID"
	mkdir -p "$POL_DIR" || return 1
	on_cleanup "rm -rf $POL_DIR"
}

# A client in namespace A: python at PY connects to B:PORT (renaming itself to NAME first when
# NAME is given) and sends its name; exit 0 once the server has it, 1 if it cannot connect.
py_client() { # PY PORT [NAME]
	in_a "$1" - "$IP4_B" "$2" "${3:-}" <<'EOF'
import ctypes, socket, sys
if sys.argv[3]:
    ctypes.CDLL(None).prctl(15, sys.argv[3].encode(), 0, 0, 0)  # PR_SET_NAME
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1)
    s.sendall(open("/proc/self/comm").read().encode())
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
except OSError:
    sys.exit(1)
EOF
}

test_exe_rule_holds_through_rename_and_refuses_non_executables() {
	setup_pair || return 1
	pol_dir || return 1
	# Names longer than "nsenter", which the clients exec from: the pid table's copy of a
	# shorter name would keep the tail of the longer one (see attribution.md).
	local py="$POL_DIR/pyexecopy" got="$POL_DIR/got"
	# /usr/bin/python3 is a symlink: copy the file it names, so the copy is a new inode.
	cp "$(readlink -f /usr/bin/python3)" "$py" || return 1
	: >"$got"
	bg ip netns exec "$NS_B" socat -u TCP-LISTEN:9101,bind="$IP4_B",reuseaddr,fork OPEN:"$got",append
	fo -n "$NS_A" attach veth0 || return 1
	wait_listen "$NS_B" 9101 || return 1

	# The name is the program's to choose: a comm rule is dodged by a rename.
	local id
	id=$(fo mark add comm pyexecopy drop) || return 1
	py_client "$py" 9101 && fail "the comm rule let its program through" && return 1
	py_client "$py" 9101 innocent || fail "renamed copy was stopped by a comm rule" || return 1
	fo mark del "$id" || return 1

	fo mark add exe "$py" drop >/dev/null || return 1
	py_client "$py" 9101 innocent && fail "renamed copy got through an exe rule" && return 1
	py_client "$py" 9101 && fail "the copy under its own name got through" && return 1
	# The rule names that file and no other: the system's python3 connects, renamed too.
	py_client /usr/bin/python3 9101 innocent || fail "system python3 was stopped" || return 1
	sleep 0.2
	assert_eq "$(tr -d '\n' <"$got")" innocentinnocent "what the server received (two innocents: comm dodge + system python3)" || return 1
	assert_eq "$(flows_where 'f["comm"]=="innocent" and f["remote_port"]==9101 and f["dropped"]' |
		pyjson 'print(len(d), all(f["tx_packets"] >= 1 and f["rx_packets"] == 0 for f in d))')" \
		"1 True" "the renamed copy's flow: seen, sent, dropped, nothing back" || return 1
	assert_eq "$(flows_where 'f["comm"]=="pyexecopy" and f["remote_port"]==9101 and f["dropped"]' | pyjson 'print(len(d))')" \
		2 "the copy's flows under its own name are dropped (one by the comm rule, one by the exe rule)" || return 1
	assert_eq "$(fo -j mark list | pyjson 'print(d[0]["selector"], d[0]["value"] == "'"$py"'", d[0]["action"])')" \
		"exe True drop" "listed rule" || return 1

	local before
	before=$(fo -j mark list)
	: >"$POL_DIR/data" && chmod 644 "$POL_DIR/data"
	assert_rc 2 fo mark add exe "$POL_DIR/data" drop || return 1
	assert_contains "$ERR" "exe $POL_DIR/data: not an executable regular file" "non-executable file" || return 1
	assert_rc 2 fo mark add exe "$POL_DIR" drop || return 1
	assert_contains "$ERR" "exe $POL_DIR: not an executable regular file" "directory" || return 1
	assert_rc 2 fo mark add exe "$POL_DIR/none" drop || return 1
	assert_contains "$ERR" "exe $POL_DIR/none: No such file" "missing file" || return 1
	assert_rc 2 fo mark add exe "$(readlink -f /usr/bin/python3)" rate 10furlongs || return 1
	assert_eq "$(fo -j mark list)" "$before" "rules unchanged by refused ones"
}

# Goodput in Mbit/s of one iperf3 client run in namespace A (its JSON report on stdin).
iperf_mbit() { pyjson 'print(round(d["end"]["sum_received"]["bits_per_second"] / 1e6, 1))'; }

test_rate_holds_one_program_to_20mbit_both_ways_and_no_other() {
	setup_pair || return 1
	have_cmd iperf3 || skip "no iperf3"
	pol_dir || return 1
	local lim="$POL_DIR/iperf3lim" p
	cp "$(readlink -f "$(command -v iperf3)")" "$lim" || return 1
	for p in 5301 5302 5303; do
		bg in_b iperf3 -s -1 -B "$IP4_B" -p "$p"
	done
	fo -n "$NS_A" attach veth0 || return 1
	fo mark add comm iperf3lim rate ${FO_RATE:-20mbit} ${FO_BURST:+burst $FO_BURST} >/dev/null || return 1
	for p in 5301 5302 5303; do wait_listen "$NS_B" "$p" || return 1; done
	# Upload and download (-R) under the rule, and an unlimited iperf3, all at once.
	in_a "$lim" -c "$IP4_B" -p 5301 -t 5 -J >"$POL_DIR/up.json" &
	local up=$!
	in_a "$lim" -c "$IP4_B" -p 5302 -t 5 -R -J >"$POL_DIR/down.json" &
	local down=$!
	in_a iperf3 -c "$IP4_B" -p 5303 -t 5 -J >"$POL_DIR/free.json" &
	local free=$!
	wait "$up" "$down" "$free"
	local mup mdown mfree
	mup=$(iperf_mbit <"$POL_DIR/up.json") && mdown=$(iperf_mbit <"$POL_DIR/down.json") &&
		mfree=$(iperf_mbit <"$POL_DIR/free.json") || fail "an iperf3 run failed" || return 1
	echo "  upload $mup Mbit/s, download $mdown Mbit/s, unlimited $mfree Mbit/s; $(fo -j status | pyjson 'c=d["counters"]; print("dropped_rate", c["dropped_rate"])')"
	assert_eq "$(echo "$mup" | awk '{print ($1 >= 15 && $1 <= 21)}')" 1 "upload goodput $mup Mbit/s within 15..21" || return 1
	assert_eq "$(echo "$mdown" | awk '{print ($1 >= 15 && $1 <= 21)}')" 1 "download goodput $mdown Mbit/s within 15..21" || return 1
	assert_eq "$(echo "$mfree $mup $mdown" | awk '{print ($1 >= 10 * ($2 > $3 ? $2 : $3))}')" 1 \
		"unlimited iperf3 at $mfree Mbit/s, at least 10x the limited ones" || return 1
	assert_ge "$(fo -j status | pyjson 'print(d["counters"]["dropped_rate"])')" 1 "dropped_rate counter"
}

status_counter() { fo -j status | pyjson "print(d['counters']['$1'])"; }
counter_at_least() { [ "$(status_counter "$1")" -ge "$2" ]; }
file_larger() { [ "$(stat -c %s "$1")" -gt "$2" ]; }

test_quota_stops_a_download_once_and_reset_lets_it_go_on() {
	setup_pair || return 1
	have_cmd curl || skip "no curl"
	pol_dir || return 1
	local curlq="$POL_DIR/curlquota" id size used
	cp "$(readlink -f "$(command -v curl)")" "$curlq" && mkdir "$POL_DIR/www" || return 1
	dd if=/dev/zero of="$POL_DIR/www/big" bs=1000000 count=5 status=none || return 1
	bg in_b /usr/bin/python3 -m http.server 8080 --bind "$IP4_B" --directory "$POL_DIR/www"
	fo -n "$NS_A" attach veth0 || return 1
	id=$(fo mark add comm curlquota quota 1MiB) || return 1
	bg fo -j watch --timeout 20 >"$POL_DIR/events"
	wait_listen "$NS_B" 8080 || return 1
	sleep 0.3 # watch is reading before the first packet
	bg nsenter --net="/run/netns/$NS_A" "$curlq" -s -o "$POL_DIR/out" --max-time 15 "http://$IP4_B:8080/big"
	local cpid=$BG_PID # nsenter execs curl: the same pid
	WAIT=100 wait_for counter_at_least dropped_quota 1 || fail "no packet dropped by the quota" || return 1
	sleep 0.5 # what was in flight lands; then nothing more gets through
	size=$(stat -c %s "$POL_DIR/out")
	echo "  stopped at $size bytes"
	assert_eq "$(awk -v s="$size" 'BEGIN { print (s >= 0.9 * 1048576 && s <= 1.3 * 1048576) }')" 1 \
		"downloaded $size bytes: between 0.9 and 1.3 MiB" || return 1
	sleep 0.3
	assert_eq "$(stat -c %s "$POL_DIR/out")" "$size" "nothing more after the quota" || return 1
	used=$(fo -j mark list | pyjson 'print(d[0]["actions"]["quota_used"], d[0]["actions"]["quota"], d[0]["quota"])')
	assert_contains "$used" " 1048576 " "mark list shows the limit" || return 1
	assert_eq "$(echo "$used" | awk '{ print ($1 >= 1048576 && $1 <= 1.3 * 1048576) }')" 1 "mark list used: $used" || return 1
	assert_eq "$(fo mark list | awk -v id="$id" '$1 == id { print $(NF-4), $(NF-3), $(NF-2), $(NF-1), $NF }')" \
		"$(echo "$used" | awk '{ printf "%.1f MiB / 1.0 MiB", $1 / 1048576 }')" "the table's Used/Quota" || return 1
	# Exactly one event, naming the owner and the rule.
	assert_eq "$(pyjson_lines "$POL_DIR/events" 'print([(e["comm"], e["pid"], e["rule"], e["quota"], e["quota_used"] >= 1048576) for e in d if e["type"] == "quota_reached"])')" \
		"[('curlquota', $cpid, $id, 1048576, True)]" "quota_reached events" || return 1
	assert_ge "$(status_counter dropped_quota)" 1 "status dropped_quota" || return 1
	fo mark reset "$id" || return 1
	# The same download goes on when the server retransmits, until the quota is reached again:
	# a second event, and about one more MiB (the count started from zero).
	WAIT=60 wait_for quota_events 2 || fail "no second quota_reached after mark reset ($(stat -c %s "$POL_DIR/out") bytes)" || return 1
	sleep 0.5
	local more=$(( $(stat -c %s "$POL_DIR/out") - size ))
	echo "  moved $more bytes more after mark reset"
	assert_eq "$(awk -v s="$more" 'BEGIN { print (s >= 0.9 * 1048576 && s <= 1.3 * 1048576) }')" 1 \
		"moved $more bytes after the reset: between 0.9 and 1.3 MiB"
}

quota_events() { # N: the watch output has N quota_reached events
	[ "$(grep -c '"quota_reached"' "$POL_DIR/events")" -eq "$1" ]
}

# A file of JSON lines as one list in d.
pyjson_lines() { # FILE CODE
	/usr/bin/python3 -c "import json,sys; d=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; $2" "$1"
}

test_shaping_rules_combine_refuse_bad_units_and_survive_save_restore() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	local id before
	id=$(fo mark add comm backupjob mark 0x10 rate 5mbit quota 1GiB) || return 1
	fo mark add uid 4242 mark 0x1 >/dev/null || return 1
	assert_eq "$(fo -j mark list | pyjson 'print(d[0]["action"], d[0]["actions"]["rate"], d[0]["actions"]["quota"], d[0]["actions"]["quota_used"])')" \
		"mark 0x10 rate 5mbit quota 1GiB 5000000 1073741824 0" "the combined rule" || return 1
	before=$(fo -j mark list)
	assert_rc 2 fo mark add comm other rate 10furlongs || return 1
	assert_contains "$ERR" "rate 10furlongs: not a rate" "bad rate unit" || return 1
	assert_rc 2 fo mark add comm other quota 5XB || return 1
	assert_contains "$ERR" "quota 5XB: not a size" "bad quota unit" || return 1
	assert_rc 2 fo mark add comm other quota -1MiB || return 1
	assert_contains "$ERR" "quota -1MiB: not a size" "negative quota" || return 1
	assert_rc 2 fo mark add comm other mark 1 burst 1M || return 1
	assert_contains "$ERR" "burst: only with a rate" "burst without rate" || return 1
	assert_rc 2 fo mark add comm other drop rate 1mbit || return 1
	assert_rc 2 fo mark reset 2 || return 1
	assert_contains "$ERR" "neither rate nor quota" "reset of a mark-only rule" || return 1
	assert_rc 1 fo mark reset 99 || return 1
	assert_eq "$(fo -j mark list)" "$before" "rules unchanged by refused ones" || return 1
	assert_eq "$(fo -j status | pyjson 'print(d["counters"]["dropped_rate"], d["counters"]["dropped_quota"], "fo_shape" in d["maps"])')" \
		"0 0 True" "status counters and map" || return 1
	pol_dir || return 1
	fo mark save >"$POL_DIR/rules" || return 1
	assert_contains "$(cat "$POL_DIR/rules")" "comm backupjob mark 0x10 rate 5mbit quota 1GiB" "saved line" || return 1
	fo mark restore "$POL_DIR/rules" || return 1
	assert_eq "$(fo -j mark list | pyjson 'print([r["match"] + "=" + r["action"] for r in d])')" \
		"['comm backupjob=mark 0x10 rate 5mbit quota 1GiB', 'uid 4242=mark 0x1']" "rules after restore" || return 1
	assert_eq "$(fo -j mark list | pyjson 'print(d[0]["actions"]["quota_used"])')" 0 "restored quota starts at zero" || return 1
	fo mark reset 1 || fail "reset of the restored rule" || return 1
}
