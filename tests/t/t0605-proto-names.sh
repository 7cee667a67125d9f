#!/bin/bash
# t0605: every protocol name one command prints is accepted by every other (one table, src/base/ft_proto.h).
. "$(dirname "$0")/lib.sh"

cat >"$TMP/protos.script" <<'SCRIPT'
t=1700000000.0 icmp 10.0.0.1 > 10.0.0.2 len=98
ip 10.0.0.1 > 224.0.0.22 proto=2 payload=8
tcp 10.0.0.1:40000 > 10.0.0.2:80 flags=S len=74
udp 10.0.0.1:40000 > 10.0.0.2:53 payload=30
ip 10.0.0.1 > 10.0.0.3 proto=50 payload=100
ip 10.0.0.1 > 10.0.0.3 proto=51 payload=101
ip 10.0.0.1 > 224.0.0.5 proto=89 payload=44
ip 10.0.0.1 > 224.0.0.18 proto=112 payload=20
sctp 10.0.0.1:5000 > 10.0.0.2:38412 payload=32
ip 10.0.0.1 > 10.0.0.2 proto=99 payload=10
icmp [2001:db8::1] > [2001:db8::2] len=118
SCRIPT
db=$TMP/p.db
"$FT_HELPER" pcap "$TMP/protos.pcap" "$TMP/protos.script" &&
	"$FT" ingest -q --db "$db" "$TMP/protos.pcap" >/dev/null 2>&1
check "a capture with eleven IP protocols ingests" test -s "$db"

# name bytes, as top's table prints them.
"$FT" top --db "$db" --by proto --limit 100 --format table | tail -n +2 |
	awk '{ print $1, $2 }' >"$TMP/top.txt"
check_eq "top --by proto lists every protocol" "$(wc -l <"$TMP/top.txt")" 11
check_eq "and names the ones the table knows, the rest by number" \
	"$(cut -d' ' -f1 "$TMP/top.txt" | sort | tr '\n' ' ')" \
	"99 ah esp icmp icmp6 igmp ospf sctp tcp udp vrrp "

while read -r name bytes; do
	got=$("$FT" series proto "$name" --db "$db" --step 1d --format csv 2>&1 |
		tail -n +2 | awk -F, '{ s += $2 + $3 } END { print s + 0 }')
	check_eq "series proto $name takes the name top printed and sums its bytes" \
		"$got" "$bytes"
	got=$("$FT" top --db "$db" --by proto --format csv "proto $name" 2>&1 |
		tail -n +2 | cut -d, -f2)
	check_eq "the filter 'proto $name' selects its bytes" "$got" "$bytes"
	got=$(sqlite3 "$db" "SELECT sum(bytes_cs + bytes_sc) FROM flows_v WHERE proto = '$name'")
	check_eq "the store's flows_v names it '$name' too" "$got" "$bytes"
done <"$TMP/top.txt"

"$FT" series proto bogus --db "$db" >/dev/null 2>"$TMP/err"
check_eq "an unknown protocol name exits 1" "$?" 1
check "and the error lists the names it takes" \
	grep -q "expected icmp, .*sctp, or a protocol number 0 to 255, got 'bogus'" "$TMP/err"
"$FT" top --db "$db" --by proto "proto bogus" >/dev/null 2>"$TMP/err"
check "the filter's error lists the same names" grep -q "icmp, .*sctp, or a protocol number" "$TMP/err"
