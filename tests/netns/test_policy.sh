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
	local py="$POL_DIR/pyexe" got="$POL_DIR/got"
	# /usr/bin/python3 is a symlink: copy the file it names, so the copy is a new inode.
	cp "$(readlink -f /usr/bin/python3)" "$py" || return 1
	: >"$got"
	bg ip netns exec "$NS_B" socat -u TCP-LISTEN:9101,bind="$IP4_B",reuseaddr,fork OPEN:"$got",append
	fo -n "$NS_A" attach veth0 || return 1
	wait_listen "$NS_B" 9101 || return 1

	# The name is the program's to choose: a comm rule is dodged by a rename.
	local id
	id=$(fo mark add comm pyexe drop) || return 1
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
	assert_eq "$(flows_where 'f["comm"]=="pyexe" and f["remote_port"]==9101 and f["dropped"]' | pyjson 'print(len(d))')" \
		1 "the copy's flow under its own name is dropped" || return 1
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
