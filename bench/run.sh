#!/usr/bin/env bash
# run.sh: flowtrail's file-ingest rate and memory against its peers, on one generated capture.
#
# Usage: bench/run.sh [--quick]
#   --quick  1M packets over 50k flows instead of 20M over 1M
# Environment:
#   BENCH_PACKETS   packets to generate (default 20000000, --quick 1000000)
#   BENCH_FLOWS     concurrent flows (default 1000000, --quick 50000)
#   BENCH_DIR       work folder, keeps the capture between runs
#                   (default /tmp/flowtrail-bench)
#   BENCH_SEED      generator seed (default 1)
#   BENCH_GEN_OPTS  extra bench/gen options, e.g. "--ipv6-share 0.5"
#   BENCH_TOOLS     which rows to run (default: all of
#                   "pcapread softflowd ndpireader flowtrail flowtrail-nondpi")
# Each tool reads the same file, already in the page cache; wall seconds and
# peak RSS come from /usr/bin/time.  A tool that is missing is skipped with a
# message.  Figures are printed, never judged: see bench/README.md.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
quick=0
for arg in "$@"; do
	case $arg in
	--quick) quick=1 ;;
	-h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument '$arg' (expected --quick)" >&2; exit 2 ;;
	esac
done
if [ $quick = 1 ]; then
	def_packets=1000000 def_flows=50000
else
	def_packets=20000000 def_flows=1000000
fi
PACKETS=${BENCH_PACKETS:-$def_packets}
FLOWS=${BENCH_FLOWS:-$def_flows}
DIR=${BENCH_DIR:-/tmp/flowtrail-bench}
SEED=${BENCH_SEED:-1}
GEN_OPTS=${BENCH_GEN_OPTS:-}
TOOLS=${BENCH_TOOLS:-pcapread softflowd ndpireader flowtrail flowtrail-nondpi}
for v in PACKETS FLOWS SEED; do
	case ${!v} in
	''|*[!0-9]*) echo "run.sh: BENCH_$v='${!v}' is not a whole number" >&2
		exit 2 ;;
	esac
done

die() { echo "run.sh: $*" >&2; exit 1; }
note() { echo "run.sh: $*" >&2; }

