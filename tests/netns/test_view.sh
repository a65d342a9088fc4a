# SPDX-License-Identifier: GPL-2.0
# test_view.sh — top, watch and metrics agree with flows; the man page, help and completion hold up.

here_view=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# A one-shot TCP sink in B on PORT that reads everything and closes: both sides send a FIN.
# $BG_PID is the sink (nsenter execs socat); it exits when its one connection ends.
sink() { # PORT
	bg nsenter --net="/run/netns/$NS_B" socat -u "TCP-LISTEN:$1,bind=$IP4_B,reuseaddr" OPEN:/dev/null
	wait_listen "$NS_B" "$1"
}

# A scratch directory removed with the test, in $SCRATCH (not in a subshell: the cleanup
# must be registered in the test's own shell).
scratch() {
	SCRATCH=$(mktemp -d /tmp/fo-view-XXXXXX) || return 1
	on_cleanup rm -rf "$SCRATCH"
}

# socat under another NAME, in $PROG: a symlink, and the kernel names the process after it.
named_socat() { # NAME
	scratch || return 1
	PROG=$SCRATCH/$1
	ln -s "$(command -v socat)" "$PROG"
}

# Per-pid byte sums of a JSON array on stdin, of the rows whose pid is in PIDS (the test's own
# processes: the kernel's and other tests' rows never enter the comparison): "pid rx tx" lines.
per_pid_sums() { # PIDS...
	pyjson 'import collections
pids = {int(p) for p in "'"$*"'".split()}
s = collections.defaultdict(lambda: [0, 0])
for r in d:
    if r["pid"] in pids:
        s[r["pid"]][0] += r["rx_bytes"]; s[r["pid"]][1] += r["tx_bytes"]
print("\n".join("%d %d %d" % (p, v[0], v[1]) for p, v in sorted(s.items())))'
}

# One transfer of BYTES from A to a sink on PORT in B, by PROG (default socat), over and done:
# both programs have exited and nothing moves on the link. The sender's pid in $CLIENT.
transfer_done() { # PORT BYTES [PROG]
	local sinkpid
	sink "$1" || fail "sink" || return 1
	sinkpid=$BG_PID
	head -c "$2" /dev/zero > "$SCRATCH/data.$1" || return 1
	bg nsenter --net="/run/netns/$NS_A" "${3:-socat}" -u "OPEN:$SCRATCH/data.$1" "TCP:$IP4_B:$1"
	CLIENT=$BG_PID
	wait "$CLIENT" || fail "transfer" || return 1
	wait "$sinkpid"
	settle || fail "traffic on veth0 did not stop"
}

test_top_once_json_totals_match_flows() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	scratch || return 1
	transfer_done 8101 300000 || return 1
	# Nothing moves any more: flows read before and after top, and top, agree exactly.
	local before top after
	before=$(fo -j flows | per_pid_sums "$CLIENT")
	top=$(fo -j top --once --interval 0.2 | per_pid_sums "$CLIENT")
	after=$(fo -j flows | per_pid_sums "$CLIENT")
	assert_eq "$(echo "$before" | cut -d' ' -f1)" "$CLIENT" "the sender's flows" || return 1
	assert_eq "$after" "$before" "flows stable across top" || return 1
	assert_eq "$top" "$before" "top per-pid totals versus flows" || return 1
	# The sender is there, with at least the 300000 bytes it sent, and a rate of zero now.
	fo -j top --once --interval 0.2 | pyjson '
r = [r for r in d if r["pid"] == '"$CLIENT"']
assert len(r) == 1 and r[0]["comm"] == "socat" and r[0]["tx_bytes"] >= 300000 and r[0]["tx_rate"] == 0.0, r
assert all(k in r[0] for k in ("pid", "user", "uid", "cgroup_id", "cgroup", "rx_rate", "flows")), r
assert r[0]["user"] == "root" and r[0]["cgroup"].startswith("/"), r' ||
		fail "top row for the sender" || return 1
	# Human form: a table with units, and raw numbers with --numeric.
	fo top --once --interval 0.1 | grep -Eq "^ *$CLIENT +root +socat .*KiB" || fail "human table" || return 1
	fo --numeric top --once --interval 0.1 | grep -Eq "^ *$CLIENT .*socat .* [0-9]{6,} " || fail "--numeric table"
}

