#!/bin/bash
# t0730: captures of different years in one ingest, in either order, put every record in its own
# minute, hour and day: series, rollups and hourly conversations per day equal the flow records
# per day and the captures ingested one by one; later ingests of older captures lose nothing.
. "$(dirname "$0")/lib.sh"
need_corpus

# netflix 2017, firefox 2020, teams 2020, 1kxun 2016 and 2022 (packets that go back in time)
FILES="ndpi_netflix.pcap ndpi_443-firefox.pcap ndpi_teams.pcap ndpi_1kxun.pcap"
for f in $FILES; do
	[ -f "$CORPUS/$f" ] || { skip "$(basename "$0"): $f not in the corpus"; exit 0; }
done
q() { sqlite3 "$1" "$2"; }

# "day bytes" lines of DB's TABLE (the flows, or a series table's interface rows
# before time UNTIL, default all).
day_bytes() {
	case $2 in
	flows) q "$1" "SELECT first_us / 86400000000, sum(bytes_cs + bytes_sc) FROM flows GROUP BY 1 ORDER BY 1" ;;
	*) q "$1" "SELECT t / 86400, sum(bytes_in + bytes_out) FROM $2 WHERE kind = 1 AND t < ${3:-1e18}
		GROUP BY 1 ORDER BY 1" ;;
	esac | tr '|' ' '
}

# Conversations: bytes per day of the rolled hours' edges and parts.
conv_day_bytes() {
	q "$1" "SELECT hour / 86400000000, sum(b) FROM (
		SELECT hour, bytes_cs + bytes_sc b FROM conv_edges UNION ALL
		SELECT hour, bytes_cs + bytes_sc FROM conv_parts) GROUP BY 1 ORDER BY 1" | tr '|' ' '
}

# The reference: each capture into its own store; their days, records and bytes.
: >"$TMP/ref.days"
ref_records=0
ref_bytes=0
for f in $FILES; do
	"$FT" ingest --db "$TMP/one-$f.db" --format json "$CORPUS/$f" >"$TMP/one-$f.json" 2>/dev/null
	ref_records=$((ref_records + $(jq .records "$TMP/one-$f.json")))
	ref_bytes=$((ref_bytes + $(jq .ip_bytes "$TMP/one-$f.json")))
	day_bytes "$TMP/one-$f.db" flows >>"$TMP/ref.days"
done
awk '{ s[$1] += $2 } END { for (d in s) print d, s[d] }' "$TMP/ref.days" | sort -n >"$TMP/ref"
check_eq "the captures one by one: their flows hold every IP byte" \
	"$(awk '{ s += $2 } END { print s }' "$TMP/ref")" "$ref_bytes"
check_eq "the captures one by one span five days" "$(wc -l <"$TMP/ref")" 5

# mixed ORDER NAME: one ingest of the files in ORDER, checked against the reference.
mixed() {
	local name=$2 db=$TMP/$2.db
	"$FT" ingest --db "$db" --format json $1 >"$TMP/$name.json" 2>"$TMP/$name.err"
	check_eq "$name: ingest exits 0" "$?" 0
	check_eq "$name: records = the captures one by one" "$(jq .records "$TMP/$name.json")" "$ref_records"
	check_eq "$name: no record was late for its minute" "$(jq .series.late_records "$TMP/$name.json")" 0
	check_eq "$name: every record is in the store" "$(q "$db" "SELECT count(*) FROM flows")" "$ref_records"
	check_eq "$name: flow bytes per day = the captures one by one" \
		"$(day_bytes "$db" flows)" "$(cat "$TMP/ref")"
	check_eq "$name: minute series per day = flows per day" \
		"$(day_bytes "$db" series_1m)" "$(cat "$TMP/ref")"
	# the newest hour and day are still open: rolled once later data comes
	local h=$(q "$db" "SELECT rolled_to FROM rollups WHERE step = '1h'")
	check_eq "$name: the hour rollups reach the newest hour" "$h" \
		"$(q "$db" "SELECT max(t) / 3600 * 3600 FROM series_1m")"
	check_eq "$name: hour rollups per day = minute series per day" \
		"$(day_bytes "$db" series_1h)" "$(day_bytes "$db" series_1m "$h")"
	check_eq "$name: day rollups per day = flows per day, but the newest day" \
		"$(day_bytes "$db" series_1d)" "$(sed '$d' "$TMP/ref")"
	check_eq "$name: every hour with records has its conversations rolled" \
		"$(q "$db" "SELECT count(DISTINCT first_us / 3600000000) FROM flows WHERE first_us / 3600000000 NOT IN
			(SELECT hour / 3600000000 FROM conv_hours WHERE state = 1)")" 0
	check_eq "$name: hourly conversations per day = flows per day" \
		"$(conv_day_bytes "$db")" "$(cat "$TMP/ref")"
	check_eq "$name: usage --daily = flows per day" \
		"$("$FT" usage --db "$db" --daily --format csv | awk -F, 'NR > 1 && $1 != "total" { print $4 }')" \
		"$(cut -d' ' -f2 "$TMP/ref")"
}

mixed "$(for f in $FILES; do printf '%s ' "$CORPUS/$f"; done)" "old-new-old"
mixed "$(for f in $FILES; do printf '%s\n' "$CORPUS/$f"; done | tac | tr '\n' ' ')" "reversed"

# One ingest per file into one store, newer capture first: nothing of either is pruned.
DB=$TMP/seq.db
"$FT" ingest -q --db "$DB" "$CORPUS/ndpi_teams.pcap" >/dev/null 2>&1
"$FT" ingest --db "$DB" --format json "$CORPUS/ndpi_netflix.pcap" >"$TMP/seq.json" 2>/dev/null
check_eq "an older capture after a newer one: all its records stay" \
	"$(q "$DB" "SELECT count(*) FROM flows")" \
	"$(($(jq .records "$TMP/one-ndpi_teams.pcap.json") + $(jq .records "$TMP/seq.json")))"
check_eq "an older capture after a newer one: ingest pruned nothing" \
	"$(jq '.retention.pruned_flows + .retention.pruned_series + .retention.pruned_conversations' "$TMP/seq.json")" 0
check_eq "an older capture after a newer one: ingest says its records are past the window" \
	"$(jq .retention.kept_before_window "$TMP/seq.json")" "$(jq .records "$TMP/seq.json")"
check_eq "an older capture after a newer one: flow bytes per day = the captures one by one" \
	"$(day_bytes "$DB" flows)" \
	"$({ day_bytes "$TMP/one-ndpi_teams.pcap.db" flows
		day_bytes "$TMP/one-ndpi_netflix.pcap.db" flows; } | sort -n)"
check "an older capture after a newer one: the text summary says what retention did" \
	sh -c '"$1" ingest --db "$2" "$3" 2>/dev/null | grep -q "^retention    pruned 0 flow records"' sh \
	"$FT" "$TMP/seq2.db" "$CORPUS/ndpi_netflix.pcap"
