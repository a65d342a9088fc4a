# SPDX-License-Identifier: GPL-2.0
# test_errors.sh — what a user sees when something is wrong: a message naming the object, exit 1 or 2.

test_missing_device_is_named() {
	setup_pair || return 1
	assert_rc 1 fo -n "$NS_A" attach nosuchdev0 || return 1
	assert_eq "$ERR" "flowowner: nosuchdev0: no such device" "message" || return 1
	[ -e "$PIN" ] && fail "pins created for a failed attach"
	return 0
}

test_missing_netns_is_named() {
	assert_rc 1 fo -n "fo-no-such-ns-$TEST_ID" attach veth0 || return 1
	assert_eq "$ERR" "flowowner: fo-no-such-ns-$TEST_ID: no such network namespace" "message"
}

test_not_root_gets_permission_error() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	have_cmd setpriv || skip "setpriv missing"
	# An ordinary user must neither change nor read anything.
	assert_rc 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$FO_BIN" --pin-dir "$PIN" flows || return 1
	assert_contains "$ERR" "permission denied" "flows as nobody" || return 1
	assert_rc 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$FO_BIN" --pin-dir "$PIN" -n "$NS_A" attach veth0 || return 1
	assert_contains "$ERR" "flowowner: " "attach as nobody" || return 1
	# Nor around the tool: the pins are root's alone (dir 0700, objects 0600).
	assert_eq "$(stat -c '%a %u' "$PIN")" "700 0" "pin dir mode" || return 1
	assert_eq "$(stat -c '%a %u' "$PIN/fo_flows")" "600 0" "fo_flows pin mode" || return 1
	if have_cmd bpftool; then
		assert_rc 255 setpriv --reuid=65534 --regid=65534 --clear-groups bpftool map dump pinned "$PIN/fo_procs" || return 1
	fi
	for cmd in status procs top\ --once metrics watch\ --count\ 1; do
		# shellcheck disable=SC2086
		assert_rc 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$FO_BIN" --pin-dir "$PIN" $cmd || return 1
		assert_contains "$ERR" "permission denied" "$cmd as nobody" || return 1
	done
}

test_usage_errors_exit_2() {
	assert_rc 2 fo || return 1
	assert_rc 2 fo frobnicate || return 1
	assert_contains "$ERR" "frobnicate: unknown command" "unknown command" || return 1
	assert_rc 2 fo attach || return 1
	assert_rc 2 fo attach veth0 --bogus || return 1
	assert_rc 2 fo attach a-device-name-longer-than-ifnamsiz || return 1
	assert_rc 2 fo attach veth0 --prio 0 || return 1
	assert_rc 2 fo flows --sort sideways || return 1
	assert_rc 2 fo flows --pid notanumber || return 1
	assert_rc 0 fo --help || return 1
	assert_rc 0 fo help flows
}

test_commands_before_load_say_not_loaded() {
	assert_rc 1 fo flows || return 1
	assert_contains "$ERR" "not loaded" "flows before attach" || return 1
	assert_rc 0 fo unload
}
