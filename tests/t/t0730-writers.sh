#!/bin/bash
# t0730: two writers on one store wait for each other and keep all their work: two
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
