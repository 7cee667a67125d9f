#!/bin/sh
# add-user.sh: create the system user `flowtrail run` becomes (default flowtrail) when it is missing.
# Usage: add-user.sh [NAME [HOME]]. Idempotent; `make install` runs it as root without DESTDIR.
set -e
name=${1:-flowtrail}
home=${2:-/var/lib/flowtrail}
if getent passwd "$name" >/dev/null 2>&1; then
	exit 0
fi
shell=/usr/sbin/nologin
[ -x "$shell" ] || shell=/sbin/nologin
[ -x "$shell" ] || shell=/bin/false
if command -v useradd >/dev/null 2>&1; then
	useradd --system --user-group --no-create-home --home-dir "$home" \
		--shell "$shell" --comment "flowtrail run" "$name"
elif command -v adduser >/dev/null 2>&1; then
	# BusyBox (OpenWrt, Alpine)
	getent group "$name" >/dev/null 2>&1 || addgroup -S "$name"
	adduser -S -D -H -h "$home" -s "$shell" -G "$name" -g "flowtrail run" "$name"
else
	echo "add-user.sh: neither useradd nor adduser found: create the system user $name" \
		"yourself (flowtrail run falls back to nobody)" >&2
	exit 1
fi
echo "add-user.sh: created system user $name"
