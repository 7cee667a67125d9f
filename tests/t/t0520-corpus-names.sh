#!/bin/bash
# t0520: names on real captures: passive DNS names flows that follow a DNS answer; server names
# keep their source; reports group by the new fields.
. "$(dirname "$0")/lib.sh"
need_corpus

db=$TMP/teams.db
"$FT" ingest -q --db "$db" "$CORPUS/ndpi_teams.pcap" >/dev/null
q() { sqlite3 "$1" "$2"; }
# Checked against `tshark -n -r ndpi_teams.pcap -Y "dns.flags.response==1 && dns.a" -T fields -e dns.qry.name -e dns.a`:
# api.flightproxy.teams.microsoft.com -> 52.114.77.136, euaz.tr.teams.microsoft.com -> 52.114.250.123.
check_eq "ndpi_teams: the STUN flow to 52.114.77.136 is named from the DNS answer before it" \
	"$(q "$db" "SELECT DISTINCT server_name || '|' || server_name_src FROM flows_v WHERE server = '52.114.77.136' AND sport = 3478")" \
	"api.flightproxy.teams.microsoft.com|dns"
check_eq "ndpi_teams: and so is 52.114.250.123" \
	"$(q "$db" "SELECT DISTINCT server_name || '|' || server_name_src FROM flows_v WHERE server = '52.114.250.123' AND sport = 3478")" \
	"euaz.tr.teams.microsoft.com|dns"
check "ndpi_teams: names from TLS keep their source (sni)" \
	test "$(q "$db" "SELECT count(*) FROM flows_v WHERE server_name_src = 'sni'")" -gt 0

# Every capture with DNS answers and later flows to the answered addresses gets DNS names.
for f in ndpi_teams.pcap pcapplusplus_many-protocols.pcap ndpi_merged_mixed_ethernet.pcap; do
	d=$TMP/$f.db
	"$FT" ingest -q --db "$d" "$CORPUS/$f" >/dev/null
	n=$(q "$d" "SELECT count(*) FROM flows_v WHERE server_name_src = 'dns'")
	check "$f: flows that followed a DNS answer carry its name ($n)" test "$n" -gt 0
done

for by in asn country mac vendor name device; do
	check "top --by $by answers on a corpus store" "$FT" top --db "$TMP/teams.db" --by "$by" --format json
done
check_eq "top --by name puts the busiest server name first" \
	"$("$FT" top --db "$db" --by name --limit 1 --format json | jq -r '.[0].name')" \
	"$(q "$db" "SELECT server_name FROM flows_v WHERE server_name IS NOT NULL GROUP BY server_name ORDER BY sum(bytes_cs + bytes_sc) DESC, server_name LIMIT 1")"
