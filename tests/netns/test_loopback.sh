# SPDX-License-Identifier: GPL-2.0
# test_loopback.sh — attached to lo, where one skb is two flows' packet: the sender's at egress,
# the receiver's at ingress. Each client flow must mirror its server flow, and both conntrack.

# Wait until lo in NS_A carries nothing more for 0.3 s: the closes' last ACKs come after curl
# has exited.
settle_lo() {
	local t=${WAIT:-10} end before after
	end=$(( ${EPOCHREALTIME/./} + t * 1000000 ))
	before=$(in_a cat /sys/class/net/lo/statistics/tx_packets)
	while :; do
		sleep 0.3
		after=$(in_a cat /sys/class/net/lo/statistics/tx_packets)
		[ "$after" = "$before" ] && return 0
		before=$after
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
	done
}

# Per client port: (client tx, client rx) as flowowner's client flow, its server flow (sides
# swapped) and conntrack's entry (original, reply) count them; one line per port, or MISSING.
loopback_rows() { # FAMILY PORTS...
	local fam=$1; shift
	{ fo -n "$NS_A" -j flows; echo '@@'; in_a conntrack -L -f "ipv$fam" -p tcp -o extended 2>/dev/null; } |
		/usr/bin/python3 -c "
import json, re, sys
flows, ct = sys.stdin.read().split('@@\n', 1)
fl = {(f['local_port'], f['remote_port']): f for f in json.loads(flows)
      if f['proto'] == 'tcp' and f['dev'] == 'lo' and f['family'] == $fam}
cts = {}
for line in ct.splitlines():
    m = re.search(r'sport=(\d+) dport=(\d+) packets=(\d+) bytes=(\d+) .*packets=(\d+) bytes=(\d+)', line)
    if m:
        cts[int(m[1])] = (int(m[3]), int(m[4]), int(m[5]), int(m[6]))
for p in map(int, '$*'.split()):
    c, s = fl.get((p, 8300)), fl.get((8300, p))
    if not c or not s or p not in cts:
        print(p, 'MISSING'); continue
    print(p, 'client', (c['tx_packets'], c['tx_bytes'], c['rx_packets'], c['rx_bytes']),
          'server', (s['rx_packets'], s['rx_bytes'], s['tx_packets'], s['tx_bytes']),
          'conntrack', cts[p])"
}

# curl fetches a 200000-byte file from http.server over lo, 3 one after another and 3 at once
# over IPv4, 2 over IPv6. On lo TCP sends skbs larger than lo's 64 KiB GSO limit, which the
# kernel splits after tc egress: counted as sent they are one packet (for conntrack too), as
# received several, unless the receiver counts what the sender did.
test_loopback_client_flows_mirror_server_flows() {
	local d p line bad=0 fam addr ports pids
	ip netns add "$NS_A" && ip -n "$NS_A" link set lo up || return 1
	d=/tmp/fo-lo-$TEST_ID
	mkdir -p "$d" && head -c 200000 /dev/urandom > "$d/f" || return 1
	conntrack_on "$NS_A" || return 1
	fo -n "$NS_A" attach lo || return 1
	bg in_a /usr/bin/python3 -m http.server -d "$d" --bind 127.0.0.1 8300 >/dev/null 2>&1
	wait_listen "$NS_A" 8300 || fail "http.server on 127.0.0.1" || return 1
	bg in_a /usr/bin/python3 -m http.server -d "$d" --bind ::1 8300 >/dev/null 2>&1
	wait_for sh -c "nsenter --net=/run/netns/$NS_A ss -Htln 'sport = :8300' | grep -q '::1'" ||
		fail "http.server on ::1" || return 1
	for p in 41001 41002 41003; do
		assert_eq "$(in_a curl -s -o /dev/null -w '%{size_download}' --local-port $p http://127.0.0.1:8300/f)" \
			200000 "sequential fetch from $p" || return 1
	done
	pids=()
	for p in 41004 41005 41006; do
		in_a curl -s -o "$d/out.$p" --local-port $p http://127.0.0.1:8300/f &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || fail "a parallel fetch failed" || return 1; done
	for p in 41007 41008; do
		assert_eq "$(in_a curl -s -o /dev/null -w '%{size_download}' --local-port $p 'http://[::1]:8300/f')" \
			200000 "IPv6 fetch from $p" || return 1
	done
	settle_lo || fail "lo did not go quiet" || return 1
	for fam in 4 6; do
		[ "$fam" = 4 ] && ports="41001 41002 41003 41004 41005 41006" || ports="41007 41008"
		while read -r line; do
			echo "    $line"
			# client (tx, rx) = server (rx, tx) = conntrack (original, reply)
			echo "$line" | /usr/bin/python3 -c "
import re, sys
t = re.findall(r'\(([^)]*)\)', sys.stdin.read())
sys.exit(0 if len(t) == 3 and t[0] == t[1] == t[2] else 1)" || bad=1
		done < <(loopback_rows "$fam" $ports)
	done
	assert_eq "$bad" 0 "every client flow mirrors its server flow and conntrack"
}
