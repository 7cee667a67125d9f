#!/bin/bash
# t0020: flowtrail builds and works without nDPI: flows get port guesses.
. "$(dirname "$0")/lib.sh"

B=$TMP/build-nondpi
if ! make -C "$FT_ROOT" -j2 --no-print-directory NDPI=0 BUILD="$B" "$B/flowtrail" "$B/tests/ft-helper" >"$TMP/make.log" 2>&1; then
	not_ok "the build without nDPI compiles"
	tail -20 "$TMP/make.log" | sed 's/^/    /'
	exit 0
fi
ok "the build without nDPI compiles"
check "it links no nDPI" sh -c "! ldd '$B/flowtrail' | grep -q ndpi"
cat >"$TMP/s.txt" <<'S'
t=1.0 tcp 192.168.1.10:50000 > 93.184.216.34:443 flags=S
t=1.1 tcp 93.184.216.34:443 > 192.168.1.10:50000 flags=SA
t=1.2 udp 192.168.1.10:53001 > 192.168.1.1:53 len=80
t=1.3 udp 192.168.1.1:53 > 192.168.1.10:53001 len=120
S
"$B/tests/ft-helper" pcap "$TMP/s.pcap" "$TMP/s.txt"
"$B/flowtrail" ingest -q --db "$TMP/n.db" "$TMP/s.pcap" >/dev/null
check_eq "flows get port-guessed applications" \
	"$("$B/flowtrail" top --db "$TMP/n.db" --by app --format csv | tail -n +2 | cut -d, -f1 | sort | tr '\n' ' ')" "DNS TLS "
"$B/flowtrail" ingest --db "$TMP/n2.db" "$TMP/s.pcap" 2>"$TMP/err" >/dev/null
check "ingest says which classifier it used" grep -q "ports (built without nDPI)" "$TMP/err"
