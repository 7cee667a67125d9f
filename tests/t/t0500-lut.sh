#!/bin/bash
# t0500: lookup tables: `lut update --from` small CSVs, `lookup` answers, `lut info`, errors, and the real npm tables when fetched.
. "$(dirname "$0")/lib.sh"

if ! "$FT" lut --help >/dev/null 2>&1; then
	skip "$(basename "$0"): this build has no \`lut\` command yet (src/cli/main.c)"
	exit 0
fi
export FLOWTRAIL_LUT=$TMP/lut.bin
SRC=$TMP/src

# Small sources, laid out as npm unpacks them, with the quirks of the real ones.
mkdir -p "$SRC/asn/package" "$SRC/dbip-country/package"
cat >"$SRC/asn/package/package.json" <<'J'
{ "name": "@ip-location-db/asn", "version": "2.3.2025010100" }
J
printf '%s\r\n' '1.1.1.0,1.1.1.255,13335,"Cloudflare, Inc."' '8.8.8.0,8.8.8.255,15169,Google LLC' \
	'9.0.0.0,9.255.255.255,3356,"Level 3 Parent, LLC"' '9.9.9.0,9.9.9.255,19281,"Quad9 ""Nine"""' \
	>"$SRC/asn/package/asn-ipv4.csv"
cat >"$SRC/asn/package/asn-ipv6.csv" <<'C'
2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC
2001:4860:4860::,2001:4860:4860::ff,15169,Google LLC
2a00:1450:4001::80,2a00:1450:4001::ff,64512,Tiny Range
C
cat >"$SRC/dbip-country/package/dbip-country-ipv4.csv" <<'C'
1.1.1.0,1.1.1.255,AU
8.8.8.0,8.8.8.255,US
9.0.0.0,9.255.255.255,US
C
cat >"$SRC/dbip-country/package/dbip-country-ipv6.csv" <<'C'
2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,US
C
printf '# manuf\n3C:22:FB\tApple\tApple, Inc.\n00:55:DA\tBigCo\tBig Company\n00:55:DA:10:00:00/28\tKoolPOS\tKoolPOS Inc.\n00:00:13\tCamex\n' \
	>"$SRC/manuf"

# expect TITLE EXIT PATTERN CMD...: exit code and a stdout+stderr line matching PATTERN.
expect() {
	local title=$1 want=$2 pat=$3
	shift 3
	"$@" >"$TMP/out" 2>&1
	local rc=$?
	if [ "$rc" = "$want" ] && grep -q -- "$pat" "$TMP/out"; then
		ok "$title"
	else
		not_ok "$title: exit $rc (want $want), output: $(head -3 "$TMP/out")"
	fi
}

expect "lut update --from a directory compiles and counts the rows" 0 "MAC to vendor .*manuf .* 4 rows" \
	"$FT" lut update --from "$SRC"
check "the compiled file is in place and no temporary is left" test -s "$FLOWTRAIL_LUT" -a ! -e "$FLOWTRAIL_LUT.tmp"

expect "an IPv4 address gets its AS, organisation and country" 0 "^8.8.8.8: AS15169 Google LLC, country US$" \
	"$FT" lookup 8.8.8.8
expect "a quoted organisation keeps its comma" 0 "^1.1.1.1: AS13335 Cloudflare, Inc., country AU$" "$FT" lookup 1.1.1.1
expect "a doubled quote in an organisation becomes one" 0 'AS19281 Quad9 "Nine"' "$FT" lookup 9.9.9.9
expect "the outer range holds around a nested one" 0 "^9.10.0.1: AS3356 Level 3 Parent, LLC" "$FT" lookup 9.10.0.1
expect "an IPv6 address is looked up" 0 "^2001:4860:4860::8888: AS15169 Google LLC, country US$" \
	"$FT" lookup 2001:4860:4860::8888
