#!/bin/bash
# t0200: bad input to ingest gets one clear line and the right exit code, never a crash.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/good.txt" <<'S'
t=1.0 tcp 10.0.0.1:40000 > 10.0.0.2:80 flags=S
t=1.1 tcp 10.0.0.2:80 > 10.0.0.1:40000 flags=SA
t=1.2 tcp 10.0.0.1:40000 > 10.0.0.2:80 flags=A len=1000
S
"$FT_HELPER" pcap "$TMP/good.pcap" "$TMP/good.txt"

# expect_fail TITLE EXIT PATTERN CMD...: exit code and one stderr line matching PATTERN.
expect_fail() {
	local title=$1 want=$2 pat=$3
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" = "$want" ] && grep -q -- "$pat" "$TMP/err" && [ "$(wc -l <"$TMP/err")" -le 2 ]; then
		ok "$title"
	else
		not_ok "$title: exit $rc (want $want), stderr: $(head -3 "$TMP/err")"
	fi
}

echo "this is not a capture" >"$TMP/text.pcap"
expect_fail "a file that is not a capture is refused before anything is read" 1 "not a pcap or pcapng" \
	"$FT" ingest --db "$TMP/a.db" "$TMP/good.pcap" "$TMP/text.pcap"
check "and no store was written for it" test ! -e "$TMP/a.db"

head -c 12 "$TMP/good.pcap" >"$TMP/cut-header.pcap"
expect_fail "a capture cut inside its file header gives a clear error" 1 "cut-header.pcap" \
	"$FT" ingest --db "$TMP/b.db" "$TMP/cut-header.pcap"

expect_fail "a missing file is named" 1 "no such file" "$FT" ingest --db "$TMP/c.db" "$TMP/missing.pcap"
expect_fail "no capture at all is a usage error" 2 "no capture file" "$FT" ingest --db "$TMP/c.db"
expect_fail "an unknown option in --set is named" 2 "unknown option 'flow.nope'" \
	"$FT" ingest --set flow.nope=1 "$TMP/good.pcap"
expect_fail "a value out of range in --set says what is allowed" 2 "flow.max-flows: expected a whole number" \
	"$FT" ingest --set flow.max-flows=-5 "$TMP/good.pcap"
expect_fail "an active timeout that does not divide a minute is refused" 2 "expected a divisor of 60" \
	"$FT" ingest --set flow.active-timeout=7 "$TMP/good.pcap"
expect_fail "an unknown time zone is refused, not taken as UTC" 2 "unknown time zone 'Mars/Olympus'" \
	"$FT" ingest --set history.timezone=Mars/Olympus "$TMP/good.pcap"
expect_fail "a wrong --format for ingest is refused" 2 "text or json" \
	"$FT" ingest --format csv "$TMP/good.pcap"
expect_fail "an unknown command is named" 2 "unknown command 'ingets'" "$FT" ingets x
expect_fail "a report on a missing store says how to make one" 1 "no store at" \
	"$FT" flows --db "$TMP/none.db"
expect_fail "top without --by says what to give" 2 "--by is required" "$FT" top --db "$TMP/none.db"
expect_fail "top --by with an unknown field names it" 2 "nosuch" "$FT" top --by app,nosuch
expect_fail "a bad --since explains the forms" 2 "expected a duration like 7d" \
	"$FT" flows --since yesterday-ish

# A file cut in the middle of a packet: the packets before the cut count, a warning, exit 0.
size=$(stat -c %s "$TMP/good.pcap")
head -c $((size - 500)) "$TMP/good.pcap" >"$TMP/cut-packet.pcap"
"$FT" ingest --format json --db "$TMP/d.db" "$TMP/cut-packet.pcap" >"$TMP/out" 2>"$TMP/err"
rc=$?
check_eq "a capture cut mid-packet still ingests what came before (exit 0)" "$rc" 0
check_eq "its whole packets are counted and the cut is reported" \
	"$(jq -r '"\(.packets) \(.files_cut)"' "$TMP/out")" "2 1"
check "the cut is a warning naming the file" grep -q "cut-packet.pcap: .*truncated" "$TMP/err"

# Several files in order carry flow state: the SYN in one file, the rest in the next.
head -n1 "$TMP/good.txt" >"$TMP/p1.txt"
tail -n2 "$TMP/good.txt" >"$TMP/p2.txt"
"$FT_HELPER" pcap "$TMP/p1.pcap" "$TMP/p1.txt"
"$FT_HELPER" pcap "$TMP/p2.pcap" "$TMP/p2.txt"
check_eq "a flow split over two files in order is one flow" \
	"$("$FT" ingest --no-store --format json "$TMP/p1.pcap" "$TMP/p2.pcap" 2>/dev/null | jq -r .flows)" 1

