#!/bin/bash
# t0502: `lut update` without a registry in reach (a network namespace): npm's cache at once, a quick clear failure without it, a silent registry given up after lut.fetch-timeout.
. "$(dirname "$0")/lib.sh"

if ! command -v npm >/dev/null 2>&1; then
	skip "$(basename "$0"): npm not installed (apt-get install npm)"
	exit 0
fi
if ! unshare -n true 2>/dev/null; then
	skip "$(basename "$0"): cannot make a network namespace (unshare -n needs root or user namespaces)"
	exit 0
fi
export FLOWTRAIL_LUT=$TMP/lut.bin
mkdir -p "$TMP/cache" "$TMP/npm-empty" "$TMP/probe"

# elapsed_s CMD...: run CMD (output in $TMP/out), set rc and secs.
elapsed_s() {
	local t0
	t0=$(date +%s)
	"$@" >"$TMP/out" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
}

# 1. An empty npm cache: a quick failure that names the package and the cache.
elapsed_s timeout 60 unshare -n env npm_config_cache="$TMP/npm-empty" "$FT" lut update --cache "$TMP/cache"
if [ "$rc" = 1 ] && grep -q "the npm registry .* is out of reach (" "$TMP/out" &&
	grep -q "cannot get @ip-location-db/asn: npm's cache holds no copy of it" "$TMP/out" && [ "$secs" -lt 30 ]; then
	ok "without network and with an empty npm cache lut update fails in $secs s, saying the registry is out of reach and the cache holds no copy"
else
	not_ok "without network and with an empty npm cache: exit $rc after $secs s (want 1, under 30 s): $(head -4 "$TMP/out")"
fi
check "and leaves no tables and nothing in the cache behind" test ! -e "$FLOWTRAIL_LUT" -a -z "$(ls -A "$TMP/cache")"

elapsed_s timeout 60 unshare -n env npm_config_cache="$TMP/npm-empty" "$FT" lut update --offline --cache "$TMP/cache"
if [ "$rc" = 1 ] && ! grep -q "out of reach" "$TMP/out" && grep -q "from its cache" "$TMP/out" &&
	grep -q "npm's cache holds no copy" "$TMP/out" && [ "$secs" -lt 30 ]; then
	ok "--offline goes to npm's cache without looking for the registry ($secs s)"
else
	not_ok "--offline with an empty npm cache: exit $rc after $secs s: $(head -4 "$TMP/out")"
fi

# 2. A registry that takes the connection and never answers: given up after --fetch-timeout.
if command -v python3 >/dev/null 2>&1 && python3 -c 'import socket' 2>/dev/null; then
	cat >"$TMP/silent.sh" <<'S'
ip link set lo up || exit 3
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
while True:
    held.append(s.accept())
' "$TMP/port" &
py=$!
for _ in $(seq 150); do [ -s "$TMP/port" ] && break; sleep 0.1; done
npm_config_registry="http://127.0.0.1:$(cat "$TMP/port")/" npm_config_cache="$TMP/npm-empty" \
	"$FT" lut update --fetch-timeout 3 --cache "$TMP/cache"
rc=$?
kill "$py"
exit $rc
S
	elapsed_s timeout 90 unshare -n env TMP="$TMP" FT="$FT" bash "$TMP/silent.sh"
	if [ "$rc" = 1 ] && grep -q "waiting for http://127.0.0.1:[0-9]*/, at most 3 s (lut.fetch-timeout)" "$TMP/out" &&
		grep -q "npm pack @ip-location-db/asn from http://127.0.0.1:[0-9]*/: no answer within 3 s; trying npm's cache" "$TMP/out" &&
		[ "$secs" -lt 30 ]; then
		ok "a registry that never answers is given up after --fetch-timeout 3 (exit 1 after $secs s), said before and after"
	else
		not_ok "a registry that never answers, --fetch-timeout 3: exit $rc after $secs s: $(head -5 "$TMP/out")"
	fi
else
	skip "python3 not installed: the silent-registry case is not checked"
fi
check "lut.fetch-timeout is a configuration key" sh -c "'$FT' config dump --set lut.fetch-timeout=7 | grep -q '^lut.fetch-timeout = 7\$'"
"$FT" lut update --fetch-timeout 0 >"$TMP/out" 2>&1
rc=$?
check_eq "--fetch-timeout 0 is a usage error naming the key" "$rc:$(grep -c 'lut.fetch-timeout' "$TMP/out")" "2:1"

# 3. A filled npm cache: the packages from it at once, the tables compiled.
if ! (cd "$TMP/probe" && timeout 60 unshare -n npm pack --offline --dry-run @ip-location-db/asn @ip-location-db/dbip-country) \
	>/dev/null 2>&1; then
	skip "npm's cache holds no @ip-location-db/asn and dbip-country (scripts/lut-fetch.sh --refresh with network fills it): the filled-cache case is not checked"
	exit 0
fi
elapsed_s timeout 150 unshare -n "$FT" lut update --cache "$TMP/cache"
if [ "$rc" = 0 ] && grep -q "out of reach .*taking the packages from npm's cache" "$TMP/out" &&
	grep -q "@ip-location-db/asn taken from npm's cache" "$TMP/out" && [ "$secs" -lt 90 ]; then
	ok "without network and with a filled npm cache lut update takes the packages from it at once ($secs s, compiling included)"
else
	not_ok "without network and with a filled npm cache: exit $rc after $secs s (want 0, under 90 s): $(grep -v '^reading\|^compiling' "$TMP/out" | head -5)"
fi
expect_line="^8.8.8.8: AS15169 Google LLC"
check "and the tables it compiled answer" sh -c "'$FT' lookup 8.8.8.8 | grep -q '$expect_line'"
check "and nothing is left in the cache directory" test -z "$(ls -A "$TMP/cache")"
