#!/bin/bash
# t0150: `run -i nflog:N` captures what a firewall rule logs to group N (nft `log group N`),
# in a network namespace: every logged packet lands in its flow, bytes are the NFLOG frames'.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v nft >/dev/null; then
	skip "live NFLOG capture: needs root, ip and nft (apt install nftables)"
	exit 0
fi
NS=${NS_PREFIX:-ft}-t0150-$$
cleanup() {
	[ -n "${RUN_PID:-}" ] && kill "$RUN_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
if ! ip netns add "$NS" 2>/dev/null; then
	skip "live NFLOG capture: cannot create a network namespace here"
	exit 0
fi
ip netns exec "$NS" ip link set lo up
printf 'table inet ft {\n chain out {\n  type filter hook output priority 0;\n  udp dport 9999 log group 7\n }\n}\n' |
	ip netns exec "$NS" nft -f - 2>"$TMP/nft.err"
if [ -s "$TMP/nft.err" ]; then
	skip "live NFLOG capture: nft cannot load a log rule here: $(head -1 "$TMP/nft.err")"
	exit 0
fi

ip netns exec "$NS" "$FT" run -i nflog:7 --db "$TMP/nf.db" --set store.commit-interval=1 \
	>"$TMP/run.out" 2>"$TMP/run.err" &
RUN_PID=$!
for _ in $(seq 50); do grep -q capturing "$TMP/run.err" && break; sleep 0.1; done
check "run says it captures on nflog:7" grep -q "capturing on nflog:7" "$TMP/run.err"
sleep 0.5
# Five IPv4 and three IPv6 datagrams, each from a socket of its own (ICMP refusals do not matter).
ip netns exec "$NS" bash -c 'for i in 1 2 3 4 5; do echo hello >/dev/udp/127.0.0.1/9999; done
	for i in 1 2 3; do echo hi6 >/dev/udp/::1/9999; done' 2>/dev/null
sleep 1.5
kill -INT "$RUN_PID"
wait "$RUN_PID"
rc=$?
RUN_PID=
check_eq "SIGINT ends run on nflog with exit 0 (no 'Can't receive packet')" "$rc" 0
grep -q "Can't receive" "$TMP/run.err" && not_ok "run reported: $(grep "Can't receive" "$TMP/run.err")"

"$FT" flows --db "$TMP/nf.db" --format csv --limit 100 >"$TMP/flows.csv" 2>&1
v4=$(awk -F, '$4 == "127.0.0.1" && $7 == 9999 { p += $12; b += $10 } END { print p + 0, b + 0 }' "$TMP/flows.csv")
v6=$(awk -F, '$4 == "::1" && $7 == 9999 { p += $12; b += $10 } END { print p + 0, b + 0 }' "$TMP/flows.csv")
check_eq "the five logged IPv4 datagrams are in flows to port 9999" "${v4% *}" 5
check_eq "the three logged IPv6 datagrams are in flows to port 9999" "${v6% *}" 3
# Bytes are NFLOG frame lengths: the IP packet (34 and 52 bytes) plus header and TLVs.
if [ "${v4#* }" -gt $((5 * 34)) ] && [ "${v6#* }" -gt $((3 * 52)) ]; then
	ok "bytes are the NFLOG frames' (more than the IP lengths: ${v4#* } and ${v6#* })"
else
	not_ok "bytes are the NFLOG frames': got ${v4#* } and ${v6#* }"
fi
