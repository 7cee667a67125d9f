#!/bin/bash
# t0710: the store survives kill -9 at any moment of ingest and run (it opens, passes
# integrity_check, rollups agree with their minutes, conversations with their records, at
# most the last commit interval is lost), ingest of a capture whose ingest was killed
# replaces what that one wrote, and a full disk (a file-size limit) is one clear error
# with earlier data intact.
. "$(dirname "$0")/lib.sh"

DB=$TMP/k.db
q() { sqlite3 "$DB" "$1"; }

# 1M packets over 200k flows and 4,000 s of packet time (two hours begin, so
# hours are rolled up while it runs), 96 bytes kept per packet.
"$FT_BUILD/bench/gen" -o "$TMP/g.pcap" --packets 1M --flows 200k --pps 250 --snaplen 96 >/dev/null 2>&1 ||
	{ not_ok "cannot generate the capture"; exit 0; }

# store_sane TITLE: opens, integrity ok, every closed hour equals its minutes.
store_sane() {
	check_eq "$1: integrity_check" "$(q 'PRAGMA integrity_check')" ok
	check "$1: flowtrail reads it" "$FT" flows --db "$DB" --limit 1
	check_eq "$1: hour rollups equal their minutes" "$(q "SELECT count(*) FROM
		(SELECT h.kind, h.t, sum(h.bytes_in + h.bytes_out) s FROM series_1h h GROUP BY 1, 2) x
		WHERE s != (SELECT sum(m.bytes_in + m.bytes_out) FROM series_1m m
		WHERE m.kind = x.kind AND m.t >= x.t AND m.t < x.t + 3600)")" 0
	check_eq "$1: the map from conversations is the map from records" \
		"$("$FT" map --db "$DB" --format json --top-edges 100 --source conv 2>&1)" \
		"$("$FT" map --db "$DB" --format json --top-edges 100 --source flows 2>&1)"
}

# totals DB: what a user could notice: flow records, series at every step,
# conversations, and the map drawn from them.
totals() {
	sqlite3 "$1" "SELECT count(*), sum(bytes_cs + bytes_sc), sum(pkts_cs + pkts_sc) FROM flows;
		SELECT count(*), sum(bytes_in + bytes_out), sum(flows) FROM series_1m;
		SELECT count(*), sum(bytes_in + bytes_out) FROM series_1h;
		SELECT count(*), sum(bytes_in + bytes_out) FROM series_1d;
		SELECT count(*), sum(bytes_cs + bytes_sc) FROM conv_edges;
		SELECT count(*) FROM run_points;
		SELECT count(*), sum(packets) FROM captures WHERE state = 2"
	"$FT" map --db "$1" --format json --top-edges 100 --source conv 2>&1
}

for i in 1 2 3 4 5 6 7 8; do
	"$FT" ingest -q --db "$DB" --set store.commit-interval=30 "$TMP/g.pcap" >/dev/null 2>&1 &
	pid=$!
	sleep "$((i % 3 * 2)).$((RANDOM % 9 + 1))$((RANDOM % 10))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	store_sane "kill -9 of ingest #$i"
	check_eq "kill -9 of ingest #$i: the capture is marked partial, never done" \
		"$(q "SELECT count(*) FROM captures WHERE state != 1")" 0
done
"$FT" ingest -q --db "$DB" "$TMP/g.pcap" >/dev/null 2>"$TMP/redo.err"
check_eq "an ingest after the kills completes" "$?" 0
check "it says the earlier ingest stopped part-way and is replaced" \
	grep -q "g.pcap: an earlier ingest of it (run [0-9]*) stopped part-way" "$TMP/redo.err"
store_sane "after the kills"
check "after the kills: hours were rolled up, so the hour check above compared rows" \
	test "$(q 'SELECT count(DISTINCT t) FROM series_1h')" -ge 1
"$FT" ingest -q --db "$TMP/clean.db" "$TMP/g.pcap" >/dev/null 2>&1
check_eq "killed ingests re-run hold exactly what one clean ingest holds (records, series, conversations, map)" \
	"$(totals "$DB")" "$(totals "$TMP/clean.db")"

