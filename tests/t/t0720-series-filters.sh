#!/bin/bash
# t0720: usage and series take a filter on the keys of one kind: their sums equal the
# matching minute rows summed with sqlite3, "other" matches no filter, a host's usage
# equals top's from the flows where the series are exact, and what the series cannot
# answer is refused with one line.
. "$(dirname "$0")/lib.sh"

q() { sqlite3 "$DB" "$1"; }

# The total column of usage's total row (JSON on stdin).
usage_total() { jq '.[] | select(.period == "total") | .total'; }

# Sum of bytes_in + bytes_out over JSON rows on stdin.
bytes_sum() { jq '[.[] | .bytes_in + .bytes_out] | add // 0'; }

# Hex of a 4-byte key as a dotted quad.
dotted() { printf '%d.%d.%d.%d' "0x${1:0:2}" "0x${1:2:2}" "0x${1:4:2}" "0x${1:6:2}"; }

# host_checks NAME: the busiest IPv4 host's usage, series and top agree with the rows.
# A host that talks to itself (127.0.0.1 to 127.0.0.1) sends and receives each byte of
# those flows, so its series count them twice and top once: such hosts are not chosen.
host_checks() {
	local name=$1 hex h want exact
	hex=$(q "SELECT hex(key) FROM series_1m WHERE kind IN (4, 5) AND length(key) = 4
		AND key NOT IN (SELECT cli FROM flows WHERE cli = srv)
		GROUP BY key ORDER BY sum(bytes_in + bytes_out) DESC, key LIMIT 1")
	[ -n "$hex" ] || return 0
	h=$(dotted "$hex")
	want=$(q "SELECT sum(bytes_in + bytes_out) FROM series_1m WHERE kind IN (4, 5) AND key = X'$hex'")
	check_eq "$name: usage 'host $h' = its minute rows" \
		"$("$FT" usage --db "$DB" --format json "host $h" | usage_total)" "$want"
	check_eq "$name: series host 'host $h' = its minute rows" \
		"$("$FT" series host --db "$DB" --step 1d --format json "host $h" | bytes_sum)" "$want"
	check_eq "$name: series host 'host $h' = series host $h (the KEY)" \
		"$("$FT" series host --db "$DB" --step 1h --format json "host $h" | bytes_sum)" \
		"$("$FT" series host "$h" --db "$DB" --step 1h --format json | bytes_sum)"
	exact=$(q "SELECT count(*) FROM series_1m WHERE kind IN (4, 5) AND key = -1")
	[ "$exact" = 0 ] || return 0
	check_eq "$name: usage 'host $h' = top --by host from the flows, the series being exact" \
		"$want" "$("$FT" top --db "$DB" --by host --source flows --limit 100000 --format json \
			"host $h" | jq --arg h "$h" '.[] | select(.host == $h) | .bytes')"
}

# net_checks NAME: --by host with a /16 of the busiest local IPv4 host = its local rows.
net_checks() {
	local name=$1 hex net want
	hex=$(q "SELECT hex(key) FROM series_1m WHERE kind = 4 AND length(key) = 4
		GROUP BY key ORDER BY sum(bytes_in + bytes_out) DESC, key LIMIT 1")
	[ -n "$hex" ] || return 0
	net="$(dotted "${hex:0:4}0000")/16"
	want=$(q "SELECT sum(bytes_in + bytes_out) FROM series_1m WHERE kind = 4 AND length(key) = 4
		AND substr(hex(key), 1, 4) = '${hex:0:4}'")
	check_eq "$name: usage --by host 'net $net' = the local rows in it" \
		"$("$FT" usage --db "$DB" --by host --limit 1000000 --format json "net $net" |
			jq '[.[] | .total] | add')" "$want"
}

# app_checks NAME: the busiest named application, and "other" left out of 'not'.
app_checks() {
	local name=$1 a want not other all
	a=$(q "SELECT key FROM series_1m WHERE kind = 3 AND key != -1 AND key != ''
		GROUP BY key ORDER BY sum(bytes_in + bytes_out) DESC, key LIMIT 1")
	[[ $a =~ ^[A-Za-z0-9._-]+$ ]] || return 0
	want=$(q "SELECT coalesce(sum(bytes_in + bytes_out), 0) FROM series_1m WHERE kind = 3
		AND key != -1 AND (lower(key) = lower('$a')
		OR lower(substr(key, 1, length('$a') + 1)) = lower('$a') || '.'
		OR lower(substr(key, -length('$a') - 1)) = '.' || lower('$a'))")
	check_eq "$name: usage 'app $a' = its minute rows" \
		"$("$FT" usage --db "$DB" --format json "app $a" | usage_total)" "$want"
	check_eq "$name: series app 'app $a' = its minute rows" \
		"$("$FT" series app --db "$DB" --step 1h --format json "app $a" | bytes_sum)" "$want"
	not=$("$FT" usage --db "$DB" --format json "not app $a" | usage_total)
	other=$(q "SELECT coalesce(sum(bytes_in + bytes_out), 0) FROM series_1m WHERE kind = 3 AND key = -1")
	all=$(q "SELECT coalesce(sum(bytes_in + bytes_out), 0) FROM series_1m WHERE kind = 3")
	check_eq "$name: 'app $a' + 'not app $a' + other = every app row (other matches neither)" \
		"$((want + not + other))" "$all"
}

# proto_checks NAME: UDP's usage per month and the rows.
proto_checks() {
	local name=$1
	check_eq "$name: usage --monthly 'proto udp' = the UDP rows" \
		"$("$FT" usage --db "$DB" --monthly --format json "proto udp" | usage_total)" \
		"$(q "SELECT coalesce(sum(bytes_in + bytes_out), 0) FROM series_1m WHERE kind = 2 AND key = 17")"
}

if [ -d "$CORPUS" ]; then
	for f in $(corpus_files); do
		DB=$TMP/$f.db
		"$FT" ingest -q --db "$DB" "$CORPUS/$f" >/dev/null 2>&1 ||
			{ not_ok "$f: ingest failed"; continue; }
		host_checks "$f"
		net_checks "$f"
		app_checks "$f"
		proto_checks "$f"
		rm -f "$DB"*
	done
else
	skip "corpus not found at $CORPUS: filtered usage and series on real captures not run"
fi

# What the series cannot answer, on a store of the project's own capture.
DB=$TMP/long.db
long_flow_store "$DB"

# refused TITLE MESSAGE CMD...: CMD exits 2 and says MESSAGE.
refused() {
	local title=$1 msg=$2 rc
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" = 2 ] && grep -qF -- "$msg" "$TMP/err"; then
		ok "$title"
	else
		not_ok "$title: exit $rc, said: $(head -1 "$TMP/err")"
	fi
}

refused "usage refuses a port, at its column, and says what to use" \
	"filter: column 14: 'port' cannot be answered from the series (they keep no ports): use top or flows" \
	"$FT" usage --db "$DB" 'proto tcp or port 443'
refused "usage refuses primitives of two kinds" \
	"'host' reads hosts but 'app' at column 1 reads applications" \
	"$FT" usage --db "$DB" 'app TLS and host 10.0.0.1'
refused "series refuses src and dst: the series have no direction" \
	"'src' has no meaning in the series" \
	"$FT" series host --db "$DB" 'src net 10.0.0.0/8'
check_eq "a refused filter is one line, then the expression with a caret under the column" \
	"$("$FT" usage --db "$DB" 'host 10.0.0.1 and name x' 2>&1 >/dev/null)" \
	"flowtrail: usage: filter: column 19: 'name' cannot be answered from the series (they keep no names): use top or flows
  host 10.0.0.1 and name x
                    ^"
check "usage --by with a filter of another kind says why" \
	bash -c "'$FT' usage --db '$DB' --by host 'app TLS' 2>&1 | grep -q 'the filter reads applications, not hosts'"
check "series with a filter of another kind says why" \
	bash -c "'$FT' series asn --db '$DB' 'country DE' 2>&1 | grep -q 'the filter reads countries, not AS numbers'"
check "series host local is a filter, not a key" \
	bash -c "'$FT' series host local --db '$DB' --format csv | head -1 | grep -q '^time,'"
check "usage --by device takes a MAC filter" \
	bash -c "'$FT' usage --db '$DB' --by device 'vendor Apple' --format csv | head -1 | grep -q '^period,key'"
check_eq "usage 'iface file' = the interface's usage" \
	"$("$FT" usage --db "$DB" --format json 'iface file' | usage_total)" \
	"$("$FT" usage --db "$DB" --format json | usage_total)"
