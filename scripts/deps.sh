#!/bin/sh
# deps.sh: install the Debian packages flowtrail needs to build and test, only those missing.
set -eu

PKGS="build-essential pkg-config clang libclang-rt-14-dev libpcap-dev libsqlite3-dev libarchive-dev libndpi-dev sqlite3 jq iproute2 tcpreplay libwireshark-data ieee-data graphviz libndpi-bin python3"
PKGS="$PKGS nftables"	# tests/t/t0150-nflog-live.sh: a firewall rule that logs to NFLOG
PKGS="$PKGS clang-format"	# make format-check (scripts/format-check.sh), scripts/format.sh

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
# clang and libclang-rt-14-dev build the libFuzzer targets (make fuzz).
# npm fetches the IP-to-ASN/country tables (scripts/lut-fetch.sh); any npm will do.
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "deps.sh: need root to install:$missing" >&2
		exit 1
	fi
fi
echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