# A file-size limit a little above the store: the next ingest fails with one
# line, exit 1, and the store keeps what it had.
DB=$TMP/full.db
"$FT" ingest -q --db "$DB" "$CORPUS/ndpi_1kxun.pcap" >/dev/null 2>&1 ||
	"$FT_HELPER" pcap "$TMP/small.pcap" "$FT_ROOT/tests/golden/cases/long-flow-deltas.script"
[ -s "$DB" ] || "$FT" ingest -q --db "$DB" "$TMP/small.pcap" >/dev/null 2>&1
before=$(q 'SELECT count(*) || " " || sum(bytes_cs + bytes_sc) FROM flows')
kb=$(( $(stat -c %s "$DB") / 1024 + 16 ))
(ulimit -f "$kb"; "$FT" ingest -q --db "$DB" "$TMP/g.pcap" >/dev/null 2>"$TMP/full.err"; echo $? >"$TMP/full.rc")
check_eq "a full disk: exit 1" "$(cat "$TMP/full.rc")" 1
check_eq "a full disk: one line on stderr" "$(wc -l <"$TMP/full.err")" 1
check "a full disk: the line says what happened" grep -q "is the disk full.*records.*lost, earlier commits intact" "$TMP/full.err"
store_sane "a full disk"
check_eq "a full disk: earlier flows intact" "$(q 'SELECT count(*) || " " || sum(bytes_cs + bytes_sc) FROM flows')" "$before"

# kill -9 of `run`: what it committed stays, and it committed all but about
# the last commit interval (1 s) plus the UDP timeout (1 s) of the traffic.
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v tcpreplay >/dev/null; then
	skip "kill -9 of run: needs root, ip and tcpreplay"
	exit 0
fi
NS=ft-t0710-$$
V0=ftk0-$$ V1=ftk1-$$
V0=${V0:0:15} V1=${V1:0:15}
cleanup() {
	[ -n "${RUN_PID:-}" ] && kill -9 "$RUN_PID" 2>/dev/null
	ip link del "$V0" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
if ! ip netns add "$NS" 2>/dev/null; then
	skip "kill -9 of run: cannot create a network namespace here"
	exit 0
fi
ip link add "$V0" type veth peer name "$V1"
ip link set "$V1" netns "$NS"
ip link set "$V0" up
ip netns exec "$NS" ip link set "$V1" up
# One new UDP flow every 10 ms for 8 s.
for i in $(seq 0 799); do
	printf 't=%d.%02d udp 10.214.0.2:%d > 10.214.0.1:9999 len=100\n' $((i / 100)) $((i % 100)) $((20000 + i))
done >"$TMP/flows.txt"
"$FT_HELPER" pcap "$TMP/flows.pcap" "$TMP/flows.txt"
DB=$TMP/run.db
"$FT" run -q -i "$V0" --db "$DB" --set store.commit-interval=1 --set flow.udp-timeout=1 \
	--set run.status-interval=0 >/dev/null 2>&1 &
RUN_PID=$!
sleep 1
ip netns exec "$NS" tcpreplay -q -i "$V1" "$TMP/flows.pcap" >/dev/null 2>&1 &
REPLAY=$!
sleep 6
kill_us=$(date +%s%6N)
kill -9 "$RUN_PID"
wait "$RUN_PID" 2>/dev/null
RUN_PID=
wait "$REPLAY" 2>/dev/null
store_sane "kill -9 of run"
newest=$(q 'SELECT coalesce(max(first_us), 0) FROM flows WHERE sport = 9999')
lag=$(( (kill_us - newest) / 1000 ))
# Records leave the table at the UDP timeout (1 s, harvested within 1 s),
# commit within 1 s; allow 1.5 s more for scheduling on a busy machine.
if [ "$newest" -gt 0 ] && [ "$lag" -le 4500 ]; then
	ok "kill -9 of run lost only the last moments: newest stored flow began ${lag} ms before the kill"
else
	not_ok "kill -9 of run: newest stored flow began ${lag} ms before the kill (want <= 4500)"
fi
# A flow whose packet came before a minute tick and which idled out after it
# has two records: the delta with the packet, then an empty final record.
check_eq "kill -9 of run: the test's flows are stored whole, one 100-byte frame each" \
	"$(q 'SELECT count(*) FROM (SELECT sum(pkts_cs) p, sum(bytes_cs) b FROM flows
		WHERE sport = 9999 GROUP BY run, flow) WHERE p != 1 OR b != 100')" 0
