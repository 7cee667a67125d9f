#!/bin/bash
# t0030: a partial run says so: without the corpus, tests/run.sh's closing lines name every
# skipped part with its reason, and the last line stays "N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"

# A build directory with the binaries but no unit tests, and two suites that need the corpus.
mkdir -p "$TMP/b/tests"
ln -s "$FT" "$TMP/b/flowtrail"
ln -s "$FT_HELPER" "$TMP/b/tests/ft-helper"
(cd "$FT_ROOT" && BUILD=$TMP/b ASAN_BUILD=/nonexistent CORPUS=/nonexistent FT_FUZZ_SECONDS=0 \
	FT_FORMAT=0 \
	TESTS="tests/t/t0100-corpus-totals.sh tests/t/t0110-corpus-flows.sh" \
	bash tests/run.sh) >"$TMP/run.out" 2>&1
rc=$?
check_eq "run.sh of skipped suites only exits 0" "$rc" 0
check_eq "the last line is the count CI reads" "$(tail -1 "$TMP/run.out")" "0 passed, 0 failed, 4 skipped"
tail -7 "$TMP/run.out" >"$TMP/tail"
for want in "NOT A FULL RUN: 4 checks skipped" \
	"skipped fuzz-smoke: FT_FUZZ_SECONDS unset (make test sets it)" \
	"skipped asan: sanitizer build not found" \
	"skipped tests/t/t0100-corpus-totals.sh: t0100-corpus-totals.sh: reference corpus not found at /nonexistent" \
	"skipped tests/t/t0110-corpus-flows.sh: t0110-corpus-flows.sh: reference corpus not found at /nonexistent"; do
	if grep -qF "$want" "$TMP/tail"; then
		ok "the closing lines say: $want"
	else
		not_ok "the closing lines do not say: $want"
		sed 's/^/    /' "$TMP/tail"
	fi
done

# A full run has no such lines.
(cd "$FT_ROOT" && BUILD=$TMP/b ASAN_BUILD=/nonexistent FT_FUZZ_SECONDS=0 FT_FORMAT=0 \
	TESTS="tests/t/t0010-config-docs.sh" \
	bash tests/run.sh) >"$TMP/run2.out" 2>&1
if grep -q "skipped tests/t/t0010" "$TMP/run2.out"; then
	not_ok "a suite that skipped nothing is not listed"
else
	ok "a suite that skipped nothing is not listed"
fi
