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
	fo mark add comm fo_rate rate 20mbit >/dev/null || return 1
	fo mark add uid 4343 quota 1MiB mark 0x2 >/dev/null || return 1
	before=$(fo -j mark list) || return 1
	fo mark save >"$file" || fail "mark save" || return 1
	assert_eq "$(grep -c "^mark add " "$file")" 7 "one line per rule" || return 1
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
	# a full set over a full set: both are in the maps for a moment, with their quota state
	seq 2 257 | sed 's/.*/mark add pid & quota 1M/' >"$file"
	fo mark restore "$file" && fo mark restore "$file" || fail "256 rules over 256" || return 1
	assert_eq "$(fo -j mark list | pyjson 'print(len(d), d[-1]["id"])')" "256 256" "a full set" || return 1
	echo 'mark add pid 258 drop' >>"$file"
	assert_rc 2 fo mark restore "$file" || return 1
	assert_contains "$ERR" "$file:257: more than 256 rules" "one too many" || return 1
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
	# The witness of the unit rule's mark: nftables in A counts each reply by source port and
	# mark (marks on received packets are set at tc ingress, before the input hook).
	nsenter --net="/run/netns/$NS_A" nft -f - <<NFT || return 1
table inet founit {
	chain in {
		type filter hook input priority 0;
		tcp sport 9301 meta mark 0x42 counter
		tcp sport 9302 meta mark 0x42 counter
		tcp sport 9303 meta mark 0x42 counter
		tcp sport 9301 counter
		tcp sport 9302 counter
		tcp sport 9303 counter
	}
}
NFT
	fo -n "$NS_A" attach veth0 || return 1
	# the rule before the traffic: it names the unit's cgroup, and the worker cgroup below it
	fo mark add unit "fo$TEST_ID.service" mark 0x42 >/dev/null || return 1
	assert_rc 2 fo mark add unit "fo-none-$TEST_ID.service" drop || return 1
	assert_contains "$ERR" "no cgroup of that unit" "a unit that is not running" || return 1
	wait_listen "$NS_B" 9303 || return 1
	send_from_cgroup "$svc" 9301 fo_unitproc || fail "client in the service" || return 1
	send_from_cgroup "$ctr" 9302 fo_ctrproc || fail "client in the container" || return 1
	send_from_cgroup "$svc/worker" 9303 fo_worker || fail "client below the service" || return 1
	settle || fail "traffic on veth0 did not stop" || return 1
	local f1 f2 f3
	f1=$(flows_where 'f["remote_port"]==9301') f2=$(flows_where 'f["remote_port"]==9302')
	f3=$(flows_where 'f["remote_port"]==9303')
	assert_eq "$(echo "$f1" | pyjson 'print(d[0]["comm"], d[0]["unit"], "container" in d[0], d[0]["mark"])')" \
		"fo_unitproc fo$TEST_ID.service False 66" "the service's flow: unit, no container, marked" || return 1
	assert_eq "$(echo "$f2" | pyjson 'print(d[0]["comm"], d[0]["container"], d[0]["unit"], d[0]["mark"])')" \
		"fo_ctrproc ${id64:0:12} docker-$id64.scope 0" "the container's flow: 12-digit id, not marked" || return 1
	assert_eq "$(echo "$f3" | pyjson 'print(d[0]["unit"], d[0]["mark"])')" \
		"fo$TEST_ID.service 66" "a cgroup made below the unit: its unit, marked" || return 1
	# nftables saw every packet of the unit's flows marked (those B sent: rx_packets), none of the
	# container's; "PORT MARKED ALL" per port.
	assert_eq "$(nsenter --net="/run/netns/$NS_A" nft -j list table inet founit | /usr/bin/python3 -c '
import json, sys
c = {}
for r in json.load(sys.stdin)["nftables"]:
    if "rule" in r:
        e = r["rule"]["expr"]
        port = [x["match"]["right"] for x in e if "match" in x and "payload" in x["match"]["left"]][0]
        marked = any("meta" in x["match"]["left"] for x in e if "match" in x)
        c.setdefault(port, [0, 0])[0 if marked else 1] = [x["counter"]["packets"] for x in e if "counter" in x][0]
