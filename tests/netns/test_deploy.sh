# SPDX-License-Identifier: GPL-2.0
# test_deploy.sh — running it as a service: rule files, units and containers by name, the
# exporter, the systemd unit, the fleet manifest and the deploy guide's commands.

# The cgroup v2 mount, wherever this host has it (/sys/fs/cgroup/unified on hybrid systems).
cgroup2_root() { awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo; }

test_mark_save_unload_attach_restore_gives_the_same_rules() {
	local file="/tmp/fo-rules-$TEST_ID" before after
	setup_pair || return 1
	on_cleanup "rm -f $file"
	fo -n "$NS_A" attach veth0 || return 1
	fo mark add comm 'fo x"y' mark 0x10/0xff >/dev/null || return 1
	fo mark add uid 4242 drop >/dev/null || return 1
	fo mark add cgroup / priority 1:10 >/dev/null || return 1
	fo mark add pid 1 mark 0x5 priority 2:3 >/dev/null || return 1
	fo mark add exe "$(readlink -f "$(command -v socat)")" mark 0x7 >/dev/null || return 1
	before=$(fo -j mark list) || return 1
	fo mark save >"$file" || fail "mark save" || return 1
	assert_eq "$(grep -c "^mark add " "$file")" 5 "one line per rule" || return 1
	fo unload || return 1
	fo -n "$NS_A" attach veth0 || return 1
	assert_eq "$(fo -j mark list)" "[]" "rules gone with the pins" || return 1
	fo mark restore "$file" || fail "mark restore" || return 1
	after=$(fo -j mark list)
	assert_eq "$after" "$before" "mark list -j after save, unload, attach, restore" || return 1
	# from stdin, twice over (each restore flips the id bank): still the same set
	fo mark restore - <"$file" || fail "restore from stdin" || return 1
	fo mark restore - <"$file" || return 1
	assert_eq "$(fo -j mark list)" "$before" "after two more restores" || return 1
	# and an empty file empties the set
	fo mark restore /dev/null || return 1
	assert_eq "$(fo -j mark list)" "[]" "restore of nothing"
}

test_mark_restore_refuses_a_bad_line_and_changes_nothing() {
	local file="/tmp/fo-bad-$TEST_ID" before
	setup_pair || return 1
	on_cleanup "rm -f $file"
	fo -n "$NS_A" attach veth0 || return 1
	fo mark add comm fo_keep mark 0x1 >/dev/null || return 1
	before=$(fo -j mark list)
	printf '# a comment, and a blank line\n\nmark add comm fo_new mark 0x2\nmark add uid 7 sideways\nmark add pid 9 drop\n' >"$file"
	assert_rc 2 fo mark restore "$file" || return 1
	assert_contains "$ERR" "$file:4: sideways" "names FILE:LINE and the word" || return 1
	assert_eq "$(fo -j mark list)" "$before" "rules unchanged" || return 1
	printf 'mark add comm fo_a drop\nmark add comm fo_a mark 0x3\n' >"$file"
	assert_rc 2 fo mark restore "$file" || return 1
	assert_contains "$ERR" "$file:2: comm fo_a: the same selector as line 1" "a duplicate" || return 1
	printf 'mark add cgroup /fo-no-such-%s drop\n' "$TEST_ID" >"$file"
	assert_rc 2 fo mark restore "$file" || return 1
	assert_contains "$ERR" "$file:1: cgroup" "a missing cgroup" || return 1
	assert_eq "$(fo -j mark list)" "$before" "still unchanged"
}

# A process of NAME in cgroup CG (relative to the v2 root) sends one line to B:PORT and exits.
send_from_cgroup() { # CG PORT NAME
	local root
	root=$(cgroup2_root)
	in_a sh -c "echo \$\$ > '$root/$1/cgroup.procs' && echo hello |
		exec timeout 5 '$(named_copy "$3")' -T 3 - TCP:$IP4_B:$2,connect-timeout=2" | grep -q hello
}

named_copy() { # NAME -> a copy of socat under that name
	local dir="/tmp/fo-deploy-$TEST_ID"
	mkdir -p "$dir" && cp -n "$(command -v socat)" "$dir/$1" && echo "$dir/$1"
}

