# SPDX-License-Identifier: GPL-2.0
# test_owner_lifecycle.sh — an owner through its life: exec and rename (names compared whole),
# setuid without exec, owner changes that are not, a reused tuple, pid reuse, zombies.

PY=/usr/bin/python3

setup() {
	setup_pair || return 1
	TMPD=$(mktemp -d /tmp/fo-life-test.XXXXXX) || return 1
	on_cleanup "rm -rf '$TMPD'"
}

# An echo server in B on PORT (socat: the client side is what these tests look at).
echo_server() { # PORT
	bg in_b socat -T 5 "TCP-LISTEN:$1,bind=$IP4_B,reuseaddr,fork" PIPE
	wait_listen "$NS_B" "$1"
}

# Table inet fot in A counting packets that carry MARK on the way out (the socket's mark,
# which netfilter sees before tc) and on the way in (tc ingress sets it before INPUT).
nft_mark_counters() { # MARK
	in_a nft -f - <<EOF
table inet fot {
	chain mout { type filter hook output priority 0; meta mark $1 counter; }
	chain min { type filter hook input priority 0; meta mark $1 counter; }
}
EOF
}
nft_count() { # CHAIN -> packets counted there
	in_a nft -j list chain inet fot "$1" |
		pyjson 'print(sum(e["counter"]["packets"] for r in d["nftables"] if "rule" in r for e in r["rule"]["expr"] if "counter" in e))'
}

# The one TCP flow in A to B:PORT, as "pid comm uid mark tx_packets rx_packets".
flow_to() { # PORT
	fo -n "$NS_A" -j flows | pyjson "
r=[f for f in d if f['proto']=='tcp' and f['remote_port']==$1]
assert len(r)==1, r
f=r[0]; print(f['pid'], f['comm'], f['uid'], f['mark'], f['tx_packets'], f['rx_packets'])"
}

# The flow to PORT is NAME's, carries mark 0x42 (66), and nftables saw exactly its packets
# marked both ways.
assert_marked_flow() { # PORT NAME
	local got pid comm uid mark tx rx
	# The last ACK may still be between the nft hook and tc when the client exits.
	settle || fail "traffic on veth0 did not stop" || return 1
	got=$(flow_to "$1") || fail "no single flow to port $1: $(fo -n "$NS_A" -j flows)" || return 1
	read -r pid comm uid mark tx rx <<< "$got"
	assert_eq "$comm $mark" "$2 66" "comm and mark of the flow to port $1" || return 1
	assert_ge "$tx" 3 "tx packets" || return 1
	assert_eq "$(nft_count mout)" "$tx" "nft output packets with the mark vs the flow's tx_packets" || return 1
	assert_eq "$(nft_count min)" "$rx" "nft input packets with the mark vs the flow's rx_packets"
}

# Exec in place: nsenter execs curl, so the process that was "nsenter" is now "curl".
test_nsenter_execd_curl_is_marked_by_its_comm_rule() {
	setup || return 1
	echo hello > "$TMPD/index.html"
	bg in_b "$PY" -m http.server --bind "$IP4_B" --directory "$TMPD" 8480 >/dev/null 2>&1
	wait_listen "$NS_B" 8480 || fail "http.server" || return 1
	nft_mark_counters 0x42 || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo mark add comm curl mark 0x42 >/dev/null || return 1
	in_a curl -s -o /dev/null "http://$IP4_B:8480/index.html" || fail "curl" || return 1
	assert_marked_flow 8480 curl
}

# A shell execs a program with a longer name, which execs one with a shorter name.
test_exec_longer_then_shorter_name_is_marked_by_the_current_name() {
	setup || return 1
	cp "$(readlink -f /bin/sh)" "$TMPD/fo-longer-named" && cp "$(command -v socat)" "$TMPD/fo-s" || return 1
	echo_server 8481 || return 1
	nft_mark_counters 0x42 || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo mark add comm fo-s mark 0x42 >/dev/null || return 1
	echo hello | in_a "$TMPD/fo-longer-named" -c \
		"exec $TMPD/fo-s -T 3 - TCP:$IP4_B:8481,connect-timeout=2" | grep -q hello ||
		fail "echo through fo-s" || return 1
	assert_marked_flow 8481 fo-s
}