print(" ".join("%d %d %d" % (p, m, a) for p, (m, a) in sorted(c.items())))')" \
		"9301 $(echo "$f1" | pyjson 'print(d[0]["rx_packets"])') $(echo "$f1" | pyjson 'print(d[0]["rx_packets"])') 9302 0 $(echo "$f2" | pyjson 'print(d[0]["rx_packets"])') 9303 $(echo "$f3" | pyjson 'print(d[0]["rx_packets"])') $(echo "$f3" | pyjson 'print(d[0]["rx_packets"])')" \
		"nft: packets from each port marked 0x42 / all, against flowowner's rx_packets" || return 1
	fo flows | grep fo_ctrproc | grep -q "${id64:0:12}" || fail "flows table shows the container" || return 1
	fo flows | grep fo_unitproc | grep -q "fo$TEST_ID.service" || fail "flows table shows the unit" || return 1
	# top and the metrics name them too
	assert_eq "$(fo -j top --once --interval 0.1 | pyjson 'print([(r.get("unit"), r.get("container")) for r in d if r["comm"] == "fo_ctrproc"])')" \
		"[('docker-$id64.scope', '${id64:0:12}')]" "top -j" || return 1
	fo top --once --interval 0.1 | grep fo_unitproc | grep -q "fo$TEST_ID.service" || fail "top table shows the unit" || return 1
	fo metrics | grep '^flowowner_process_bytes_total{comm="fo_ctrproc"' | grep -q "container=\"${id64:0:12}\"" ||
		fail "metrics label the container" || return 1
	fo metrics | grep '^flowowner_process_bytes_total{comm="fo_unitproc"' | grep -q "unit=\"fo$TEST_ID.service\"" ||
		fail "metrics label the unit" || return 1
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
	have_cmd capsh || skip "capsh missing"
	local port=$((20000 + TEST_ID % 10000)) dir="/tmp/fo-exp-$TEST_ID" fake="$IP4_NET.3"
	setup_pair || return 1
	mkdir -p "$dir" && on_cleanup "rm -rf $dir"
	fo -n "$NS_A" attach veth0 --max-flows 65536 || return 1
	# Datagrams to an address no one has (a static neighbour): B drops them, nothing answers.
	ip -n "$NS_A" neigh add "$fake" lladdr 02:00:00:00:00:03 dev veth0 nud permanent || return 1
	# traffic of a process that exits before the first scrape
	in_a "$OUT/tests/fo_client" -U -n fo_early -b 100 -c 3 "$fake" 7 >/dev/null || fail "fo_early" || return 1
	# with no capability at all, as flowowner-exporter.service runs it; nsenter, capsh and the
	# shell exec it in turn, so BG_PID is the exporter itself, for the SIGTERM at the end
	bg nsenter --net="/run/netns/$NS_A" capsh --drop="$(drop_all_but "")" -- -c \
		"exec '$FO_BIN' --pin-dir '$PIN' metrics --listen 127.0.0.1:$port"
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

# The repository this test file is in.
repo_top() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

# make install into a throwaway prefix: the units then name paths that exist.
install_to() { # DIR
	make -s -C "$(repo_top)" install OUT="$OUT" PREFIX="$1/usr" SYSCONFDIR="$1/etc" >/dev/null
}

