#!/bin/bash
# t0120: applications agree with ndpiReader's and TLS/QUIC server names include tshark's, on every reference capture.
. "$(dirname "$0")/lib.sh"
need_corpus
EXC=$FT_ROOT/tests/t/corpus-exceptions.txt

for f in $(corpus_files); do
	db=$TMP/$f.db
	"$FT" ingest -q --db "$db" "$CORPUS/$f" >/dev/null 2>&1 || { not_ok "$f: ingest failed"; continue; }
	ref=$(jq -c --arg f "$f" '.files[$f]' "$CORPUS/REFERENCE.json")

	# ndpiReader counts a flow under its application part ("Google" of TLS.Google).
	ours=$("$FT" top --db "$db" --by app --limit 1000 --format json |
		jq -c 'map(.app // "" | split(".") | last | if . == "" then "Unknown" else . end) | unique')
	top_ours=$("$FT" top --db "$db" --by app --limit 1000 --format json |
		jq -c '[.[] | {app: (.app // "" | split(".") | last), bytes}] | group_by(.app) |
		map({app: .[0].app, bytes: (map(.bytes) | add)}) | sort_by(-.bytes) | map(.app) | .[0:5]')
	top_ref=$(echo "$ref" | jq -c '.ndpiReader.detected_protocols // {} | to_entries |
		map(select(.key != "Unknown")) | sort_by(-.value.bytes) | map(.key) | .[0:3]')
	if [ "$top_ref" != "[]" ]; then
		missing=$(jq -nc --argjson a "$top_ref" --argjson b "$top_ours" '$a - $b')
		if [ "$missing" = "[]" ]; then
			ok "$f: ndpiReader's top applications $top_ref are in flowtrail's top five"
		elif grep -q "^$f apps " "$EXC"; then
			ok "$f: top applications differ as documented ($missing): $(grep "^$f apps " "$EXC" | cut -d' ' -f3-)"
		else
			not_ok "$f: ndpiReader's top applications $top_ref, flowtrail's top five $top_ours (missing $missing)"
		fi
	fi

	names=$("$FT" flows --db "$db" --limit 1000000 --format json | jq -c '[.[].server_name // empty] | unique')
	for kind in tls_sni quic_sni; do
		want=$(echo "$ref" | jq -c --arg k "$kind" '.[$k] // []')
		[ "$want" = "[]" ] && continue
		missing=$(jq -nc --argjson a "$want" --argjson b "$names" '$a - $b')
		if [ "$missing" = "[]" ]; then
			ok "$f: every $kind of tshark is a server name ($(echo "$want" | jq length))"
		elif grep -q "^$f $kind " "$EXC"; then
			ok "$f: $kind differs as documented ($missing): $(grep "^$f $kind " "$EXC" | cut -d' ' -f3-)"
		else
			not_ok "$f: $kind missing from server names: $missing"
		fi
	done
done