# prctl(PR_SET_NAME) to a name shorter than python3.11, before the connection.
test_prctl_rename_to_shorter_name_is_marked_by_the_new_name() {
	setup || return 1
	echo_server 8482 || return 1
	nft_mark_counters 0x42 || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo mark add comm fo-pr mark 0x42 >/dev/null || return 1
	in_a "$PY" -c "
import ctypes, socket
ctypes.CDLL(None).prctl(15, b'fo-pr', 0, 0, 0)
s = socket.create_connection(('$IP4_B', 8482), timeout=3)
s.sendall(b'hello\n'); assert s.recv(100) == b'hello\n'; s.close()" || fail "client" || return 1
	assert_marked_flow 8482 fo-pr
}

# A forked child that calls setuid() without exec: its flows carry its new uid, and a uid rule
# for that uid marks them — a connection it opens after setuid(), and one it opened before and
# uses after.
test_setuid_child_without_exec_flows_carry_the_new_uid() {
	setup || return 1
	echo_server 8483 || return 1
	fo -n "$NS_A" attach veth0 || return 1
	fo mark add uid 65534 mark 0x42 >/dev/null || return 1
	in_a "$PY" -c "
import os, socket, sys
def echo(s):
    s.sendall(b'hello\\n'); assert s.recv(100) == b'hello\\n'
pid = os.fork()
if pid == 0:
    before = socket.create_connection(('$IP4_B', 8483), timeout=3); echo(before)
    os.setuid(65534)
    echo(before)
    after = socket.create_connection(('$IP4_B', 8483), timeout=3); echo(after)
    before.close(); after.close()
    os._exit(0)
print(pid); sys.stdout.flush()
_, st = os.waitpid(pid, 0)
sys.exit(st != 0)" > "$TMPD/child" || fail "setuid child" || return 1
	local got
	got=$(fo -n "$NS_A" -j flows | pyjson "
print(sorted((f['pid'], f['uid'], f['mark']) for f in d if f['proto']=='tcp' and f['remote_port']==8483))")
	assert_eq "$got" "[($(cat "$TMPD/child"), 65534, 66), ($(cat "$TMPD/child"), 65534, 66)]" \
		"the child's two flows: (pid, uid, mark)"
}

# A 4 s received transfer: the ingress re-lookup (once per owner TTL) finds the same process
# by another way ("lookup" rather than "socket"); that is no owner change.
test_received_transfer_has_no_owner_change() {
	setup || return 1
	fo -n "$NS_B" attach veth0 || return 1
	bg nsenter --net="/run/netns/$NS_B" iperf3 -s -1 -B "$IP4_B" -p 5201 > /dev/null
	local srv=$BG_PID
	wait_listen "$NS_B" 5201 || fail "iperf3 server" || return 1
	# The binary itself in the background, not the fo function's subshell: SIGINT ends it.
	"$FO_BIN" --pin-dir "$PIN" -j -n "$NS_B" watch --timeout 10 > "$TMPD/watch" &
	local watch_pid=$!
	on_cleanup "kill $watch_pid"
	sleep 0.3
	in_a iperf3 -c "$IP4_B" -p 5201 -t 4 -b 100M > /dev/null || fail "iperf3 client" || return 1
	kill -INT "$watch_pid"; wait "$watch_pid"
	local got
	got=$(fo -n "$NS_B" -j flows | pyjson "
r=[f for f in d if f['proto']=='tcp' and f['local_port']==5201]
big=[f for f in r if f['rx_bytes'] > 10000000]
print(len(r), len(big), *sorted(set(f['pid'] for f in r)))") || return 1
	assert_eq "$got" "2 1 $srv" "iperf3 flows: control + data, one carrying the transfer, both the server's" || return 1
	# Events of the two iperf3 flows: the watch saw them start, and saw no owner change.
	got=$("$PY" -c "
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
ours = [e['type'] for e in evs if e.get('proto') == 'tcp' and e.get('local_port') == 5201]
print(ours.count('flow_start'), ours.count('owner_change'))" "$TMPD/watch")
	assert_eq "$got" "2 0" "flow_start and owner_change events of the iperf3 flows" || return 1
	assert_eq "$(fo -j status | pyjson "print(d['counters']['owner_changes'])")" 0 "owner_changes counter"
}

# State of PID in the pid table ("alive", "exited", or "-" when it has no entry).
proc_state() { # PID
	fo -j procs | pyjson "r=[p['state'] for p in d if p['pid']==$1]; print(r[0] if r else '-')"
}

# A parent that never reaps: its child is a zombie, exited but still in the task list.
# Prints the child's pid once the child is a zombie, then waits.
zombie_parent() { # OUTFILE
	bg "$PY" -c "
import os, sys, time
c = os.fork()
if c == 0:
    os._exit(0)
while open('/proc/%d/stat' % c).read().split(') ')[1][0] != 'Z':
    time.sleep(0.01)
print(c); sys.stdout.flush()
time.sleep(30)" > "$1"
	wait_for test -s "$1"
}

# Zombies stay exited: one that died before attach (seen only by the attach walk) and one
# after (seen by the exit tracepoint), both still in the task list when procs --refresh walks.
test_zombies_stay_exited_after_procs_refresh() {
	setup || return 1
	zombie_parent "$TMPD/z1" || fail "first zombie" || return 1
	local p1=$BG_PID
	fo -n "$NS_A" attach veth0 || return 1
	zombie_parent "$TMPD/z2" || fail "second zombie" || return 1
	local p2=$BG_PID z1 z2
	z1=$(cat "$TMPD/z1") z2=$(cat "$TMPD/z2")
	fo procs --refresh > /dev/null || return 1
	assert_eq "$(proc_state "$z1") $(proc_state "$z2")" "exited exited" \
		"zombie from before attach, zombie from after, after procs --refresh" || return 1
	assert_eq "$(proc_state "$p1") $(proc_state "$p2")" "alive alive" "their parents"
}

# Give the next process exactly pid PID (clone3 with set_tid), running sleep; prints its pid.
spawn_with_pid() { # PID
	"$PY" -c "
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
tid = (ctypes.c_int32 * 1)($1)
# struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size,
# tls, set_tid, set_tid_size, cgroup
args = (ctypes.c_uint64 * 11)(0, 0, 0, 0, 17, 0, 0, 0, ctypes.addressof(tid), 1, 0)
r = libc.syscall(435, args, ctypes.sizeof(args))
if r == 0:
    os.dup2(os.open('/dev/null', os.O_WRONLY), 1)   # or \$(...) would wait for it
    os.execv('/bin/sleep', ['sleep', '20'])
if r < 0:
    sys.exit('clone3: ' + os.strerror(ctypes.get_errno()))
print(r)"
}

# pid reuse after a table miss: a process the pid table does not have (its entry deleted
# here, as an LRU eviction or a missed fork would) binds a UDP socket and leaves it to a child
# that never touches it. Its pid goes to a new process. A datagram then arrives for the socket:
# its owner is the process that made it, never the newcomer with the same pid.
test_pid_reuse_after_a_table_miss_never_takes_the_newcomer() {
	setup || return 1
	fo -n "$NS_A" attach veth0 || return 1
	bg nsenter --net="/run/netns/$NS_A" "$PY" -c "
import ctypes, os, socket, sys, time
ctypes.CDLL(None).prctl(15, b'fo-old', 0, 0, 0)
while not os.path.exists('$TMPD/go'):
    time.sleep(0.01)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$IP4_A', 7100))
r, w = os.pipe()
c = os.fork()
if c == 0:
    os.setsid()      # its own group, so nothing still holds the parent's pid as a pgid
    os.write(w, b'x')
    time.sleep(30)   # holds the socket, never uses it
    os._exit(0)
os.read(r, 1)
print(c); sys.stdout.flush()" > "$TMPD/old"
	local old=$BG_PID key
	wait_for sh -c "$FO_BIN --pin-dir $PIN -j procs | grep -q '\"pid\": *$old,'" || fail "no entry for $old" || return 1
	key=$("$PY" -c "print(' '.join('0x%02x' % b for b in ($old).to_bytes(4, 'little')))")
	# shellcheck disable=SC2086
	bpftool map delete pinned "$PIN/fo_procs" key $key || return 1
	assert_eq "$(proc_state "$old")" "-" "the table has no entry for $old" || return 1
	touch "$TMPD/go"
	wait "$old"
	on_cleanup "kill $(cat "$TMPD/old")"
	local new
	new=$(spawn_with_pid "$old") || fail "could not get pid $old again" || return 1
	on_cleanup "kill $new"
	assert_eq "$new" "$old" "the newcomer's pid" || return 1
	echo hi | in_b socat -u - "UDP:$IP4_A:7100,bind=$IP4_B:7101" || return 1
	WAIT=30 wait_for sh -c "$FO_BIN --pin-dir $PIN -n $NS_A -j flows | grep -q '\"local_port\": *7100'" || fail "no flow" || return 1
	assert_eq "$(fo -n "$NS_A" -j flows | pyjson "
r=[f for f in d if f['proto']=='udp' and f['local_port']==7100]
print(len(r), r[0]['pid'], r[0]['comm'], r[0].get('owner_exited'))")" "1 $old fo-old True" \
		"the datagram's flow: count pid comm exited"
}

# One source port, two connections, each closed with a RST (SO_LINGER 0): two flows on each
# end, each with its own flow_start and flow_end and its own bytes. Every packet here carries
# TCP timestamps, so payload = bytes - 52 per packet (IPv4 20 + TCP 32), plus 8 for the SYN's
# or SYN-ACK's longer options: exactly what the client sent and the echo returned.
reused_tuple() { # [ATTACH OPTIONS for the server's end]
	setup || return 1
	echo_server 8484 || return 1
	fo -n "$NS_A" attach veth0 && fo -n "$NS_B" attach veth0 "$@" 2>/dev/null || return 1
	"$FO_BIN" --pin-dir "$PIN" -j watch --timeout 10 > "$TMPD/watch" &
	local watch_pid=$!
	on_cleanup "kill $watch_pid"
	sleep 0.3
	in_a "$PY" -c "
import socket, struct
for n in (1000, 3000):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('$IP4_A', 40123))
    s.connect(('$IP4_B', 8484))
    s.sendall(b'x' * n)
    got = 0
    while got < n:
        got += len(s.recv(65536))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()" || fail "client" || return 1
	WAIT=30 wait_for sh -c "[ \$(grep -c '\"type\":\"flow_end\".*\"remote_port\":8484' $TMPD/watch) -ge 2 ]"
	kill -INT "$watch_pid"; wait "$watch_pid"
	"$PY" - "$TMPD/watch" <<'PYEOF' || fail "events: $(grep -E '40123' "$TMPD/watch")"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
def payload(e, d):
    # 52 bytes of IPv4+TCP a packet, 8 more on a SYN or SYN-ACK. A reconnect that races the
    # peer's handling of the RST has its SYN sent again (a real packet): 1 to 3 of them.
    extra = e[d + '_bytes'] - 52 * e[d + '_packets']
    for syns in (1, 2, 3):
        if (extra - 8 * syns) in (1000, 3000):
            return extra - 8 * syns
    return extra - 8
for side, mine in (('client', lambda e: e['local_port'] == 40123 and e['remote_port'] == 8484),
                   ('server', lambda e: e['local_port'] == 8484 and e['remote_port'] == 40123)):
    ours = [e for e in evs if e.get('proto') == 'tcp' and mine(e)]
    types = [e['type'] for e in ours if e['type'] in ('flow_start', 'flow_end')]
    assert types == ['flow_start', 'flow_end'] * 2, (side, types)
    ends = [e for e in ours if e['type'] == 'flow_end']
    got = [(payload(e, 'tx'), payload(e, 'rx')) for e in ends]
    assert got == [(1000, 1000), (3000, 3000)], (side, got)
PYEOF
}
test_reused_tuple_after_rst_is_a_new_flow() { reused_tuple; }
test_reused_tuple_after_rst_is_a_new_flow_under_xdp() { reused_tuple --xdp=generic; }

# A TCP socket shared after fork: the parent sends 1000 bytes, then the child 2000 and 3000.
# Writes to $TMPD/changes the number of owner_change events, the payload the flow had sent when
# each was reported (watch gives the totals so far), and the new owners' pids.
fork_handover() {
	echo_server 8485 || return 1
	"$FO_BIN" --pin-dir "$PIN" -j -n "$NS_A" watch --timeout 10 > "$TMPD/watch" &
	local watch_pid=$!
	on_cleanup "kill $watch_pid"
	sleep 0.3
	in_a "$PY" -c "
import os, socket
s = socket.create_connection(('$IP4_B', 8485), timeout=3)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.sendall(b'x' * 1000)
pid = os.fork()
if pid == 0:
    s.sendall(b'y' * 2000); s.sendall(b'z' * 3000)
    os._exit(0)
os.waitpid(pid, 0)
print(pid)
s.close()" > "$TMPD/child" || return 1
	WAIT=30 wait_for grep -q '"type":"owner_change"' "$TMPD/watch"
	kill -INT "$watch_pid"; wait "$watch_pid"
	"$PY" -c "
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
ch = [e for e in evs if e['type'] == 'owner_change' and e.get('remote_port') == 8485]
print(len(ch), *[e['tx_bytes'] - 52 * e['tx_packets'] - 8 for e in ch], *[e['pid'] for e in ch])" \
		"$TMPD/watch" > "$TMPD/changes"
}

hook_state() { # TRACEPOINT -> its state in status -j
	fo -j status | pyjson "print([h['state'] for h in d['optional_hooks'] if h['tracepoint']=='$1'])"
}

# tcp_sendmsg_locked (newer than the 6.7 floor) in use: a TCP send is claimed before its data
# leaves, so the flow moves to the child before the child's first byte is counted.
test_tcp_sendmsg_locked_claims_a_send_before_its_data_leaves() {
	setup || return 1
	fo -n "$NS_A" attach veth0 || return 1
	assert_eq "$(hook_state tcp_sendmsg_locked)" "['in_use']" "status: optional hook" || return 1
	fork_handover || fail "client" || return 1
	assert_eq "$(cat "$TMPD/changes")" "1 1000 $(cat "$TMPD/child")" "owner changes: count, payload sent before, new pid"
}

# Without it (FO_DISABLE_HOOKS, as on a kernel that lacks it): attribution holds, status says
# so, and the stated limit is exactly what happens — the first send of a process that took the
# socket over (2000 bytes) still counts to the previous user; the flow moves when it returns.
test_without_tcp_sendmsg_locked_the_first_send_after_a_handover_is_the_previous_users() {
	setup || return 1
	FO_DISABLE_HOOKS=tcp_sendmsg_locked fo -n "$NS_A" attach veth0 || return 1
	assert_eq "$(hook_state tcp_sendmsg_locked)" "['off']" "status: optional hook" || return 1
	assert_eq "$(fo -j status | pyjson "print(sorted(l['name'] for l in d['links'] if 'sendmsg' in l['name']))")" \
		"['fo_sendmsg4', 'fo_sendmsg6']" "tracing links for sends" || return 1
	fo status | grep -qE '^  tcp_sendmsg_locked +off$' || fail "status table: $(fo status)" || return 1
	fork_handover || fail "client" || return 1
	assert_eq "$(cat "$TMPD/changes")" "1 3000 $(cat "$TMPD/child")" "owner changes: count, payload sent before, new pid" || return 1
	assert_eq "$(fo -n "$NS_A" -j flows | pyjson "print([f['pid'] for f in d if f['proto']=='tcp'])")" \
		"[$(cat "$TMPD/child")]" "the flow's owner at the end"
}

# UDP sockets bound before attach (IPv4 and IPv6) that only receive: the snapshot's socket
# walks record their owner, so the first datagram after attach is the process's.
test_udp_sockets_opened_before_attach_owned_from_the_first_datagram_v4_v6() {
	local pid
	setup || return 1
	bg in_b $PY -c "
import os, socket, sys
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s4.bind(('$IP4_B', 7100))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s6.bind(('$IP6_B', 7106))
print(os.getpid(), flush=True)
s4.settimeout(60); s6.settimeout(60); s4.recv(100); s6.recv(100)" > "$TMPD/rcv"
	wait_for test -s "$TMPD/rcv" || return 1
	pid=$(cat "$TMPD/rcv")
	fo -n "$NS_B" attach veth0 || return 1
	in_a $PY -c "
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('$IP4_B', 7100))
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b'x', ('$IP6_B', 7106))" || return 1
	wait "$BG_PID" || fail "the receiver got nothing" || return 1
	assert_eq "$(fo -n "$NS_B" -j flows | pyjson "print(sorted((f['local_port'], f['pid'], f['owner_source'], f['rx_packets']) for f in d if f['proto'] == 'udp'))")" \
		"[(7100, $pid, 'snapshot', 1), (7106, $pid, 'snapshot', 1)]" "both sockets' first datagram"
}