test_top_rates_come_from_two_samples() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	bg nsenter --net="/run/netns/$NS_B" socat -u "TCP-LISTEN:8102,bind=$IP4_B,reuseaddr" OPEN:/dev/null
	wait_for nsenter --net="/run/netns/$NS_B" sh -c "ss -Htln 'sport = :8102' | grep -q ." || return 1
	# About 200 kB/s for as long as the test runs: a rate top must see during its interval.
	bg nsenter --net="/run/netns/$NS_A" sh -c \
		"while :; do head -c 20000 /dev/zero; sleep 0.1; done | socat -u - TCP:$IP4_B:8102"
	sleep 0.5
	fo -j top --once --interval 1 --sort tx | pyjson '
r = d[0]
assert r["comm"] == "socat", d
assert 50000 < r["tx_rate"] < 1000000, r' || fail "tx rate of the sender" || return 1
	assert_rc 2 fo top --sort sideways || return 1
	assert_rc 2 fo top --interval 0 || return 1
}

test_top_in_a_terminal_shows_the_process_first() {
	have_cmd tmux || skip "no tmux"
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	local name="fotop$TEST_ID" prog s="fov$TEST_ID" screen
	named_socat "$name" || return 1
	prog=$PROG
	bg nsenter --net="/run/netns/$NS_B" socat -u "TCP-LISTEN:8103,bind=$IP4_B,reuseaddr" OPEN:/dev/null
	wait_for nsenter --net="/run/netns/$NS_B" sh -c "ss -Htln 'sport = :8103' | grep -q ." || return 1
	bg nsenter --net="/run/netns/$NS_A" sh -c \
		"while :; do head -c 50000 /dev/zero; sleep 0.05; done | '$prog' -u - TCP:$IP4_B:8103"
	tmux new-session -d -s "$s" -x 200 -y 50 "$FO_BIN --pin-dir $PIN top" || fail "tmux" || return 1
	on_cleanup tmux kill-session -t "$s"
	sleep 0.3
	screen=$(tmux capture-pane -p -t "$s")
	assert_contains "$screen" "warming up" "first screen" || return 1
	wait_for sh -c "! tmux capture-pane -p -t '$s' | grep -q 'warming up'" ||
		fail "still warming up after the first interval" || return 1
	# Rows start on line 4, under the title, the keys and the header; the sender leads.
	wait_for sh -c "tmux capture-pane -p -t '$s' | sed -n 4,6p | grep -q ' $name '" ||
		fail "$name not in the first rows: $(tmux capture-pane -p -t "$s")" || return 1
	tmux send-keys -t "$s" s
	wait_for sh -c "tmux capture-pane -p -t '$s' | head -1 | grep -q 'sort rx'" || fail "s did not change the sort" || return 1
	tmux send-keys -t "$s" p
	wait_for sh -c "tmux capture-pane -p -t '$s' | head -1 | grep -q paused" || fail "p did not pause" || return 1
	tmux resize-window -t "$s" -x 70 -y 12 2>/dev/null
	wait_for sh -c "[ \$(tmux capture-pane -p -t '$s' | awk '{ if (length > m) m = length } END { print m }') -le 70 ]" ||
		fail "screen did not follow the resize" || return 1
	tmux send-keys -t "$s" q
	wait_for sh -c "! tmux has-session -t '$s'" || fail "q did not quit"
}

test_watch_json_reports_start_and_end_with_owner() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	sink 8104 || return 1
	local out
	scratch || return 1
	out=$SCRATCH/watch
	fo -j -n "$NS_A" watch --timeout 10 > "$out" &
	local watch_pid=$!
	sleep 0.5
	head -c 40000 /dev/zero > "$out.data"
	# nsenter and setsid exec in turn, so the client's pid is $BG_PID.
	bg nsenter --net="/run/netns/$NS_A" socat -u "OPEN:$out.data" "TCP:$IP4_B:8104"
	local client=$BG_PID
	wait "$client"
	wait_for grep -q '"type":"flow_end"' "$out" || fail "no flow_end: $(cat "$out")" || return 1
	kill -INT "$watch_pid"
	wait "$watch_pid"
	assert_eq "$?" 0 "watch exit status after SIGINT" || return 1
	/usr/bin/python3 - "$out" "$client" "$IP4_B" <<'EOF' || fail "events: $(cat "$out")"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
