#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# deps.sh — install, from Debian's packages, exactly what building and testing flowowner needs.
set -e
PKGS="make gcc clang llvm pkg-config libbpf-dev libmnl-dev libelf-dev zlib1g-dev libjansson-dev
libncurses-dev bpftool iproute2 nftables conntrack iperf3 curl socat netcat-openbsd iputils-ping
tmux python3 python3-prometheus-client procps man-db groff-base gnuplot-nox hyperfine util-linux
libcap2-bin ethtool libmicrohttpd-dev systemd python3-yaml nginx-light wrk"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "flowowner: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "flowowner: deps: installing packages needs root (run as root, or with sudo)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
