#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# lib.sh — the netns tests' toolkit: namespaces and veth pairs of their own, a private pin dir,
# asserts, and cleanup that runs even when a test fails. `lib.sh run FILE TEST` runs one test.
#
# Each test gets a unique id; its namespaces are fo<id>a and fo<id>b joined by veth0 <-> veth0,
# with 10.<x>.<y>.1/24 + fd00:<id>::1/64 on side a and .2 / ::2 on side b. Nothing touches the
# host's own interfaces, and traffic goes only to those addresses.
#
# The links are quiet: the kernel sends nothing on them by itself (no ARP, neighbour discovery,
# DAD, router solicitations or MLD reports), so every packet a test counts is one it caused.
# QUIET_LINKS=0 before setup_pair gives ordinary links, for a test about that traffic.

OUT=${OUT:-$(pwd)/build}
FO_BIN=${FO_BIN:-$OUT/flowowner}
TEST_ID=${TEST_ID:-$(( ($$ + RANDOM) % 60000 + 1 ))}
NS_A="fo${TEST_ID}a"
NS_B="fo${TEST_ID}b"
PIN="/sys/fs/bpf/fo-test-${TEST_ID}"
IP4_NET="10.$(( 100 + TEST_ID / 250 % 100 )).$(( TEST_ID % 250 ))"
IP4_A="$IP4_NET.1"
IP4_B="$IP4_NET.2"
IP6_A="fd00:$(printf %x "$TEST_ID")::1"
IP6_B="fd00:$(printf %x "$TEST_ID")::2"
_bg_pids=()
_cleanups=()
_fail_msg=""

# The command under test, with this test's private pin dir.
fo() { "$FO_BIN" --pin-dir "$PIN" "$@"; }
# nsenter, not `ip netns exec`: the latter remounts /sys, hiding cgroups and bpffs pins.
in_a() { nsenter --net="/run/netns/$NS_A" "$@"; }
in_b() { nsenter --net="/run/netns/$NS_B" "$@"; }

# The kernel's own traffic off in namespace NS, for links made there from now on: no router
# solicitations, no link-local address (no EUI-64 twins when both ends share a MAC).
quiet_ns() { # NS
	nsenter --net="/run/netns/$1" sh -c 'for c in all default; do
		sysctl -qw net.ipv6.conf.$c.router_solicitations=0 net.ipv6.conf.$c.addr_gen_mode=1 \
			net.ipv6.conf.$c.accept_dad=0 || exit 1; done'
}

# A veth pair NS1/DEV1 <-> NS2/DEV2 that sends nothing on its own: IFF_NOARP (no ARP, no
# neighbour discovery, no DAD, and no solicited-node groups, hence no MLD reports; the ones that
# remain, ff02::1, never report). Without resolution the kernel sends to the device's own MAC,
# so both ends get the same one. Call before the addresses and before link up; for links a
# test adds itself, after quiet_ns on both namespaces.
quiet_pair() { # NS1 DEV1 NS2 DEV2
	local mac
	mac=$(ip -n "$1" -br link show dev "$2" | awk '{ print $3 }') || return 1
	ip -n "$3" link set dev "$4" address "$mac" &&
	ip -n "$1" link set dev "$2" arp off &&
	ip -n "$3" link set dev "$4" arp off
}

setup_pair() {
	ip netns add "$NS_A" && ip netns add "$NS_B" || return 1
	if [ "${QUIET_LINKS:-1}" = 1 ]; then
		quiet_ns "$NS_A" && quiet_ns "$NS_B" || return 1
	fi
	ip link add veth0 netns "$NS_A" type veth peer name veth0 netns "$NS_B" || return 1
	if [ "${QUIET_LINKS:-1}" = 1 ]; then
		quiet_pair "$NS_A" veth0 "$NS_B" veth0 || return 1
	fi
	ip -n "$NS_A" addr add "$IP4_A/24" dev veth0 &&
	ip -n "$NS_B" addr add "$IP4_B/24" dev veth0 &&
	ip -n "$NS_A" addr add "$IP6_A/64" dev veth0 nodad &&
	ip -n "$NS_B" addr add "$IP6_B/64" dev veth0 nodad &&
	ip -n "$NS_A" link set lo up &&
	ip -n "$NS_B" link set lo up &&
	ip -n "$NS_A" link set veth0 up &&
	ip -n "$NS_B" link set veth0 up
}

# Packets both ends of veth0 have sent so far (the links' own counters; /proc/net/dev is the
# reader's namespace's).
link_packets() {
	local ns n=0 p
	for ns in "$NS_A" "$NS_B"; do
		p=$(nsenter --net="/run/netns/$ns" awk -F'[: ]+' '$2 == "veth0" { print $12 }' /proc/net/dev)
		n=$((n + ${p:-0}))
	done
	echo "$n"
}

# Wait until nothing moves on veth0 any more: the link counters stay the same for 0.3 s. For
# after a test's traffic has ended (its programs exited), before it reads what was counted.
settle() {
	local t=${WAIT:-10} end now before after
	end=$(( ${EPOCHREALTIME/./} + t * 1000000 ))
	before=$(link_packets)
	while :; do
		sleep 0.3
		after=$(link_packets)
		[ "$after" = "$before" ] && return 0
		before=$after
		now=${EPOCHREALTIME/./}
		[ "$now" -lt "$end" ] || return 1
	done
}

