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
        out.append("Run %s, kernel %s, %s CPUs (%s, clocksource %s), commit %s, %s A/B rounds.\n"
                   % (e.get("date"), e.get("kernel"), e.get("cpus"), e.get("cpu"),
                      e.get("clocksource"), e.get("commit"), e.get("rounds")))


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
            out.append("| %s | %s | %.0f | %.0f | %.2fx (%s, target 1.5x) | %.0f | %.2fx (%s, target 3x) |"
                       % (prog, pkt, e, k, ratio(k, e), verdict(ratio(k, e), 1.5), new,
                          ratio(new, e), verdict(ratio(new, e), 3)))
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


def throughput():
    r = rows("throughput.tsv")
    if not r:
        return
    by = THR
    for x in r:
        by.setdefault((x["test"], x["cond"]), []).append(float(x["value"]))
    out.append("## Throughput on a veth pair (flowowner on both ends vs nothing)\n")
    out.append("| test | off (median) | on (median) | on / off | target |")
    out.append("| --- | ---: | ---: | ---: | --- |")
    for test, unit, scale, target in (("tcp", "Gbit/s", 1e9, 0.98), ("udp", "kpps", 1e3, 0.95)):
        off, on = med(by.get((test, "off"), [])), med(by.get((test, "on"), []))
        rt = ratio(on, off)
        out.append("| iperf3 %s | %.2f %s | %.2f %s | %.3f | >= %.2f: %s |"
                   % (test.upper() if test == "tcp" else "UDP 64-byte", off / scale, unit,
                      on / scale, unit, rt, target, verdict(rt, target, True)))
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


env()
for fig in (classifier, throughput, snapshot, sockets, memory, xdp):
    try:
        fig()
    except (KeyError, ValueError, ZeroDivisionError) as e:
        out.append("(%s: incomplete data: %s)\n" % (fig.__name__, e))
text = "\n".join(out) + "\n"
with open(os.path.join(RES, "summary.md"), "w") as f:
    f.write(text)
sys.stdout.write(text)
