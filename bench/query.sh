#!/usr/bin/env bash
# query.sh: top-N, map and rollup reports over day-long generated stores, against plain sqlite3 and nfdump.
#
# Usage: bench/query.sh [--quick]
#   --quick  only the 1M-record store
# Environment:
#   BENCH_DIR       work folder, keeps captures, stores and nfcapd files between runs
#                   (default /tmp/flowtrail-bench)
#   BENCH_STORES    stores to make and query, NAME:PPS each, PPS the capture's packets/s
#                   of packet time (default "1m:11 10m:200", --quick "1m:11")
#   BENCH_FLOWS     concurrent flows of bench/gen (default 50000: 500 client devices)
#   BENCH_SECONDS   packet time each capture spans (default 86400, a day)
#   BENCH_SNAPLEN   bytes kept of each frame (default 96; wire lengths stay whole)
#   BENCH_SEED      generator seed (default 1)
#   BENCH_NET       IPv4 client subnet of the filtered questions (default 10.0.1.0/24)
#   BENCH_RUNS      timed runs of each question after one warm run; the best is
#                   kept (default 3)
#   BENCH_NFPCAPD_E nfpcapd's -e active,inactive seconds (default 60,300: flowtrail's
#                   active and TCP idle timeouts)
# Every question runs on files already in the page cache, one at a time.
# Figures are printed, never judged: see bench/README.md.
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
quick=0
for arg in "$@"; do
	case $arg in
	--quick) quick=1 ;;
	-h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "query.sh: unknown argument '$arg' (expected --quick)" >&2; exit 2 ;;
	esac
done
if [ $quick = 1 ]; then
	def_stores="1m:11"
else
	def_stores="1m:11 10m:200"
fi
DIR=${BENCH_DIR:-/tmp/flowtrail-bench}
STORES=${BENCH_STORES:-$def_stores}
FLOWS=${BENCH_FLOWS:-50000}
SECONDS_SPAN=${BENCH_SECONDS:-86400}
SNAPLEN=${BENCH_SNAPLEN:-96}
SEED=${BENCH_SEED:-1}
NET=${BENCH_NET:-10.0.1.0/24}
RUNS=${BENCH_RUNS:-3}
NFE=${BENCH_NFPCAPD_E:-60,300}
for v in FLOWS SECONDS_SPAN SNAPLEN SEED RUNS; do
	case ${!v} in
	''|*[!0-9]*) echo "query.sh: BENCH_${v%_SPAN}='${!v}' is not a whole number" >&2
		exit 2 ;;
	esac
done

die() { echo "query.sh: $*" >&2; exit 1; }
note() { echo "query.sh: $*" >&2; }

# The first and last address of an IPv4 CIDR as SQL blob literals, for the
# plain-SQL question: "X'0A000100' X'0A0001FF'".
net_blobs() {
	local ip=${1%/*} len=${1#*/} a b c d n lo hi
	IFS=. read -r a b c d <<< "$ip"
	for n in "$a" "$b" "$c" "$d" "$len"; do
		case $n in ''|*[!0-9]*) return 1 ;; esac
	done
	[ "$len" -le 32 ] && [ "$a" -le 255 ] && [ "$b" -le 255 ] &&
	    [ "$c" -le 255 ] && [ "$d" -le 255 ] || return 1
	n=$(( (a << 24) | (b << 16) | (c << 8) | d ))
	lo=$(( n & ~((1 << (32 - len)) - 1) & 0xffffffff ))
	hi=$(( lo | ((1 << (32 - len)) - 1) ))
	printf "X'%08X' X'%08X'\n" "$lo" "$hi"
}
read -r NET_LO NET_HI <<< "$(net_blobs "$NET")" ||
	die "BENCH_NET='$NET' is not an IPv4 CIDR like 10.0.1.0/24"
[ -n "${NET_HI:-}" ] || die "BENCH_NET='$NET' is not an IPv4 CIDR like 10.0.1.0/24"

for t in sqlite3 nfdump nfpcapd; do
	command -v $t >/dev/null 2>&1 ||
		die "$t not found (Debian: apt-get install sqlite3 nfdump)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
