#!/bin/bash
# t0530: DNS statistics per host: queries and replies counted per DNS flow equal tshark's counts
# on every reference capture (REFERENCE.json dns_queries / dns_responses).
. "$(dirname "$0")/lib.sh"
need_corpus
EXC=$FT_ROOT/tests/t/corpus-exceptions.txt

for f in $(corpus_files); do
	ref=$(jq -r --arg f "$f" '.files[$f] | "\(.dns_queries) \(.dns_responses)"' "$CORPUS/REFERENCE.json")
	[ "$ref" = "0 0" ] && continue
	db=$TMP/$f.db
	"$FT" ingest -q --db "$db" "$CORPUS/$f" >/dev/null 2>&1
	got=$("$FT" dns --db "$db" --limit 1000000 --format json |
		jq -r '"\(map(.queries) | add // 0) \(map(.replies_ok + .replies_error) | add // 0)"')
	if [ "$got" != "$ref" ] && grep -q "^$f dns " "$EXC"; then
		ok "$f: DNS counts differ as documented ($got vs $ref): $(grep "^$f dns " "$EXC" | cut -d' ' -f3-)"
	else
		check_eq "$f: DNS queries and replies equal tshark's" "$got" "$ref"
	fi
	by_srv=$("$FT" dns --db "$db" --by server --limit 1000000 --format json | jq -r 'map(.queries) | add // 0')
	check_eq "$f: by server the queries add up the same" "$by_srv" "${got% *}"
done

db=$TMP/many.db
"$FT" ingest -q --db "$db" "$CORPUS/pcapplusplus_many-protocols.pcap" >/dev/null
check_eq "pcapplusplus_many-protocols: one client asked 128 times and 4 went unanswered" \
	"$("$FT" dns --db "$db" --format csv | tail -n +2)" "10.0.0.1,128,124,0,4"
