#!/bin/bash
# t0510: names under a running `run`: lookup tables replaced atomically and picked up on SIGHUP,
# labels and local networks applied, history kept as it was.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v tcpreplay >/dev/null; then
	skip "names under run: needs root, ip and tcpreplay"
	exit 0
fi

# tables DIR ASN ORG CC: minimal sources where 10.214.0.0/24 belongs to ASN/ORG in CC.
tables() {
	mkdir -p "$1"
	echo "10.214.0.0,10.214.0.255,$2,\"$3\"" >"$1/asn-ipv4.csv"
	echo "2001:db8::,2001:db8::ffff,$2,\"$3\"" >"$1/asn-ipv6.csv"
	echo "10.214.0.0,10.214.0.255,$4" >"$1/dbip-country-ipv4.csv"
	echo "2001:db8::,2001:db8::ffff,$4" >"$1/dbip-country-ipv6.csv"
	printf '02:00:5E\tTestVend\tTest Vendor Inc\n' >"$1/manuf"
}
tables "$TMP/a" 64500 "First, Org" DE
tables "$TMP/b" 64501 "Second Org" FR
"$FT" lut update --from "$TMP/a" --lut "$TMP/lut.bin" >/dev/null 2>"$TMP/err" || { not_ok "lut update from small CSVs: $(cat "$TMP/err")"; exit 0; }
printf '10.214.0.2 nas-box\n# comment\n' >"$TMP/labels"

q() { sqlite3 "$TMP/live.db" "$1"; }
netns_veth t0510

# A client on 10.214.0.2 (labelled) talks to servers in 10.214.0.0/24, remote here
# because local-networks is set to something else.
pkts() { # pkts PORT FILE
	{
		echo "t=1.0 tcp 10.214.0.2:$1 > 10.214.0.9:443 flags=S smac=02:00:5e:00:00:01 dmac=02:00:5e:00:00:02"
		echo "t=1.1 tcp 10.214.0.9:443 > 10.214.0.2:$1 flags=SA smac=02:00:5e:00:00:02 dmac=02:00:5e:00:00:01"
		echo "t=1.2 tcp 10.214.0.2:$1 > 10.214.0.9:443 flags=R smac=02:00:5e:00:00:01 dmac=02:00:5e:00:00:02"
	} >"$TMP/p.txt"
	"$FT_HELPER" pcap "$2" "$TMP/p.txt"
}
pkts 41001 "$TMP/one.pcap"
pkts 41002 "$TMP/two.pcap"

"$FT" run -i "$V0" --db "$TMP/live.db" --set lut.path="$TMP/lut.bin" \
	--set names.local-networks=192.0.2.0/24 --set names.labels="$TMP/labels" \
	--set store.commit-interval=1 --set run.status-interval=0 --set flow.tcp-closed-timeout=0 >"$TMP/run.out" 2>"$TMP/run.err" &
RUN_PID=$!
for _ in $(seq 50); do grep -q capturing "$TMP/run.err" && break; sleep 0.1; done
sleep 0.3
ip netns exec "$NS" tcpreplay -q -i "$V1" "$TMP/one.pcap" >/dev/null 2>&1
# commits every second; wait for it (up to 10 s on a busy machine)
for _ in $(seq 40); do
	[ "$(q "SELECT count(DISTINCT flow) FROM flows WHERE cport = 41001")" = 1 ] && break
	sleep 0.25
done
check_eq "the first connection was written before the update" \
	"$(q "SELECT count(DISTINCT flow) FROM flows WHERE cport = 41001")" 1
# Replace the tables while run has them mapped, then tell it.
"$FT" lut update --from "$TMP/b" --lut "$TMP/lut.bin" >/dev/null 2>&1
check "lut update replaced the file while run had it open" "$FT" lookup --lut "$TMP/lut.bin" 10.214.0.9
kill -HUP "$RUN_PID"
sleep 0.5
ip netns exec "$NS" tcpreplay -q -i "$V1" "$TMP/two.pcap" >/dev/null 2>&1
sleep 1.5
kill -INT "$RUN_PID"
wait "$RUN_PID"
rc=$?
RUN_PID=
check_eq "run exits 0 after SIGHUP and SIGINT" "$rc" 0
check_eq "the flow before the update keeps the old ASN, organisation and country" \
	"$(q "SELECT DISTINCT asn || '|' || org || '|' || country FROM flows_v WHERE cport = 41001")" "64500|First, Org|DE"
check_eq "the flow after SIGHUP has the new tables' ASN" \
	"$(q "SELECT DISTINCT asn || '|' || org || '|' || country FROM flows_v WHERE cport = 41002")" "64501|Second Org|FR"
check_eq "the labelled client carries its label" \
	"$(q "SELECT DISTINCT client_name FROM flows_v WHERE cport IN (41001, 41002)")" "nas-box"
check "vendors come from the MAC table" grep -q '^TestVend,' <("$FT" top --db "$TMP/live.db" --by vendor --format csv)