expect "a range finer than a /48 is found" 0 "AS64512 Tiny Range" "$FT" lookup 2a00:1450:4001::80
expect "an address of no range says so" 0 "^5.5.5.5: unknown address" "$FT" lookup 5.5.5.5
expect "an RFC 1918 address is named private, with no ASN" 0 \
	"^10.1.2.3: private address (RFC 1918), no ASN$" "$FT" lookup 10.1.2.3
while read -r addr what; do
	expect "$addr is named: $what" 0 "^$addr: $what" "$FT" lookup "$addr"
done <<'L'
100.64.1.1 shared address space for carrier-grade NAT
127.0.0.1 loopback address
169.254.1.1 link-local address
192.168.1.1 private address
172.31.0.1 private address
224.0.0.251 multicast address
192.0.2.1 documentation address
198.51.100.7 documentation address
fe80::1 link-local address
fd12:3456::1 unique local address
ff02::1 multicast address
2001:db8::1 documentation address
::1 loopback address
L
expect "a MAC gets its vendor, short and long name" 0 "^3c:22:fb:12:34:56: Apple (Apple, Inc.)$" \
	"$FT" lookup 3c:22:fb:12:34:56
expect "a /28 registration beats its /24" 0 "KoolPOS (KoolPOS Inc.)" "$FT" lookup 00-55-DA-1A-BB-CC
expect "outside the /28 the /24 holds" 0 "BigCo (Big Company)" "$FT" lookup 0055.da20.0001
expect "a manuf line with only a short name is enough" 0 "^00:00:13:00:00:01: Camex$" "$FT" lookup 00:00:13:00:00:01
expect "a locally administered MAC says so" 0 "locally administered address" "$FT" lookup 02:11:22:33:44:55
expect "an OUI alone is looked up" 0 "^3C:22:FB: Apple" "$FT" lookup 3C:22:FB
if command -v jq >/dev/null 2>&1; then
	check_eq "--format json gives numbers and nulls" \
		"$("$FT" lookup --format json 8.8.8.8 10.0.0.1 | jq -c '[.[0].asn, .[0].country, .[1].asn]')" '[15169,"US",null]'
else
	skip "jq not installed: JSON output not checked"
fi
expect "--format csv has a header" 0 "^query,type,asn,org,country,vendor,vendor_long,note$" \
	"$FT" lookup --format csv 8.8.8.8

"$FT" lut info >"$TMP/info" 2>&1
check "lut info names the file" grep -q "^path      $FLOWTRAIL_LUT" "$TMP/info"
check "lut info shows the package version and its date" grep -q "@ip-location-db/asn *2.3.2025010100 *2025-01-01 *4$" "$TMP/info"
check "lut info credits DB-IP and RouteViews under CC BY 4.0" \
	grep -q "RouteViews (routeviews.org) and DB-IP (db-ip.com).*CC BY 4.0" "$TMP/info"
check "lut info credits DB-IP for countries" grep -q "IP to country: DB-IP (db-ip.com)" "$TMP/info"

# Errors: one clear line, the right exit code, the old file untouched.
cp "$FLOWTRAIL_LUT" "$TMP/before.bin"
expect "a missing compiled file says how to make one" 1 \
	"no lookup tables at $TMP/none.bin: run \`flowtrail lut update\`" "$FT" lookup --lut "$TMP/none.bin" 8.8.8.8
expect "lut info without tables says the same" 1 "no lookup tables at" env FLOWTRAIL_LUT="$TMP/none.bin" "$FT" lut info
expect "something that is no address is a usage error" 2 "'foo': not an IP address or a MAC address" "$FT" lookup foo
expect "nothing to look up is a usage error" 2 "nothing to look up" "$FT" lookup
expect "an unknown lut action is a usage error" 2 "expected \`lut update\`, \`lut info\` or \`lut lookup\`" \
	"$FT" lut frobnicate
expect "lut lookup is lookup" 0 "^8.8.8.8: AS15169 Google LLC, country US$" "$FT" lut lookup --lut "$FLOWTRAIL_LUT" 8.8.8.8
mkdir -p "$TMP/nocc"
cp "$SRC/asn/package/"*.csv "$SRC/manuf" "$TMP/nocc/"
expect "a directory without country CSVs names what is missing" 1 "has no dbip-country-ipv4.csv" \
	"$FT" lut update --from "$TMP/nocc"
