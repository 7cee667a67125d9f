#!/bin/bash
# t0750: two writers on one store wait for each other and keep all their work: two
# ingests at once, an ingest while another writer holds a long transaction (it names
# that writer, and gives up only after store.busy-timeout), and run plus ingest.
. "$(dirname "$0")/lib.sh"

DB=$TMP/w.db
"$FT_BUILD/bench/gen" -o "$TMP/a.pcap" --packets 300k --flows 60k --pps 250 --snaplen 96 >/dev/null 2>&1 &&
	"$FT_BUILD/bench/gen" -o "$TMP/b.pcap" --packets 300k --flows 50k --pps 300 --snaplen 96 >/dev/null 2>&1 ||
	{ not_ok "cannot generate the captures"; exit 0; }
flows_of() { sqlite3 "$1" 'SELECT count(*) || " " || sum(bytes_cs + bytes_sc) FROM flows'; }
"$FT" ingest -q --db "$TMP/a.db" "$TMP/a.pcap" >/dev/null 2>&1
"$FT" ingest -q --db "$TMP/b.db" "$TMP/b.pcap" >/dev/null 2>&1
read -r na ba <<<"$(flows_of "$TMP/a.db")"
read -r nb bb <<<"$(flows_of "$TMP/b.db")"

# Two ingests at once, each of its own capture: both exit 0 and the store holds both.
"$FT" ingest -q --db "$DB" "$TMP/a.pcap" >/dev/null 2>"$TMP/a.err" &
pa=$!
"$FT" ingest -q --db "$DB" "$TMP/b.pcap" >/dev/null 2>"$TMP/b.err" &
pb=$!
wait "$pa"; ra=$?
wait "$pb"; rb=$?
check_eq "two ingests at once: both exit 0" "$ra $rb" "0 0"
check_eq "two ingests at once: the store holds the records of both" "$(flows_of "$DB")" "$((na + nb)) $((ba + bb))"
check_eq "two ingests at once: both captures are done" \
	"$(sqlite3 "$DB" "SELECT group_concat(state, ' ') FROM captures_v")" "done done"
check "two ingests at once: no 'database is locked'" sh -c "! grep -q 'locked' '$TMP/a.err' '$TMP/b.err'"

# A writer that holds a transaction for 7 s (longer than the 5 s SQLite wait of old): an ingest waits for it, names it, and
# succeeds; with store.busy-timeout=1 it gives up with one clear error instead.
# The holder is Python's sqlite3 started under a name beginning with "flowtrail" (the
# store names only live flowtrail processes as writers).
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
if [ -n "$PY" ] && python3 -c 'import sqlite3' 2>/dev/null; then
	ln -sf "$PY" "$TMP/flowtrail-hold"
	hold() { # DB SECONDS: hold the write lock, print "locked" once held
		"$TMP/flowtrail-hold" - "$1" "$2" <<'PYEOF' &
import os, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
try:
    db.execute("INSERT INTO runs (start_us, command, pid) VALUES (0, 'flowtrail run -i test0', ?)", (os.getpid(),))
except sqlite3.OperationalError:
    pass  # a store without runs.pid: the lock alone
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
PYEOF
	}
	rm -f "$TMP/h.db"*
	"$FT" ingest -q --db "$TMP/h.db" "$TMP/a.pcap" >/dev/null 2>&1
	hold "$TMP/h.db" 7 >"$TMP/hold.out"; hp=$!
	for i in $(seq 50); do grep -q locked "$TMP/hold.out" && break; sleep 0.1; done
	"$FT" ingest --db "$TMP/h.db" "$TMP/b.pcap" >/dev/null 2>"$TMP/err"
	check_eq "an ingest waits for a writer holding the store, then exits 0" "$?" 0
	wait "$hp"
	check "it names the writer it waits for (pid and command)" \
		grep -q "waiting for another writer, pid $hp (flowtrail run -i test0), for up to 300 s (store.busy-timeout)" "$TMP/err"
	check_eq "and its records are all in the store" "$(flows_of "$TMP/h.db")" "$((na + nb)) $((ba + bb))"
	hold "$TMP/h.db" 6 >"$TMP/hold.out"; hp=$!
	for i in $(seq 50); do grep -q locked "$TMP/hold.out" && break; sleep 0.1; done
	"$FT_HELPER" pcap "$TMP/long.pcap" "$FT_ROOT/tests/golden/cases/long-flow-deltas.script"
	"$FT" ingest -q --db "$TMP/h.db" --set store.busy-timeout=2 "$TMP/long.pcap" >/dev/null 2>"$TMP/err"
	check_eq "past store.busy-timeout the waiting writer fails (exit 1)" "$?" 1
	check "with a line saying another writer held the store too long" \
		grep -q "another writer held the store longer than store.busy-timeout allows" "$TMP/err"
	wait "$hp"
	check_eq "the store keeps what it had" "$(flows_of "$TMP/h.db")" "$((na + nb)) $((ba + bb))"
	"$FT" ingest -q --db "$TMP/h.db" "$TMP/long.pcap" >/dev/null 2>&1
	check_eq "and the same ingest run again takes the capture" \
		"$(sqlite3 "$TMP/h.db" "SELECT count(*) FROM captures_v WHERE path LIKE '%long.pcap' AND state = 'done'")" 1
else
	skip "a writer holding the store: needs python3 with sqlite3"
fi

# run and ingest on one store at once: both exit 0, each one's records are all there.
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v tcpreplay >/dev/null; then
	skip "run plus ingest: needs root, ip and tcpreplay"
	exit 0
fi
netns_veth t0750 10.214.0
echo "t=1.0 udp 10.214.0.2:40000 > 10.214.0.1:9999 len=200 repeat=400 every=0.005" >"$TMP/live.txt"
"$FT_HELPER" pcap "$TMP/live.pcap" "$TMP/live.txt"
DB=$TMP/r.db
# Retention off: what the writers keep is under test here, not what retention prunes
# (the capture is from 2024, run's traffic from today).
KEEP="--set history.keep-flows=0 --set history.keep-1m=0"
"$FT" run -i "$V0" --db "$DB" $KEEP --set store.commit-interval=1 >/dev/null 2>"$TMP/run.err" &
RUN_PID=$!
for _ in $(seq 50); do grep -q capturing "$TMP/run.err" && break; sleep 0.1; done
"$FT" ingest -q --db "$DB" $KEEP "$TMP/a.pcap" >/dev/null 2>"$TMP/ing.err" &
ING_PID=$!
ip netns exec "$NS" tcpreplay -q -i "$V1" --pps=100 "$TMP/live.pcap" >/dev/null 2>&1
wait "$ING_PID"
ri=$?
sleep 2.2
kill -INT "$RUN_PID"
wait "$RUN_PID"
rr=$?
RUN_PID=
check_eq "run plus ingest: both exit 0" "$rr $ri" "0 0"
check_eq "run plus ingest: every record of the capture is in the store" \
	"$(sqlite3 "$DB" "SELECT count(*) || ' ' || sum(bytes_cs + bytes_sc) FROM flows_v WHERE iface = 'file'")" "$na $ba"
check_eq "run plus ingest: every live packet is in the store" \
	"$(sqlite3 "$DB" "SELECT sum(pkts_cs + pkts_sc) FROM flows WHERE sport = 9999")" 400
