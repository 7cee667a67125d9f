#!/bin/sh
# lut-fetch.sh: fetch the ip-location-db CSVs with npm into a cache for `make run`/`make test`; never fails its caller.
#
# scripts/lut-fetch.sh [--refresh] [--compile]
#   DIR is $FLOWTRAIL_LUT_SRC, else ${XDG_CACHE_HOME:-~/.cache}/flowtrail/lut-src.
#   When DIR already holds the CSVs it does nothing (quick); --refresh fetches again.
#   --compile then runs `build/flowtrail lut update --from DIR` (the tables `run` uses).
#   Without npm or network it prints a warning and exits 0: tests that need the
#   real tables skip.
set -u
cd "$(dirname "$0")/.." || exit 0
DIR=${FLOWTRAIL_LUT_SRC:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/flowtrail/lut-src}
REFRESH=0 COMPILE=0
for a in "$@"; do
	case $a in
	--refresh) REFRESH=1 ;;
	--compile) COMPILE=1 ;;
	*) echo "usage: $0 [--refresh] [--compile]" >&2; exit 0 ;;
	esac
done

warn() { echo "lut-fetch.sh: warning: $*; tests that need the real lookup tables will skip" >&2; }

have_all() {
	for f in asn/package/asn-ipv4.csv asn/package/asn-ipv6.csv \
		dbip-country/package/dbip-country-ipv4.csv dbip-country/package/dbip-country-ipv6.csv; do
		[ -s "$DIR/$f" ] || return 1
	done
}

# unpack TGZ NAME: only NAME-ipv4.csv, NAME-ipv6.csv and package.json, into $tmp/NAME.
# The member names are ours, after --: nothing the archive holds becomes an argument
# (a member named --to-command=... would run as a command), and what comes out must
# be plain files (no links).
unpack() {
	mkdir -p "$tmp/$2" || return 1
	tar -xzf "$1" -C "$tmp/$2" --no-same-owner --no-same-permissions -- \
		"package/$2-ipv4.csv" "package/$2-ipv6.csv" package/package.json || return 1
	[ -z "$(find "$tmp/$2" ! -type f ! -type d)" ] || { echo "lut-fetch.sh: $1 holds links" >&2; return 1; }
}

fetch() {
	command -v npm >/dev/null 2>&1 || { warn "npm not found (apt-get install npm)"; return 1; }
	mkdir -p "$(dirname "$DIR")" || { warn "cannot create $(dirname "$DIR")"; return 1; }
	tmp=$(mktemp -d "$DIR.new.XXXXXX") || { warn "cannot create a directory next to $DIR"; return 1; }
	# Without a registry npm retries for minutes before it falls back to its cache:
	# bound it (FLOWTRAIL_LUT_FETCH_TIMEOUT seconds, 120) and then take the cache.
	wait_s=${FLOWTRAIL_LUT_FETCH_TIMEOUT:-120} bound=""
	command -v timeout >/dev/null 2>&1 && bound="timeout $wait_s"
	echo "lut-fetch.sh: fetching @ip-location-db/asn and @ip-location-db/dbip-country with npm (at most ${wait_s} s, then npm's cache)"
	# shellcheck disable=SC2086
	if ! (cd "$tmp" && { $bound npm pack --fetch-retries=1 --fetch-timeout=$((wait_s * 1000)) \
		@ip-location-db/asn @ip-location-db/dbip-country || $bound npm pack --offline \
		@ip-location-db/asn @ip-location-db/dbip-country; } \
		>npm.out 2>npm.err); then
		warn "npm pack failed (no network?): $(grep -m1 '^npm error [A-Z]' "$tmp/npm.err" | cut -c11-)"
		rm -rf "$tmp"
		return 1
	fi
	for p in asn dbip-country; do
		t=$(ls "$tmp"/ip-location-db-$p-[0-9]*.tgz 2>/dev/null | head -1)
		if [ -z "$t" ] || ! unpack "$t" "$p"; then
			warn "cannot unpack the $p package"
			rm -rf "$tmp"
			return 1
		fi
		rm -f "$t"
	done
	rm -f "$tmp/npm.out" "$tmp/npm.err"
	rm -rf "$DIR" && mv "$tmp" "$DIR"
}

if [ "$REFRESH" = 1 ] || ! have_all; then
	fetch || exit 0
fi
echo "lut-fetch.sh: lookup sources in $DIR"
if [ "$COMPILE" = 1 ]; then
	if build/flowtrail lut --help >/dev/null 2>&1; then
		build/flowtrail lut update -q --from "$DIR" && echo "lut-fetch.sh: tables compiled"
	else
		warn "build/flowtrail has no lut command yet"
	fi
fi
exit 0
