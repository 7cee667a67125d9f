#!/bin/bash
# asan-corpus.sh: every reference capture and every golden case through the sanitizer build,
# into a store and back out through the reports; any sanitizer report fails. Run by tests/run.sh.
. "$(dirname "$0")/lib.sh"

run_clean() { # run_clean TITLE CMD...
	local title=$1
	shift
	if "$@" >"$TMP/out" 2>"$TMP/err" && ! grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$TMP/err"; then
		ok "$title"
	else
		not_ok "$title"
		grep -E "Sanitizer|runtime error" "$TMP/err" | head -5 | sed 's/^/    /'
	fi
}

for s in "$FT_ROOT"/tests/golden/cases/*.script; do
	"$FT_HELPER" pcap "$TMP/case.pcap" "$s" 2>/dev/null || continue
	run_clean "asan: $(basename "$s") ingests cleanly" "$FT" ingest -q --db "$TMP/cases.db" "$TMP/case.pcap"
done
if [ -f "$CORPUS/REFERENCE.json" ]; then
	files=()
	for f in $(corpus_files); do files+=("$CORPUS/$f"); done
	run_clean "asan: the whole corpus ingests cleanly in one run" "$FT" ingest -q --db "$TMP/corpus.db" "${files[@]}"
	run_clean "asan: the corpus ingests with a tiny flow table (eviction)" \
		"$FT" ingest -q --no-store --set flow.max-flows=64 --set classify.max-active=16 "${files[@]}"
	run_clean "asan: flows report over the corpus" "$FT" flows --db "$TMP/corpus.db" --limit 100000 --format json
	for by in proto app src dst host dst-port src-port; do
		run_clean "asan: top --by $by" "$FT" top --db "$TMP/corpus.db" --by "$by" --format csv
	done
else
	skip "asan corpus run: corpus not found at $CORPUS"
fi
run_clean "asan: config dump" "$FT" config dump