test_systemd_units_verify_and_run_with_three_capabilities() {
	have_cmd systemd-analyze || skip "systemd-analyze missing"
	local dir="/tmp/fo-inst-$TEST_ID" units out
	setup_pair || return 1
	on_cleanup "rm -rf $dir"
	install_to "$dir" || fail "make install" || return 1
	units="$dir/usr/lib/systemd/system"
	out=$(systemd-analyze verify --man=no "$units/flowowner.service" "$units/flowowner-exporter.service" 2>&1) ||
		fail "systemd-analyze verify: $out" || return 1
	assert_eq "$out" "" "verify says nothing" || return 1
	grep -qx 'CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_NET_ADMIN' "$units/flowowner.service" ||
		fail "capabilities of flowowner.service" || return 1
	# the verify above fails or passes wherever systemd-analyze is; running the unit's lines
	# with only its capabilities needs capsh as well
	have_cmd capsh || skip "capsh missing (the units verified)"
	# What the unit runs, in the device's namespace, with only the unit's capabilities; the
	# pins go to this test's dir (global options may follow the command).
	echo veth0 >"$dir/etc/flowowner/devices"
	echo 'mark add comm fo_svc mark 0x9' >"$dir/etc/flowowner/rules"
	local start reload stop caps
	start=$(sed -n 's/^ExecStart=//p' "$units/flowowner.service")
	reload=$(sed -n 's/^ExecReload=//p' "$units/flowowner.service")
	stop=$(sed -n 's/^ExecStopPost=//p' "$units/flowowner.service")
	caps=$(drop_all_but cap_bpf,cap_perfmon,cap_net_admin)
	nsenter --net="/run/netns/$NS_A" capsh --drop="$caps" -- -c "FLOWOWNER_OPTS='--pin-dir $PIN' $start" ||
		fail "ExecStart: $start" || return 1
	assert_eq "$(fo -j status | pyjson 'print(sorted(a["direction"] for a in d["attachments"] if a["dev"] == "veth0"))')" \
		"['egress', 'ingress']" "attached as the devices file says" || return 1
	assert_eq "$(fo mark save)" "mark add comm fo_svc mark 0x9" "rules restored" || return 1
	echo 'mark add comm fo_svc2 drop' >>"$dir/etc/flowowner/rules"
	nsenter --net="/run/netns/$NS_A" capsh --drop="$caps" -- -c "$reload --pin-dir '$PIN'" ||
		fail "ExecReload: $reload" || return 1
	assert_eq "$(fo mark list -j | pyjson 'print(len(d))')" 2 "rules after reload" || return 1
	nsenter --net="/run/netns/$NS_A" capsh --drop="$caps" -- -c "$stop --pin-dir '$PIN'" ||
		fail "ExecStopPost: $stop" || return 1
	[ -e "$PIN" ] && fail "stop left pins" && return 1
	# a bad devices file: the start fails naming the line, and the stop step cleans up
	printf 'veth0\nno-such-dev%s\n' "$TEST_ID" >"$dir/etc/flowowner/devices"
	assert_rc 1 nsenter --net="/run/netns/$NS_A" sh -c "FLOWOWNER_OPTS='--pin-dir $PIN' $start" || return 1
	assert_contains "$ERR" "devices:2" "the bad line named" || return 1
	nsenter --net="/run/netns/$NS_A" sh -c "$stop --pin-dir '$PIN'" || return 1
	[ ! -e "$PIN" ] || fail "pins after a failed start and the stop"
}

test_daemonset_parses_and_has_what_a_node_needs() {
	[ -f /usr/lib/python3/dist-packages/yaml/__init__.py ] || skip "no python3-yaml"
	/usr/bin/python3 - "$(repo_top)/contrib/kubernetes/daemonset.yaml" <<'PY' || fail "daemonset.yaml" || return 1
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
assert len(docs) == 1, len(docs)
ds = docs[0]
assert ds["apiVersion"] == "apps/v1" and ds["kind"] == "DaemonSet", ds["kind"]
tpl = ds["spec"]["template"]
assert ds["spec"]["selector"]["matchLabels"].items() <= tpl["metadata"]["labels"].items()
spec = tpl["spec"]
assert spec["hostNetwork"] is True and spec["hostPID"] is True
(c,) = spec["containers"]
sc = c["securityContext"]
assert set(sc["capabilities"]["add"]) == {"BPF", "PERFMON", "NET_ADMIN"}, sc["capabilities"]
assert sc.get("privileged") is False
mounts = {m["name"]: m for m in c["volumeMounts"]}
vols = {v["name"]: v for v in spec["volumes"]}
def host(path):
    (m,) = [m for m in mounts.values() if m["mountPath"] == path]
    assert vols[m["name"]]["hostPath"]["path"] == path, (path, vols[m["name"]])
    return m
host("/sys/fs/bpf")
assert host("/sys/fs/cgroup").get("readOnly") is True
(port,) = c["ports"]
ann = tpl["metadata"]["annotations"]
assert ann["prometheus.io/scrape"] == "true"
assert ann["prometheus.io/port"] == str(port["containerPort"]) == "9863"
assert ann["prometheus.io/path"] == "/metrics"
script = " ".join(c["command"] + c["args"])
assert "metrics --listen" in script and ":9863" in script, script
assert "flowowner-start" in script
assert c["lifecycle"]["preStop"]["exec"]["command"][-1] == "unload"
PY
}

