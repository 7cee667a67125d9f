#!/bin/bash
# run.sh: every test: unit binaries, fuzz-corpus replays, shell tests; one closing count.
# Each part prints "ok - ...", "not ok - ..." or "skip - ..." lines.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
# TESTS: the shell tests to run (default all); ASAN_BUILD: the sanitizer build.
TESTS=${TESTS:-tests/t/t[0-9]*.sh}
case $BUILD in
/*) export FT_BUILD=$BUILD ;;
*) export FT_BUILD=$PWD/$BUILD ;;
esac
export FT_ROOT=$PWD
LOG=$(mktemp -d /tmp/flowtrail-tests.XXXXXX)
pass=0 fail=0 skip=0
failed=()
skipped=()	# "PART: reason" for every skip line, shown again at the end

# run_part NAME CMD...: run one part, count its lines, keep its output.
run_part() {
	local name=$1 out=$LOG/$(echo "$1" | tr '/ ' '__').log
	shift
	"$@" >"$out" 2>&1
	local rc=$?
	local p f s
	p=$(grep -c '^ok - ' "$out")
	f=$(grep -c '^not ok - ' "$out")
	s=$(grep -c '^skip - ' "$out")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "not ok - $name exited $rc" >>"$out"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	if [ "$s" != 0 ]; then
		local line
		while IFS= read -r line; do
			skipped+=("$name: ${line#skip - }")
		done < <(grep '^skip - ' "$out")
	fi
	if [ "$f" != 0 ]; then
		failed+=("$name")
		echo "FAIL $name ($p passed, $f failed)"
		grep -v '^ok - ' "$out" | head -40 | sed 's/^/    /'
	else
		if [ "$s" != 0 ]; then echo "ok   $name ($p passed, $s skipped)"; else echo "ok   $name ($p passed)"; fi
	fi
}

# Formatting: line lengths and clang-format (make format-check runs the same);
# FT_FORMAT=0 leaves it out (t0030's nested runs count their own parts).
if [ "${FT_FORMAT:-1}" != 0 ]; then
	run_part "format" scripts/format-check.sh
fi

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_part "unit/$(basename "$t")" "$t"
done

# replay_corpora BUILD PART WHAT: every fuzz target of BUILD over its committed corpus.
replay_corpora() {
	local t n d
	for t in "$1"/tests/fuzz_*; do
		[ -x "$t" ] || continue
		n=${t##*/fuzz_}
		d=tests/fuzz/corpus/$n
		[ -d "$d" ] || continue
		run_part "$2/$n" sh -c "'$t' $d/* && echo 'ok - fuzz corpus of $n replays $3'"
	done
}
replay_corpora "$BUILD" fuzz "without a crash"

# Bounded fuzzing of every target (make fuzz builds them; make test sets
# FT_FUZZ_SECONDS, 20 by default, TEST_FUZZ_SECONDS=0 turns it off).
FUZZ_S=${FT_FUZZ_SECONDS:-0}
if [ "$FUZZ_S" != 0 ]; then
	for t in tests/fuzz/fuzz_*.c; do
		n=${t##*/fuzz_}
		n=${n%.c}
		run_part "fuzz-smoke/$n" tests/fuzz/smoke.sh "$FUZZ_S" "$n"
	done
else
	echo "skip - fuzzing for a bounded time (FT_FUZZ_SECONDS unset; make test sets it)"
	skip=$((skip + 1))
	skipped+=("fuzz-smoke: FT_FUZZ_SECONDS unset (make test sets it)")
fi

# Under AddressSanitizer and UBSan, when that build exists (make asan; make test builds it).
ASAN=${ASAN_BUILD:-build-asan}
if [ -x "$ASAN/flowtrail" ]; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	for t in "$ASAN"/tests/test_*; do
		[ -x "$t" ] || continue
		run_part "asan/unit/$(basename "$t")" "$t"
	done
	replay_corpora "$ASAN" asan/fuzz "clean under ASan and UBSan"
	run_part "asan/corpus" env FT_BUILD="$PWD/$ASAN" bash tests/t/asan-corpus.sh
else
	echo "skip - sanitizer build not found (make asan)"
	skip=$((skip + 1))
	skipped+=("asan: sanitizer build not found (make asan)")
fi

for t in $TESTS; do
	[ -f "$t" ] || continue
	run_part "$t" bash "$t"
done

echo
echo "logs in $LOG"
[ ${#failed[@]} -eq 0 ] || echo "failed parts: ${failed[*]}"
# A partial run must not pass for a full one: every skip, with its reason, last.
if [ ${#skipped[@]} -ne 0 ]; then
	echo "NOT A FULL RUN: $skip checks skipped, in these parts:"
	for s in "${skipped[@]}"; do
		echo "  skipped $s"
	done
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
