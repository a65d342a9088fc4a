# SPDX-License-Identifier: GPL-2.0
# test_attribution.sh — every packet's owner, checked against programs whose pids the test knows,
# and against ss -tanp/-uanp.

H="$OUT/tests"

# Run a helper in NS in the background, its output in FILE; waits for its first line.
# Sets BG_PID (the helper itself: nsenter execs it).
helper_bg() { # NS FILE HELPER ARGS...
	local ns=$1 file=$2; shift 2
	bg nsenter --net="/run/netns/$ns" "$H/$@" > "$file"
	wait_for test -s "$file"
}

# First field after KEY in FILE's line that starts with KEY: `val srv.out ready` -> pid.
val() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }
port_of() { awk '$1 == "pid" { print $4; exit }' "$1"; }

# One flow seen in NS, as "field=value" words, selected by a Python expression on f.
flow_get() { # NS EXPR FIELDS...
	local ns=$1 expr=$2; shift 2
	fo -n "$ns" -j flows | pyjson "
r=[f for f in d if ($expr)]
print(len(r), *[str(r[0].get(k)) if r else '-' for k in '$*'.split()])"
}

counter() { fo -j status | pyjson "print(d['counters'].get('$1', 0))"; }

# Packets on flows matching EXPR, both namespaces, both directions.
packets_where() {
	{ fo -n "$NS_A" -j flows; fo -n "$NS_B" -j flows; } | /usr/bin/python3 -c "
import json,sys
n=0
for line in sys.stdin:
    for f in json.loads(line):
        if ($1): n += f['tx_packets'] + f['rx_packets']
print(n)"
}

# The pair of namespaces, and a scratch directory that goes with them.
setup() {
	setup_pair || return 1
	TMPD=$(mktemp -d /tmp/fo-attr-test.XXXXXX) || return 1
	on_cleanup "rm -rf '$TMPD'"
}

attach_both() {
	fo -n "$NS_A" attach veth0 || return 1
	fo -n "$NS_B" attach veth0
}

# TCP: the client's SYN and the server's SYN-ACK carry their owners; so does every later packet.
tcp_both_ends() { # ADDR_B
	local dst=$1 cpid cport spid
	setup || return 1
	attach_both || return 1
	helper_bg "$NS_B" "$TMPD/srv" fo_server -s 300000 "$dst" 8080 || fail "server" || return 1
	spid=$(val "$TMPD/srv" ready)
	in_a "$H/fo_client" -n fo-cli -b 200000 -r "$dst" 8080 > "$TMPD/cli" || fail "client" || return 1
	cpid=$(val "$TMPD/cli" pid)
	cport=$(port_of "$TMPD/cli")
	settle || fail "traffic on veth0 did not stop" || return 1
	assert_eq "$(flow_get "$NS_A" "f['proto']=='tcp' and f['local_port']==$cport" pid comm owner_source)" \
		"1 $cpid fo-cli socket" "client flow in $NS_A" || return 1
	assert_eq "$(flow_get "$NS_B" "f['proto']=='tcp' and f['remote_port']==$cport" pid comm owner_source)" \
		"1 $spid fo_server socket" "server flow in $NS_B" || return 1
	# Every packet the classifier saw on these two flows was attributed when it passed: the
	# SYN, the SYN-ACK, the handshake ACK, data, FINs. Nothing else here is TCP.
	local tcp attributed
	tcp=$(packets_where "f['proto']=='tcp'")
	attributed=$(counter attributed)
	assert_ge "$tcp" 8 "tcp packets" || return 1
	assert_eq "$attributed" "$tcp" "packets attributed as they passed vs packets on the TCP flows"
}

test_tcp4_both_ends_attributed_from_the_first_packet() { tcp_both_ends "$IP4_B"; }
test_tcp6_both_ends_attributed_from_the_first_packet() { tcp_both_ends "$IP6_B"; }

