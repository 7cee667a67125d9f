#!/bin/bash
# t0100: every reference capture: totals, IP/non-IP split and per-protocol counts equal tshark's.
. "$(dirname "$0")/lib.sh"
need_corpus
EXC=$FT_ROOT/tests/t/corpus-exceptions.txt

for f in $(corpus_files); do
	out=$TMP/$f.json
	if ! "$FT" ingest --no-store --format json -q "$CORPUS/$f" >"$out" 2>"$TMP/err"; then
		not_ok "$f: ingest failed: $(head -1 "$TMP/err")"
		continue
	fi
	ref=$(jq -c --arg f "$f" '.files[$f]' "$CORPUS/REFERENCE.json")
	got_tot=$(jq -r '"\(.packets) \(.bytes)"' "$out")
	exp_tot=$(echo "$ref" | jq -r '"\(.packets) \(.bytes_wire)"')
	check_eq "$f: packets and wire bytes equal tshark's" "$got_tot" "$exp_tot"
	got=$(jq -r '"\(.ipv4_packets) \(.ipv6_packets) \(.non_ip_packets)"' "$out")
	exp=$(echo "$ref" | jq -r '"\(.ipv4_packets) \(.ipv6_packets) \(.non_ip_packets)"')
	if [ "$got" != "$exp" ] && grep -q "^$f split " "$EXC"; then
		ok "$f: IPv4/IPv6/non-IP split differs as documented: $(grep "^$f split " "$EXC" | cut -d' ' -f3-)"
	else
		check_eq "$f: IPv4, IPv6 and non-IP packets equal tshark's" "$got" "$exp"
	fi
	# Per outermost IP protocol, packets and bytes.
	for p in $( (jq -r '.ip_protocols | keys[]' "$out"; echo "$ref" | jq -r '.ip_protocols | keys[]') | sort -un); do
		g=$(jq -r --arg p "$p" '.ip_protocols[$p] // {packets:0,bytes:0} | "\(.packets)/\(.bytes)"' "$out")
		e=$(echo "$ref" | jq -r --arg p "$p" '.ip_protocols[$p] // {packets:0,bytes:0} | "\(.packets)/\(.bytes)"')
		if [ "$g" != "$e" ] && grep -q "^$f proto-$p " "$EXC"; then
			ok "$f: protocol $p differs as documented ($g vs $e): $(grep "^$f proto-$p " "$EXC" | cut -d' ' -f3-)"
		else
			check_eq "$f: protocol $p packets/bytes equal tshark's" "$g" "$e"
		fi
	done
	# Conservation: IP + non-IP = everything.
	c=$(jq -r '"\(.ip_packets + .non_ip_packets) \(.ip_bytes + .non_ip_bytes)"' "$out")
	check_eq "$f: IP and non-IP add up to the capture" "$c" "$got_tot"
done