cp -r "$SRC" "$TMP/bad"
echo "8.8.9.0,8.8.8.0,15169,Backwards" >>"$TMP/bad/asn/package/asn-ipv4.csv"
expect "a bad row is named by file and line" 1 "asn-ipv4.csv:5: range ends before it starts" \
	"$FT" lut update --from "$TMP/bad"
expect "--from a path that does not exist is named" 1 "no such directory or file" \
	"$FT" lut update --from "$TMP/nowhere"
mkdir -p "$TMP/bin"
for t in tar gzip; do ln -sf "$(command -v $t)" "$TMP/bin/$t"; done
expect "without npm the update says how to get the sources" 1 "npm not found" \
	env PATH="$TMP/bin" "$FT" lut update --cache "$TMP/cache"
check "after all these failures the old file is unchanged" cmp "$FLOWTRAIL_LUT" "$TMP/before.bin"
check "and no temporary file is left" test ! -e "$FLOWTRAIL_LUT.tmp"

tar -czf "$TMP/src.tgz" -C "$TMP" src
expect "lut update --from a tarball unpacks only what it needs" 0 "wrote $TMP/fromtgz.bin" \
	"$FT" lut update --from "$TMP/src.tgz" --lut "$TMP/fromtgz.bin" --cache "$TMP/cache"
expect "and answers the same" 0 "^8.8.8.8: AS15169 Google LLC, country US$" \
	"$FT" lookup --lut "$TMP/fromtgz.bin" 8.8.8.8
check "and cleans its unpack directory" test -z "$(ls -A "$TMP/cache")"

head -c 5000 "$FLOWTRAIL_LUT" >"$TMP/cut.bin"
expect "a truncated compiled file is refused" 1 "truncated or damaged" "$FT" lookup --lut "$TMP/cut.bin" 8.8.8.8

# The real tables, when scripts/lut-fetch.sh could fetch them.
REAL=${FLOWTRAIL_LUT_SRC:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/flowtrail/lut-src}
if [ ! -s "$REAL/asn/package/asn-ipv4.csv" ] || [ ! -s "$REAL/dbip-country/package/dbip-country-ipv6.csv" ]; then
	skip "real lookup tables not fetched (scripts/lut-fetch.sh needs npm and the npm registry)"
	exit 0
fi
export FLOWTRAIL_LUT=$TMP/real.bin
mkdir -p "$TMP/real"
ln -s "$REAL"/asn/package/asn-ipv*.csv "$REAL"/dbip-country/package/dbip-country-ipv*.csv "$TMP/real/"
if [ -r /usr/share/wireshark/manuf ]; then ln -s /usr/share/wireshark/manuf "$TMP/real/"; else cp "$SRC/manuf" "$TMP/real/"; fi
expect "the real npm tables compile" 0 "wrote $TMP/real.bin" "$FT" lut update --from "$TMP/real"
expect "8.8.8.8 is Google's AS15169 in the US" 0 "^8.8.8.8: AS15169 Google LLC, country US$" "$FT" lookup 8.8.8.8
expect "1.1.1.1 is Cloudflare's AS13335" 0 "^1.1.1.1: AS13335 Cloudflare, Inc." "$FT" lookup 1.1.1.1
expect "2001:4860:4860::8888 is AS15169" 0 "^2001:4860:4860::8888: AS15169 Google LLC" "$FT" lookup 2001:4860:4860::8888
size=$(stat -c %s "$TMP/real.bin")
srcs=$(cat "$TMP"/real/* | wc -c)
if [ $((size * 5)) -lt "$srcs" ]; then
	ok "the compiled file ($size bytes) is under a fifth of its sources ($srcs bytes)"
else
	not_ok "the compiled file ($size bytes) is not under a fifth of its sources ($srcs bytes)"
fi
