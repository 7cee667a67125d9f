#!/bin/bash
# history.sh: what the series cost: ingest time with history on and off, bytes written to
# disk per hour of traffic (rusage block outputs, as /proc/PID/io write_bytes), store size
# per hour and where it goes. Not part of `make test`; prints figures, judges nothing.
set -eu
cd "$(dirname "$0")/.."
DIR=${BENCH_DIR:-/tmp/flowtrail-bench}
PPS=${BENCH_PPS:-300}		# an hour at 300 packets/s: a busy household
FLOWS=${BENCH_FLOWS:-60k}
RUNS=${BENCH_RUNS:-3}
mkdir -p "$DIR"
make -s build/flowtrail build/bench/gen
command -v /usr/bin/time >/dev/null || sudo apt-get install -y time
pcap=$DIR/hour-$PPS-$FLOWS.pcap
[ -s "$pcap" ] || build/bench/gen -o "$pcap" --packets $((PPS * 3600)) --flows "$FLOWS" \
	--pps "$PPS" --snaplen 96 >/dev/null
echo "capture: $pcap (one hour of packet time, $((PPS * 3600)) packets)"
printf '%-10s %8s %14s %10s %12s\n' history seconds "written MiB/h" "RSS MiB" "store MiB"
for h in true false; do
	for i in $(seq "$RUNS"); do
		rm -f "$DIR/h.db"*
		/usr/bin/time -o "$DIR/time.txt" -f "%e %O %M" build/flowtrail ingest -q \
			--db "$DIR/h.db" --set history.enabled=$h "$pcap" >/dev/null
		read -r secs blocks rss <"$DIR/time.txt"
		printf '%-10s %8s %14.1f %10.1f %12.1f\n' "$h" "$secs" \
			"$(echo "$blocks * 512 / 1048576" | bc -l)" "$(echo "$rss / 1024" | bc -l)" \
			"$(echo "$(stat -c %s "$DIR/h.db") / 1048576" | bc -l)"
	done
done
echo "where the store's bytes are (history on):"
build/flowtrail ingest -q --db "$DIR/h2.db" "$pcap" >/dev/null
sqlite3 "$DIR/h2.db" "SELECT printf('  %-20s %8.1f MiB', name, sum(pgsize) / 1048576.0) FROM dbstat
	GROUP BY name ORDER BY sum(pgsize) DESC LIMIT 6;
	SELECT printf('  %d flow records, %d minute rows', (SELECT count(*) FROM flows),
	(SELECT count(*) FROM series_1m));"
rm -f "$DIR/h.db"* "$DIR/h2.db"*

# A year of generated history (bench/histgen.c) for a household and an office, then the
# reports that read it. BENCH_YEAR=0 skips this part.
[ "${BENCH_YEAR:-1}" = 1 ] || exit 0
make -s build/bench/histgen
END=1767225600	# histgen's year ends 2026-01-01 UTC
best() {	# best of 4 wall times of a command, in ms
	local b=999999999999 s e d i
	for i in 1 2 3 4; do
		s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
		d=$(( (e - s) / 1000 )); [ "$d" -lt "$b" ] && b=$d
	done
	printf '%d.%03d' $((b / 1000)) $((b % 1000))
}
for site in "household --devices 30 --remotes 5000 --conv 12" \
	"office --devices 500 --remotes 50000 --conv 6"; do
	set -- $site
	name=$1; shift
	db=$DIR/year-$name.db
	rm -f "$db"*
	echo "$name: $(build/bench/histgen --db "$db" --days 365 "$@" 2>/dev/null)"
	printf '  store %.1f MiB (%.2f MiB a day); rows: %s\n' \
		"$(echo "$(stat -c %s "$db") / 1048576" | bc -l)" \
		"$(echo "$(stat -c %s "$db") / 1048576 / 365" | bc -l)" \
		"$(sqlite3 "$db" "SELECT (SELECT count(*) FROM flows) || ' flows, ' ||
			(SELECT count(*) FROM series_1m) || ' 1m, ' || (SELECT count(*) FROM series_1h) ||
			' 1h, ' || (SELECT count(*) FROM series_1d) || ' 1d'")"
	echo "  usage --daily (a year):          $(best build/flowtrail usage --db "$db" --daily) ms"
	echo "  usage --monthly --by device:     $(best build/flowtrail usage --db "$db" --monthly --by device) ms"
	echo "  top --by asn, last 30 d (series): $(best build/flowtrail top --db "$db" --by asn \
		--since @$((END - 30 * 86400)) --until @$END) ms"
	echo "  top --by asn, last 30 d (flows):  $(best build/flowtrail top --db "$db" --by asn \
		--since @$((END - 30 * 86400)) --until @$END --source flows) ms"
	echo "  series iface --step 1h (a year):  $(best build/flowtrail series iface --db "$db" --step 1h) ms"
	sqlite3 "$db" "SELECT printf('  %-16s %8.1f MiB', name, sum(pgsize) / 1048576.0) FROM dbstat
		GROUP BY name ORDER BY sum(pgsize) DESC LIMIT 5"
	rm -f "$db"*
done