# The one-host block of docs/deploy.md, as written: in a private mount namespace (its own bpffs,
# /usr/local and /etc as overlays), inside namespace A with its device renamed eth0, with a
# systemctl on PATH that runs the installed units' Exec lines (systemd is not PID 1 here).
test_deploy_md_one_host_block_runs_as_written() {
	have_cmd unshare || skip "unshare missing"
	local dir="/tmp/fo-doc-$TEST_ID" top
	top=$(repo_top)
	setup_pair || return 1
	on_cleanup "rm -rf $dir"
	mkdir -p "$dir/bin" "$dir/usr.up" "$dir/usr.work" "$dir/etc.up" "$dir/etc.work" || return 1
	ip -n "$NS_A" link set veth0 down && ip -n "$NS_A" link set veth0 name eth0 &&
		ip -n "$NS_A" link set eth0 up || return 1
	sed -n '/<!-- one-host: begin/,/<!-- one-host: end/p' "$top/docs/deploy.md" | sed '1,2d;$d' | sed '$d' >"$dir/block.sh"
	[ "$(wc -l <"$dir/block.sh")" -ge 10 ] || fail "no one-host block in docs/deploy.md" || return 1
	cat >"$dir/bin/systemctl" <<'SH'
#!/bin/bash
# systemctl stand-in: start, reload and stop the installed units by their Exec lines.
set -e
unit() { echo "/usr/local/lib/systemd/system/${1%.service}.service"; }
lines() { sed -n "s/^$2=//p" "$(unit "$1")"; }
run_lines() { local l; while IFS= read -r l; do [ -z "$l" ] || eval "$l"; done < <(lines "$1" "$2"); }
start() {
	case "${1%.service}" in
	flowowner-exporter)
		eval "$(lines "$1" Environment | sed 's/^/export /')"
		(eval "exec $(lines "$1" ExecStart)") >/dev/null 2>&1 &
		echo $! > /run/fo-doc-exporter.pid ;;
	*) run_lines "$1" ExecStart ;;
	esac
}
stop() {
	[ ! -f /run/fo-doc-exporter.pid ] || { kill "$(cat /run/fo-doc-exporter.pid)"; rm -f /run/fo-doc-exporter.pid; }
	[ "${1%.service}" = flowowner-exporter ] || run_lines "$1" ExecStopPost
}
cmd=$1; shift
case "$cmd" in
daemon-reload) ;;
enable) [ "$1" = --now ] && shift && for u; do start "$u"; done ;;
start) for u; do start "$u"; done ;;
reload) for u; do run_lines "$u" ExecReload; done ;;
stop) for u; do stop "$u"; done ;;
*) echo "systemctl stand-in: $cmd: not supported" >&2; exit 1 ;;
esac
SH
	chmod +x "$dir/bin/systemctl"
	local out
	out=$(cd "$top" && nsenter --net="/run/netns/$NS_A" unshare --mount --propagation private bash -c "
		set -e
		mount -t bpf bpf /sys/fs/bpf
		mount -t overlay overlay -o lowerdir=/usr/local,upperdir=$dir/usr.up,workdir=$dir/usr.work /usr/local
		mount -t overlay overlay -o lowerdir=/etc,upperdir=$dir/etc.up,workdir=$dir/etc.work /etc
		mount -t tmpfs tmpfs /run
		trap '/usr/local/sbin/flowowner unload >/dev/null 2>&1 || true; [ ! -f /run/fo-doc-exporter.pid ] || kill \$(cat /run/fo-doc-exporter.pid)' EXIT
		export PATH=$dir/bin:\$PATH
		set -x
		. $dir/block.sh" 2>&1) || fail "the block failed: $(echo "$out" | tail -15)" || return 1
	[ -z "${FO_DEBUG:-}" ] || echo "$out" >&2
	assert_contains "$out" "flowowner_up 1" "the exporter answered" || return 1
	assert_contains "$out" "eth0" "status shows eth0" || return 1
	assert_contains "$out" "comm backup-agent" "the rule from the file" || return 1
	assert_contains "$out" "comm rsync" "the saved rule after reload" || return 1
	assert_contains "$out" "unloaded" "stopped" || return 1
	[ -e /etc/flowowner ] && [ ! -e /etc/flowowner/devices.example ] || [ ! -e /etc/flowowner ] ||
		fail "the block wrote to the host's /etc"
}