client, peer = int(sys.argv[2]), sys.argv[3]
tcp = [e for e in evs if e.get("proto") == "tcp" and e["remote"] == peer and e["remote_port"] == 8104]
start = [e for e in tcp if e["type"] == "flow_start"]
end = [e for e in tcp if e["type"] == "flow_end"]
assert len(start) == 1 and len(end) == 1, tcp
s, e = start[0], end[0]
assert s["pid"] == client and s["comm"] == "socat" and s["owner_source"] == "socket", s
assert s["dev"] == "veth0" and s["family"] == 4 and s["local_port"] > 0, s
assert e["pid"] == client and e["tx_bytes"] >= 40000 and e["tx_packets"] > 1 and e["rx_packets"] > 0, e
for k in ("time", "local", "netns_cookie", "uid", "cgroup_id", "ifindex"):
    assert k in s, k
EOF
}

test_watch_count_and_timeout_end_it() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	local t0=$SECONDS
	assert_rc 0 fo watch --timeout 1 || return 1
	[ $((SECONDS - t0)) -le 3 ] || fail "--timeout 1 took $((SECONDS - t0)) s" || return 1
	# Every process exit is an event: a few short-lived processes satisfy --count 3.
	(sleep 0.5; for i in 1 2 3 4 5 6; do /bin/true; done) &
	assert_eq "$(fo -j watch --count 3 --timeout 10 | grep -c '"type"')" 3 "events with --count 3" || return 1
	fo watch --timeout 3 >/dev/null &
	sleep 0.5
	assert_rc 1 fo watch --timeout 1 || return 1
	assert_contains "$ERR" "one reader at a time" "second reader refused" || return 1
	wait
	# A reader that goes away (| head -1) ends watch at its next line, and it lets go of
	# its lock file.
	(sleep 0.5; for i in 1 2 3 4 5 6; do /bin/true; done) &
	t0=$SECONDS
	fo -j watch --timeout 20 | head -1 >/dev/null
	[ $((SECONDS - t0)) -le 5 ] || fail "watch outlived its reader by $((SECONDS - t0)) s" || return 1
	# Its lock let go: the next watch reads.
	wait
	assert_rc 0 fo watch --timeout 0.5 || return 1
}

# Whether watch (PID) is reading: it has opened its single-reader lock, which it does after
# it read the counters it reports lost events against.
watch_running() { # PID
	ls -l "/proc/$1/fd" 2>/dev/null | grep -q "$PIN/watch_lock"
}

test_watch_reports_lost_events() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	local out fifo wpid rpid lost0 lost1 k
	scratch || return 1
	out=$SCRATCH/lost fifo=$SCRATCH/fifo
	mkfifo "$fifo" || return 1
	# Nobody reads the pipe at first: watch blocks once it is full, the ring buffer (256 KiB)
	# fills, and the BPF side counts what it could not put there.
	exec 8<> "$fifo"
	"$FO_BIN" --pin-dir "$PIN" -j watch --timeout 60 > "$fifo" 8<&- &
	wpid=$!
	on_cleanup "kill $wpid"
	wait_for watch_running "$wpid" || fail "watch did not start" || return 1
	lost0=$(fo -j status | pyjson 'print(d["counters"]["events_lost"])')
	# 6000 UDP datagrams to distinct ports: 6000 new flows, each a flow_start event.
	in_a /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in range(20000, 26000):
    s.sendto(b'x', ('$IP4_B', p))" || fail "udp burst" || return 1
	cat < "$fifo" > "$out" 8<&- &
	rpid=$!
	exec 8<&-
	# Once an event sent after the reader started comes through, watch has emptied the ring:
	# nothing is lost any more, and the count watch gives at its end is the whole count.
	for k in $(seq 30000 30050); do
		in_a /usr/bin/python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('$IP4_B', $k))"
		WAIT=1 wait_for grep -q '"remote_port":3' "$out" && break
	done
	grep -q '"remote_port":3' "$out" || fail "watch never caught up" || return 1
	kill -INT "$wpid"
	wait "$wpid" || fail "watch exit status" || return 1
	wait "$rpid"
	lost1=$(fo -j status | pyjson 'print(d["counters"]["events_lost"])')
	[ "$lost1" -gt "$lost0" ] || fail "nothing was lost ($lost0 -> $lost1): the test did not overflow" || return 1
	assert_eq "$(pyjson_lines "$out")" "$((lost1 - lost0))" "lost events reported versus fo_stats"
}