# A SYN to a closed port: the client's one SYN is attributed; the RST is the kernel's.
test_syn_to_closed_port_client_owned_rst_kernel() {
	setup || return 1
	attach_both || return 1
	in_a "$H/fo_client" -n fo-refused "$IP4_B" 9 > "$TMPD/cli" 2>/dev/null
	local why
	why=$(fo -j status | pyjson "print(d['counters'].get('unattributed_kernel', d['counters'].get('why_kernel', -1)))")
	assert_eq "$(flow_get "$NS_A" "f['proto']=='tcp' and f['remote_port']==9" tx_packets rx_packets comm owner_source)" \
		"1 1 1 fo-refused socket" "client flow" || return 1
	assert_eq "$(flow_get "$NS_B" "f['proto']=='tcp' and f['local_port']==9" pid owner_source unattributed_reason)" \
		"1 0 none no_socket" "closed-port flow in $NS_B"
}

udp_both_ends() { # ADDR_B MODE(-u|-U) IP_HEADER_LEN
	local dst=$1 mode=$2 cpid cport spid
	setup || return 1
	attach_both || return 1
	helper_bg "$NS_B" "$TMPD/srv" fo_server -u "$dst" 5353 || fail "server" || return 1
	spid=$(val "$TMPD/srv" ready)
	in_a "$H/fo_client" "$mode" -n fo-udp -b 700 -c 5 -r "$dst" 5353 > "$TMPD/cli" || fail "client" || return 1
	cpid=$(val "$TMPD/cli" pid)
	cport=$(port_of "$TMPD/cli")
	assert_eq "$(flow_get "$NS_A" "f['proto']=='udp' and f['local_port']==$cport" pid comm tx_packets rx_packets tx_bytes)" \
		"1 $cpid fo-udp 5 5 $(( 5 * (700 + 8 + $3) ))" "client flow" || return 1
	assert_eq "$(flow_get "$NS_B" "f['proto']=='udp' and f['remote_port']==$cport" pid comm tx_packets rx_packets)" \
		"1 $spid fo_server 5 5" "server flow" || return 1
	assert_eq "$(counter attributed)" "$(packets_where "f['proto']=='udp'")" "udp packets all attributed"
}

test_udp4_connected() { udp_both_ends "$IP4_B" -u 20; }
test_udp4_unconnected_sendto() { udp_both_ends "$IP4_B" -U 20; }
test_udp6_connected() { udp_both_ends "$IP6_B" -u 40; }
test_udp6_unconnected_sendto() { udp_both_ends "$IP6_B" -U 40; }

# ping: the request leaves on ping's socket; the reply is matched to it by the echo id. On the
# answering side the kernel owns the reply, and it says so.
ping_both_ends() { # PINGCMD ADDR PROTO
	local pid
	setup || return 1
	attach_both || return 1
	bg nsenter --net="/run/netns/$NS_A" $1 -c 3 -i 0.2 -W 1 "$2" > /dev/null
	pid=$BG_PID
	wait "$pid" || fail "ping failed" || return 1
	# Echo flows carry the echo id as local port; neighbour discovery's ICMPv6 has none.
	assert_eq "$(flow_get "$NS_A" "f['proto']=='$3' and f['local_port']" pid comm tx_packets rx_packets)" \
		"1 $pid ping 3 3" "ping's flow" || return 1
	assert_eq "$(flow_get "$NS_B" "f['proto']=='$3' and f['local_port']" pid rx_packets tx_packets unattributed_reason)" \
		"1 0 3 3 kernel" "the answering side"
}

test_ping4_reply_matched_to_request_owner() { ping_both_ends ping "$IP4_B" icmp; }
test_ping6_reply_matched_to_request_owner() { ping_both_ends "ping -6" "$IP6_B" icmpv6; }

# ICMP datagram sockets ("ping sockets", what unprivileged ping uses) as well as raw ones.
test_ping4_datagram_socket() {
	setup || return 1
	in_a sysctl -qw net.ipv4.ping_group_range="0 2147483647" || return 1
	attach_both || return 1
	# A Python ping over SOCK_DGRAM/IPPROTO_ICMP: the kernel picks the echo id.
	in_a /usr/bin/python3 -c "
import socket, os, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
print(os.getpid(), flush=True)
for i in range(3):
    s.sendto(b'\x08\x00\x00\x00\x00\x00\x00' + bytes([i]) + b'payload', ('$IP4_B', 0))
    s.recv(100)
" > "$TMPD/py" || fail "datagram ping" || return 1
	assert_eq "$(flow_get "$NS_A" "f['proto']=='icmp'" pid comm tx_packets rx_packets)" \
		"1 $(cat "$TMPD/py") python3 3 3" "datagram ping's flow"
}

