#!/bin/bash
# t0400: golden outputs: the ingest summary of every reference capture, and summary, flow records
# and merged flows of the cases in tests/golden/cases/ (captures the test helper writes from a script).
# UPDATE=1 rewrites the expected files; review the diff before committing it.
. "$(dirname "$0")/lib.sh"
G=$FT_ROOT/tests/golden

# compare TITLE EXPECTED_FILE GOT_FILE
compare() {
	if [ "${UPDATE:-}" = 1 ]; then
		cp "$3" "$2"
		ok "$1 (updated)"
	elif [ ! -f "$2" ]; then
		not_ok "$1: no expected file $2 (run with UPDATE=1)"
	elif diff -u "$2" "$3" >"$TMP/diff"; then
		ok "$1"
	else
		not_ok "$1"
		head -30 "$TMP/diff" | sed 's/^/    /'
	fi
}

for s in "$G"/cases/*.script; do
	name=$(basename "$s" .script)
	"$FT_HELPER" pcap "$TMP/$name.pcap" "$s" || { not_ok "$name: ft-helper failed"; continue; }
	{
		"$FT" ingest -q --db "$TMP/$name.db" "$TMP/$name.pcap"
		echo "--- flows"
		"$FT" flows --records --db "$TMP/$name.db" --limit 1000 --format csv
		echo "--- flows merged"
		"$FT" flows --db "$TMP/$name.db" --limit 1000 --format csv
	} >"$TMP/$name.out" 2>&1
	compare "case $name: summary and flows as expected" "$G/cases/$name.expected" "$TMP/$name.out"
done

if [ ! -f "$CORPUS/REFERENCE.json" ]; then
	skip "golden summaries of the reference corpus: not found at $CORPUS"
	exit 0
fi
for f in $(corpus_files); do
	"$FT" ingest -q --no-store "$CORPUS/$f" >"$TMP/$f.out" 2>&1
	compare "$f: ingest summary as expected" "$G/corpus/$f.summary" "$TMP/$f.out"
done

# Flows with their names (SNI, passive DNS, DHCP) on captures rich in them; no lookup
# tables here (lib.sh), so the expected files do not change when the tables do.
mkdir -p "$G/names"
for f in ndpi_teams.pcap ndpi_netflix.pcap zeek_dhcp.pcap pcapplusplus_many-protocols.pcap; do
	"$FT" ingest -q --db "$TMP/names-$f.db" "$CORPUS/$f" >/dev/null 2>&1
	"$FT" flows --records --db "$TMP/names-$f.db" --limit 100000 --format csv >"$TMP/names-$f.csv" 2>&1
	compare "$f: flows with their names as expected" "$G/names/$f.flows.csv" "$TMP/names-$f.csv"
done
