#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# run_parsers.sh — a libFuzzer run over the user-space parsers; PASS/FAIL for tests/run.sh.
# FO_FUZZ_RUNS inputs (default 20000; make stress runs millions), fixed seed, corpus kept in $FO_OUT.
out=${FO_OUT:-build}
bin="$out/fuzz/fuzz_parsers"
corpus="$out/fuzz/corpus"
here=$(dirname "$(readlink -f "$0")") # run through a link in $FO_OUT/tests
[ -x "$bin" ] || { echo "SKIP fuzz_parsers (not built: make fuzz)"; exit 0; }
mkdir -p "$corpus"
if "$bin" -runs="${FO_FUZZ_RUNS:-20000}" -seed=1 -max_len=4096 -artifact_prefix="$out/fuzz/" "$corpus" "$here/seeds" \
	>"$out/fuzz/last.log" 2>&1; then
	echo "# fuzz_parsers: $(grep -o 'Done [0-9]* runs.*' "$out/fuzz/last.log")"
	echo "PASS fuzz_parsers"
else
	tail -40 "$out/fuzz/last.log" >&2
	echo "FAIL fuzz_parsers (crash input and log: $out/fuzz/, $out/fuzz/last.log)"
fi