# Run a command in the background and remember it for cleanup; its pid is in $BG_PID.
# Each gets its own process group, so cleanup ends pipelines and children too.
bg() {
	set -m # job control: the job leads its own process group
	"$@" &
	BG_PID=$!
	set +m
	_bg_pids+=("$BG_PID")
}

on_cleanup() { _cleanups+=("$*"); }

cleanup() {
	local p c
	for c in "${_cleanups[@]}"; do eval "$c" >/dev/null 2>&1; done
	for p in "${_bg_pids[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null; done
	for p in "${_bg_pids[@]}"; do wait "$p" 2>/dev/null; done
	[ -d "$PIN" ] && "$FO_BIN" --pin-dir "$PIN" unload >/dev/null 2>&1
	[ -d "$PIN" ] && rm -rf "$PIN"
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	# Scratch dirs are /tmp/fo-WHAT-$TEST_ID. A helper that makes one inside $(...) runs in a
	# subshell, where on_cleanup cannot reach this shell's list: remove them here as well.
	rm -rf /tmp/fo-*-"$TEST_ID"
	return 0
}

fail() { _fail_msg="$*"; echo "  FAILED: $*" >&2; return 1; }

assert_eq() { # ACTUAL EXPECTED WHAT
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}
assert_ne() { [ "$1" != "$2" ] || fail "$3: got '$1'"; }
assert_ge() { [ "$1" -ge "$2" ] 2>/dev/null || fail "$3: got '$1', expected at least '$2'"; }
assert_contains() { case "$1" in *"$2"*) ;; *) fail "$3: '$2' not in output: $1" ;; esac; }
assert_rc() { # EXPECTED_RC CMD...: run CMD, check its exit status, keep its stderr in $ERR
	local want=$1; shift
	ERR=$("$@" 2>&1 >/dev/null); local rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want (stderr: $ERR)"
}

# JSON queries go through jq-like one-liners in the system Python (Debian's, not pyenv's).
pyjson() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

# Flows as a JSON array, filtered: flows_where 'f["dev"]=="veth0" and f["proto"]=="tcp"'
flows_where() {
	fo -j flows | pyjson "print(json.dumps([f for f in d if ($1)]))"
}

# Wait until CMD succeeds, up to $WAIT seconds (default 10; whole seconds), by the clock: a
# loaded machine makes the checks slower, not the wait shorter.
wait_for() {
	local t=${WAIT:-10} end
	end=$(( ${EPOCHREALTIME/./} + t * 1000000 ))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# Wait until something listens on PORT (tcp, or udp) in namespace NS. `ss` exits 0 even
# when nothing matches, so the check is on its output.
wait_listen() { # NS PORT [udp]
	local flag=-Htln
	[ "${3:-}" = udp ] && flag=-Huln
	wait_for _listening "$1" "$2" "$flag"
}
_listening() { nsenter --net="/run/netns/$1" ss "$3" "sport = :$2" | grep -q .; }

# A TCP echo server (socat, forking one child per client) in namespace NS on ADDR:PORT: a real
# program with a known pid. nsenter execs it, so $BG_PID is socat itself.
tcp_server() { # NS ADDR PORT -> BG_PID
	local ns=$1 addr=$2 port=$3
	bg nsenter --net="/run/netns/$ns" socat -T 10 "TCP-LISTEN:$port,bind=$addr,reuseaddr,fork" SYSTEM:'cat'
	wait_listen "$ns" "$port"
}

# capsh --drop list that keeps only the capabilities in $1 (comma-separated; "" keeps none).
drop_all_but() {
	capsh --print | sed -n 's/^Bounding set =//p' | tr ',' '\n' |
		grep -v -x -E "$(echo "${1:-^$}" | tr ',' '|')" | paste -sd, -
}

# conntrack in namespace NS, counting bytes: the independent witness of a flow's layer-3
# bytes. A rule that uses ct state loads it, on the input and the output path.
conntrack_on() { # NS
	local ns=$1
	nsenter --net="/run/netns/$ns" sysctl -qw net.netfilter.nf_conntrack_acct=1 || return 1
	nsenter --net="/run/netns/$ns" nft -f - <<-EOF || return 1
	table inet fo_acct {
		chain pre { type filter hook prerouting priority 0; ct state new,established,related accept; }
		chain out { type filter hook output priority 0; ct state new,established,related accept; }
	}
	EOF
}

have_cmd() { command -v "$1" >/dev/null 2>&1; }
skip() { echo "SKIP $_test_name ($*)"; exit 0; }

if [ "${1:-}" = run ]; then
	_file=$2 _test_name=$3
	# shellcheck disable=SC1090
	source "$_file"
	trap cleanup EXIT
	trap 'exit 1' INT TERM
	if "$_test_name"; then
		echo "PASS $_test_name"
	else
		echo "FAIL $_test_name${_fail_msg:+: $_fail_msg}"
	fi
	exit 0
fi
