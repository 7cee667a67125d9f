#!/bin/bash
# t0501: `lut update --from FILE.tgz` refuses hostile archives (option-like names, .., absolute paths, links, huge members, a gzip bomb) with one line, runs nothing, writes nothing outside, keeps the old tables.
. "$(dirname "$0")/lib.sh"

if ! tar --version 2>/dev/null | grep -q 'GNU tar'; then
	skip "$(basename "$0"): GNU tar is needed to build the hostile archives (--transform, -P, -S)"
	exit 0
fi
export FLOWTRAIL_LUT=$TMP/lut.bin
SRC=$TMP/w/src
mkdir -p "$SRC/asn/package" "$SRC/dbip-country/package" "$TMP/cache"
echo '{ "name": "@ip-location-db/asn", "version": "2.3.2025010100" }' >"$SRC/asn/package/package.json"
echo '8.8.8.0,8.8.8.255,15169,Google LLC' >"$SRC/asn/package/asn-ipv4.csv"
echo '2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC' >"$SRC/asn/package/asn-ipv6.csv"
echo '8.8.8.0,8.8.8.255,US' >"$SRC/dbip-country/package/dbip-country-ipv4.csv"
echo '2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,US' >"$SRC/dbip-country/package/dbip-country-ipv6.csv"
printf '3C:22:FB\tApple\tApple, Inc.\n' >"$SRC/manuf"

tar -czf "$TMP/good.tgz" -C "$TMP/w" src
if "$FT" lut update -q --from "$TMP/good.tgz" --cache "$TMP/cache" >"$TMP/out" 2>&1 &&
	"$FT" lookup 8.8.8.8 | grep -q "AS15169 Google LLC, country US"; then
	ok "a plain tarball of the sources compiles"
else
	not_ok "a plain tarball of the sources compiles: $(head -3 "$TMP/out")"
fi
cp "$FLOWTRAIL_LUT" "$TMP/before.bin"

A=$SRC/asn/package/asn-ipv4.csv
P=src/asn/package
# The hostile archives: NAME and how tar makes it (from $TMP/w, holding src/).
mk() {
	local name=$1
	shift
	(cd "$TMP/w" && tar "$@") >"$TMP/tar.out" 2>&1 || echo "    (tar for $name: $(head -1 "$TMP/tar.out"))"
}
mk option -czf "$TMP/option.tgz" --transform "s|^$P/package.json\$|--to-command=touch $TMP/PWNED #/package.json|" src
mk dotdot -czPf "$TMP/dotdot.tgz" --transform "s|^$P/asn-ipv4.csv\$|../../escape/asn-ipv4.csv|" src
mk absolute -czPf "$TMP/absolute.tgz" --transform "s|^$P/asn-ipv4.csv\$|$TMP/abs/asn-ipv4.csv|" src
mkdir -p "$TMP/l" && cp -r "$SRC" "$TMP/l/" && rm "$TMP/l/src/asn/package/asn-ipv4.csv"
ln -s /etc "$TMP/l/src/asn/package/etc" && ln -s /etc/passwd "$TMP/l/src/asn/package/asn-ipv4.csv"
(cd "$TMP/l" && tar -czf "$TMP/symlink.tgz" src)
mkdir -p "$TMP/h" && cp -r "$SRC" "$TMP/h/" && ln "$TMP/h/src/asn/package/asn-ipv4.csv" "$TMP/h/src/asn/package/asn-ipv6.csv.x"
(cd "$TMP/h" && tar -czf "$TMP/hardlink.tgz" src)
mkdir -p "$TMP/u" && cp -r "$SRC" "$TMP/u/" && truncate -s 20G "$TMP/u/src/asn/package/asn-ipv6.csv"
(cd "$TMP/u" && tar -czSf "$TMP/huge.tgz" src)
mkdir -p "$TMP/b" && cp -r "$SRC" "$TMP/b/" && head -c 100M /dev/zero >"$TMP/b/src/asn/package/asn-ipv6.csv"
(cd "$TMP/b" && tar -czf "$TMP/bomb.tgz" src) && rm -rf "$TMP/b"

# refused NAME WHAT: one line saying WHAT, exit 1, nothing run or written, old tables kept.
refused() {
	local name=$1 what=$2 rc
	"$FT" lut update --from "$TMP/$name.tgz" --cache "$TMP/cache" >"$TMP/out" 2>&1
	rc=$?
	if [ "$rc" = 1 ] && [ "$(wc -l <"$TMP/out")" = 1 ] && grep -q -- "$what.*refused; $FLOWTRAIL_LUT is unchanged" "$TMP/out"; then
		ok "the $name archive is refused with one line: $(cut -c1-90 "$TMP/out")..."
	else
		not_ok "the $name archive is refused with one line saying '$what': exit $rc, $(head -3 "$TMP/out")"
	fi
	if [ -e "$TMP/PWNED" ] || [ -e "$TMP/escape" ] || [ -e "$TMP/abs" ] || [ -n "$(ls -A "$TMP/cache")" ] ||
		! cmp -s "$FLOWTRAIL_LUT" "$TMP/before.bin"; then
		not_ok "after the $name archive: a command ran, a file landed outside, or the tables changed: $(ls -A "$TMP" "$TMP/cache" | tr '\n' ' ')"
	else
		ok "after the $name archive nothing ran, nothing is left in the cache and the old tables are unchanged"
	fi
}
refused option "member '--to-command=touch .*looks like an option"
refused dotdot "member '../../escape/asn-ipv4.csv': a path that leaves the archive"
refused absolute "member '$TMP/abs/asn-ipv4.csv': an absolute path"
refused symlink "a symbolic link"
refused hardlink "a hard link"
refused huge "member 'src/asn/package/asn-ipv6.csv': 21474836480 bytes, more than"
start=$(date +%s%N)
refused bomb "unpacks to more than 64 times its packed size"
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$ms" -lt 5000 ]; then
	ok "the gzip bomb (100 MiB in $(stat -c %s "$TMP/bomb.tgz") bytes) is refused in $ms ms, without unpacking it"
else
	not_ok "the gzip bomb took $ms ms to refuse"
fi
printf 'not a tarball\n' >"$TMP/junk.tgz"
expect_rc=0
"$FT" lut update --from "$TMP/junk.tgz" --cache "$TMP/cache" >"$TMP/out" 2>&1 || expect_rc=$?
if [ "$expect_rc" = 1 ] && grep -q "junk.tgz: not a tar or gzip'ed tar file" "$TMP/out"; then
	ok "a file that is no archive is named as such"
else
	not_ok "a file that is no archive: exit $expect_rc, $(head -2 "$TMP/out")"
fi
