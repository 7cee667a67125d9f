#!/bin/bash
# t0122: all of a flow's bytes count under its final application in the flows, top --by app and the per-minute app series, each in its own minute.
. "$(dirname "$0")/lib.sh"
need_corpus

# Per flow the application of its final record; every record's bytes under it.
final_sql="with fin as (select run, flow, coalesce(a.name, '') fapp from flows f
	left join apps a on a.id = f.app where f.flags & 1)"
for f in ndpi_merged_mixed_ethernet.pcap ndpi_1kxun.pcap pcapplusplus_many-protocols.pcap ndpi_teams.pcap; do
	db=$TMP/$f.db
	"$FT" ingest --db "$db" "$CORPUS/$f" >"$TMP/sum" 2>&1 || { not_ok "$f: ingest failed"; continue; }
	late=$(sed -n 's/.*(\([0-9,]*\) late records.*/\1/p' "$TMP/sum")
	mixed=$(sqlite3 "$db" "select count(*) from (select run, flow from flows f
		left join apps a on a.id = f.app group by run, flow
		having count(distinct coalesce(a.name, '')) > 1)")
	check_eq "$f: every record of a flow carries the flow's final application" "$mixed" 0

	sqlite3 -separator ' ' "$db" "$final_sql select fapp, sum(bytes_cs + bytes_sc)
		from flows join fin using (run, flow) group by fapp order by fapp" >"$TMP/want"
	"$FT" top --db "$db" --by app --limit 100000 --format json |
		jq -r '.[] | "\(.app // "") \(.bytes)"' | LC_ALL=C sort >"$TMP/top"
	# top names flows without an application Unknown.
	sed 's/^ /Unknown /' "$TMP/want" | LC_ALL=C sort -o "$TMP/want"
	if cmp -s "$TMP/want" "$TMP/top"; then
		ok "$f: top --by app counts every flow's bytes under its final application ($(wc -l <"$TMP/want") applications)"
	else
		not_ok "$f: top --by app differs from the flows' final applications"
		diff "$TMP/want" "$TMP/top" | head -10 | sed 's/^/    /'
	fi

	sqlite3 -separator '|' "$db" "$final_sql select first_us / 60000000 * 60, fapp,
		sum(bytes_cs + bytes_sc) from flows join fin using (run, flow)
		where pkts_cs + pkts_sc > 0 group by 1, 2 order by 1, 2" >"$TMP/wantm"
	sqlite3 -separator '|' "$db" "select t, key, sum(bytes_in + bytes_out) from series_1m
		where kind = 3 group by 1, 2 order by 1, 2" >"$TMP/series"
	sqlite3 -separator '|' "$db" "select key, sum(bytes_in + bytes_out) from series_1m
		where kind = 3 group by 1 order by 1" >"$TMP/seriest"
	awk -F'|' '{ b[$2] += $3 } END { for (a in b) print a "|" b[a] }' "$TMP/wantm" |
		LC_ALL=C sort >"$TMP/wantt"
	LC_ALL=C sort "$TMP/seriest" -o "$TMP/seriest"
	check_eq "$f: the app series hold every flow's bytes under its final application" \
		"$(diff "$TMP/wantt" "$TMP/seriest" | head -5)" ""
	if [ "$late" != 0 ]; then
		# Records whose packets went back in time land in the open minute
		# (the series-placement item of issue 12, not this one).
		skip "$f: per-minute placement: the capture has $late late records"
	elif cmp -s "$TMP/wantm" "$TMP/series"; then
		ok "$f: ... and each record's bytes in its own minute ($(wc -l <"$TMP/series") points)"
	else
		not_ok "$f: app series differ from records under their final application"
		diff "$TMP/wantm" "$TMP/series" | head -10 | sed 's/^/    /'
	fi
done
