#!/bin/bash
# t0620: top by conversation and more, merged and sorted flows, progress on a terminal: results equal SQL.
. "$(dirname "$0")/lib.sh"

# A long download written as four records (one per active timeout): a range that starts at the
# second record merges the last three, as the same question in SQL does.
"$FT_HELPER" pcap "$TMP/long.pcap" "$FT_ROOT/tests/golden/cases/long-flow-deltas.script"
"$FT" ingest -q --db "$TMP/long.db" "$TMP/long.pcap" >/dev/null
got=$("$FT" flows --db "$TMP/long.db" --since @3060 --format csv | tail -n +2 | cut -d, -f1,10-13,18,19)
want=$(sqlite3 "$TMP/long.db" "SELECT strftime('%Y-%m-%dT%H:%M:%S', min(first_us) / 1000000, 'unixepoch')
	|| printf('.%06dZ', min(first_us) % 1000000) || ',' || sum(bytes_cs) || ',' || sum(bytes_sc) || ','
	|| sum(pkts_cs) || ',' || sum(pkts_sc) || ',' || count(*) || ',flush'
	FROM flows WHERE first_us >= 3060000000 GROUP BY run, flow")
check_eq "a flow partly in the range merges the records in it" "$got" "$want"
check_eq "which are three" "$(echo "$got" | cut -d, -f6)" 3
check_eq "--records lists them" "$("$FT" flows --db "$TMP/long.db" --since @3060 --records --format csv | tail -n +2 | wc -l)" 3

# A flow whose final record holds a packet older than its start (captures merged out of time
# order): over a time range the index lists that record first; it must not end the flow there.
"$FT_HELPER" pcap "$TMP/late.pcap" "$FT_ROOT/tests/golden/cases/late-packet.script"
"$FT" ingest -q --db "$TMP/late.db" "$TMP/late.pcap" >/dev/null
check_eq "the late record keeps the flow's start" \
	"$(sqlite3 "$TMP/late.db" "SELECT count(DISTINCT start_us) || ',' || sum(first_us < start_us) FROM flows")" "1,1"
for n in 1 2; do
	export FLOWTRAIL_SCAN_PARTS=$n
	check_eq "$n part(s): flows over a range lists it once, with both records" \
		"$("$FT" flows --db "$TMP/late.db" --since @2900 --until @4000 --format csv | tail -n +2 | cut -d, -f12,18)" "4,2"
	check_eq "$n part(s): top counts one flow" \
		"$("$FT" top --db "$TMP/late.db" --by dst-port --since @2900 --until @4000 --format csv | tail -1 | cut -d, -f5)" 1
	check_eq "$n part(s): the map counts one flow" \
		"$("$FT" map --db "$TMP/late.db" --since @2900 --until @4000 --format json | jq '.edges[0].flows')" 1
	unset FLOWTRAIL_SCAN_PARTS
done

# Progress: only on a terminal (faked with script), cleared at the end; never into a pipe or file.
# 3000 one-packet flows, so the report runs long enough for SQLite to call the progress handler.
for i in $(seq 10001 13000); do echo "udp 10.0.0.1:$i > 10.0.0.2:53"; done >"$TMP/many.script"
"$FT_HELPER" pcap "$TMP/many.pcap" "$TMP/many.script"
"$FT" ingest -q --db "$TMP/many.db" "$TMP/many.pcap" >/dev/null
FLOWTRAIL_PROGRESS_MS=0 "$FT" flows --db "$TMP/many.db" --format csv >/dev/null 2>"$TMP/err"
check "no progress when stderr is not a terminal" test ! -s "$TMP/err"
tty_top() {
	FLOWTRAIL_PROGRESS_MS=$1 script -qec "'$FT' top $2 --db '$TMP/many.db' --by conversation --format csv \
		>/dev/null" /dev/null >"$TMP/tty" 2>&1
}
if ! command -v script >/dev/null || ! script -qec true /dev/null >/dev/null 2>&1; then
	skip "progress on a terminal: script(1) from util-linux cannot make a terminal here"
else
	tty_top 0 ""
	check "a report on a terminal shows how many records it scanned" \
		grep -q 'flowtrail: scanning records: .* of ~3.0 k' "$TMP/tty"
	check "and clears the line at the end" test "$(tail -c 4 "$TMP/tty" | od -An -c | tr -d ' ')" = '\r033[K'
	tty_top 0 -q
	check "-q shows no progress" test ! -s "$TMP/tty"
	tty_top 60000 ""
	check "nor does a report quicker than the delay" test ! -s "$TMP/tty"
	# Every report on a terminal: its scan counts records for the line (map once failed here).
	for r in flows "top --by app" map dns usage "series iface"; do
		FLOWTRAIL_PROGRESS_MS=0 script -qec "'$FT' $r --db '$TMP/many.db' >/dev/null" /dev/null \
			>"$TMP/tty" 2>&1
		check_eq "$r on a terminal exits 0" "$?" 0
		check_eq "and prints nothing but progress" \
			"$(tr '\r' '\n' <"$TMP/tty" | grep -v 'scanning records' | tr -d '\033[K\n ')" ""
	done
fi

need_corpus
db=$TMP/c.db
"$FT" ingest -q --db "$db" "$CORPUS/ndpi_1kxun.pcap" "$CORPUS/pcapplusplus_many-protocols.pcap" \
	"$CORPUS/ndpi_netflix.pcap" "$CORPUS/zeek_http-vlan-0.pcap" >/dev/null
q() { sqlite3 "$db" "$1" | sort; }
top() { "$FT" top --db "$db" --format csv --limit 100000 "$@" | tail -n +2 | sort; }
SUMS="sum(f.bytes_cs + f.bytes_sc) || ',' || sum(f.pkts_cs + f.pkts_sc) || ',' || count(DISTINCT f.run || '/' || f.flow)
	|| ',' || sum(f.bytes_cs) || ',' || sum(f.bytes_sc)"

# The source document's question on this LAN: conversations by server port, bytes each way.
got=$(top --by conversation,dst-port 'src net 192.168.0.0/16 and not host 192.168.1.1')
want=$(q "SELECT v.client || ',' || v.server || ',' || f.proto || ',' || f.sport || ',' || $SUMS
	FROM flows f JOIN flows_v v ON v.id = f.rowid
	WHERE v.client LIKE '192.168.%' AND v.client <> '192.168.1.1' AND v.server <> '192.168.1.1'
	GROUP BY f.cli, f.srv, f.proto, f.sport")
check_eq "top --by conversation,dst-port equals the same question in SQL" "$got" "$want"
check "and has rows" test "$(echo "$got" | wc -l)" -gt 20
got=$(top --by conversation 'src net 10.0.0.0/24 and dst net 10.0.0.0/24')
want=$(q "SELECT v.client || ',' || v.server || ',' || $SUMS FROM flows f JOIN flows_v v ON v.id = f.rowid
	WHERE v.client LIKE '10.0.0.%' AND v.server LIKE '10.0.0.%' GROUP BY f.cli, f.srv")
check_eq "src net and dst net keep both ends inside" "$got" "$want"

got=$(top --by iface,category,vlan)
want=$(q "SELECT i.name || ',' || coalesce(nullif(a.category, ''), '') || ',' || f.vlan || ',' || $SUMS
	FROM flows f LEFT JOIN ifaces i ON i.id = f.iface LEFT JOIN apps a ON a.id = f.app
	GROUP BY f.iface, nullif(a.category, ''), f.vlan")
check_eq "top --by iface,category,vlan equals SQL" "$got" "$want"
check "with more than one category and VLAN" test "$(echo "$got" | cut -d, -f2,3 | sort -u | wc -l)" -gt 5

got=$("$FT" top --db "$db" --format csv --by src --order flows --limit 3 | tail -n +2 | cut -d, -f1,4)
want=$(sqlite3 -csv "$db" "SELECT v.client, count(DISTINCT f.run || '/' || f.flow) AS n FROM flows f
	JOIN flows_v v ON v.id = f.rowid GROUP BY f.cli ORDER BY n DESC, f.cli LIMIT 3")
check_eq "--order flows counts distinct flows" "$got" "$want"

# flows: one line per flow, sums of its records; the latest record's end reason. (IPv4 only: the view
# writes IPv6 addresses uncompressed.)
got=$("$FT" flows --db "$db" --format csv --limit 100000 | tail -n +2 | cut -d, -f3-7,10-13,18,19 | grep -v : | sort)
want=$(q "WITH m AS (SELECT max(rowid) AS id, sum(bytes_cs) AS bcs, sum(bytes_sc) AS bsc, sum(pkts_cs) AS pcs,
		sum(pkts_sc) AS psc, count(*) AS n FROM flows GROUP BY run, flow)
	SELECT f.proto || ',' || v.client || ',' || f.cport || ',' || v.server || ',' || f.sport || ',' || bcs || ','
		|| bsc || ',' || pcs || ',' || psc || ',' || n || ',' || v.end_reason
	FROM m JOIN flows f ON f.rowid = m.id JOIN flows_v v ON v.id = m.id WHERE length(f.cli) = 4")
check_eq "flows merges each flow's records as SQL does" "$got" "$want"
check "some flows have several records" grep -q '^[0-9]*,.*,[2-9],[a-z]*$' <<<"$got"
check_eq "--records lists every record" \
	"$("$FT" flows --db "$db" --records --format csv --limit 100000 | tail -n +2 | wc -l)" \
	"$(sqlite3 "$db" 'SELECT count(*) FROM flows')"

got=$("$FT" flows --db "$db" --format csv --sort -bytes --limit 25 | tail -n +2 | cut -d, -f10,11 | awk -F, '{ print $1 + $2 }')
want=$(sqlite3 "$db" "SELECT sum(bytes_cs + bytes_sc) AS b FROM flows GROUP BY run, flow ORDER BY b DESC LIMIT 25")
check_eq "--sort -bytes lists the biggest flows first" "$got" "$want"

# The listing keeps only the flows that can place while it scans: at a cut inside a run of equal
# keys, the next keys (and then newest first, latest record) must still choose as SQL's ORDER BY.
flows_sql() {
	sqlite3 "$db" "WITH m AS (SELECT max(rowid) AS id, min(first_us) AS t0, max(last_us) AS t1,
		sum(bytes_cs) AS bcs, sum(bytes_sc) AS bsc, sum(pkts_cs) AS pcs, sum(pkts_sc) AS psc,
		count(*) AS n FROM flows GROUP BY run, flow)
		SELECT m.id || ',' || bcs || ',' || bsc || ',' || pcs || ',' || psc || ',' || n
		FROM m JOIN flows f ON f.rowid = m.id LEFT JOIN apps a ON a.id = f.app
		ORDER BY $1, t0 DESC, m.id DESC LIMIT $2"
}
flows_ft() {
	"$FT" flows --db "$db" --format json --sort "$1" --limit "$2" |
		jq -r '.[] | [.bytes_cs, .bytes_sc, .pkts_cs, .pkts_sc, .records] | join(",")'
}
for c in "+packets|pcs + psc ASC|7" "+packets,app|pcs + psc ASC, a.name ASC NULLS LAST|9" \
	"-records|n DESC|5" "+duration,-bytes_cs|t1 - t0 ASC, bcs DESC|11" "last|t1 ASC|4" \
	"+bytes_sc,+pkts_cs|bsc ASC, pcs ASC|13" "+time|t0 ASC|6" "app|a.name ASC NULLS LAST|9" \
	"-app,+bytes|a.name DESC NULLS LAST, bcs + bsc ASC|9" "-server|length(f.srv) DESC, f.srv DESC|7" \
	"asn,-packets|f.asn ASC NULLS LAST, pcs + psc DESC|8" "-sport,client|f.sport DESC, length(f.cli), f.cli|10" \
	"end,proto|f.end_reason, f.proto|11"; do
	IFS='|' read -r sort order n <<<"$c"
	check_eq "--sort $sort --limit $n equals SQL's ORDER BY at a cut among ties" \
		"$(flows_ft "$sort" "$n")" "$(flows_sql "$order" "$n" | cut -d, -f2-)"
done
for sort in time +time -bytes +packets,app -records,bytes +duration app -server asn,-bytes -tcp_cs end; do
	one=$(FLOWTRAIL_SCAN_PARTS=1 "$FT" flows --db "$db" --format csv --sort "$sort" --limit 40)
	for n in 2 3 7; do
		check_eq "flows --sort $sort: $n parts list what one does" \
			"$(FLOWTRAIL_SCAN_PARTS=$n "$FT" flows --db "$db" --format csv --sort "$sort" --limit 40)" "$one"
	done
done
check_eq "a long flow cut by --since, in 3 parts, is still one line of three records" \
	"$(FLOWTRAIL_SCAN_PARTS=3 "$FT" flows --db "$TMP/long.db" --since @3060 --format csv | tail -n +2 | cut -d, -f18)" 3
check "and the cuts do fall among ties" test "$(flows_sql "pcs + psc ASC" 100000 | cut -d, -f4,5 |
	awk -F, '$1 + $2 == 1' | wc -l)" -gt 9
got=$("$FT" flows --db "$db" --format json --sort server_name,-time --limit 100000 | jq -r '.[] | .server_name // "-"')
check_eq "--sort server_name puts flows without a name last" "$(echo "$got" | tail -1)" "-"
check_eq "and names in byte order before them" "$(echo "$got" | grep -v '^-$' | head -1)" \
	"$(sqlite3 "$db" "SELECT min(n.name) FROM flows f JOIN names n ON n.id = f.name")"
# A store whose application ids are out of all proportion (written by hand): one line, no crash.
cp "$db" "$TMP/bad.db"
sqlite3 "$TMP/bad.db" "UPDATE flows SET app = 134217728 WHERE app = (SELECT min(app) FROM flows);
	UPDATE apps SET id = 134217728 WHERE id = (SELECT min(app) FROM flows WHERE app < 134217728)"
for r in "top --by app" map "flows --sort app"; do
	# shellcheck disable=SC2086
	"$FT" $r --db "$TMP/bad.db" >/dev/null 2>"$TMP/err"
	check_eq "$r over a store with an id past 2^26 exits 1" "$?" 1
	check_eq "with one line saying so" "$(cat "$TMP/err")" \
		"flowtrail: ${r%% *}: an id of the store's names is out of range"
done
"$FT" flows --db "$db" --sort bigness >/dev/null 2>"$TMP/err"
check_eq "an unknown --sort column exits 2" "$?" 2
check "and lists the choices" grep -q "unknown --sort column 'bigness': expected a column of flows" "$TMP/err"
