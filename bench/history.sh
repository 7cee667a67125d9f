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