mkdir -p "$DIR" || die "cannot create $DIR"
make -s -C "$ROOT" build/flowtrail build/bench/gen >&2 ||
	die "building build/flowtrail and build/bench/gen failed"
FT=$ROOT/build/flowtrail
GEN=$ROOT/build/bench/gen

# Rows of the table.
t_store=() t_q=() t_tool=() t_rows=() t_secs=() t_cpu=() t_note=()
cmds=() checks=()

# timeit OUT CMD...: one warm run, then RUNS timed runs with stdout in OUT.
# Sets best (wall seconds of the fastest run, from bash's EPOCHREALTIME)
# and best_cpu (user + system seconds of that run, /usr/bin/time), or
# best=- and fail="exit N" when the command failed.
timeit() {
	local out=$1 i t0 t1 s u y rc
	shift
	best=- best_cpu=- fail=
	"$@" > "$out" 2> "$out.err"
	rc=$?
	if [ $rc != 0 ]; then
		fail="exit $rc, see $out.err"
		return
	fi
	for i in $(seq "$RUNS"); do
		t0=$EPOCHREALTIME
		/usr/bin/time -f '%U %S' -o "$DIR/cpu.time" "$@" > "$out" \
		    2> "$out.err"
		t1=$EPOCHREALTIME
		read -r u y < <(tail -n 1 "$DIR/cpu.time")
		s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
		if [ "$best" = - ] || awk -v s="$s" -v b="$best" \
		    'BEGIN { exit !(s < b) }'; then
			best=$s
			best_cpu=$(awk -v u="$u" -v y="$y" \
			    'BEGIN { printf "%.2f", u + y }')
		fi
	done
}

# row STORE QUESTION TOOL ROWS NOTE: the last timeit as a row.
row() {
	t_store+=("$1") t_q+=("$2") t_tool+=("$3") t_rows+=("$4")
	t_secs+=("$best") t_cpu+=("$best_cpu")
	if [ -n "$fail" ]; then
		t_note+=("$fail")
	else
		t_note+=("$5")
	fi
}

