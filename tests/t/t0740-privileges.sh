#!/bin/bash
# t0740: `run` started as root becomes an unprivileged user with no capabilities once capture
# and store are open, gives it the store (0750/0640), and goes on capturing and writing.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v tcpreplay >/dev/null ||
	! command -v sqlite3 >/dev/null; then
	skip "privileges of run: needs root, ip, tcpreplay and sqlite3"
	exit 0
fi
# lib.sh keeps the other live tests root (FLOWTRAIL_USER=root); this one wants the default.
unset FLOWTRAIL_USER
if getent passwd flowtrail >/dev/null; then WANT=flowtrail; else WANT=nobody; fi
WUID=$(id -u "$WANT")
WGID=$(id -g "$WANT")

netns_veth t0740

# The dropped user must reach the labels and lookup tables, as on a real system.
chmod 755 "$TMP"
tables() { # tables DIR ASN: 10.240.0.0/24 belongs to ASN
	mkdir -p "$1"
	echo "10.240.0.0,10.240.0.255,$2,\"Org $2\"" >"$1/asn-ipv4.csv"
	echo "2001:db8::,2001:db8::ffff,$2,\"Org $2\"" >"$1/asn-ipv6.csv"
	echo "10.240.0.0,10.240.0.255,DE" >"$1/dbip-country-ipv4.csv"
	echo "2001:db8::,2001:db8::ffff,DE" >"$1/dbip-country-ipv6.csv"
	printf '02:00:5E\tTestVend\tTest Vendor Inc\n' >"$1/manuf"
}
tables "$TMP/a" 64510
tables "$TMP/b" 64511
printf '10.240.0.2 sender-box\n' >"$TMP/labels"
conn() { # conn PORT FILE: one TCP connection of 30 packets
	{
		echo "t=1.0 tcp 10.240.0.2:$1 > 10.240.0.1:8080 flags=S"
		echo "t=1.1 tcp 10.240.0.1:8080 > 10.240.0.2:$1 flags=SA"
		echo "t=1.2 tcp 10.240.0.2:$1 > 10.240.0.1:8080 flags=A len=1000 repeat=27"
		echo "t=1.5 tcp 10.240.0.2:$1 > 10.240.0.1:8080 flags=R"
	} >"$TMP/c.txt"
	"$FT_HELPER" pcap "$2" "$TMP/c.txt"
}
conn 42000 "$TMP/old.pcap"
conn 42001 "$TMP/one.pcap"
conn 42002 "$TMP/two.pcap"

# An existing store, written by root with root's umask, and the tables beside it: the
# directory holds nothing but flowtrail's files, so run may give it to its user.
STORE=$TMP/store
DB=$STORE/flows.db
"$FT" lut update --from "$TMP/a" --lut "$STORE/lut.bin" >/dev/null 2>"$TMP/err" ||
	{ not_ok "lut update from small CSVs: $(cat "$TMP/err")"; exit 0; }
(umask 022 && "$FT" ingest -q --db "$DB" "$TMP/old.pcap" >/dev/null 2>&1)
check_eq "before run the store is root's and readable by all" "$(stat -c '%U %a' "$DB")" "root 644"
q() { sqlite3 "$DB" "$1"; }
minutes_before=$(q "SELECT count(*) FROM series_1m")
runs_before=$(q "SELECT count(*) FROM runs")

status() { # status FIELD: the field of run's /proc/PID/status, tabs as spaces
	awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$RUN_PID/status"
}
start_run() { # start_run LOG ARGS...: run in the background, wait until it captures (or ends)
	local log=$1
	shift
	"$FT" run -i "$V0" --set store.commit-interval=1 --set run.status-interval=1 \
		--set flow.tcp-closed-timeout=0 "$@" >"$log.out" 2>"$log.err" &
	RUN_PID=$!
	for _ in $(seq 100); do
		grep -q "capturing" "$log.err" && break
		kill -0 "$RUN_PID" 2>/dev/null || break
		sleep 0.1
	done
}
stop_run() { # stop_run: SIGINT, wait; the exit code in RC
	kill -INT "$RUN_PID" 2>/dev/null
	wait "$RUN_PID"
	RC=$?
	RUN_PID=
}