test_units_and_containers_from_hand_made_cgroups() {
	local root base svc ctr id64
	root=$(cgroup2_root)
	[ -n "$root" ] || skip "no cgroup v2 mount"
	setup_pair || return 1
	id64=$(printf 'fo%04x' "$TEST_ID" | od -An -tx1 | tr -d ' \n' | head -c 12)$(printf '%052d' 0 | tr 0 e)
	base="fo-test-$TEST_ID"
	svc="$base/system.slice/fo$TEST_ID.service"
	ctr="$base/system.slice/docker-$id64.scope"
	on_cleanup "rm -rf /tmp/fo-deploy-$TEST_ID"
	# cleanup: anything left inside goes back to the root, then the tree goes, leaves first
	on_cleanup "for d in \$(find '$root/$base' -depth -type d); do for p in \$(cat \$d/cgroup.procs); do echo \$p > '$root/cgroup.procs'; done; rmdir \$d; done"
	mkdir -p "$root/$svc/worker" "$root/$ctr" || return 1
	bg ip netns exec "$NS_B" socat TCP-LISTEN:9301,bind="$IP4_B",reuseaddr,fork SYSTEM:cat
	bg ip netns exec "$NS_B" socat TCP-LISTEN:9302,bind="$IP4_B",reuseaddr,fork SYSTEM:cat
	bg ip netns exec "$NS_B" socat TCP-LISTEN:9303,bind="$IP4_B",reuseaddr,fork SYSTEM:cat
	fo -n "$NS_A" attach veth0 || return 1
	# the rule before the traffic: it names the unit's cgroup, and the worker cgroup below it
	fo mark add unit "fo$TEST_ID.service" mark 0x42 >/dev/null || return 1
	assert_rc 2 fo mark add unit "fo-none-$TEST_ID.service" drop || return 1
	assert_contains "$ERR" "no cgroup of that unit" "a unit that is not running" || return 1
	wait_listen "$NS_B" 9303 || return 1
	send_from_cgroup "$svc" 9301 fo_unitproc || fail "client in the service" || return 1
	send_from_cgroup "$ctr" 9302 fo_ctrproc || fail "client in the container" || return 1
	send_from_cgroup "$svc/worker" 9303 fo_worker || fail "client below the service" || return 1
	local f1 f2 f3
	f1=$(flows_where 'f["remote_port"]==9301') f2=$(flows_where 'f["remote_port"]==9302')
	f3=$(flows_where 'f["remote_port"]==9303')
	assert_eq "$(echo "$f1" | pyjson 'print(d[0]["comm"], d[0]["unit"], "container" in d[0], d[0]["mark"])')" \
		"fo_unitproc fo$TEST_ID.service False 66" "the service's flow: unit, no container, marked" || return 1
	assert_eq "$(echo "$f2" | pyjson 'print(d[0]["comm"], d[0]["container"], d[0]["unit"], d[0]["mark"])')" \
		"fo_ctrproc ${id64:0:12} docker-$id64.scope 0" "the container's flow: 12-digit id, not marked" || return 1
	assert_eq "$(echo "$f3" | pyjson 'print(d[0]["unit"], d[0]["mark"])')" \
		"fo$TEST_ID.service 66" "a cgroup made below the unit: its unit, marked" || return 1
	fo flows | grep fo_ctrproc | grep -q "${id64:0:12}" || fail "flows table shows the container" || return 1
	fo flows | grep fo_unitproc | grep -q "fo$TEST_ID.service" || fail "flows table shows the unit" || return 1
	# a container rule by its short id; save names both by name again
	fo mark add container "${id64:0:12}" drop >/dev/null || return 1
	assert_eq "$(fo mark save | sed -n 2p)" "mark add container ${id64:0:12} drop" "container rule saved" || return 1
	assert_eq "$(fo mark save | sed -n 1p)" "mark add unit fo$TEST_ID.service mark 0x42" "unit rule saved"
}

# Scrape the exporter in namespace A: headers and body into FILE.
scrape() { # PORT FILE
	in_a curl -s -D "$2.headers" -o "$2" --max-time 10 "http://127.0.0.1:$1/metrics"
}