# nft counters in namespace B for UDP to PORT, one per mark value: "MARK PACKETS" lines.
nft_marks() { # PORT
	ip netns exec "$NS_B" nft -j list table inet foatom | /usr/bin/python3 -c '
import json, sys
for r in json.load(sys.stdin)["nftables"]:
    if "rule" not in r:
        continue
    e = r["rule"]["expr"]
    mark = [x["match"]["right"] for x in e if "match" in x and x["match"]["left"] == {"meta": {"key": "mark"}}]
    pk = [x["counter"]["packets"] for x in e if "counter" in x]
    print(mark[0], pk[0])'
}

test_mark_restore_never_shows_a_half_set_to_the_datapath() {
	have_cmd nft || skip "nft missing"
	local a="/tmp/fo-atomA-$TEST_ID" b="/tmp/fo-atomB-$TEST_ID" prog i sender counts
	setup_pair || return 1
	on_cleanup "rm -f $a $b"
	prog=$(named_copy fo_atom) || return 1
	# Set A: the exe rule wins (0x1) over A's own comm rule (0x3). Set B: a comm rule (0x2).
	# A decision under half of A, or under neither, would mark 0x3 or nothing.
	printf 'mark add exe %s mark 0x1\nmark add comm fo_atom mark 0x3\n' "$prog" >"$a"
	printf 'mark add comm fo_atom mark 0x2\n' >"$b"
	ip netns exec "$NS_B" nft -f - <<NFT || return 1
table inet foatom {
	chain in {
		type filter hook input priority 0;
		udp dport 9400 meta mark 0x1 counter
		udp dport 9400 meta mark 0x2 counter
		udp dport 9400 meta mark 0x3 counter
		udp dport 9400 meta mark 0x0 counter
	}
}
NFT
	fo -n "$NS_B" attach veth0 --ingress || return 1
	fo mark restore "$a" || return 1
	bg ip netns exec "$NS_B" "$prog" -u UDP-RECV:9400,bind="$IP4_B" /dev/null
	wait_listen "$NS_B" 9400 udp || return 1
	# one flow, a datagram every few microseconds: each policy change is decided on the next one
	bg in_a socat -u -b 32 /dev/zero "UDP:$IP4_B:9400,sourceport=9401"
	sender=$BG_PID
	for i in $(seq 15); do
		fo mark restore "$b" && fo mark restore "$a" || fail "restore $i" || return 1
	done
	kill -- "-$sender"
	counts=$(nft_marks)
	[ -z "${FO_DEBUG:-}" ] || echo "marks: $counts" >&2
	echo "$counts" | awk '$1 == 1 && $2 > 0 { a = 1 } $1 == 2 && $2 > 0 { b = 1 } END { exit !(a && b) }' ||
		fail "both sets decided packets: $counts" || return 1
	echo "$counts" | awk '($1 == 3 || $1 == 0) && $2 != 0 { bad = 1 } END { exit bad }' ||
		fail "packets decided under a half set: $counts"
}
