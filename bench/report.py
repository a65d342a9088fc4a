#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# report.py — turn bench/run.sh's raw TSVs into medians, ratios to their baselines, summary.md
# and the data files bench/plot.gp draws. Standard library only (Debian's python3).
import csv
import os
import statistics
import sys

RES = sys.argv[1]
out = []
ENV = {}
THR = {}
BARS = []  # (row, value, bar, target, higher_is_better): the bars, checked at the end


def bar(row, value, limit, target, higher=False):
    """Record a figure against its bar (pass/miss) and its target; returns the verdict text."""
    BARS.append((row, value, limit, target, higher))
    ok = value == value and (value >= limit if higher else value <= limit)
    return "pass" if ok else "MISS"


def rows(name):
    path = os.path.join(RES, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def med(v):
    return statistics.median(v) if v else float("nan")


def ratio(a, b):
    return a / b if b else float("nan")


def verdict(value, target, higher_is_better=False):
    ok = value >= target if higher_is_better else value <= target
    return "met" if ok else "MISSED"


def env():
    path = os.path.join(RES, "env.tsv")
    if os.path.exists(path):
        with open(path) as f:
            e = dict(line.rstrip("\n").split("\t", 1) for line in f if "\t" in line)
        ENV.update(e)
        out.append("Run %s, kernel %s, %s CPUs (%s, clocksource %s), commit %s, %s A/B rounds, "
                   "%s rounds of %s s for nginx + wrk, load average at start %s.\n"
                   % (e.get("date"), e.get("kernel"), e.get("cpus"), e.get("cpu"),
                      e.get("clocksource"), e.get("commit"), e.get("rounds"),
                      e.get("http_rounds"), e.get("http_seconds"), e.get("loadavg")))


def classifier():
    r = rows("classifier.tsv")
    if not r:
        return
    by = {}
    for x in r:
        by.setdefault((x["prog"], x["pkt"], x["case"]), []).append(float(x["ns"]))
    m = {k: med(v) for k, v in by.items()}
    empty = m.get(("empty", "udp4", "known"))
    out.append("## Classifier cost per packet (BPF_PROG_TEST_RUN)\n")
    out.append("Both figures of a ratio include the same test-run loop (its bottom-half toggles, "
               "dispatch and timer check per run): the empty program's time is that loop. The "
               "kernel reports whole ns per run (truncated), worth up to 7 %% of the empty "
               "figure.%s\n" % (" **kernel.bpf_stats_enabled was 1 during these runs** (set by "
                                "someone else): every run, the empty one's too, carries two clock "
                                "reads more, and every ratio is lower than without."
                                if ENV.get("classifier_bpf_stats") == "1" else ""))
    out.append("| program | packet | empty ns | known flow ns | known / empty | new flow ns | new / empty |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    plot = []
    for prog in ("fo_tc_egress", "fo_tc_ingress"):
        for pkt in ("tcp4", "udp4", "udp6"):
            e = m.get(("empty", pkt, "known"))
            k = m.get((prog, pkt, "known"))
            if e is None or k is None:
                continue
            # A single run carries the test-run timer's overhead; the difference between a new
            # flow's single run and a known flow's single run is what a new flow adds.
            new = k + m[(prog, pkt, "r1_new")] - m[(prog, pkt, "r1_known")]
            out.append("| %s | %s | %.0f | %.0f | %.2fx (%s, bar 2.0x, target 1.5x) | %.0f | %.2fx (%s, target 3x) |"
                       % (prog, pkt, e, k, ratio(k, e),
                          bar("test_run known flow %s %s / empty" % (prog, pkt), ratio(k, e), 2.0, 1.5),
                          new, ratio(new, e), verdict(ratio(new, e), 3)))
            plot.append("%s/%s %.1f %.1f %.1f" % (prog.replace("fo_tc_", ""), pkt, e, k, new))
    with open(os.path.join(RES, "classifier.dat"), "w") as f:
        f.write("\n".join(plot) + "\n")
    probes = {k[0]: v for k, v in m.items() if k[2] == "probe"}
    if probes:
        base = probes.get("empty", float("nan"))
        out.append("\nBuilding blocks, each alone in an empty classifier (median ns per run; "
                   "cost = minus the empty program):\n")
        out.append("| block | ns | cost ns |")
        out.append("| --- | ---: | ---: |")
        for name in ("empty", "ktime_get_boot_ns", "ktime_get_coarse_ns", "lru_lookup_56B",
                     "lru_lookup_56B+2_atomics"):
            if name in probes:
                out.append("| %s | %.0f | %.0f |" % (name, probes[name], probes[name] - base))
    out.append("")


def http():
    r = rows("http.tsv")
    if not r:
        return
    rps, rpc = {}, {}
    refused = [x for x in r if int(x.get("errors") or 0)]
    for x in r:
        if x not in refused:
            k = (x["mode"], x["cond"], x["round"])
            rps.setdefault(k, float(x["requests"]) / float(x["seconds"]))
            if float(x.get("cpu_ns") or 0) > 0:
                rpc.setdefault(k, float(x["requests"]) / (float(x["cpu_ns"]) / 1e9))
    tw = [int(x.get(k) or 0) for x in r for k in ("tw_a", "tw_b")]
    load = [float(x["load"]) for x in r if x.get("load")]
    out.append("## Real traffic: nginx + wrk across the veth pair\n")
    out.append("nginx (1 worker, 2 KB answers, 100 requests per keep-alive connection) in b, wrk "
               "(2 threads, 20 connections) in a; `off` is nothing loaded, `empty` an empty "
               "direct-action classifier in flowowner's four places, `on` flowowner on both ends. "
               "Rounds alternate the order; ratios are medians of each round's ratio. Neither "
               "namespace keeps TIME_WAIT sockets (most TIME_WAIT sockets at a run's start: %d); "
               "a run with any wrk socket error or non-2xx answer is refused (%d refused%s); "
               "load average over the runs %s.\n"
               % (max(tw) if tw else 0, len(refused),
                  ": " + ", ".join("%s/%s/%s" % (x["round"], x["cond"], x["mode"]) for x in refused)
                  if refused else "",
                  "%.1f-%.1f" % (min(load), max(load)) if load else "not recorded"))
    out.append("| load | off req/s | empty req/s | on req/s | empty / off | on / off | bar | verdict |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    rounds = sorted({k[2] for k in rps}, key=int)
    for mode, label in (("keepalive", "keep-alive"), ("close", "Connection: close")):
        m = {c: med([rps[(mode, c, q)] for q in rounds if (mode, c, q) in rps])
             for c in ("off", "empty", "on")}
        per = lambda c: med([rps[(mode, c, q)] / rps[(mode, "off", q)] for q in rounds
                             if (mode, c, q) in rps and (mode, "off", q) in rps])
        on = per("on")
        out.append("| %s | %.0f | %.0f | %.0f | %.3f | %.3f | >= 0.95 (target 0.98) | %s |"
                   % (label, m["off"], m["empty"], m["on"], per("empty"), on,
                      bar("requests/s %s, on / nothing" % label, on, 0.95, 0.98, True)))
    out.append("")
    if rpc:
        out.append("The same runs per CPU second of wrk and nginx's worker (their schedstat "
                   "runtime, which includes the kernel's work in their context: the veth path "
                   "and both ends' hooks). It does not depend on the share of the CPUs the "
                   "machine's other users left a run, so under load it is the figure to read:\n")
        out.append("| load | off req/CPU s | empty req/CPU s | on req/CPU s | empty / off | on / off |")
        out.append("| --- | ---: | ---: | ---: | ---: | ---: |")
        for mode, label in (("keepalive", "keep-alive"), ("close", "Connection: close")):
            m = {c: med([rpc[(mode, c, q)] for q in rounds if (mode, c, q) in rpc])
                 for c in ("off", "empty", "on")}
            rr = lambda c: [rpc[(mode, c, q)] / rpc[(mode, "off", q)] for q in rounds
                            if (mode, c, q) in rpc and (mode, "off", q) in rpc]
            per = lambda c: "%.3f (rounds %.2f-%.2f)" % (med(rr(c)), min(rr(c)), max(rr(c))) \
                if rr(c) else "nan"
            out.append("| %s | %.0f | %.0f | %.0f | %s | %s |"
                       % (label, m["off"], m["empty"], m["on"], per("empty"), per("on")))
        out.append("")
    st = rows("http_stats.tsv")
    if not st:
        return
    import json
    out.append("In-kernel time under the same load (kernel.bpf_stats_enabled=1, separate rounds, "
               "the empty classifier, the per-flow floor and flowowner in rotating order; "
               "run_time_ns / run_cnt deltas over each wrk run). The per-flow floor "
               "(bench/floor.bpf.c) is flowowner's own parse and key, one lookup in a hash like "
               "fo_flows and two atomic adds: what any design that counts per flow in a hash "
               "pays before it knows an owner.\n")
    for mode, label in (("keepalive", "keep-alive"), ("close", "Connection: close")):
        floor_run, floor_req, tc_run, all_req, progs = {}, {}, {}, {}, {}
        hash_run, hash_req, table_run, table_req = {}, {}, {}, {}
        for x in st:
            if x["mode"] != mode or int(x.get("errors") or 0):
                continue
            q, req = x["round"], float(x["requests"])
            if x["cond"] in ("empty", "floor", "table"):
                ns, cnt = float(x["base_ns"]), float(x["base_cnt"])
                run, per = {"empty": (floor_run, floor_req), "floor": (hash_run, hash_req),
                            "table": (table_run, table_req)}[x["cond"]]
                run[q] = ratio(ns, cnt)
                per[q] = ratio(ns, req)
                continue
            d = json.loads(x["programs"])
            tns = sum(d.get(n, [0, 0])[0] for n in ("fo_tc_egress", "fo_tc_ingress"))
            tcnt = sum(d.get(n, [0, 0])[1] for n in ("fo_tc_egress", "fo_tc_ingress"))
            tc_run[q] = ratio(tns, tcnt)
            all_req[q] = ratio(sum(v[0] for v in d.values()), req)
            for n, (ns, cnt) in d.items():
                if cnt:
                    progs.setdefault(n, []).append((ns / cnt, cnt / req, ns / req))
        both = [q for q in tc_run if q in floor_run]
        tcr = med([tc_run[q] / floor_run[q] for q in both])
        rqr = med([all_req[q] / floor_req[q] for q in both])
        out.append("**%s**\n" % label)
        out.append("| figure | flowowner | empty classifier | ratio | bar | verdict |")
        out.append("| --- | ---: | ---: | ---: | --- | --- |")
        out.append("| tc ns per run | %.1f | %.1f | %.2fx | <= 2.0x (target 1.5x) | %s |"
                   % (med(list(tc_run.values())), med(list(floor_run.values())), tcr,
                      bar("tc ns/run, %s, vs empty" % label, tcr, 2.0, 1.5)))
        out.append("| all BPF ns per HTTP request (tc + tracing + cgroup) | %.0f | %.0f | %.2fx | "
                   "<= 3.0x (target 2.0x) | %s |"
                   % (med(list(all_req.values())), med(list(floor_req.values())), rqr,
                      bar("BPF ns/request, %s, vs empty" % label, rqr, 3.0, 2.0)))
        for what, run in (("kernel-hash floor (flowowner's design)", hash_run),
                          ("inline-table floor", table_run)):
            hq = [q for q in run if q in floor_run]
            if not hq:
                continue
            hr = med([run[q] / floor_run[q] for q in hq])
            out.append("| %s: tc ns per run | %.1f | %.1f | %.2fx | the floor alone, against the "
                       "same bar | %s |"
                       % (what, med(list(run.values())), med(list(floor_run.values())), hr,
                          "under it" if hr <= 2.0 else "over it"))
        fq = [q for q in tc_run if q in hash_run]
        if fq:
            out.append("| flowowner over the kernel-hash floor, tc ns per run | %.1f | %.1f (floor) | "
                       "%.2fx | | |" % (med(list(tc_run.values())), med(list(hash_run.values())),
                                       med([tc_run[q] / hash_run[q] for q in fq])))
        out.append("\n| program | ns per run | runs per request | ns per request |")
        out.append("| --- | ---: | ---: | ---: |")
        for n in sorted(progs, key=lambda n: -med([v[2] for v in progs[n]])):
            v = progs[n]
            out.append("| %s | %.1f | %.2f | %.1f |" % (n, med([a for a, _, _ in v]),
                                                       med([b for _, b, _ in v]), med([c for _, _, c in v])))
        out.append("")


def throughput():
    r = rows("throughput.tsv")
    if not r:
        return
    by = THR
    for x in r:
        by.setdefault((x["test"], x["cond"]), []).append(float(x["value"]))
    out.append("## Throughput on a veth pair (flowowner on both ends vs nothing loaded), ABBA\n")
    out.append("| test | off (median) | on (median) | on / off | target |")
    out.append("| --- | ---: | ---: | ---: | --- |")
    for test, unit, scale, limit, target in (("tcp", "Gbit/s", 1e9, 0.97, 0.98),
                                             ("udp", "kpps", 1e3, 0.93, 0.95)):
        off, on = med(by.get((test, "off"), [])), med(by.get((test, "on"), []))
        rt = ratio(on, off)
        name = "iperf3 %s" % (test.upper() if test == "tcp" else "UDP 64-byte")
        out.append("| %s | %.2f %s | %.2f %s | %.3f | >= %.2f: %s |"
                   % (name, off / scale, unit, on / scale, unit, rt, limit,
                      bar(name + " on / nothing", rt, limit, target, True)))
        runs = " ".join("%.2f" % (v / scale) for v in by.get((test, "off"), []))
        runs_on = " ".join("%.2f" % (v / scale) for v in by.get((test, "on"), []))
        out.append("|   runs | %s | %s | | |" % (runs, runs_on))
    k = rows("kstats.tsv")
    if k:
        out.append("\nIn-kernel cost under that traffic (kernel.bpf_stats_enabled=1, separate runs, "
                   "run_time_ns / run_cnt over both programs on both ends):\n")
        out.append("| traffic | program runs | ns per run | runs per packet | CPU ns per packet"
                   " | modelled on / off |")
        out.append("| --- | ---: | ---: | ---: | ---: | ---: |")
        secs = float(ENV.get("seconds", 3))
        for x in k:
            cnt, ns = int(x["run_cnt"]), int(x["run_time_ns"])
            # Packets per second as the receiver counted them (TCP: bits / 8 / ~64 KB GSO
            # packets is unknowable here, so TCP gets no model). UDP: the sending CPU carries
            # the whole path on veth, so every program run adds to one CPU's per-packet time.
            if x["test"] == "udp":
                pkts = float(x["value"]) * secs
                rpp = cnt / pkts if pkts else float("nan")
                off = med(THR.get(("udp", "off"), []))
                extra = ratio(ns, cnt) * rpp
                model = 1 / (1 + extra * off / 1e9) if off == off else float("nan")
                out.append("| %s | %d | %.1f | %.2f | %.0f | %.3f |"
                           % (x["test"], cnt, ratio(ns, cnt), rpp, extra, model))
            else:
                out.append("| %s | %d | %.1f | | | |" % (x["test"], cnt, ratio(ns, cnt)))
    out.append("")


def timed_medians(name):
    by = {}
    for x in rows(name):
        by.setdefault((int(x["size"]), x["name"]), []).append(
            (float(x["t1"]) - float(x["t0"])) * 1000)
    return {k: med(v) for k, v in by.items()}


def snapshot():
    m = timed_medians("snapshot.tsv")
    if not m:
        return
    walk = {}
    for x in rows("snapwalk.tsv"):
        walk.setdefault(int(x["size"]), []).append((float(x["ns"]) / 1e6, int(x["processes"])))
    out.append("## Snapshot: pid table refresh and listing vs /proc\n")
    out.append("Median wall ms per command (exec_floor: `flowowner --version`, the cost of starting "
               "any process).\n")
    out.append("| processes | BPF walk only | procs --refresh | procs (list) | ps -e | C loop /proc/*/stat"
               " | exec floor | refresh / C loop | walk / C loop |")
    out.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    plot = []
    for n in sorted({k[0] for k in m}):
        w = walk.get(n, [])
        wm = med([a for a, _ in w])
        seen = w[0][1] if w else 0
        ref, lst, ps, loop, fl = (m.get((n, k), float("nan")) for k in
                                  ("procs_refresh", "procs_list", "ps_e", "proc_stat_loop", "exec_floor"))
        rt = ratio(ref, loop)
        wr = ratio(wm, loop)
        tgt = lambda v: " (target 0.2x: %s)" % verdict(v, 0.2) if n == 10000 else ""
        out.append("| %d (walk saw %d) | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2fx%s | %.2fx%s |"
                   % (n, seen, wm, ref, lst, ps, loop, fl, rt, tgt(rt), wr, tgt(wr)))
        plot.append("%d %.3f %.3f %.3f %.3f %.3f %.3f" % (n, wm, ref, lst, ps, loop, fl))
    with open(os.path.join(RES, "snapshot.dat"), "w") as f:
        f.write("\n".join(plot) + "\n")
    out.append("")


def sockets():
    m = timed_medians("sockets.tsv")
    if not m:
        return
    n = next(iter(m))[0]
    found = {}
    path = os.path.join(RES, "sockets_found.tsv")
    if os.path.exists(path):
        with open(path) as f:
            found = dict(line.split() for line in f if line.strip())
    out.append("## Socket-owner lookup at scale (%d UDP sockets, one namespace)\n" % n)
    out.append("| command | median ms | owners found | vs ss -uanp |")
    out.append("| --- | ---: | ---: | ---: |")
    ss = m.get((n, "ss_uanp"))
    for name, label, key in (("flows_json", "flowowner -j -n NS flows", "flows_owned"),
                             ("flows_json_pid", "flowowner -j flows --pid PID", ""),
                             ("ss_uanp", "ss -uanp (in NS)", "ss_owned"),
                             ("exec_floor", "flowowner --version (exec floor)", "")):
        v = m.get((n, name))
        if v is None:
            continue
        out.append("| %s | %.2f | %s | %.2fx |" % (label, v, found.get(key, ""), ratio(v, ss)))
    out.append("")


def memory():
    r = rows("memory.tsv")
    if not r:
        return
    btf = {}
    path = os.path.join(RES, "btf_sizes.tsv")
    if os.path.exists(path):
        with open(path) as f:
            btf = {a: int(b) for a, b in (line.split() for line in f if line.strip())}
    out.append("## Map memory (defaults)\n")
    out.append("| map | type | max_entries | key + value | bytes_memlock | per entry |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: |")
    total = 0
    for x in r:
        if not x.get("map"):
            continue
        mem, mx = int(x["bytes_memlock"] or 0), int(x["max_entries"] or 0)
        total += mem
        out.append("| %s | %s | %d | %s + %s | %d | %s |"
                   % (x["map"], x["type"], mx, x["key"], x["value"], mem,
                      "%.0f" % (mem / mx) if mx and x["type"] not in ("sk_storage", "ringbuf") else ""))
    out.append("| **total** | | | | **%d (%.1f MiB)** | |" % (total, total / 2**20))
    socks = [x for x in r if x["map"] == "fo_socks"]
    if socks and "bpf_local_storage_elem" in btf:
        v = int(socks[0]["value"])
        out.append("\nfo_socks is allocated per socket, outside its map's memlock: one "
                   "bpf_local_storage_elem (%d B) + the %d B value per socket, plus one "
                   "bpf_local_storage (%d B) per socket that has any storage: about %d B "
                   "per owned socket before allocator rounding."
                   % (btf["bpf_local_storage_elem"], v, btf.get("bpf_local_storage", 0),
                      btf["bpf_local_storage_elem"] + v + btf.get("bpf_local_storage", 0)))
    out.append("")


def xdp():
    if not os.path.exists(os.path.join(RES, "xdp.tsv")):
        return
    r = rows("xdp.tsv")
    if not r or "mode" not in r[0]:
        out.append("## XDP\n\nSkipped in this run: this build of flowowner has no `attach --xdp`. "
                   "`bench/run.sh` measures it (fig_xdp) as soon as it does.\n")
        return
    by = {}
    for x in r:
        by.setdefault(x["mode"], []).append((float(x["dropped_pps"]), float(x["sent_pps"])))
    out.append("## Dropping a blocked process's inbound UDP: XDP vs tc ingress\n")
    out.append("| hook | dropped pps (median) | offered pps (median) | vs tc |")
    out.append("| --- | ---: | ---: | ---: |")
    tc = med([a for a, _ in by.get("tc", [])])
    for mode in ("tc", "xdp"):
        d = med([a for a, _ in by.get(mode, [])])
        s = med([b for _, b in by.get(mode, [])])
        out.append("| %s | %.0f | %.0f | %.2fx |" % (mode, d, s, ratio(d, tc)))
    out.append("")
    xi = rows("xdp_iperf.tsv")
    if xi:
        by = {}
        for x in xi:
            by.setdefault((x["test"], x["mode"]), []).append(float(x["value"]))
        out.append("Passing traffic with B's ingress counted by XDP (native, with its tc companion) "
                   "vs by tc alone, iperf3 into B, ABBA:\n")
        out.append("| test | tc alone (median) | --xdp (median) | xdp / tc |")
        out.append("| --- | ---: | ---: | ---: |")
        for test, unit, scale in (("tcp", "Gbit/s", 1e9), ("udp", "kpps", 1e3)):
            t, x = med(by.get((test, "tc"), [])), med(by.get((test, "xdp"), []))
            out.append("| iperf3 %s | %.2f %s | %.2f %s | %.2fx |"
                       % ("TCP" if test == "tcp" else "UDP 64-byte", t / scale, unit, x / scale,
                          unit, ratio(x, t)))
        out.append("")




# ---- shaping (issue 18) ----
def shaping():
    r = rows("shaping.tsv")
    if not r:
        return
    mark = med([float(x["ns"]) for x in r if x["case"] == "mark"])
    rate = med([float(x["ns"]) for x in r if x["case"] == "rate"])
    out.append("## Shaping: a known flow under a rate rule vs a mark rule\n")
    out.append("BPF_PROG_TEST_RUN of fo_tc_ingress, one UDP flow, the rule alternated ABBA; "
               "median ns per packet over %d rounds.\n" % (len(r) // 2))
    out.append("| rule | ns/packet |")
    out.append("| --- | ---: |")
    out.append("| mark 0x10 | %.1f |" % mark)
    out.append("| rate 10tbit | %.1f |" % rate)
    out.append("\nratio %.2f: %s (bar <= 1.3)\n"
               % (ratio(rate, mark), bar("shaping: rate / mark ns per packet", ratio(rate, mark), 1.3, 1.3)))
# ---- end of shaping ----


def bars():
    if not BARS:
        return
    out.append("## Bars (issue 17): pass/miss per row; a miss never fails the build\n")
    out.append("| row | value | bar | target | verdict | target met |")
    out.append("| --- | ---: | --- | --- | --- | --- |")
    for row, v, limit, target, higher in BARS:
        op = ">=" if higher else "<="
        ok = v == v and (v >= limit if higher else v <= limit)
        tok = v == v and (v >= target if higher else v <= target)
        out.append("| %s | %.3f | %s %.2f | %s %.2f | %s | %s |"
                   % (row, v, op, limit, op, target, "pass" if ok else "MISS", "yes" if tok else "no"))
    out.append("")


env()
for fig in (classifier, http, throughput, snapshot, sockets, memory, xdp, shaping, bars):
    try:
        fig()
    except (KeyError, ValueError, ZeroDivisionError) as e:
        out.append("(%s: incomplete data: %s)\n" % (fig.__name__, e))
text = "\n".join(out) + "\n"
with open(os.path.join(RES, "summary.md"), "w") as f:
    f.write(text)
sys.stdout.write(text)
