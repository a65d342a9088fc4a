#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh — `make demo`: two namespaces, a few named programs talking, and what flowowner sees.
set -u
OUT=${OUT:-build}
FO="$OUT/flowowner"
PIN=/sys/fs/bpf/flowowner-demo
A=fo-demo-client
B=fo-demo-server
tmp=$(mktemp -d /tmp/fo-demo.XXXXXX)
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	"$FO" --pin-dir "$PIN" unload 2>/dev/null
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (BPF and network namespaces): run it as root, or with sudo" >&2
	exit 1
fi
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "two namespaces joined by a veth pair: $A (10.99.0.1) <-> $B (10.99.0.2)"
ip netns add "$A" && ip netns add "$B" || exit 1
ip link add veth0 netns "$A" type veth peer name veth0 netns "$B"
ip -n "$A" addr add 10.99.0.1/24 dev veth0
ip -n "$B" addr add 10.99.0.2/24 dev veth0
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; ip -n "$ns" link set veth0 up; done

say "flowowner attach veth0, in each namespace"
"$FO" --pin-dir "$PIN" -n "$A" attach veth0 || exit 1
"$FO" --pin-dir "$PIN" -n "$B" attach veth0 || exit 1

say "programs with names of their own: a web server, a file sender, a chat, a ping"
echo "hello from the demo web server" > "$tmp/index.html"
cp "$(command -v socat)" "$tmp/backup-agent"
cp "$(command -v socat)" "$tmp/chat-daemon"
set -m
ip netns exec "$B" /usr/bin/python3 -m http.server 8080 --bind 10.99.0.2 --directory "$tmp" >/dev/null 2>&1 & pids+=($!)
ip netns exec "$B" socat TCP-LISTEN:9000,bind=10.99.0.2,reuseaddr,fork OPEN:/dev/null,creat >/dev/null 2>&1 & pids+=($!)
ip netns exec "$B" socat UDP-RECVFROM:5353,bind=10.99.0.2,fork SYSTEM:cat >/dev/null 2>&1 & pids+=($!)
set +m
for port in 8080 9000; do
	for _ in $(seq 50); do nsenter --net=/run/netns/"$B" ss -Htln "sport = :$port" | grep -q . && break; sleep 0.1; done
done
ip netns exec "$A" curl -s http://10.99.0.2:8080/index.html
head -c 3000000 /dev/urandom | ip netns exec "$A" "$tmp/backup-agent" -u - TCP:10.99.0.2:9000
for i in 1 2 3; do echo "message $i"; done | ip netns exec "$A" "$tmp/chat-daemon" -T 1 - UDP:10.99.0.2:5353 >/dev/null
ip netns exec "$A" ping -c 2 -i 0.2 -q 10.99.0.2 >/dev/null
sleep 0.3

say "flowowner flows: every flow on both ends, with the process that owns it"
"$FO" --pin-dir "$PIN" flows --sort bytes
say "flowowner procs (the demo's processes)"
"$FO" --pin-dir "$PIN" procs | awk 'NR==1 || /python3|backup-agent|chat-daemon|curl|ping|socat/'
say "tc filter show dev veth0 egress (in $A)"
ip netns exec "$A" tc filter show dev veth0 egress
say "flowowner unload: nothing left behind"
"$FO" --pin-dir "$PIN" unload && echo "unloaded: $(ls "$PIN" 2>/dev/null | wc -l) pins left"
