#!/bin/bash
# t0130: conservation: every IP packet lands in exactly one flow record, also when the table
# overflows (eviction) and long flows are cut into deltas; flow bytes + non-IP bytes = capture.
. "$(dirname "$0")/lib.sh"
need_corpus

files=()
for f in $(corpus_files); do files+=("$CORPUS/$f"); done

# conserve TITLE OPTIONS...: ingest the whole corpus with OPTIONS, compare the store with the summary.
conserve() {
	local title=$1
	shift
	rm -f "$TMP/c.db"*
	"$FT" ingest -q --format json --db "$TMP/c.db" "$@" "${files[@]}" >"$TMP/sum.json" || { not_ok "$title: ingest failed"; return; }
	local want got nonip total
	want=$(jq -r '"\(.ip_packets) \(.ip_bytes)"' "$TMP/sum.json")
	got=$(sqlite3 "$TMP/c.db" 'SELECT sum(pkts_cs + pkts_sc) || " " || sum(bytes_cs + bytes_sc) FROM flows')
	check_eq "$title: packets and bytes of all flow records equal the IP packets" "$got" "$want"
	nonip=$(jq -r .non_ip_bytes "$TMP/sum.json")
	total=$(jq -r .bytes "$TMP/sum.json")
	check_eq "$title: flow bytes + non-IP bytes = capture bytes" "$(( ${got#* } + nonip ))" "$total"
	check_eq "$title: one final record per flow" \
		"$(sqlite3 "$TMP/c.db" 'SELECT count(*) FROM flows WHERE flags & 1')" "$(jq -r .flows "$TMP/sum.json")"
}

conserve "default table"
conserve "64-flow table (eviction)" --set flow.max-flows=64
conserve "10 s active timeout (many deltas)" --set flow.active-timeout=10
check "the tiny table really evicted" jq -e '.evicted > 0' <("$FT" ingest -q --no-store --format json --set flow.max-flows=64 "${files[@]}")