start_run "$TMP/run" --db "$DB" --set lut.path="$STORE/lut.bin" --set names.labels="$TMP/labels" \
	--set names.local-networks=192.0.2.0/24
check "run logs one line saying which user it became" \
	grep -q "running as user $WANT (uid $WUID, gid $WGID), no capabilities\$" "$TMP/run.err"
check_eq "its uids (real, effective, saved, fs) are the user's" "$(status Uid)" "$WUID $WUID $WUID $WUID"
check_eq "its gids are the user's" "$(status Gid)" "$WGID $WGID $WGID $WGID"
check_eq "no effective capability" "$(status CapEff)" 0000000000000000
check_eq "no permitted capability" "$(status CapPrm)" 0000000000000000
check_eq "no inheritable or ambient capability" "$(status CapInh) $(status CapAmb)" \
	"0000000000000000 0000000000000000"
check_eq "an empty bounding set" "$(status CapBnd)" 0000000000000000
check_eq "no_new_privs is set" "$(status NoNewPrivs)" 1
check_eq "not dumpable: other processes of the user cannot read its memory" \
	"$(stat -c %u "/proc/$RUN_PID/mem")" 0
check_eq "the store's directory is the user's, 0750" "$(stat -c '%U %G %a' "$STORE")" "$WANT $(id -gn "$WANT") 750"
for f in "$DB" "$DB-wal" "$DB-shm"; do
	check_eq "$(basename "$f") is the user's, 0640" "$(stat -c '%U %a' "$f" 2>&1)" "$WANT 640"
done

# Traffic after the drop reaches the store.
ip netns exec "$NS" tcpreplay -q -i "$V1" "$TMP/one.pcap" >/dev/null 2>&1
for _ in $(seq 40); do
	[ "$(q "SELECT count(DISTINCT flow) FROM flows WHERE cport = 42001")" = 1 ] && break
	sleep 0.25
done
check_eq "the capture after the drop was committed while run goes on" \
	"$(q "SELECT count(DISTINCT flow) || ' ' || sum(pkts_cs + pkts_sc) FROM flows WHERE cport = 42001")" "1 30"
check_eq "the dropped user reads the labels file" \
	"$(q "SELECT DISTINCT client_name FROM flows_v WHERE cport = 42001")" "sender-box"
# Tables replaced by root while run has them, picked up by the dropped user.
"$FT" lut update --from "$TMP/b" --lut "$STORE/lut.bin" >/dev/null 2>&1
kill -HUP "$RUN_PID"
sleep 0.5
ip netns exec "$NS" tcpreplay -q -i "$V1" "$TMP/two.pcap" >/dev/null 2>&1
for _ in $(seq 40); do
	[ "$(q "SELECT count(DISTINCT flow) FROM flows WHERE cport = 42002")" = 1 ] && break
	sleep 0.25
done
check_eq "the dropped user reloads lookup tables root replaced" \
	"$(q "SELECT group_concat(DISTINCT asn) FROM flows_v WHERE cport = 42002")" 64511
check_eq "capture goes on with no capability" "$(status CapEff) $(status Uid)" \
	"0000000000000000 $WUID $WUID $WUID $WUID"
check "status lines continue" grep -q "records stored" "$TMP/run.out"
stop_run
check_eq "run ends with exit 0 as the dropped user" "$RC" 0
check "run says what it stored" grep -q "stopped: .* records stored" "$TMP/run.err"
check_eq "closing removed the WAL file (the user may write the directory)" \
	"$(ls "$STORE" | grep -c -- '-wal$')" 0
check_eq "the store stays the user's, 0640" "$(stat -c '%U %a' "$DB")" "$WANT 640"
check "the dropped user wrote minute series" test "$(q "SELECT count(*) FROM series_1m")" -gt "$minutes_before"
check_eq "and its row in runs" "$(q "SELECT count(*) FROM runs")" $((runs_before + 1))
check "root's reports read the store" "$FT" flows --db "$DB" --format csv
check "a root ingest into it afterwards works" "$FT" ingest -q --db "$DB" "$TMP/two.pcap"
check_eq "and the store stays the user's" "$(stat -c '%U %a' "$DB")" "$WANT 640"

