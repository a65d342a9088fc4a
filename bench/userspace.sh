#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# userspace.sh — the user-space listing figures of `make bench` (issue 15): flows -j / flows /
# metrics over 60k..250k UDP flows against `conntrack -L` over the same flows, time per flow,
# and each command's peak memory against the raw table's bytes. Sourced by bench/run.sh, whose
# helpers (fo-style functions, timed, bg, stop, wait_ready, log) and $RES/$BIN/$ROUNDS it uses.
#
# Its own namespaces (fob<pid>c/d) and pin dir, so the other figures' state is untouched:
# one UDP socket in c sends one datagram to each of N peer (address, port) pairs in d; d drops
# UDP at input (no ICMP replies, so exactly N flows); conntrack tracks c's output.
# Knobs: BENCH_FLOWS (sizes, default "60000 120000 250000"); conntrack runs at the first size.

LST_NS_C="fob${ID}c"
LST_NS_D="fob${ID}d"
LST_PIN="/sys/fs/bpf/fo-bench-${ID}-l"
LST_SIZES=${BENCH_FLOWS:-60000 120000 250000}
LST_NET="10.253.$((ID % 250))"
LST_PERF=0
command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1 && LST_PERF=1

lst_fo() { "$FO_BIN" --pin-dir "$LST_PIN" "$@"; }
in_c() { nsenter --net="/run/netns/$LST_NS_C" "$@"; }

userspace_cleanup() {
	[ -d "$LST_PIN" ] && lst_fo unload >/dev/null 2>&1
	[ -d "$LST_PIN" ] && rm -rf "$LST_PIN"
	ip netns del "$LST_NS_C" 2>/dev/null
	ip netns del "$LST_NS_D" 2>/dev/null
	return 0
}

# A table of one accepting chain at HOOK with one RULE, in namespace NS.
lst_nft() { # NS HOOK RULE
	nsenter --net="/run/netns/$1" nft -f - <<-NFT
	table inet fobench {
		chain $2 {
			type filter hook $2 priority 0; policy accept;
			$3
		}
	}
	NFT
}

# Namespaces for N flows: c has .1, d has .2 upward (60000 ports per address); CONNTRACK=1
# makes conntrack track c's output, with a timeout longer than the run.
lst_setup() { # N CONNTRACK
	local n=$1 ct=$2 i naddr
	userspace_cleanup
	ip netns add "$LST_NS_C" && ip netns add "$LST_NS_D" || return 1
	ip link add veth0 netns "$LST_NS_C" type veth peer name veth0 netns "$LST_NS_D" || return 1
	ip -n "$LST_NS_C" addr add "$LST_NET.1/24" dev veth0 || return 1
	naddr=$(( (n + 59999) / 60000 ))
	for i in $(seq 2 $((naddr + 1))); do
		ip -n "$LST_NS_D" addr add "$LST_NET.$i/24" dev veth0 || return 1
	done
	for ns in "$LST_NS_C" "$LST_NS_D"; do
		# IPv4 only: no ND/MLD flows beside the N the figure makes.
		nsenter --net="/run/netns/$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.veth0.disable_ipv6=1
		ip -n "$ns" link set lo up && ip -n "$ns" link set veth0 up || return 1
	done
	lst_nft "$LST_NS_D" input 'meta l4proto udp drop' || return 1
	if [ "$ct" = 1 ]; then
		lst_nft "$LST_NS_C" output 'ct state new counter' || return 1
		in_c sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3600 || return 1
	fi
	lst_fo -n "$LST_NS_C" attach veth0 --max-flows 262144 >/dev/null
}

# One timed run: wall seconds into FILE as timed does, and the CPU it took (task-clock ms, from
# perf stat, which follows the command's children: nsenter execs conntrack) into FILE.cpu. On a
# loaded 2-CPU machine wall time mostly measures the other load; CPU time is the command's own.
timed_cpu() { # FILE FIG SIZE ROUND NAME CMD...
	local file=$1 fig=$2 size=$3 round=$4 name=$5 t0 t1 ms
	shift 5
	if [ "$LST_PERF" = 1 ]; then
		t0=$EPOCHREALTIME
		perf stat -x, -e task-clock -o "$RES/perf.out" "$@" >"$RES/last.out" 2>/dev/null
		t1=$EPOCHREALTIME
		ms=$(awk -F, '/task-clock/ { print $1 }' "$RES/perf.out")
		printf '%s\t%s\t%s\t%s\t%s\n' "$fig" "$size" "$round" "$name" "$ms" >>"$file.cpu"
	else
		t0=$EPOCHREALTIME
		"$@" >"$RES/last.out" 2>/dev/null
		t1=$EPOCHREALTIME
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$fig" "$size" "$round" "$name" "$t0" "$t1" >>"$file"
}

