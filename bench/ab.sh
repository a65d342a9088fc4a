#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ab.sh — the same-run A/B of two flowowner builds under real traffic: how a change to the BPF
# side is judged on a machine whose figures drift by 10-30 % between runs.
#
# Usage: bench/ab.sh BIN_A BIN_B [ROUNDS] [SECONDS]   (root; BIN_* are two built `flowowner`s,
# whose BPF objects are built in). Per round, A and B in alternating order (AB, BA, ...) are each
# attached to both ends of one veth pair between two namespaces of its own, nginx (1 worker,
# 2 KB answers, 100 requests per keep-alive connection) serves wrk (2 threads, 20 connections)
# for SECONDS per load (keep-alive, then Connection: close; MODES picks), and every flowowner
# program's run_time_ns / run_cnt delta over the wrk run is kept (status -j cost.programs),
# with kernel.bpf_stats_enabled on (restored on any exit) and held by bench/statsfd.
# Prints, per load and build, the medians of fo_tc_egress, fo_tc_ingress and both together in ns
# per run and all flowowner BPF ns per request, then per load the median and range of B/A over
# the rounds: the paired ratio is the figure to read. Raw rows: $OUT/bench/ab/PID/ab.tsv.
set -u
A=${1:?usage: ab.sh BIN_A BIN_B [ROUNDS] [SECONDS]} B=${2:?usage: ab.sh BIN_A BIN_B [ROUNDS] [SECONDS]}
ROUNDS=${3:-6} SECS=${4:-3} MODES=${MODES:-keepalive close}
OUT=${OUT:-build}
OUT=$(cd "$OUT" && pwd)
ID=$$
NS_A="foab${ID}a" NS_B="foab${ID}b" PIN="/sys/fs/bpf/fo-ab-${ID}"
IP_A="10.253.$((ID % 250)).1" IP_B="10.253.$((ID % 250)).2"
RES="$OUT/bench/ab/$ID"
NGINX="" STATSFD="" STATS_SAVED=""

in_a() { nsenter --net="/run/netns/$NS_A" "$@"; } # nsenter keeps /sys/fs/bpf: pins stay visible
in_b() { nsenter --net="/run/netns/$NS_B" "$@"; }

cleanup() {
	[ -n "$NGINX" ] && kill "$NGINX" 2>/dev/null
	[ -n "$STATSFD" ] && kill "$STATSFD" 2>/dev/null
	wait 2>/dev/null
	[ -n "$STATS_SAVED" ] && sysctl -qw kernel.bpf_stats_enabled="$STATS_SAVED"
	"$A" --pin-dir "$PIN" unload >/dev/null 2>&1
	"$B" --pin-dir "$PIN" unload >/dev/null 2>&1
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	rm -rf "$PIN"
}
trap cleanup EXIT

for bin in "$A" "$B"; do
	[ -x "$bin" ] || { echo "ab.sh: $bin: not an executable" >&2; exit 2; }
done
command -v nginx >/dev/null && command -v wrk >/dev/null ||
	{ echo "ab.sh: nginx or wrk missing (make deps)" >&2; exit 1; }
[ -x "$OUT/bench/statsfd" ] || { echo "ab.sh: $OUT/bench/statsfd missing (make bench builds it)" >&2; exit 1; }
mkdir -p "$RES"

ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add veth0 netns "$NS_A" type veth peer name veth0 netns "$NS_B" &&
	ip -n "$NS_A" addr add "$IP_A/24" dev veth0 && ip -n "$NS_B" addr add "$IP_B/24" dev veth0 ||
	{ echo "ab.sh: cannot make the namespace pair" >&2; exit 1; }
for ns in "$NS_A" "$NS_B"; do
	# No IPv6 on the pair: the kernel's own ND and MLD would be traffic nobody asked for.
	nsenter --net="/run/netns/$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n "$ns" link set lo up && ip -n "$ns" link set veth0 up || exit 1
	# Closed connections keep no TIME_WAIT socket (see bench/run.sh, fig_http).
	nsenter --net="/run/netns/$ns" sysctl -qw net.ipv4.tcp_max_tw_buckets=0
done
in_a sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
in_a sysctl -qw net.ipv4.tcp_tw_reuse=1