test_exporter_counters_survive_a_full_table_churning() {
	[ -f /usr/lib/python3/dist-packages/prometheus_client/parser.py ] || skip "no python3-prometheus-client"
	local port=$((20000 + TEST_ID % 10000)) dir="/tmp/fo-exp-$TEST_ID" fake="$IP4_NET.3"
	setup_pair || return 1
	mkdir -p "$dir" && on_cleanup "rm -rf $dir"
	fo -n "$NS_A" attach veth0 --max-flows 65536 || return 1
	# Datagrams to an address no one has (a static neighbour): B drops them, nothing answers.
	ip -n "$NS_A" neigh add "$fake" lladdr 02:00:00:00:00:03 dev veth0 nud permanent || return 1
	# traffic of a process that exits before the first scrape
	in_a "$OUT/tests/fo_client" -U -n fo_early -b 100 -c 3 "$fake" 7 >/dev/null || fail "fo_early" || return 1
	# nsenter execs it: BG_PID is the exporter itself, for the SIGTERM at the end
	bg nsenter --net="/run/netns/$NS_A" "$FO_BIN" --pin-dir "$PIN" metrics --listen "127.0.0.1:$port"
	local exporter=$BG_PID
	WAIT=50 wait_for scrape "$port" "$dir/before" || fail "exporter never answered" || return 1
	scrape "$port" "$dir/before" || return 1
	# 70,000 one-datagram flows from two processes of one name, through a 65,536-flow table;
	# a scrape between them reads the first 35,000 before the second half evicts them
	in_a "$OUT/tests/fo_churn" -n fo_churn "$fake" 1 35000 >/dev/null || fail "churn" || return 1
	scrape "$port" "$dir/mid" || return 1
	in_a "$OUT/tests/fo_churn" -n fo_churn "$fake" 1 35000 >/dev/null || fail "churn" || return 1
	scrape "$port" "$dir/after" || return 1
	local st
	st=$(fo -j status) || return 1
	assert_ge "$(echo "$st" | pyjson 'print(d["counters"]["flows_created"])')" 70001 "flows created" || return 1
	assert_ge "$(echo "$st" | pyjson 'print(d["counters"]["flow_evictions"])')" 4465 "flows evicted" || return 1
	grep -i '^content-type:' "$dir/before.headers" | tr -d '\r' | grep -qx 'Content-Type: text/plain; version=0.0.4' ||
		fail "content type: $(grep -i '^content-type' "$dir/before.headers")" || return 1
	/usr/bin/python3 - "$dir/before" "$dir/mid" "$dir/after" <<'PY' || fail "counters went back or vanished" || return 1
import sys
from prometheus_client.parser import text_string_to_metric_families
def load(path):
    out = {}
    for fam in text_string_to_metric_families(open(path).read()):
        for s in fam.samples:
            assert "pid" not in s.labels, ("a pid label", s)
            out[(s.name, tuple(sorted(s.labels.items())))] = (fam.type, s.value)
    return out
scrapes = [load(p) for p in sys.argv[1:]]
def total(m, comm, direction="tx"):
    return sum(v for k, (t, v) in m.items() if k[0] == "flowowner_process_packets_total"
               and ("comm", comm) in k[1] and ("direction", direction) in k[1])
for a, b in zip(scrapes, scrapes[1:]):
    for k, (typ, v) in a.items():
        if typ != "counter":
            continue
        assert k in b, ("vanished", k)
        assert b[k][1] >= v, ("went back", k, v, b[k][1])
assert total(scrapes[0], "fo_early") == 3, total(scrapes[0], "fo_early")
assert total(scrapes[2], "fo_early") == 3, total(scrapes[2], "fo_early")
# every churned flow counted once, though the table never held them all
assert total(scrapes[2], "fo_churn") == 70000, total(scrapes[2], "fo_churn")
dev = [v for k, (t, v) in scrapes[2].items() if k[0] == "flowowner_device_packets_total" and ("direction", "tx") in k[1]]
assert dev and dev[0] >= 70003, dev  # 70,000 + fo_early's 3
PY
	kill -TERM "$exporter" && wait "$exporter"
	assert_eq "$?" 0 "exporter exit status after SIGTERM"
}
