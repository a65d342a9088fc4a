#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# run.sh — run the unit tests and the netns integration tests; end with "N passed, N failed".
# Usage: tests/run.sh [unit|netns] [FILTER]   (FILTER: a substring of test names)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
OUT=${OUT:-build}
case "$OUT" in /*) ;; *) OUT="$top/$OUT" ;; esac
export OUT
what=${1:-all}
filter=${2:-}
pass=0 fail=0 skip=0
failed=()

count() { # reads PASS/FAIL/SKIP lines from a test's output
	local line
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		PASS\ *) pass=$((pass + 1)) ;;
		FAIL\ *) fail=$((fail + 1)); failed+=("${line#FAIL }") ;;
		SKIP\ *) skip=$((skip + 1)) ;;
		esac
	done
}

if [ "$(id -u)" != 0 ]; then
	echo "tests need root (BPF, netns): run as root, or with sudo" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

if [ "$what" = all ] || [ "$what" = unit ]; then
	for t in "$OUT"/tests/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		[ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
		echo "== unit: $name"
		count < <(cd "$top" && FO_OUT="$OUT" timeout 300 "$t" 2>&1; rc=$?; [ $rc -gt 1 ] && echo "FAIL $name (exit $rc)")
	done
fi

if [ "$what" = all ] || [ "$what" = netns ]; then
	for f in "$top"/tests/netns/test_*.sh; do
		[ -f "$f" ] || continue
		echo "== netns: $(basename "$f")"
		for fn in $(bash -c "source '$f'; declare -F" | awk '{print $3}' | grep '^test_'); do
			[ -n "$filter" ] && [[ "$fn" != *"$filter"* ]] && continue
			count < <(timeout -k 5 ${FO_TEST_TIMEOUT:-180} bash "$here/netns/lib.sh" run "$f" "$fn" 2>&1 ||
				  echo "FAIL $fn (timed out or crashed)")
		done
	done
fi

if [ ${#failed[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${failed[@]}"
fi
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
