#!/bin/bash
# t0300: `run` captures live on a veth pair in a network namespace, writes flows, and stops cleanly on SIGINT.
. "$(dirname "$0")/lib.sh"

expect_fail() {
	local title=$1 want=$2 pat=$3
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" = "$want" ] && grep -q -- "$pat" "$TMP/err"; then
		ok "$title"
	else
		not_ok "$title: exit $rc (want $want), stderr: $(head -3 "$TMP/err")"
	fi
}

expect_fail "a missing interface is one clear line and exit 1" 1 "no interface 'ft-nosuch0'" \
	"$FT" run -i ft-nosuch0 --db "$TMP/x.db"

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v tcpreplay >/dev/null; then
	skip "live capture: needs root, ip and tcpreplay"
	exit 0
fi

if command -v setpriv >/dev/null; then
	expect_fail "capturing without permission says how to grant it" 1 "cap_net_raw" \
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$FT" run -i lo --db "$TMP/nobody.db"
fi

netns_veth t0300 10.213.0

# 30 TCP packets of one connection and 4 DNS packets, sent by the namespace.
{
	echo "t=1.0 tcp 10.213.0.2:41000 > 10.213.0.1:8080 flags=S"
	echo "t=1.1 tcp 10.213.0.1:8080 > 10.213.0.2:41000 flags=SA"
	echo "t=1.2 tcp 10.213.0.2:41000 > 10.213.0.1:8080 flags=A len=1000 repeat=28"
	echo "t=2.0 udp 10.213.0.2:53000 > 10.213.0.1:53 len=80 repeat=2"
	echo "t=2.1 udp 10.213.0.1:53 > 10.213.0.2:53000 len=120 repeat=2"
} >"$TMP/live.txt"
"$FT_HELPER" pcap "$TMP/live.pcap" "$TMP/live.txt"

"$FT" run -i "$V0" --db "$TMP/live.db" --set run.status-interval=1 \
	--set store.commit-interval=1 >"$TMP/run.out" 2>"$TMP/run.err" &
RUN_PID=$!
for _ in $(seq 50); do grep -q capturing "$TMP/run.err" && break; sleep 0.1; done
check "run says where it captures" grep -q "capturing on $V0" "$TMP/run.err"
sleep 0.5
ip netns exec "$NS" tcpreplay -q -i "$V1" --pps=200 "$TMP/live.pcap" >/dev/null 2>&1
sleep 2.2
kill -INT "$RUN_PID"
wait "$RUN_PID"
rc=$?
RUN_PID=
check_eq "SIGINT ends run with exit 0" "$rc" 0
check "a status line was printed each second" grep -q "pkt/s .* flows open" "$TMP/run.out"

tcp=$("$FT" top --db "$TMP/live.db" --by dst-port --format json | jq -c '[.[] | select(.dst_port == 8080)] | .[0] | {packets, flows}')
check_eq "the TCP connection was stored with every packet" "$tcp" '{"packets":30,"flows":1}'
dns=$("$FT" flows --db "$TMP/live.db" --format json | jq -c '[.[] | select(.sport == 53)] | .[0] | {pkts_cs, pkts_sc, cport}')
check_eq "the DNS exchange is one flow, client to server" "$dns" '{"pkts_cs":2,"pkts_sc":2,"cport":53000}'
