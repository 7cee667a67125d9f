#!/bin/bash
# t0600: one filter language for flows, top and dns: results equal the same question asked in SQL.
. "$(dirname "$0")/lib.sh"
need_corpus

db=$TMP/f.db
"$FT" ingest -q --db "$db" "$CORPUS/ndpi_1kxun.pcap" "$CORPUS/pcapplusplus_many-protocols.pcap" >/dev/null
q() { sqlite3 "$db" "$1"; }

# The source document's question, on 1kxun's LAN: conversations inside 192.168.2.0/24 not
# involving 192.168.2.1, by server port, bytes each way.
got=$("$FT" top --db "$db" --by dst-port --format csv --limit 100 \
	'src net 192.168.2.0/24 and not host 192.168.2.1' | tail -n +2 | cut -d, -f1-3 | sort)
want=$(q "SELECT CASE proto WHEN 'tcp' THEN 6 WHEN 'udp' THEN 17 ELSE proto END || ',' || sport || ',' || sum(bytes_cs + bytes_sc)
	FROM flows_v WHERE client LIKE '192.168.2.%' AND client <> '192.168.2.1' AND server <> '192.168.2.1'
	GROUP BY proto, sport" | sort)
check_eq "top --by dst-port with a subnet filter equals the same question in SQL" "$got" "$want"

n=$("$FT" flows --db "$db" --limit 100000 --format json 'app TLS and name *.google*' | jq length)
# flows merges a flow's records: count distinct flows (run, flow) among the matching records.
m=$(q "SELECT count(DISTINCT run || '/' || flow) FROM flows_v WHERE (app = 'TLS' OR app LIKE 'TLS.%' OR app LIKE '%.TLS') AND lower(server_name) GLOB '*.google*'")
check_eq "flows filtered by application and server-name pattern" "$n" "$m"
check "and there are some" test "$n" -gt 0

n=$("$FT" flows --db "$db" --limit 100000 --format json 'dst port 53 or (proto udp and bytes > 1k)' | jq length)
m=$(q "SELECT count(DISTINCT run || '/' || flow) FROM flows_v WHERE sport = 53 OR (proto = 'udp' AND bytes_cs + bytes_sc > 1000)")
check_eq "or, parentheses and a byte comparison with a unit" "$n" "$m"

check_eq "dns takes the same filter" \
	"$("$FT" dns --db "$db" --format csv 'src host 10.0.0.1' | tail -n +2 | cut -d, -f1,2)" "10.0.0.1,128"

"$FT" top --db "$db" --by app 'src net 192.168.2.0/24 and prot tcp' >"$TMP/out" 2>"$TMP/err"
check_eq "a bad filter exits 2" "$?" 2
check "and names the column and what was expected" grep -q "filter: column 28: unknown keyword 'prot'" "$TMP/err"
check "and points at it" grep -q '^ *\^$' "$TMP/err"
check "nothing of the bad filter reaches SQL" test ! -s "$TMP/out"