# shellcheck source=bench/nginx.sh
source "$(dirname "$0")/nginx.sh"
nginx_conf "$RES" "$IP_B" || { echo "ab.sh: cannot write $RES/nginx.conf" >&2; exit 1; }
nsenter --net="/run/netns/$NS_B" nginx -p "$RES" -c "$RES/nginx.conf" &
NGINX=$!
t=50
while [ $t -gt 0 ] && ! in_b ss -Htln "sport = :8080" | grep -q .; do sleep 0.1; t=$((t - 1)); done
[ $t -gt 0 ] || { echo "ab.sh: nginx did not start ($RES/error.log)" >&2; exit 1; }

STATS_SAVED=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1 # status reports costs only while the sysctl is on
"$OUT/bench/statsfd" >"$RES/statsfd.out" &
STATSFD=$!

attach() { "$1" --pin-dir "$PIN" -n "$NS_A" attach veth0 >/dev/null &&
	"$1" --pin-dir "$PIN" -n "$NS_B" attach veth0 >/dev/null; }
costs() { "$1" --pin-dir "$PIN" -j status | /usr/bin/python3 -c '
import json, sys
print(json.dumps({p["name"]: [p["run_time_ns"], p["run_cnt"]] for p in json.load(sys.stdin)["cost"]["programs"]}))'; }
requests() { # keepalive|close: the requests wrk completed, none if any failed
	local args=(-t 2 -c 20 -d "${SECS}s" "http://$IP_B:8080/")
	[ "$1" = close ] && args+=(-H 'Connection: close')
	in_a wrk "${args[@]}" >"$RES/wrk.out" 2>&1
	grep -q -e 'Socket errors' -e 'Non-2xx' "$RES/wrk.out" && return 1
	sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$RES/wrk.out"
}

printf 'round\tbuild\tload\trequests\tprograms\n' >"$RES/ab.tsv"
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then order="A B"; else order="B A"; fi
	for build in $order; do
		bin=$A
		[ "$build" = B ] && bin=$B
		attach "$bin" || { echo "ab.sh: $bin: attach failed" >&2; exit 1; }
		sleep 1 # the load's own work (the walks, freed maps) settles before a window
		for load in $MODES; do
			c0=$(costs "$bin")
			n=$(requests "$load") || { echo "ab.sh: round $r $build $load: wrk errors, run dropped" >&2; continue; }
			c1=$(costs "$bin")
			d=$(/usr/bin/python3 -c '
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({k: [v[0] - a.get(k, [0, 0])[0], v[1] - a.get(k, [0, 0])[1]] for k, v in b.items()}))' "$c0" "$c1")
			printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$build" "$load" "$n" "$d" >>"$RES/ab.tsv"
		done
		"$bin" --pin-dir "$PIN" unload >/dev/null
		sleep 0.5
	done
done

/usr/bin/python3 - "$RES/ab.tsv" <<'PY'
import collections, json, statistics as st, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
fig = collections.defaultdict(dict)
for r, b, load, n, d in rows:
    d = json.loads(d)
    e, i = d.get("fo_tc_egress", [0, 0]), d.get("fo_tc_ingress", [0, 0])
    per = lambda v: v[0] / v[1] if v[1] else 0.0
    fig[(load, r)][b] = (per(e), per(i), per([e[0] + i[0], e[1] + i[1]]),
                         sum(v[0] for v in d.values()) / max(int(n), 1))
for load in dict.fromkeys(k[0] for k in fig):
    rounds = [v for k, v in fig.items() if k[0] == load and len(v) == 2]
    for b in "AB":
        m = [st.median(x[b][j] for x in rounds) for j in range(4)]
        print(f"{load} {b}: fo_tc_egress {m[0]:.1f}, fo_tc_ingress {m[1]:.1f}, tc {m[2]:.1f} ns/run; "
              f"all BPF {m[3]:.0f} ns/request ({len(rounds)} rounds)")
    for j, name in ((2, "tc ns/run"), (3, "BPF ns/request")):
        q = [x["B"][j] / x["A"][j] for x in rounds if x["A"][j]]
        if q:
            print(f"{load} B/A {name}: median {st.median(q):.3f} (rounds {min(q):.2f}-{max(q):.2f})")
PY