# The reference corpus's corrupt captures: counted skips and exit 0.
if [ -f "$CORPUS/REFERENCE.json" ]; then
	for f in ndpi_badpackets.pcap zeek_ip4-trunc.pcap ndpi_ip_fragmented_garbage.pcap ndpi_malformed_dns.pcap; do
		"$FT" ingest --format json --db "$TMP/e.db" "$CORPUS/$f" >"$TMP/out" 2>"$TMP/err"
		check_eq "$f: ingests with exit 0" "$?" 0
	done
	check "ndpi_badpackets.pcap: its damaged frames are counted, not lost" \
		jq -e '.truncated + .malformed > 0' <("$FT" ingest --no-store --format json "$CORPUS/ndpi_badpackets.pcap" 2>/dev/null)
else
	skip "corrupt reference captures: corpus not found at $CORPUS"
fi

# A capture that shrinks while it is read (a log rotation's copy-truncate): one line
# naming the file and the packets taken, those packets committed, exit 1; no SIGBUS.
# FT_TEST_SHRINK_AFTER=N makes the mapped reader truncate the file itself after N
# records, so the shrink happens at the same packet on every run.
if "$FT_BUILD/bench/gen" -o "$TMP/shrink.pcap" --packets 20k --flows 2k --pps 250 --snaplen 96 >/dev/null 2>&1; then
	FT_TEST_SHRINK_AFTER=5000 "$FT" ingest -q --db "$TMP/shrink.db" "$TMP/shrink.pcap" >/dev/null 2>"$TMP/err"
	rc=$?
	check_eq "a capture that shrinks while read: exit 1, not a crash" "$rc" 1
	check_eq "a capture that shrinks while read: one line on stderr" "$(wc -l <"$TMP/err")" 1
	check "the line names the file, says it changed and how many packets were taken" \
		grep -q "shrink.pcap: the file changed while it was read.*5000 packets taken" "$TMP/err"
	check_eq "the packets read before the shrink are committed" \
		"$(sqlite3 "$TMP/shrink.db" 'SELECT sum(pkts_cs + pkts_sc) FROM flows')" 5000
else
	not_ok "cannot generate a capture with bench/gen"
fi

# The same capture twice: the second ingest says so and adds nothing; --force adds it
# again; a file given twice in one command is read once. The script has 203 packets
# from 3000.000 s to 3200.011 s.
"$FT_HELPER" pcap "$TMP/twice.pcap" "$FT_ROOT/tests/golden/cases/long-flow-deltas.script"
tot() { sqlite3 "$TMP/twice.db" "SELECT count(*) || ' ' || sum(bytes_cs + bytes_sc) || ' ' ||
	(SELECT sum(bytes_in + bytes_out) FROM series_1m) FROM flows"; }
"$FT" ingest -q --db "$TMP/twice.db" "$TMP/twice.pcap" >/dev/null 2>&1
once=$(tot)
"$FT" ingest -q --db "$TMP/twice.db" "$TMP/twice.pcap" >/dev/null 2>"$TMP/err"
check_eq "ingesting a capture again exits 0" "$?" 0
check_eq "ingesting a capture again changes no total" "$(tot)" "$once"
check "and says it was ingested already and skipped, naming --force" \
	grep -q "twice.pcap: already in the store (ingested .*, run 1: 203 packets from .* to .*): skipped; --force adds it again" "$TMP/err"
check_eq "the store remembers the capture once, done, with its packets and time range" \
	"$(sqlite3 "$TMP/twice.db" "SELECT count(*), state, packets, first, last FROM captures_v")" \
	"1|done|203|1970-01-01T00:50:00.000000Z|1970-01-01T00:53:20.011000Z"
"$FT" ingest -q --force --db "$TMP/twice.db" "$TMP/twice.pcap" "$TMP/twice.pcap" >/dev/null 2>"$TMP/err"
read -r n1 b1 s1 <<<"$once"
check_eq "--force adds it again (every total doubles), a file given twice is read once" \
	"$(tot)" "$((n1 * 2)) $((b1 * 2)) $((s1 * 2))"
check "the file given twice is named" grep -q "twice.pcap: the same capture as an earlier file of this command: read once" "$TMP/err"