# Installs the Debian packages of missing peers; a failure only skips them.
install_missing() {
	local pkgs=()
	command -v softflowd >/dev/null 2>&1 || pkgs+=(softflowd)
	command -v ndpiReader >/dev/null 2>&1 || pkgs+=(libndpi-bin)
	[ -x /usr/bin/time ] || pkgs+=(time)
	[ ${#pkgs[@]} = 0 ] && return 0
	command -v apt-get >/dev/null 2>&1 || {
		note "apt-get not found; cannot install ${pkgs[*]}"; return 0; }
	local sudo=
	[ "$(id -u)" = 0 ] || sudo="sudo -n"
	note "installing ${pkgs[*]}"
	$sudo apt-get update -qq >/dev/null 2>&1
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	    "${pkgs[@]}" >/dev/null 2>&1 || note "could not install ${pkgs[*]}"
}

install_missing
[ -x /usr/bin/time ] || die "/usr/bin/time is needed for peak RSS (apt-get install time)"
mkdir -p "$DIR" || die "cannot create $DIR"

# Only our two targets: others build the rest of the tree.
make -s -C "$ROOT" build/bench/gen build/bench/pcapread >&2 ||
	die "building build/bench/gen and build/bench/pcapread failed"
GEN=$ROOT/build/bench/gen
PCAPREAD=$ROOT/build/bench/pcapread
FT=$ROOT/build/flowtrail
# The flow table is sized for the concurrent flows plus those lingering in
# their timeouts, as softflowd gets -m; evictions still count if it fills.
FT_MAX_FLOWS=${FT_MAX_FLOWS:-$((FLOWS * 5 / 4))}

tag=$(printf '%s' "$GEN_OPTS" | tr -c 'A-Za-z0-9.=-' '_')
FILE=$DIR/gen-p$PACKETS-f$FLOWS-s$SEED${tag:+-$tag}.pcap
# The capture is kept between runs; a rebuilt generator makes a new one.
if [ ! -s "$FILE" ] || [ "$GEN" -nt "$FILE" ]; then
	need_kb=$((PACKETS * 540 / 1024))
	free_kb=$(df -Pk "$DIR" | awk 'NR == 2 { print $4 }')
	[ "$free_kb" -gt "$need_kb" ] ||
		die "$DIR has ${free_kb} KiB free, the capture needs about ${need_kb} KiB"
	note "generating $FILE"
	# shellcheck disable=SC2086 # GEN_OPTS is a list of options
	"$GEN" --packets "$PACKETS" --flows "$FLOWS" --seed "$SEED" $GEN_OPTS \
	    -o "$FILE.tmp" 2> "$FILE.gen.log" || {
		cat "$FILE.gen.log" >&2; rm -f "$FILE.tmp"; die "generation failed"; }
	mv "$FILE.tmp" "$FILE"
fi
cat "$FILE.gen.log" >&2 2>/dev/null
# Into the page cache once, so every tool reads from memory alike.
cat "$FILE" > /dev/null

names=() secs=() rss=() cmds=() notes=()

# run NAME CMD...: one timed run; a row of the table.
run() {
	local name=$1 t rc
	shift
	rm -f "$DIR/ft.db" "$DIR/ft.db-wal" "$DIR/ft.db-shm"
	note "running $name: $*"
	/usr/bin/time -f '%e %M' -o "$DIR/$name.time" "$@" \
	    > "$DIR/$name.log" 2>&1
	rc=$?
	t=$(tail -n 1 "$DIR/$name.time")
	names+=("$name") cmds+=("$*")
	secs+=("${t% *}") rss+=("${t#* }")
	if [ $rc = 0 ]; then
		notes+=("")
	else
		notes+=("exit $rc, see $DIR/$name.log")
	fi
}

skip() {
	names+=("$1") cmds+=("-") secs+=("-") rss+=("-") notes+=("skipped: $2")
	note "skipping $1: $2"
}

for tool in $TOOLS; do
	case $tool in
	pcapread)
		run pcapread "$PCAPREAD" "$FILE" ;;
	softflowd)
		if command -v softflowd >/dev/null 2>&1; then
			# -c none: with a control socket, 1.1.0 blocks in
			# accept() when reading a file.  File mode expires
			# only on a full table, so -m is the concurrent set.
			run softflowd softflowd -d -c none -r "$FILE" \
			    -n 127.0.0.1:9 -v 9 -m "$FLOWS" \
			    -p "$DIR/softflowd.pid"
		else
			skip softflowd "softflowd not installed"
		fi ;;
	ndpireader)
		if command -v ndpiReader >/dev/null 2>&1; then
			run ndpireader ndpiReader -i "$FILE" -q
		else
			skip ndpireader "ndpiReader not installed (libndpi-bin)"
		fi ;;
	flowtrail)
		if [ -x "$FT" ]; then
			run flowtrail "$FT" ingest --set flow.max-flows=$FT_MAX_FLOWS \
			    --db "$DIR/ft.db" "$FILE"
		else
			skip flowtrail "$FT not built (run make first)"
		fi ;;
	flowtrail-nondpi)
		if [ -x "$FT" ]; then
			run flowtrail-nondpi "$FT" ingest \
			    --set classify.enabled=false --set flow.max-flows=$FT_MAX_FLOWS \
			    --db "$DIR/ft.db" "$FILE"
		else
			skip flowtrail-nondpi "$FT not built (run make first)"
		fi ;;
	*)
		die "unknown tool '$tool' in BENCH_TOOLS" ;;
	esac
done
rm -f "$DIR/ft.db" "$DIR/ft.db-wal" "$DIR/ft.db-shm"

mem_kb=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo
echo "flowtrail bench: $PACKETS packets over $FLOWS concurrent flows, seed $SEED${GEN_OPTS:+, $GEN_OPTS}"
echo "file: $FILE ($(du -h "$FILE" | cut -f1), in page cache)"
echo "machine: $(nproc) cores, $cpu, $((mem_kb / 1024)) MiB, $(uname -r)"
echo
printf '%-18s %10s %9s %7s %13s  %s\n' tool packets seconds Mpps "peak RSS MiB" note
for i in "${!names[@]}"; do
	if [ "${secs[$i]}" = - ]; then
		printf '%-18s %10s %9s %7s %13s  %s\n' "${names[$i]}" - - - - \
		    "${notes[$i]}"
		continue
	fi
	awk -v n="${names[$i]}" -v p="$PACKETS" -v s="${secs[$i]}" \
	    -v r="${rss[$i]}" -v note="${notes[$i]}" 'BEGIN {
		printf "%-18s %10d %9.2f %7.3f %13.1f  %s\n", n, p, s,
		    (s > 0 ? p / s / 1e6 : 0), r / 1024, note }'
done
echo
echo "commands:"
for i in "${!names[@]}"; do
	[ "${cmds[$i]}" = - ] || echo "  ${names[$i]}: ${cmds[$i]}"
done
