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

count() { # reads PASS/FAIL/SKIP lines from a test's output; $results: how many it read
	local line
	results=0 fails=0
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		PASS\ *) pass=$((pass + 1)); results=$((results + 1)) ;;
		FAIL\ *) fail=$((fail + 1)); fails=$((fails + 1)); results=$((results + 1)); failed+=("${line#FAIL }") ;;
		SKIP\ *) skip=$((skip + 1)); results=$((results + 1)) ;;
		esac
	done
}

# A failure the runner saw itself (an exit status, a timeout, a file that does not parse).
failure() { # NAME WHY
	echo "FAIL $1 ($2)"
	fail=$((fail + 1))
	failed+=("$1 ($2)")
}

# Why a command that ended with status RC did not finish cleanly.
why() { # RC
	case "$1" in
	124 | 137) echo "timed out" ;;
	*) [ "$1" -gt 128 ] && echo "killed by signal $(($1 - 128))" || echo "exit $1" ;;
	esac
}

if [ "$(id -u)" != 0 ]; then
	echo "tests need root (BPF, netns): run as root, or with sudo" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

log=$(mktemp /tmp/fo-run.XXXXXX) || exit 1
trap 'rm -f "$log"' EXIT

if [ "$what" = all ] || [ "$what" = unit ]; then
	units=0
	for t in "$OUT"/tests/test_*; do
		[ -x "$t" ] || continue
		units=$((units + 1))
		name=$(basename "$t")
		[ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && continue
		echo "== unit: $name"
		(cd "$top" && FO_OUT="$OUT" timeout -k 5 300 "$t") > "$log" 2>&1
		rc=$?
		count < "$log"
		# Any non-zero exit fails, also 1 with no FAIL line; a crash or timeout after FAIL
		# lines is still named as one.
		if [ "$rc" -ne 0 ] && { [ "$fails" -eq 0 ] || [ "$rc" -gt 1 ]; }; then
			failure "$name" "$(why "$rc")"
		elif [ "$rc" -eq 0 ] && [ "$results" -eq 0 ]; then
			failure "$name" "exit 0 without a result"
		fi
	done
	[ "$units" -gt 0 ] || failure "unit tests" "none built in $OUT/tests: make tests"
fi

if [ "$what" = all ] || [ "$what" = netns ]; then
	for f in "$top"/tests/netns/test_*.sh; do
		[ -f "$f" ] || continue
		file=$(basename "$f")
		echo "== netns: $file"
		started=$SECONDS
		if ! fns=$(bash -n "$f" 2>&1); then
			failure "$file" "does not parse: $(echo "$fns" | head -1)"
			continue
		fi
		fns=$(bash -c "source '$f' >/dev/null 2>&1; declare -F" | awk '$3 ~ /^test_/ { print $3 }')
		[ -n "$fns" ] || { failure "$file" "no test_ functions"; continue; }
		for fn in $fns; do
			[ -n "$filter" ] && [[ "$fn" != *"$filter"* ]] && continue
			timeout -k 5 "${FO_TEST_TIMEOUT:-180}" bash "$here/netns/lib.sh" run "$f" "$fn" > "$log" 2>&1
			rc=$?
			# lib.sh prints exactly one result line, for this test, and exits 0; anything
			# else (a crash, a timeout, an exit from inside the test) fails with its name.
			grep -v -E "^(PASS|FAIL|SKIP) " "$log"
			if [ "$rc" -ne 0 ]; then
				grep -E "^(PASS|FAIL|SKIP) " "$log" | sed 's/^/  (not counted) /'
				failure "$fn" "$(why "$rc")"
			elif [ "$(grep -c -E "^(PASS|FAIL|SKIP) $fn( |:|\$)" "$log")" -ne 1 ] ||
			     [ "$(grep -c -E "^(PASS|FAIL|SKIP) " "$log")" -ne 1 ]; then
				grep -E "^(PASS|FAIL|SKIP) " "$log" | sed 's/^/  (not counted) /'
				failure "$fn" "no single result line"
			else
				count < <(grep -E "^(PASS|FAIL|SKIP) " "$log")
			fi
		done
		# CI's budget is the whole suite: each file says what it costs.
		echo "   $file: $((SECONDS - started)) s"
	done
fi
echo "   total: $SECONDS s"

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
