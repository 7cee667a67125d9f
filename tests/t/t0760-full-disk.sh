#!/bin/bash
# t0760: on a full disk (a small tmpfs, in a mount namespace of its own) reports read the
# store as before, and a writer that cannot create a new store leaves no file behind.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
	skip "a full disk: needs root and unshare to mount a small tmpfs"
	exit 0
fi
if [ -z "${FT_T0740_NS:-}" ]; then
	rm -rf "$TMP"
	FT_T0740_NS=1 exec unshare -m bash "$0"
fi
M=$TMP/m
mkdir "$M"
if ! mount -t tmpfs -o size=4m tmpfs "$M" 2>/dev/null; then
	skip "a full disk: cannot mount a tmpfs here"
	exit 0
fi
trap 'umount "$M"; rm -rf "$TMP"' EXIT

DB=$M/s.db
"$FT_HELPER" pcap "$TMP/long.pcap" "$FT_ROOT/tests/golden/cases/long-flow-deltas.script"
"$FT" ingest -q --db "$DB" "$TMP/long.pcap" >/dev/null 2>&1
reports() {
	"$FT" flows --db "$1" --format csv 2>&1
	"$FT" top --db "$1" --by app --format csv 2>&1
	"$FT" series --db "$1" iface --step 1m --format csv 2>&1
	"$FT" usage --db "$1" --daily --format csv 2>&1
}
# The expected reports come from a copy: a reader of the store itself would leave its
# -shm index behind, and a missing index is what a full disk stops a reader making.
cp "$DB" "$TMP/copy.db"
before=$(reports "$TMP/copy.db")
check_eq "the writer left no -wal or -shm file" "$(ls "$M")" s.db
check "the reports work before the disk fills" test -n "$before"
dd if=/dev/zero of="$M/fill" bs=4k >/dev/null 2>&1
check_eq "the disk is full" "$(df --output=avail "$M" | tail -n 1 | tr -d ' ')" 0
check_eq "every report reads the store on a full disk as before" "$(reports "$DB")" "$before"

"$FT" ingest -q --db "$M/new.db" "$TMP/long.pcap" >/dev/null 2>"$TMP/err"
check_eq "creating a store on a full disk fails (exit 1)" "$?" 1
check "with a line saying the disk is full" grep -q "is the disk full" "$TMP/err"
check_eq "and leaves no store file behind" "$(ls "$M" | grep -c '^new\.db')" 0
check_eq "a report of that path says there is no store" \
	"$("$FT" flows --db "$M/new.db" 2>&1 | grep -c 'no store at')" 1
