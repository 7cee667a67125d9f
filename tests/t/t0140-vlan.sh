#!/bin/bash
# t0140: VLAN ids across the whole 12-bit range (and QinQ's outer id) reach the store and
# the reports whole: `top --by vlan` and the `vlan N` filter, on a capture the helper writes.
. "$(dirname "$0")/lib.sh"

"$FT_HELPER" pcap "$TMP/v.pcap" "$FT_ROOT/tests/golden/cases/vlan-range.script" ||
	{ not_ok "ft-helper wrote the VLAN capture"; exit 0; }
check "ingest of the VLAN capture" "$FT" ingest -q --db "$TMP/v.db" "$TMP/v.pcap"

# What the script holds: vlan id, frame bytes (UDP payload + 42 + 4 a tag).
# Untagged 52; 1 57; 255 58; 256 59; 4094 60; 4095 61; QinQ outer 254 66,
# outer 3000 67, outer 4095 68 (with the single-tagged 4095: 129, 2 packets).
want="0,52,1
1,57,1
254,66,1
255,58,1
256,59,1
3000,67,1
4094,60,1
4095,129,2"
got=$("$FT" top --db "$TMP/v.db" --by vlan --since 1970-01-01 --limit 100 --format csv 2>&1 |
	awk -F, 'NR > 1 { print $1 "," $2 "," $3 }' | sort -t, -k1,1n)
check_eq "top --by vlan lists every id from 0 to 4095 with its bytes" "$got" "$want"

for v in 0 255 256 4094 4095 3000; do
	n=$("$FT" flows --db "$TMP/v.db" --since 1970-01-01 --format csv "vlan $v" 2>&1 | tail -n +2 | wc -l)
	check_eq "flows 'vlan $v' finds its one flow" "$n" 1
done
