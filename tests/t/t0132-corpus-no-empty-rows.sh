#!/bin/bash
# t0132: the store holds only records that carry traffic: a flow's end lands on its last row, each flow keeps exactly one final row, totals unchanged.
. "$(dirname "$0")/lib.sh"
need_corpus

for f in ndpi_merged_mixed_ethernet.pcap ndpi_1kxun.pcap ndpi_netflix.pcap pcapplusplus_many-protocols.pcap; do
	db=$TMP/$f.db
	"$FT" ingest -q --format json --db "$db" "$CORPUS/$f" >"$TMP/sum.json" 2>&1 ||
		{ not_ok "$f: ingest failed"; continue; }
	check_eq "$f: no stored row has 0 packets" \
		"$(sqlite3 "$db" 'SELECT count(*) FROM flows WHERE pkts_cs + pkts_sc = 0')" 0
	check_eq "$f: every flow has exactly one final row, and it is its last" \
		"$(sqlite3 "$db" 'SELECT count(*) FROM (SELECT run, flow, sum(flags & 1) n,
			max(CASE WHEN flags & 1 THEN rowid END) fin, max(rowid) last
			FROM flows GROUP BY run, flow) WHERE n != 1 OR fin != last')" 0
	check_eq "$f: as many final rows as flows in the summary" \
		"$(sqlite3 "$db" 'SELECT sum(flags & 1) FROM flows')" \
		"$(jq .flows "$TMP/sum.json")"
	check_eq "$f: flow bytes + non-IP bytes are still tshark's bytes" \
		"$(($(sqlite3 "$db" 'SELECT sum(bytes_cs + bytes_sc) FROM flows') + $(jq .non_ip_bytes "$TMP/sum.json")))" \
		"$(jq -r --arg f "$f" '.files[$f].bytes_wire' "$CORPUS/REFERENCE.json")"
done