# watch's single-reader lock is out of other users' reach: nobody holding a lock file where
# the old code put one (/run/lock, /tmp) and trying to make, replace or redirect the real one
# in the pin dir does not stop root's watch.
test_watch_lock_cannot_be_taken_by_another_user() {
	have_cmd setpriv || skip "setpriv missing"
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	local name="flowowner-events${PIN//\//_}.lock" out
	scratch || return 1
	out=$SCRATCH/nobody
	chmod 755 "$SCRATCH" && : > "$out" && chmod 666 "$out" || return 1
	on_cleanup "rm -f '/run/lock/$name' '/tmp/$name'"
	bg setpriv --reuid=65534 --regid=65534 --clear-groups sh -c \
		"exec 8>>'/run/lock/$name' 9>>'/tmp/$name'; flock -n 8 && flock -n 9 && echo held > '$out'; exec sleep 30"
	wait_for grep -q held "$out" || fail "nobody could not hold the old lock files" || return 1
	assert_rc 1 setpriv --reuid=65534 --regid=65534 --clear-groups mkdir "$PIN/watch_lock" || return 1
	assert_rc 1 setpriv --reuid=65534 --regid=65534 --clear-groups ln -s /tmp "$PIN/watch_lock" || return 1
	setpriv --reuid=65534 --regid=65534 --clear-groups flock -n "$PIN/watch_lock" true 2>/dev/null &&
		fail "nobody could lock $PIN/watch_lock" && return 1
	assert_rc 0 fo watch --timeout 0.5 || fail "root's watch was blocked: $ERR" || return 1
	assert_eq "$(stat -c '%F %u %a' "$PIN/watch_lock")" "directory 0 700" "the lock" || return 1
	# What stands in the lock's place is used only if it is root's own directory.
	rmdir "$PIN/watch_lock" && ln -s /tmp "$PIN/watch_lock" || return 1
	assert_rc 1 fo watch --timeout 0.5 || return 1
	rm "$PIN/watch_lock"
}

# Sum of the "lost" lines' counts in a file of JSON lines.
pyjson_lines() {
	/usr/bin/python3 -c "
import json, sys
print(sum(e['count'] for e in map(json.loads, open(sys.argv[1])) if e['type'] == 'lost'))" "$1"
}

