#!/bin/bash
# smoke.sh: fuzzes each libFuzzer target (make fuzz) for a bounded time from its committed corpus.
# Usage: tests/fuzz/smoke.sh SECONDS [NAME...]; NAME as in fuzz_NAME, all by default.
# A dictionary tests/fuzz/NAME.dict, when there is one, is used.
# Prints one "ok - " or "not ok - " line per target with its executions and coverage.
# New inputs go to a temporary directory, never into tests/fuzz/corpus; a crash
# keeps that directory and names the input that crashed (add it to the corpus).
set -u
cd "$(dirname "$0")/../.."
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
secs=${1:-60}
shift
names=("$@")
if [ ${#names[@]} = 0 ]; then
	for t in tests/fuzz/fuzz_*.c; do
		n=${t##*/fuzz_}
		names+=("${n%.c}")
	done
fi
bad=0
for n in "${names[@]}"; do
	bin=$FUZZ_BUILD/tests/fuzz_$n
	if [ ! -x "$bin" ]; then
		echo "not ok - fuzz_$n: $bin not built (make fuzz)"
		bad=1
		continue
	fi
	dict=()
	[ -f "tests/fuzz/$n.dict" ] && dict=("-dict=tests/fuzz/$n.dict")
	work=$(mktemp -d "/tmp/flowtrail-fuzz-$n.XXXXXX")
	mkdir "$work/new"
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$work/" "${dict[@]}" \
	    "$work/new" "tests/fuzz/corpus/$n" >"$work/log" 2>&1
	rc=$?
	done_line=$(grep -a 'DONE ' "$work/log" | tail -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
	cov=$(echo "$done_line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$done_line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	if [ "$rc" = 0 ] && [ -n "$done_line" ]; then
		echo "ok - fuzz_$n: ${secs} s, ${execs:-?} execs (${rate:-?}/s), cov: ${cov:-?} ft: ${ft:-?}"
		rm -rf "$work"
	else
		crash=$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | head -1)
		echo "not ok - fuzz_$n exited $rc; input: ${crash:-none saved}; log: $work/log"
		grep -a -m1 -E 'ERROR: |SUMMARY: |runtime error' "$work/log" | sed 's/^/    /'
		# The input itself, so a CI log is enough to reproduce it.
		grep -a -m1 '^Base64: ' "$work/log" | cut -c1-2000 | sed 's/^/    /'
		bad=1
	fi
done
exit $bad