# Peak RSS (KiB) of one run of a command (a program, not a shell function), by /usr/bin/time.
peak_kib() {
	/usr/bin/time -f '%M' -o "$RES/peak.out" "$@" >/dev/null 2>&1
	cat "$RES/peak.out"
}

fig_listing() {
	local n r sender have ct kv first=1
	command -v conntrack >/dev/null && command -v nft >/dev/null ||
		{ log "listing: conntrack and nft needed (make deps)"; return; }
	printf 'fig\tsize\tround\tname\tt0\tt1\n' >"$RES/listing.tsv"
	printf 'fig\tsize\tround\tname\tcpu_ms\n' >"$RES/listing.tsv.cpu"
	printf 'size\tname\tpeak_kib\traw_bytes\tflows_seen\n' >"$RES/listing_mem.tsv"
	for n in $LST_SIZES; do
		ct=$first
		first=0
		log "listing: $n UDP flows from one socket$([ "$ct" = 1 ] && echo ', conntrack on')"
		lst_setup "$n" "$ct" || { log "listing: setup for $n failed"; continue; }
		# nsenter execs the sender, so the pid bg remembers is the one stop kills.
		bg nsenter --net="/run/netns/$LST_NS_C" "$BIN/udpflows" "$n" "$LST_NET.2" >"$RES/udpflows.out"
		sender=$BG_PID
		wait_ready "$RES/udpflows.out" || { log "listing: sender failed"; stop "$sender"; continue; }
		have=$(lst_fo -j status | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["maps"]["fo_flows"]["entries"])')
		[ "$have" = "$n" ] || log "listing: $have flows in the table, not $n"
		for r in $(seq 1 "$ROUNDS"); do
			timed_cpu "$RES/listing.tsv" listing "$n" "$r" exec_floor "$FO_BIN" --version
			timed_cpu "$RES/listing.tsv" listing "$n" "$r" flows_json "$FO_BIN" --pin-dir "$LST_PIN" -j -n "$LST_NS_C" flows
			[ "$ct" = 1 ] && timed_cpu "$RES/listing.tsv" listing "$n" "$r" conntrack_L nsenter --net="/run/netns/$LST_NS_C" conntrack -L
			timed_cpu "$RES/listing.tsv" listing "$n" "$r" flows_table "$FO_BIN" --pin-dir "$LST_PIN" -n "$LST_NS_C" flows
			timed_cpu "$RES/listing.tsv" listing "$n" "$r" metrics "$FO_BIN" --pin-dir "$LST_PIN" metrics
			timed_cpu "$RES/listing.tsv" listing "$n" "$r" top_json "$FO_BIN" --pin-dir "$LST_PIN" -j top --once --interval 0.1
		done
		# The raw table: entries times (key + value) as the kernel reports the map.
		kv=$(bpftool map show pinned "$LST_PIN/fo_flows" -j | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["bytes_key"]+d["bytes_value"])')
		for name in flows_json flows_table metrics; do
			case $name in
			flows_json) set -- "$FO_BIN" --pin-dir "$LST_PIN" -j -n "$LST_NS_C" flows ;;
			flows_table) set -- "$FO_BIN" --pin-dir "$LST_PIN" -n "$LST_NS_C" flows ;;
			metrics) set -- "$FO_BIN" --pin-dir "$LST_PIN" metrics ;;
			esac
			printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$name" "$(peak_kib "$@")" $((have * kv)) "$have" \
				>>"$RES/listing_mem.tsv"
		done
		printf '%s\t%s\t%s\t%s\t%s\n' "$n" exec_floor "$(peak_kib "$FO_BIN" --version)" 0 0 \
			>>"$RES/listing_mem.tsv"
		stop "$sender"
	done
	# procs --refresh at BENCH_LIST_PROCS processes against the C /proc loop, alternated.
	lst_setup 1 0 || { log "listing: procs setup failed"; userspace_cleanup; return; }
	local np=${BENCH_LIST_PROCS:-10000}
	if spawn_to "$np" "listing: procs" "$RES/spawn.out"; then
		lst_fo procs --refresh >/dev/null
		for r in $(seq 1 "$ROUNDS"); do
			timed_cpu "$RES/listing.tsv" procs "$np" "$r" procs_refresh "$FO_BIN" --pin-dir "$LST_PIN" procs --refresh
			timed_cpu "$RES/listing.tsv" procs "$np" "$r" proc_stat_loop "$BIN/procscan"
			timed_cpu "$RES/listing.tsv" procs "$np" "$r" procs_json "$FO_BIN" --pin-dir "$LST_PIN" -j procs
		done
	fi
	stop "$BG_PID"
	userspace_cleanup
	/usr/bin/python3 - "$RES" <<-'PY' | tee "$RES/listing.md" >&2
	import csv, statistics, sys
	res = sys.argv[1]
	t = {}
	for row in csv.DictReader(open(f"{res}/listing.tsv"), delimiter="\t"):
	    t.setdefault((int(row["size"]), row["name"]), []).append(float(row["t1"]) - float(row["t0"]))
	med = {k: statistics.median(v) for k, v in t.items()}
	cpu = {}
	try:
	    for row in csv.DictReader(open(f"{res}/listing.tsv.cpu"), delimiter="\t"):
	        if row["cpu_ms"]:
	            cpu.setdefault((row["fig"], int(row["size"]), row["name"]), []).append(float(row["cpu_ms"]) / 1000)
	except FileNotFoundError:
	    pass
	cmed = {k: statistics.median(v) for k, v in cpu.items()}
	fig = {}
	for row in csv.DictReader(open(f"{res}/listing.tsv"), delimiter="\t"):
	    fig[(int(row["size"]), row["name"])] = row["fig"]
	sizes = sorted({k[0] for k in med if fig.get(k) == "listing"})
	print("### flows listing (median of rounds, seconds; ratio to conntrack -L in the same run)")
	print("| flows | flows -j | flows | conntrack -L | -j / ct | table / ct | metrics | top --once (2 samples + 0.1 s) | -j µs/flow | table µs/flow |")
	print("|---|---|---|---|---|---|---|---|---|---|")
	for n in sizes:
	    j, tb, ct = med.get((n, "flows_json")), med.get((n, "flows_table")), med.get((n, "conntrack_L"))
	    f = lambda x: f"{x:.3f}" if x is not None else "-"
	    r = lambda a, b: f"{a / b:.2f}" if a is not None and b else "-"
	    print(f"| {n} | {f(j)} | {f(tb)} | {f(ct)} | {r(j, ct)} | {r(tb, ct)} | {f(med.get((n, 'metrics')))} "
	          f"| {f(med.get((n, 'top_json')))} | {j / n * 1e6:.2f} | {tb / n * 1e6:.2f} |")
	print()
	print("### the same, CPU time (task-clock, median, seconds): the commands' own cost, whatever else runs")
	print("| flows | flows -j | flows | conntrack -L | -j / ct | table / ct | metrics | top --once | exec floor | -j µs/flow | table µs/flow |")
	print("|---|---|---|---|---|---|---|---|---|---|---|")
	for n in sizes:
	    g = lambda name: cmed.get(("listing", n, name))
	    j, tb, ct = g("flows_json"), g("flows_table"), g("conntrack_L")
	    f = lambda x: f"{x:.3f}" if x is not None else "-"
	    r = lambda a, b: f"{a / b:.2f}" if a is not None and b else "-"
	    per = lambda x: f"{x / n * 1e6:.2f}" if x is not None else "-"
	    print(f"| {n} | {f(j)} | {f(tb)} | {f(ct)} | {r(j, ct)} | {r(tb, ct)} | {f(g('metrics'))} | {f(g('top_json'))} "
	          f"| {f(g('exec_floor'))} | {per(j)} | {per(tb)} |")
	psz = sorted({k[0] for k in med if fig.get(k) == "procs"})
	if psz:
	    print()
	    print("### procs at N processes: wall and CPU (median, seconds), ratio to the C /proc loop")
	    print("| processes | procs --refresh | C loop | refresh / loop | CPU: procs --refresh | CPU: C loop | CPU ratio | procs -j | CPU: procs -j |")
	    print("|---|---|---|---|---|---|---|---|---|")
	    for n in psz:
	        a, b, c = med.get((n, "procs_refresh")), med.get((n, "proc_stat_loop")), med.get((n, "procs_json"))
	        ca, cb, cc = (cmed.get(("procs", n, x)) for x in ("procs_refresh", "proc_stat_loop", "procs_json"))
	        f = lambda x: f"{x:.3f}" if x is not None else "-"
	        r = lambda x, y: f"{x / y:.2f}" if x is not None and y else "-"
	        print(f"| {n} | {f(a)} | {f(b)} | {r(a, b)} | {f(ca)} | {f(cb)} | {r(ca, cb)} | {f(c)} | {f(cc)} |")
	print()
	print("### peak memory (max RSS, KiB) against the raw table (entries x (key + value))")
	print("| flows | command | peak KiB | raw table KiB | peak / raw |")
	print("|---|---|---|---|---|")
	for row in csv.DictReader(open(f"{res}/listing_mem.tsv"), delimiter="\t"):
	    raw = int(row["raw_bytes"]) / 1024
	    ratio = f"{int(row['peak_kib']) / raw:.2f}" if raw else "-"
	    print(f"| {row['size']} | {row['name']} | {row['peak_kib']} | {raw:.0f} | {ratio} |")
	PY
}
