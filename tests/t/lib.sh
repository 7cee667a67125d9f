# lib.sh: helpers for the shell tests; source it first. Prints "ok - ", "not ok - ", "skip - " lines.
set -u
FT_ROOT=${FT_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FT_BUILD=${FT_BUILD:-$FT_ROOT/build}
FT=$FT_BUILD/flowtrail
FT_HELPER=$FT_BUILD/tests/ft-helper
CORPUS=${CORPUS:-$FT_ROOT/../shared/corpus}
TMP=$(mktemp -d /tmp/ft-t.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export FLOWTRAIL_DB=$TMP/default.db
# Tests see no lookup tables unless they make or name some: outputs stay the same
# whether or not `make run` compiled the real ones on this machine.
export FLOWTRAIL_LUT=$TMP/no-lookup-tables.bin
export TZ=UTC
# `run` as root stays root in the tests (their stores sit in $TMP among other files);
# t0740 tests what it becomes otherwise.
export FLOWTRAIL_USER=root

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
skip() { echo "skip - $*"; }

# check TITLE CMD...: ok when CMD exits 0.
check() {
	local title=$1
	shift
	if "$@" >"$TMP/check.out" 2>&1; then
		ok "$title"
	else
		not_ok "$title"
		sed 's/^/    /' "$TMP/check.out" | head -20
	fi
}

# check_eq TITLE GOT EXPECTED
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1: got '$2', expected '$3'"
	fi
}

# need_corpus: skip the whole test (one skip line) when ../shared/corpus is absent.
need_corpus() {
	if [ ! -f "$CORPUS/REFERENCE.json" ]; then
		skip "$(basename "$0"): reference corpus not found at $CORPUS"
		exit 0
	fi
}

# corpus_files: the capture files of the corpus, sorted.
corpus_files() {
	ls "$CORPUS" | grep -E '\.(pcap|pcapng)$' | sort
}

# long_flow_store DB: ingest into DB the project's capture of a 200 s download, one
# 1500-byte packet a second from 3000.001 s (tests/golden/cases/long-flow-deltas.script).
long_flow_store() {
	"$FT_HELPER" pcap "$TMP/long.pcap" "$FT_ROOT/tests/golden/cases/long-flow-deltas.script" &&
		"$FT" ingest -q --db "$1" "$TMP/long.pcap" >/dev/null 2>&1
}

# netns_veth TAG [NET]: a network namespace ft-TAG-PID joined to this one by a veth pair
# ($V0 here, $V1 inside; with NET, three octets such as 10.213.0, they get NET.1 and NET.2).
# Sets NS, V0 and V1; on exit kills $RUN_PID and removes the pair, the namespace and $TMP
# (kept with KEEP_TMP set). Skips the whole test when no namespace can be made here.
netns_veth() {
	NS=ft-$1-$$
	V0=${1:0:6}0-$$ V1=${1:0:6}1-$$
	V0=${V0:0:15} V1=${V1:0:15}
	trap netns_cleanup EXIT
	if ! ip netns add "$NS" 2>/dev/null; then
		skip "$(basename "$0"): cannot create a network namespace here"
		exit 0
	fi
	ip link add "$V0" type veth peer name "$V1"
	ip link set "$V1" netns "$NS"
	if [ -n "${2:-}" ]; then
		ip addr add "$2.1/24" dev "$V0"
		ip netns exec "$NS" ip addr add "$2.2/24" dev "$V1"
	fi
	ip link set "$V0" up
	ip netns exec "$NS" ip link set "$V1" up
}

netns_cleanup() {
	[ -n "${RUN_PID:-}" ] && { kill "$RUN_PID" && wait "$RUN_PID"; } 2>/dev/null
	ip link del "$V0" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