# A connection made before attach, whose client then only receives: the task-file walk at
# attach names its owner, and the first packet after attach is attributed.
test_idle_preexisting_connection_attributed_from_first_packet() {
	local spid cpid cport
	setup || return 1
	mkfifo "$TMPD/go" || return 1
	exec 7<> "$TMPD/go" # read-write: opening does not block, and the server waits for a line
	bg nsenter --net="/run/netns/$NS_B" "$H/fo_server" -i -s 500000 "$IP4_B" 8080 < "$TMPD/go" > "$TMPD/srv"
	wait_for test -s "$TMPD/srv" || return 1
	spid=$(val "$TMPD/srv" ready)
	bg nsenter --net="/run/netns/$NS_A" "$H/fo_client" -n fo-idle -r "$IP4_B" 8080 > "$TMPD/cli"
	wait_for grep -q accept "$TMPD/srv" || fail "no connection" || return 1
	cpid=$(val "$TMPD/cli" pid)
	cport=$(port_of "$TMPD/cli")
	settle || fail "traffic on veth0 did not stop" || return 1 # the handshake and the client's FIN are done before attach
	attach_both || return 1
	echo go >&7 # now the server sends; the client only receives and acks
	exec 7>&-
	wait "$BG_PID"
	settle || fail "traffic on veth0 did not stop" || return 1
	assert_eq "$(flow_get "$NS_A" "f['proto']=='tcp' and f['local_port']==$cport" pid comm)" \
		"1 $cpid fo-idle" "idle client's flow" || return 1
	assert_eq "$(flow_get "$NS_B" "f['proto']=='tcp' and f['remote_port']==$cport" pid comm)" \
		"1 $spid fo_server" "idle server's flow" || return 1
	assert_eq "$(counter attributed)" "$(packets_where "f['proto']=='tcp'")" \
		"every TCP packet after attach attributed"
}

