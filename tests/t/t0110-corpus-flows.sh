#!/bin/bash
# t0110: flow counts on every reference capture equal ndpiReader's, or differ for a written reason.
. "$(dirname "$0")/lib.sh"
need_corpus
EXP=$FT_ROOT/tests/t/corpus-flows.txt
DAY="--set flow.tcp-timeout=86400 --set flow.udp-timeout=86400 --set flow.other-timeout=86400 --set flow.tcp-closed-timeout=86400"

for f in $(corpus_files); do
	got=$("$FT" ingest --no-store --format json -q "$CORPUS/$f" | jq -r .flows)
	ref=$(jq -r --arg f "$f" '.files[$f] | .ndpiReader.unique_flows // (.tshark_conv.tcp + .tshark_conv.udp)' "$CORPUS/REFERENCE.json")
	line=$(grep "^$f " "$EXP")
	if [ -z "$line" ]; then
		check_eq "$f: flows equal ndpiReader's unique flows" "$got" "$ref"
		continue
	fi
	set -- $line
	check_eq "$f: flows as recorded in corpus-flows.txt ($5 $6 $7 ...)" "$got" "$2"
	# shellcheck disable=SC2086
	long=$("$FT" ingest --no-store --format json -q $DAY "$CORPUS/$f" | jq -r .flows)
	check_eq "$f: flows with day-long timeouts as recorded" "$long" "$3"
done
