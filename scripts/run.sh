#!/bin/sh
# run.sh: what `make run` starts: flowtrail on the default-route interface, store in the default place.
set -eu
cd "$(dirname "$0")/.."
BIN=build/flowtrail
IFACE=${IFACE:-$(awk '$2 == "00000000" && $4 ~ /3$|1$/ { print $1; exit }' /proc/net/route)}
if [ -z "$IFACE" ]; then
	echo "run.sh: no default route; set IFACE=name" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then
	SUDO=sudo
fi
echo "run.sh: capturing on $IFACE; Ctrl-C stops and writes every open flow."
echo "run.sh: afterwards try: $BIN flows --limit 20   and   $BIN top --by app"
exec $SUDO "$BIN" run -i "$IFACE" ${FLOWTRAIL_ARGS:-}