# Forty clients that connect, send and exit at once: each flow keeps its own pid and name.
test_forty_short_lived_clients_keep_pid_and_name() {
	local i pids=()
	setup || return 1
	attach_both || return 1
	helper_bg "$NS_B" "$TMPD/srv" fo_server -k 4 "$IP4_B" 8080 || return 1
	for i in $(seq 1 40); do
		nsenter --net="/run/netns/$NS_A" "$H/fo_client" -n "fo-short-$i" -b $((i * 100)) -r \
			"$IP4_B" 8080 > "$TMPD/c$i" &
		pids+=($!)
	done
	wait "${pids[@]}" || fail "a client failed" || return 1
	settle || fail "traffic on veth0 did not stop" || return 1
	local want got
	want=$(for i in $(seq 1 40); do echo "$(port_of "$TMPD/c$i") $(val "$TMPD/c$i" pid) fo-short-$i True $((i * 100 + 8))"; done | sort)
	got=$(fo -n "$NS_A" -j flows | pyjson "
for f in d:
    if f['proto']=='tcp': print(f['local_port'], f['pid'], f['comm'], f.get('owner_exited'), f['tx_bytes'] - 52 * f['tx_packets'])" | sort)
	# tx_bytes minus 52 (IPv4 + TCP with timestamps) per packet is the payload the client sent,
	# plus 8 (the SYN's MSS, SACK and window-scale options).
	assert_eq "$got" "$want" "forty flows: port pid comm exited payload"
}

# pid reuse: a second process given the first one's pid (ns_last_pid) owns only its own flow.
test_pid_reuse_never_inherits_flows() {
	local p1 port1 p2 port2 try
	setup || return 1
	attach_both || return 1
	helper_bg "$NS_B" "$TMPD/srv" fo_server -k 2 "$IP4_B" 8080 || return 1
	in_a "$H/fo_client" -n fo-reuse-old -b 1000 -r "$IP4_B" 8080 > "$TMPD/c1" || return 1
	p1=$(val "$TMPD/c1" pid)
	port1=$(port_of "$TMPD/c1")
	for try in $(seq 1 30); do
		# The next fork takes p1 unless another process on the host forks first: retry.
		echo $((p1 - 1)) > /proc/sys/kernel/ns_last_pid
		nsenter --net="/run/netns/$NS_A" "$H/fo_client" -n fo-reuse-new -b 2000 -r "$IP4_B" 8080 > "$TMPD/c2"
		p2=$(val "$TMPD/c2" pid)
		[ "$p2" = "$p1" ] && break
	done
	[ "$p2" = "$p1" ] || fail "could not get pid $p1 again in 30 tries" || return 1
	port2=$(port_of "$TMPD/c2")
	settle || fail "traffic on veth0 did not stop" || return 1
	assert_eq "$(flow_get "$NS_A" "f['proto']=='tcp' and f['local_port']==$port1" pid comm owner_exited)" \
		"1 $p1 fo-reuse-old True" "first process's flow" || return 1
	assert_eq "$(flow_get "$NS_A" "f['proto']=='tcp' and f['local_port']==$port2" pid comm)" \
		"1 $p1 fo-reuse-new" "second process's flow" || return 1
	# procs sums flows by (pid, start time): the new process owns only its own 2000 bytes.
	assert_eq "$(fo -j procs | pyjson "print([p['comm'] for p in d if p['pid']==$p1])")" \
		"['fo-reuse-new']" "the pid table names the new process"
}

# Names: the process name is the leader's (as ps and ss show it); a rename or an exec shows in
# the packets sent after it, and a flow that saw no packet since keeps the name it had.
test_renamed_thread_and_exec_names_later_packets() {
	local pid
	setup || return 1
	fo -n "$NS_A" attach veth0 || return 1
	ln -s "$H/fo_rename" "$TMPD/fo-execd" || return 1
	bg nsenter --net="/run/netns/$NS_A" "$H/fo_rename" "$IP4_B" 7000 fo-renamed "$TMPD/fo-execd" > "$TMPD/out"
	pid=$BG_PID
	wait "$pid" || fail "fo_rename failed" || return 1
	local got
	got=$(fo -n "$NS_A" -j flows | pyjson "
for f in sorted(d, key=lambda f: f['remote_port']):
    if f['proto']=='udp': print(f['remote_port'], f['pid'], f['comm'])")
	assert_eq "$got" "7000 $pid fo-execd
7001 $pid fo_rename
7002 $pid fo-renamed
7003 $pid fo-renamed
7004 $pid fo-execd" "flows by step"
}

# A socket handed over with SCM_RIGHTS: its packets follow the process that now sends.
test_socket_passed_with_scm_rights_follows_sender() {
	local parent child port
	setup || return 1
	attach_both || return 1
	helper_bg "$NS_B" "$TMPD/srv" fo_server "$IP4_B" 8080 || return 1
	bg nsenter --net="/run/netns/$NS_A" "$H/fo_passfd" pass "$IP4_B" 8080 > "$TMPD/out"
	wait_for grep -q child "$TMPD/out" || return 1
	parent=$(val "$TMPD/out" parent)
	child=$(val "$TMPD/out" child)
	wait_for sh -c "$FO_BIN --pin-dir $PIN -n $NS_A -j flows | grep -q '\"pid\": *$parent'" ||
		fail "parent never owned the flow" || return 1
	wait_for sh -c "$FO_BIN --pin-dir $PIN -n $NS_A -j flows | grep -q '\"pid\": *$child'" ||
		fail "child never owned the flow" || return 1
	wait "$BG_PID"
	assert_eq "$(flow_get "$NS_A" "f['proto']=='tcp'" pid comm tx_bytes)" \
		"1 $child fo-receiver $((3000 + 8 + 52 * $(flow_get "$NS_A" "f['proto']=='tcp'" tx_packets | cut -d' ' -f2)))" \
		"flow owned by the last sender, all bytes counted"
}

# fork after socket: parent, then child, then parent again, as each sends.
test_socket_shared_after_fork_follows_sender() {
	local parent child
	setup || return 1
	attach_both || return 1
	helper_bg "$NS_B" "$TMPD/srv" fo_server "$IP4_B" 8080 || return 1
	bg nsenter --net="/run/netns/$NS_A" "$H/fo_passfd" fork "$IP4_B" 8080 > "$TMPD/out"
	wait_for grep -q child "$TMPD/out" || return 1
	parent=$(val "$TMPD/out" parent)
	child=$(val "$TMPD/out" child)
	wait_for sh -c "$FO_BIN --pin-dir $PIN -n $NS_A -j flows | grep -q '\"pid\": *$child'" ||
		fail "child never owned the flow" || return 1
	wait "$BG_PID"
	assert_eq "$(flow_get "$NS_A" "f['proto']=='tcp'" pid comm)" "1 $parent fo_passfd" "last sender owns it"
}

# Pre-forked server: each connection belongs to the worker that accepted it.
test_preforked_server_each_connection_owned_by_its_worker() {
	local i
	setup || return 1
	attach_both || return 1
	helper_bg "$NS_B" "$TMPD/srv" fo_server -k 3 -s 5000 "$IP4_B" 8080 || return 1
	for i in 1 2 3 4 5 6; do
		in_a "$H/fo_client" -b 3000 -r "$IP4_B" 8080 > /dev/null || return 1
	done
	settle || fail "traffic on veth0 did not stop" || return 1
	local want got
	want=$(awk '$1 == "accept" { print $3, $2 }' "$TMPD/srv" | sort)
	got=$(fo -n "$NS_B" -j flows | pyjson "
for f in d:
    if f['proto']=='tcp': print(f['remote_port'], f['pid'])" | sort)
	assert_eq "$(echo "$want" | wc -l)" 6 "accepts logged" || return 1
	assert_eq "$got" "$want" "peer port -> worker pid"
}

# Long-lived sockets: the owners flowowner names are the ones ss -p names.
test_owners_agree_with_ss() {
	local i
	setup || return 1
	attach_both || return 1
	# One worker per client: every connection is accepted, so ss names a process for each.
	helper_bg "$NS_B" "$TMPD/srv" fo_server -k 3 "$IP4_B" 8080 || return 1
	helper_bg "$NS_B" "$TMPD/usrv" fo_server -u "$IP6_B" 5353 || return 1
	for i in 1 2 3; do
		helper_bg "$NS_A" "$TMPD/t$i" fo_client -n "fo-long-$i" -b 1000 -w 8000 "$IP4_B" 8080 || return 1
		helper_bg "$NS_A" "$TMPD/u$i" fo_client -u -n "fo-ulong-$i" -b 100 -r -w 8000 "$IP6_B" 5353 || return 1
	done
	for i in 1 2 3; do wait_for grep -q ready "$TMPD/t$i"; wait_for grep -q ready "$TMPD/u$i"; done
	settle || fail "traffic on veth0 did not stop" || return 1
	local ns out
	for ns in "$NS_A" "$NS_B"; do
		fo -n "$ns" -j flows > "$TMPD/flows" || return 1
		{ nsenter --net="/run/netns/$ns" ss -Htanp | sed 's/^/tcp /'
		  nsenter --net="/run/netns/$ns" ss -Huanp | sed 's/^/udp /'; } > "$TMPD/ss"
		# Every ss socket with a peer, and every TCP/UDP flow, must name the same process;
		# an unconnected UDP socket (peer *) answers for each flow on its local port.
		out=$(/usr/bin/python3 - "$TMPD/ss" "$TMPD/flows" <<'PY'
import json, re, sys
ss = {}
for l in open(sys.argv[1]):
    m = re.search(r'\S+:(\d+)\s+(\S+):(\S+)\s+users:\(\("([^"]+)",pid=(\d+)', l)
    if m:
        ss[(l.split()[0], int(m.group(1)), m.group(3))] = (int(m.group(5)), m.group(4))
flows = [f for f in json.load(open(sys.argv[2])) if f['proto'] in ('tcp', 'udp')]
seen, bad = set(), []
for f in flows:
    k = (f['proto'], f['local_port'], str(f['remote_port']))
    if k not in ss and f['proto'] == 'udp':
        k = (f['proto'], f['local_port'], '*')
    seen.add(k)
    if ss.get(k) != (f['pid'], f['comm']):
        bad.append('%s %s:%s ss=%s flowowner=%s' % (f['proto'], f['local_port'], f['remote_port'], ss.get(k), (f['pid'], f['comm'])))
missing = [k for k in ss if k[2] != '*' and k not in seen]
print(len(flows), len(bad) + len(missing), '; '.join(bad + ['no flow for ss %s' % (k,) for k in missing]))
PY
)
		# Each side has the 3 TCP connections and the 3 UDP conversations.
		[ "${out% *}" = "6 0" ] || { cat "$TMPD/flows" "$TMPD/ss" "$TMPD/srv" >&2; fail "flows in $ns, and owners that disagree with ss (${out#* * })"; } || return 1
	done
}

# Containers: the cgroup id on every flow, its path in the human listing, and pids as a pid
# namespace sees them.
test_cgroup_and_pid_namespace_of_a_container_process() {
	local cg id pid
	setup || return 1
	attach_both || return 1
	helper_bg "$NS_B" "$TMPD/srv" fo_server "$IP4_B" 8080 || return 1
	cg="$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)/fo-test-$TEST_ID"
	mkdir "$cg" || return 1
	on_cleanup "rmdir '$cg'"
	id=$(stat -c %i "$cg")
	# A process in its own pid namespace and cgroup, as a container's would be: it is pid 1
	# inside, and moves itself into the cgroup before it execs.
	bg nsenter --net="/run/netns/$NS_A" unshare --pid --fork sh -c \
		"echo \$\$ > '$cg/cgroup.procs'; exec '$H/fo_client' -n fo-contained -b 1000 -w 4000 '$IP4_B' 8080" > "$TMPD/cli"
	wait_for grep -q ready "$TMPD/cli" || return 1
	assert_eq "$(val "$TMPD/cli" pid)" 1 "pid inside its namespace" || return 1
	pid=$(cat "$cg/cgroup.procs")
	assert_eq "$(flow_get "$NS_A" "f['proto']=='tcp'" pid comm cgroup_id)" "1 $pid fo-contained $id" "flow" || return 1
	fo -n "$NS_A" flows | grep -q "/fo-test-$TEST_ID" || fail "cgroup path not in human flows output" || return 1
	fo procs | grep "fo-contained" | grep -q "/fo-test-$TEST_ID" || fail "cgroup path not in procs output" || return 1
	assert_eq "$(fo -n "$NS_A" -j flows --pidns "$pid" | pyjson "print([(f['pid'], f.get('ns_pid')) for f in d if f['proto']=='tcp'])")" \
		"[($pid, 1)]" "pid as seen from the container's pid namespace" || return 1
	fo -n "$NS_A" flows --pidns "$pid" | grep fo-contained | awk '{print $5}' | grep -qx 1 ||
		fail "--pidns human output does not show pid 1"
}

# No owner, and a reason: forwarded packets, and the kernel's own (ARP, ICMP errors).
test_unowned_traffic_has_a_reason() {
	local nsc="fo${TEST_ID}c"
	setup || return 1
	# A third namespace behind B: A -> B -> C is forwarded through B.
	ip netns add "$nsc" || return 1
	on_cleanup "ip netns del $nsc"
	ip link add veth1 netns "$NS_B" type veth peer name veth1 netns "$nsc" || return 1
	ip -n "$NS_B" addr add 192.168.$((TEST_ID % 250)).1/24 dev veth1
	ip -n "$nsc" addr add 192.168.$((TEST_ID % 250)).2/24 dev veth1
	ip -n "$NS_B" link set veth1 up
	ip -n "$nsc" link set veth1 up
	ip -n "$nsc" link set lo up
	ip -n "$nsc" route add default via 192.168.$((TEST_ID % 250)).1
	ip -n "$NS_A" route add 192.168.$((TEST_ID % 250)).0/24 via "$IP4_B"
	in_b sysctl -qw net.ipv4.ip_forward=1 || return 1
	fo -n "$NS_B" attach veth0 || return 1
	fo -n "$NS_B" attach veth1 || return 1
	helper_bg "$nsc" "$TMPD/srv" fo_server "192.168.$((TEST_ID % 250)).2" 8080 || return 1
	in_a "$H/fo_client" -b 5000 -r "192.168.$((TEST_ID % 250)).2" 8080 > "$TMPD/cli" || return 1
	settle || fail "traffic on veth0 did not stop" || return 1
	assert_eq "$(fo -n "$NS_B" -j flows | pyjson "print(sorted(set((f['dev'], f['pid'], f['owner_source'], f.get('unattributed_reason')) for f in d if f['proto']=='tcp')))")" \
		"[('veth0', 0, 'none', 'forwarded'), ('veth1', 0, 'none', 'forwarded')]" "forwarded TCP in $NS_B" || return 1
	assert_ge "$(counter non_ip)" 1 "ARP counted as non-IP" || return 1
	# A UDP datagram to a closed port: B's ICMP port-unreachable is the kernel's.
	in_a "$H/fo_client" -u -b 10 "$IP4_B" 9 > /dev/null
	settle || fail "traffic on veth0 did not stop" || return 1
	assert_eq "$(flow_get "$NS_B" "f['proto']=='icmp'" pid unattributed_reason)" "1 0 kernel" "ICMP error"
}


# A TIME_WAIT ACK: the kernel answers for a socket its owner closed. The packet is counted on
# the connection's flow (conntrack counts it there too), which keeps its owner, and in status
# as unattributed with reason kernel.
test_time_wait_ack_counted_as_kernel_on_the_owned_flow() {
	local cpid cport k0 t0
	setup || return 1
	# No IPv6 here: its neighbour discovery and MLD would be kernel packets too.
	in_a sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.veth0.disable_ipv6=1 || return 1
	fo -n "$NS_A" attach veth0 || return 1
	helper_bg "$NS_B" "$TMPD/srv" fo_server "$IP4_B" 8080 || return 1
	# The client closes first, so its side of the connection ends in TIME_WAIT.
	in_a "$H/fo_client" -n fo-tw -b 100 -r "$IP4_B" 8080 > "$TMPD/cli" || return 1
	cpid=$(val "$TMPD/cli" pid)
	cport=$(port_of "$TMPD/cli")
	wait_for sh -c "nsenter --net=/run/netns/$NS_A ss -Htan state time-wait | grep -q ':$cport '" ||
		fail "no TIME_WAIT socket" || return 1
	sleep 0.6 # past tcp_invalid_ratelimit, so the kernel answers the probe below
	k0=$(counter unattributed_kernel)
	t0=$(flow_get "$NS_A" "f['local_port']==$cport" tx_packets | cut -d' ' -f2)
	# An out-of-window ACK from B's side of the old connection: the TIME_WAIT socket acks it.
	in_b /usr/bin/python3 - "$IP4_B" "$IP4_A" "$cport" <<'PY' || fail "raw probe" || return 1
import socket, struct, sys
src, dst, dport = sys.argv[1], sys.argv[2], int(sys.argv[3])
hdr = struct.pack('!HHIIBBHHH', 8080, dport, 12345, 67890, 5 << 4, 0x10, 1024, 0, 0)
pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 6, len(hdr))
data = pseudo + hdr
c = sum(struct.unpack('!%dH' % (len(data) // 2), data))
while c >> 16: c = (c & 0xffff) + (c >> 16)
hdr = hdr[:16] + struct.pack('!H', ~c & 0xffff) + hdr[18:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
s.bind((src, 0))
s.sendto(hdr, (dst, 0))
PY
	settle || fail "traffic on veth0 did not stop" || return 1
	assert_eq "$(flow_get "$NS_A" "f['local_port']==$cport" pid comm tx_packets)" \
		"1 $cpid fo-tw $((t0 + 1))" "flow keeps its owner and counts the ACK" || return 1
	assert_eq "$(counter unattributed_kernel)" "$((k0 + 1))" "TIME_WAIT ACK counted as the kernel's"
}