# make_store NAME PPS: the capture, the store and the nfcapd files of one
# store; each is kept and made again only when what it comes from is newer.
make_store() {
	local name=$1 pps=$2 packets pcap db nf
	packets=$((pps * SECONDS_SPAN))
	pcap=$DIR/day-$name-p$pps-f$FLOWS-s$SEED-c$SNAPLEN.pcap
	db=$DIR/day-$name.db
	nf=$DIR/day-$name.nfcapd
	if [ ! -s "$pcap" ] || [ "$GEN" -nt "$pcap" ]; then
		note "generating $pcap ($packets packets at $pps/s)"
		"$GEN" --packets "$packets" --flows "$FLOWS" --pps "$pps" \
		    --seed "$SEED" --snaplen "$SNAPLEN" -o "$pcap.tmp" \
		    2> "$pcap.gen.log" || {
			cat "$pcap.gen.log" >&2; rm -f "$pcap.tmp"
			die "generation failed"; }
		mv "$pcap.tmp" "$pcap"
	fi
	if [ ! -s "$db" ] || [ "$pcap" -nt "$db" ] || [ "$FT" -nt "$db" ]; then
		note "ingesting into $db"
		rm -f "$db" "$db-wal" "$db-shm" "$db.info"
		/usr/bin/time -f '%e' -o "$db.time" "$FT" ingest --db "$db" \
		    "$pcap" > "$db.log" 2>&1 || {
			cat "$db.log" >&2; die "ingest into $db failed"; }
		sqlite3 -readonly "$db" "SELECT count(*),
		    (SELECT count(*) FROM (SELECT DISTINCT run, flow FROM flows))
		    FROM flows" > "$db.info" || die "cannot count $db"
	fi
	if [ ! -d "$nf" ] || [ "$pcap" -nt "$nf" ]; then
		note "converting $pcap to nfcapd files with nfpcapd"
		rm -rf "$nf" && mkdir -p "$nf"
		/usr/bin/time -f '%e' -o "$nf.time" nfpcapd -r "$pcap" -w "$nf" \
		    -e "$NFE" -t 300 > "$nf.log" 2>&1 || {
			tail "$nf.log" >&2; rm -rf "$nf"; die "nfpcapd failed"; }
		touch "$nf"
	fi
	cat "$db" "$db-wal" "$nf"/* > /dev/null 2>&1
}

# One store: every question, each tool.
bench_store() {
	local name=$1 pps=$2 pcap db nf n_rec n_flows n_nf nf_rate sql_f sql_a
	local o=$DIR/out-$name
	db=$DIR/day-$name.db
	nf=$DIR/day-$name.nfcapd
	read -r n_rec n_flows < <(tr '|' ' ' < "$db.info")
	n_nf=$(nfdump -R "$nf" -I | awk '$1 == "Flows:" { print $2 }')
	pcap=$DIR/day-$name-p$pps-f$FLOWS-s$SEED-c$SNAPLEN.pcap
	info+=("$name: $(sed -n 's/^gen: \([0-9]*\) packets.* \([0-9]*\) flows started.*/\1 packets at '"$pps"'\/s over '"$SECONDS_SPAN"' s, \2 flows started by gen/p' \
	    "$pcap.gen.log"); capture $(du -h "$pcap" | cut -f1)")
	info+=("  flowtrail store: $n_rec records of $n_flows flows, \
$(du -h "$db" | cut -f1), ingest $(cat "$db.time") s \
($(grep -o '[0-9,]* evicted)' "$db.log" | head -1 | tr -d ')'))")
	info+=("  nfcapd files: $n_nf records (one per direction), \
$(find "$nf" -type f | wc -l) files, $(du -sh "$nf" | cut -f1), nfpcapd $(cat "$nf.time") s")

	sql_f="SELECT proto, sport, sum(bytes_cs + bytes_sc) AS bytes,
	    sum(pkts_cs + pkts_sc), sum(bytes_cs), sum(bytes_sc) FROM flows
	    WHERE length(cli) = 4 AND cli BETWEEN $NET_LO AND $NET_HI
	    GROUP BY proto, sport ORDER BY bytes DESC, proto, sport LIMIT 10"
	sql_b="SELECT sum(bytes_cs + bytes_sc) AS bytes, sum(pkts_cs + pkts_sc)
	    FROM flows GROUP BY run, flow ORDER BY bytes DESC LIMIT 10"
	sql_a="SELECT proto, sport, sum(bytes_cs + bytes_sc) AS bytes,
	    sum(pkts_cs + pkts_sc), sum(bytes_cs), sum(bytes_sc) FROM flows
	    GROUP BY proto, sport ORDER BY bytes DESC, proto, sport LIMIT 10"

	note "$name: top --by dst-port, src net $NET"
	timeit "$o.ft-top-net" "$FT" top --db "$db" --by dst-port \
	    "src net $NET" --limit 10 --format csv
	row "$name" "top dst-port, src net" flowtrail "$n_rec" ""
	timeit "$o.sql-top-net" sqlite3 -readonly -csv "$db" "$sql_f"
	row "$name" "top dst-port, src net" sqlite3 "$n_rec" ""
	timeit "$o.nf-top-net" nfdump -R "$nf" -s dstport/bytes -n 10 -N \
	    "src net $NET"
	nf_rate=$(grep -o 'flows/second: [0-9.]*' "$o.nf-top-net" | cut -d' ' -f2)
	row "$name" "top dst-port, src net" nfdump "$n_nf" \
	    "own figure $(printf '%.1f' "${nf_rate:-0}e-6") M/s"

	note "$name: top --by dst-port, all"
	timeit "$o.ft-top-all" "$FT" top --db "$db" --by dst-port --limit 10 \
	    --format csv
	row "$name" "top dst-port, all" flowtrail "$n_rec" ""
	timeit "$o.sql-top-all" sqlite3 -readonly -csv "$db" "$sql_a"
	row "$name" "top dst-port, all" sqlite3 "$n_rec" ""
	timeit "$o.nf-top-all" nfdump -R "$nf" -s dstport/bytes -n 10 -N
	nf_rate=$(grep -o 'flows/second: [0-9.]*' "$o.nf-top-all" | cut -d' ' -f2)
	row "$name" "top dst-port, all" nfdump "$n_nf" \
	    "own figure $(printf '%.1f' "${nf_rate:-0}e-6") M/s; both directions"

	note "$name: map"
	n_conv=$(sqlite3 -readonly "$db" "SELECT (SELECT count(*) FROM
	    conv_edges) + (SELECT count(*) FROM conv_parts)")
	timeit "$o.ft-map-all" "$FT" map --db "$db" --format json
	row "$name" "map, all" flowtrail "$n_conv" \
	    "$(grep -c '"from"' "$o.ft-map-all") edges; hourly conversations"
	timeit "$o.ft-map-all-rec" "$FT" map --db "$db" --format json \
	    --source flows
	row "$name" "map, all" "flowtrail" "$n_rec" "--source flows: records"
	timeit "$o.ft-map-net" "$FT" map --db "$db" --format json "src net $NET"
	row "$name" "map, src net" flowtrail "$n_conv" \
	    "$(grep -c '"from"' "$o.ft-map-net") edges; hourly conversations"
	timeit "$o.ft-map-net-rec" "$FT" map --db "$db" --format json \
	    --source flows "src net $NET"
	row "$name" "map, src net" "flowtrail" "$n_rec" "--source flows: records"
	if cmp -s "$o.ft-map-all" "$o.ft-map-all-rec" &&
	    cmp -s "$o.ft-map-net" "$o.ft-map-net-rec"; then
		checks+=("$name: the map from conversations equals the map from records (all, src net)")
	else
		checks+=("$name: the map from conversations DIFFERS from the records': diff $o.ft-map-all $o.ft-map-all-rec")
	fi

	note "$name: flows"
	timeit "$o.ft-flows" "$FT" flows --db "$db" --format csv
	row "$name" "flows, newest 100" flowtrail "$n_rec" "records merged into flows"
	timeit "$o.ft-flows-big" "$FT" flows --db "$db" --sort -bytes --limit 10 \
	    --format csv
	row "$name" "flows, 10 biggest" flowtrail "$n_rec" "records merged into flows"
	timeit "$o.sql-flows-big" sqlite3 -readonly -csv "$db" "$sql_b"
	row "$name" "flows, 10 biggest" sqlite3 "$n_rec" "GROUP BY run, flow"
	timeit "$o.nf-flows-big" nfdump -R "$nf" -s record/bytes -n 10 -N
	row "$name" "flows, 10 biggest" nfdump "$n_nf" \
	    "its records by flow key; one per direction"

	note "$name: rollups"
	timeit "$o.ft-usage" "$FT" usage --db "$db" --daily --format csv
	row "$name" "usage --daily" flowtrail - \
	    "rollups, $(($(wc -l < "$o.ft-usage") - 1)) rows"
	timeit "$o.ft-series" "$FT" series iface --db "$db" --step 1h \
	    --format csv
	row "$name" "series iface --step 1h" flowtrail - \
	    "rollups, $(($(wc -l < "$o.ft-series") - 1)) rows"

	check_answers "$name" "$db"
	cmds+=("$name flowtrail: $FT top --db $db --by dst-port 'src net $NET' --limit 10 --format csv"
	    "$name sqlite3:   sqlite3 -readonly -csv $db \"$(printf '%s' "$sql_f" | tr -s ' \n\t' ' ')\""
	    "$name nfdump:    nfdump -R $nf -s dstport/bytes -n 10 -N 'src net $NET'")
}