test_metrics_parse_and_match_flows() {
	[ -f /usr/lib/python3/dist-packages/prometheus_client/parser.py ] || skip "no python3-prometheus-client"
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	# A name the exposition format must escape: a quote, and a backslash (flowowner shows it as \x5c).
	local prog
	named_socat 'so"ca\t' || return 1
	prog=$PROG
	transfer_done 8105 100000 "$prog" || return 1
	# Nothing moves any more: flows before and after metrics, and metrics, agree exactly.
	local before m after
	before=$(fo -j flows | per_pid_sums "$CLIENT")
	m=$(fo metrics --by pid)
	after=$(fo -j flows | per_pid_sums "$CLIENT")
	assert_eq "$(echo "$before" | cut -d' ' -f1)" "$CLIENT" "the sender's flows" || return 1
	assert_eq "$after" "$before" "flows stable across metrics" || return 1
	local got
	got=$(echo "$m" | /usr/bin/python3 -c '
import sys, collections
from prometheus_client.parser import text_string_to_metric_families
s = collections.defaultdict(lambda: [0, 0])
fams = {f.name: f for f in text_string_to_metric_families(sys.stdin.read())}
for x in fams["flowowner_process_bytes"].samples:
    assert x.labels["dev"] == "veth0", x
    if int(x.labels["pid"]) == int(sys.argv[1]):
        s[int(x.labels["pid"])][0 if x.labels["direction"] == "rx" else 1] += int(x.value)
names = {x.labels["comm"] for x in fams["flowowner_process_bytes"].samples}
assert "so\"ca\\x5ct" in names, names
assert fams["flowowner_process_bytes"].type == "counter"
assert fams["flowowner_flows"].type == "gauge"
assert fams["flowowner_packets"].samples[0].value > 0
assert {x.labels["reason"] for x in fams["flowowner_unattributed_reason_packets"].samples} >= {"kernel", "no_socket"}
print("\n".join("%d %d %d" % (p, v[0], v[1]) for p, v in sorted(s.items())))' "$CLIENT") ||
		fail "metrics did not parse: $m" || return 1
	assert_eq "$got" "$before" "metrics per-pid byte totals versus flows" || return 1
	# The same families as JSON, for scripts.
	fo -j metrics | pyjson 'assert any(f["name"] == "flowowner_process_bytes_total" and f["samples"] for f in d)' ||
		fail "metrics -j"
}

test_json_stays_valid_for_odd_names() {
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	local prog
	named_socat $'od\x01d\xffna' || return 1
	prog=$PROG
	sink 8106 || return 1
	echo hi | nsenter --net="/run/netns/$NS_A" "$prog" -u - "TCP:$IP4_B:8106" || fail "transfer" || return 1
	assert_eq "$(fo -j flows | pyjson 'print([f["comm"] for f in d if f["proto"] == "tcp"])')" \
		"['od\\\\x01d\\\\xffna']" "flows comm" || return 1
	fo -j top --once --interval 0.1 | pyjson 'assert any(r["comm"] == "od\\x01d\\xffna" for r in d), d' ||
		fail "top comm" || return 1
	fo -p top --once --interval 0.1 | grep -q '^  {' || fail "--pretty is not indented"
}

test_no_colour_through_a_pipe_or_with_no_color() {
	have_cmd script || skip "no script(1)"
	setup_pair || return 1
	fo -n "$NS_A" attach veth0 || return 1
	! fo flows | grep -q $'\e' || fail "escape codes through a pipe" || return 1
	# On a terminal (script gives a pty) the header is bold, unless NO_COLOR is set.
	script -qec "$FO_BIN --pin-dir $PIN flows" /dev/null | grep -q $'\e\\[1m' ||
		fail "no bold header on a terminal" || return 1
	! NO_COLOR=1 script -qec "$FO_BIN --pin-dir $PIN flows" /dev/null | grep -q $'\e' ||
		fail "escape codes with NO_COLOR"
}

test_help_works_for_every_command() {
	local cmds c out
	cmds=$("$FO_BIN" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 { print $1 }')
	[ "$(echo "$cmds" | wc -w)" -ge 10 ] || fail "commands in --help: $cmds" || return 1
	for c in $cmds; do
		out=$("$FO_BIN" help "$c") || fail "help $c exited $?" || return 1
		assert_contains "$out" "Usage: flowowner [OPTIONS] $c" "help $c" || return 1
		out=$("$FO_BIN" "$c" --help) || fail "$c --help exited $?" || return 1
		assert_contains "$out" "Usage: flowowner [OPTIONS] $c" "$c --help" || return 1
	done
	assert_rc 2 "$FO_BIN" help nosuchcommand
}

test_man_page_renders_without_warnings_and_covers_every_command() {
	have_cmd man || skip "no man-db"
	local page=$here_view/docs/flowowner.8 warn c
	[ -f "$page" ] || fail "no $page" || return 1
	warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	assert_eq "$warn" "" "man --warnings" || return 1
	for c in $("$FO_BIN" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 { print $1 }'); do
		grep -q "^\.SS $c\b" "$page" || fail "man page has no section for $c" || return 1
	done
	# Every long option a command accepts is documented.
	local text
	text=$(MANWIDTH=200 LC_ALL=C man -l "$page" 2>/dev/null)
	for c in $(grep -ho '{ "[a-z-]*", \(no\|required\|optional\)_argument' "$here_view"/tools/cmd_*.c |
		   awk -F'"' '{ print $2 }' | sort -u); do
		echo "$text" | grep -q -- "--$c\b" || fail "man page does not mention --$c" || return 1
	done
}

test_bash_completion_offers_commands_and_options() {
	local comp=$here_view/tools/flowowner.bash-completion
	[ -f "$comp" ] || fail "no $comp" || return 1
	local got
	got=$(bash -c "source '$comp'; COMP_WORDS=(flowowner t); COMP_CWORD=1; _flowowner; echo \${COMPREPLY[*]}")
	assert_eq "$got" "top" "complete 'flowowner t'" || return 1
	got=$(bash -c "source '$comp'; COMP_WORDS=(flowowner top --s); COMP_CWORD=2; _flowowner; echo \${COMPREPLY[*]}")
	assert_eq "$got" "--sort" "complete 'flowowner top --s'" || return 1
	got=$(bash -c "source '$comp'; COMP_WORDS=(flowowner top --sort ''); COMP_CWORD=3; _flowowner; echo \${COMPREPLY[*]}")
	assert_eq "$got" "rx tx total" "complete sort keys"
}
