#!/bin/bash
# t0735: `run` on a store that holds an old ingested capture prunes it by the rule of
# flowtrail.conf(5) RETENTION and says so in its log; what it captures itself stays.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v tcpreplay >/dev/null; then
	skip "$(basename "$0"): needs root, ip and tcpreplay"
	exit 0
fi
netns_veth t0735 10.214.0

# The same 12 packets, once as an old capture (1970) and once live.
{
	echo "t=1.0 udp 10.214.0.2:41000 > 10.214.0.1:9999 len=200 repeat=6"
	echo "t=1.5 udp 10.214.0.2:41001 > 10.214.0.1:9998 len=300 repeat=6"
} >"$TMP/old.txt"
"$FT_HELPER" pcap "$TMP/old.pcap" "$TMP/old.txt"
DB=$TMP/r.db
old=$("$FT" ingest --db "$DB" --format json "$TMP/old.pcap" 2>/dev/null | jq .records)
check_eq "the old capture is in the store" "$(sqlite3 "$DB" "SELECT count(*) FROM flows")" "$old"

"$FT" run -i "$V0" --db "$DB" --set store.commit-interval=1 --set run.status-interval=0 \
	>"$TMP/run.out" 2>"$TMP/run.err" &
RUN_PID=$!
for _ in $(seq 50); do grep -q capturing "$TMP/run.err" && break; sleep 0.1; done
sleep 0.5
ip netns exec "$NS" tcpreplay -q -i "$V1" --pps=100 "$TMP/old.pcap" >/dev/null 2>&1
sleep 2.5
kill -INT "$RUN_PID"
wait "$RUN_PID"
check_eq "run exits 0" "$?" 0
RUN_PID=
check "run's log says what retention pruned and why" \
	grep -q "retention pruned $old flow records (before .*), [0-9]* series rows and [0-9]* conversation rows: older than history.keep-\* days before .*, the newest data" "$TMP/run.err"
check_eq "the old capture's records are gone, the live ones stay" \
	"$(sqlite3 "$DB" "SELECT count(*), sum(pkts_cs) FROM flows WHERE first_us > 86400000000")" \
	"$(sqlite3 "$DB" "SELECT count(*), sum(pkts_cs) FROM flows")"
check_eq "the live packets are all stored" \
	"$(sqlite3 "$DB" "SELECT sum(pkts_cs) FROM flows WHERE proto = 17 AND sport IN (9998, 9999)")" 12