# A directory run did not make and that holds other files is left alone: run says so.
start_run "$TMP/loose" --db "$TMP/loose.db"
wait "$RUN_PID"
rc=$?
RUN_PID=
check_eq "a store in a shared directory the user cannot write: exit 1" "$rc" 1
check "with one line naming the directory and the way out" \
	grep -q "user $WANT cannot write in $TMP (the store's directory, not flowtrail's own).*--user root" "$TMP/loose.err"
check_eq "and the shared directory keeps its owner and mode" "$(stat -c '%U %a' "$TMP")" "root 755"

# A directory run makes is the user's.
start_run "$TMP/new" --db "$TMP/new/dir/flows.db"
check_eq "a directory run made is given to the user" "$(stat -c '%U %a' "$TMP/new/dir")" "$WANT 750"
check_eq "the parents it made stay root's and open" "$(stat -c '%U %a' "$TMP/new")" "root 755"
stop_run >/dev/null

# Root only on request.
start_run "$TMP/root" --db "$TMP/rootdir/flows.db" --user root
check "--user root keeps root, and says so" grep -q "running as root (run.user = root): every capability kept" "$TMP/root.err"
check_eq "with uid 0 and capabilities" "$(status Uid | cut -d' ' -f1) $([ "$(status CapEff)" != 0000000000000000 ] && echo caps)" "0 caps"
stop_run >/dev/null
start_run "$TMP/nouser" --db "$TMP/x/flows.db" --set run.user=ft-no-such-user
wait "$RUN_PID"
rc=$?
RUN_PID=
check_eq "a run.user that does not exist: exit 2" "$rc" 2
check "naming it" grep -q "run.user: no user 'ft-no-such-user'" "$TMP/nouser.err"
check "before opening anything" test ! -e "$TMP/x"

# Files run reads are read as the user: one it cannot read is one line saying so.
printf '10.240.0.2 secret\n' >"$TMP/secret-labels" && chmod 600 "$TMP/secret-labels"
start_run "$TMP/secret" --db "$TMP/sec/flows.db" --set names.labels="$TMP/secret-labels"
wait "$RUN_PID"
rc=$?
RUN_PID=
check_eq "a labels file only root may read: exit 1" "$rc" 1
check "with a line naming the file and the user" \
	grep -q "secret-labels.*as user $WANT" "$TMP/secret.err"

# Started by a user that holds CAP_NET_RAW only (no root): no user change, capabilities dropped.
if command -v setpriv >/dev/null; then
	mkdir -p "$TMP/nb" && chown 65534:65534 "$TMP/nb"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+net_raw,+net_admin \
		--ambient-caps=+net_raw,+net_admin \
		"$FT" run -i "$V0" --db "$TMP/nb/flows.db" --set store.commit-interval=1 \
		--set run.status-interval=0 >"$TMP/nb.out" 2>"$TMP/nb.err" &
	RUN_PID=$!
	for _ in $(seq 100); do grep -q "capturing" "$TMP/nb.err" && break; sleep 0.1; done
	check "a user with CAP_NET_RAW: no user change, said in the log" \
		grep -q "running as user nobody (uid 65534): not started as root, so no user change; capabilities dropped" "$TMP/nb.err"
	check_eq "and no capability left, none ambient" "$(status CapEff) $(status CapAmb)" \
		"0000000000000000 0000000000000000"
	check_eq "and not dumpable (no uid change made it so: run did)" \
		"$(stat -c %u "/proc/$RUN_PID/mem")" 0
	ip netns exec "$NS" tcpreplay -q -i "$V1" "$TMP/one.pcap" >/dev/null 2>&1
	sleep 2.5
	stop_run
	check_eq "it captures on and ends with exit 0" "$RC" 0
	check_eq "and stored the connection" \
		"$(sqlite3 "$TMP/nb/flows.db" "SELECT sum(pkts_cs + pkts_sc) FROM flows WHERE cport = 42001")" 30
else
	skip "a user with CAP_NET_RAW: needs setpriv"
fi