# The peers' answers against flowtrail's.
check_answers() {
	local name=$1 db=$2 o=$DIR/out-$1 q port nf_b nf_p ft
	for q in net all; do
		# flowtrail: proto,dst_port,bytes,packets,flows,bytes_cs,bytes_sc
		if [ -s "$o.ft-top-$q" ] && cmp -s <(tail -n +2 "$o.ft-top-$q" |
		    cut -d, -f1-4,6,7) "$o.sql-top-$q"; then
			checks+=("$name, top $q: sqlite3's rows equal flowtrail's (proto, port, bytes, packets, bytes each way)")
		else
			checks+=("$name, top $q: sqlite3's rows DIFFER from flowtrail's: diff $o.ft-top-$q $o.sql-top-$q")
		fi
	done
	if [ -s "$o.ft-flows-big" ] && cmp -s <(tail -n +2 "$o.ft-flows-big" |
	    awk -F, '{ print $10 + $11 "," $12 + $13 }') "$o.sql-flows-big"; then
		checks+=("$name, flows: sqlite3's 10 biggest flows equal flowtrail's (bytes, packets)")
	else
		checks+=("$name, flows: sqlite3's 10 biggest flows DIFFER from flowtrail's: $o.ft-flows-big $o.sql-flows-big")
	fi
	# nfdump keeps one record per direction and counts IP bytes: with
	# "src net" it sees the clients' direction, frames less 14 bytes of
	# Ethernet header.
	read -r port nf_p nf_b < <(awk '$4 == "any" {
	    gsub(/\( *[0-9.]+\)/, ""); $0 = $0; print $5, $7, $8; exit }' \
	    "$o.nf-top-net")
	[ -n "${port:-}" ] || { checks+=("$name: no nfdump answer to check"); return; }
	ft=$(sqlite3 -readonly "$db" "SELECT sum(bytes_cs - 14 * pkts_cs) || ' ' ||
	    sum(pkts_cs) FROM flows WHERE length(cli) = 4 AND cli BETWEEN
	    $NET_LO AND $NET_HI AND sport = $port")
	checks+=("$name, top src net: nfdump's first port $port has $nf_b bytes in $nf_p packets client to server; the store's client-to-server frames less 14 bytes each: ${ft% *} bytes in ${ft#* } packets")
}

info=()
for spec in $STORES; do
	name=${spec%%:*} pps=${spec#*:}
	case $name:$pps in
	*[!A-Za-z0-9:]*|:*|*:|*:*[!0-9]*) die "BENCH_STORES: '$spec' is not NAME:PPS" ;;
	esac
	make_store "$name" "$pps"
done
for spec in $STORES; do
	bench_store "${spec%%:*}" "${spec#*:}"
done

mem_kb=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo
echo "flowtrail query bench: a day of bench/gen traffic ($FLOWS concurrent flows, $((FLOWS / 100)) clients), seed $SEED, filter 'src net $NET'"
echo "machine: $(nproc) cores, $cpu, $((mem_kb / 1024)) MiB, $(uname -r); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "tools: $(sqlite3 --version | cut -d' ' -f1) (sqlite3), $(nfdump -V | sed 's/.*Version: //') (nfdump), flowtrail $(git -C "$ROOT" describe --always --dirty 2>/dev/null)"
printf '%s\n' "${info[@]}"
echo
echo "seconds: best wall time of $RUNS runs after a warm one; cpu: user + system of that run"
printf '%-5s %-24s %-10s %10s %8s %6s %8s  %s\n' store question tool rows \
    seconds cpu "M rows/s" note
for i in "${!t_q[@]}"; do
	awk -v st="${t_store[$i]}" -v q="${t_q[$i]}" -v tool="${t_tool[$i]}" \
	    -v r="${t_rows[$i]}" -v s="${t_secs[$i]}" -v c="${t_cpu[$i]}" \
	    -v note="${t_note[$i]}" 'BEGIN {
		rate = (r != "-" && s != "-" && s > 0) ? \
		    sprintf("%.2f", r / s / 1e6) : "-"
		printf "%-5s %-24s %-10s %10s %8s %6s %8s  %s\n", st, q,
		    tool, r, s, c, rate, note }'
done
echo
echo "checks:"
printf '  %s\n' "${checks[@]}"
echo
echo "targets (issue 5; shown, not judged): raw flows scanned at >= 3 M rows/s; a filtered"
echo "top-N over 10M flows < 1 s; < 0.1 s when rollups answer; map over a day of a"
echo "500-device office < 1 s"
echo
echo "commands:"
printf '  %s\n' "${cmds[@]}"
