#!/bin/bash
# t0610: the dependency map on reference captures: golden outputs in every format, DOT renders
# with graphviz, the CSVs import (columns, every line's ends are shapes), JSON edges point at nodes
# and count every flow once. UPDATE=1 rewrites the expected files; review the diff before committing.
. "$(dirname "$0")/lib.sh"
need_corpus
G=$FT_ROOT/tests/golden/map
GC=$FT_ROOT/tests/golden/conv

# compare TITLE EXPECTED_FILE GOT_FILE (as t0400)
compare() {
	if [ "${UPDATE:-}" = 1 ]; then
		mkdir -p "$(dirname "$2")"
		cp "$3" "$2"
		ok "$1 (updated)"
	elif [ ! -f "$2" ]; then
		not_ok "$1: no expected file $2 (run with UPDATE=1)"
	elif diff -u "$2" "$3" >"$TMP/diff"; then
		ok "$1"
	else
		not_ok "$1"
		head -30 "$TMP/diff" | sed 's/^/    /'
	fi
}

# map DB ARGS...: the map of store DB; stderr kept in $TMP/map.err.
map() {
	local db=$1
	shift
	"$FT" map --db "$db" "$@" 2>"$TMP/map.err"
}

# conv_dump DB: the conversation tables of store DB, every column, sorted.
conv_dump() {
	sqlite3 "$1" "SELECT hour, proto, hex(cli), hex(srv), sport, local, flows, seen, bytes_cs,
		bytes_sc, packets, first_us, last_us, cli_name_src, cli_name, name_src, name, cli_mac,
		srv_mac, app_lo, app_hi, app_top FROM conv_edges ORDER BY 1, 2, 3, 4, 5, 6;
		SELECT hour, run, flow, flags, proto, hex(cli), cport, hex(srv), sport, local, app,
		bytes_cs, bytes_sc, pkts_cs, pkts_sc, first_us, last_us, start_us, cli_name_src,
		cli_name, name_src, name, cli_mac, srv_mac FROM conv_parts ORDER BY 1, 2, 3;
		SELECT hour, state FROM conv_hours ORDER BY 1"
}

# Golden outputs: dot by subnet, mermaid by best name, the rest by host.
for f in ndpi_teams.pcap ndpi_netflix.pcap pcapplusplus_many-protocols.pcap; do
	db=$TMP/$f.db
	"$FT" ingest -q --db "$db" "$CORPUS/$f" >/dev/null 2>&1
	map "$db" --format dot --group-by subnet >"$TMP/$f.dot"
	map "$db" --format mermaid --group-by label >"$TMP/$f.mmd"
	map "$db" --format lucid >"$TMP/$f.lucid.csv"
	map "$db" --format drawio >"$TMP/$f.drawio.csv"
	map "$db" --format json >"$TMP/$f.json"
	for ext in dot mmd lucid.csv drawio.csv json; do
		compare "$f: map as $ext as expected" "$G/$f.$ext" "$TMP/$f.$ext"
	done
	conv_dump "$db" >"$TMP/$f.conv"
	compare "$f: conversation tables as expected" "$GC/$f.txt" "$TMP/$f.conv"
done
# The tables of captures of several years in one ingest, newest first (t0730's reversed order).
files=
for f in ndpi_1kxun.pcap ndpi_teams.pcap ndpi_443-firefox.pcap ndpi_netflix.pcap; do
	files="$files $CORPUS/$f"
done
# shellcheck disable=SC2086
"$FT" ingest -q --db "$TMP/years.db" $files >/dev/null 2>&1
conv_dump "$TMP/years.db" >"$TMP/years.conv"
compare "four captures of several years: conversation tables as expected" "$GC/years-reversed.txt" \
	"$TMP/years.conv"

# Every capture in one store too: many hosts, both address families, flows caught mid-way.
all=$TMP/all.db
files=$(corpus_files | sed "s|^|$CORPUS/|")
# shellcheck disable=SC2086
"$FT" ingest -q --db "$all" $files >/dev/null 2>&1
# The whole corpus's conversation tables (too big to keep): their sha256.
conv_dump "$all" | sha256sum | cut -d' ' -f1 >"$TMP/all.conv.sha256"
compare "all captures: conversation tables as expected (sha256)" "$GC/corpus.sha256" \
	"$TMP/all.conv.sha256"
for db in "$TMP/ndpi_teams.pcap.db" "$all"; do
	name=$(basename "$db" .db)
	map "$db" --format json --top-edges 0 >"$TMP/m.json"
	check "$name: json parses" jq -e '.nodes and .edges' "$TMP/m.json"
	check_eq "$name: every edge's ends are nodes" \
		"$(jq '[.nodes[].id] as $ids | [.edges[] | select((.from | IN($ids[])) and (.to | IN($ids[])) | not)] | length' "$TMP/m.json")" 0
	check_eq "$name: every node has an edge" \
		"$(jq '[.edges[] | .from, .to] as $used | [.nodes[] | select(.id | IN($used[]) | not)] | length' "$TMP/m.json")" 0
	check_eq "$name: flows add up to the distinct flows of the store" \
		"$(jq '[.edges[].flows] | add' "$TMP/m.json")" \
		"$(sqlite3 "$db" 'SELECT count(*) FROM (SELECT DISTINCT run, flow FROM flows)')"
	check_eq "$name: bytes add up to the store's" \
		"$(jq '[.edges[].bytes] | add' "$TMP/m.json")" \
		"$(sqlite3 "$db" 'SELECT sum(bytes_cs + bytes_sc) FROM flows')"
	check_eq "$name: one edge per client, server and service" \
		"$(jq '[.edges[] | [.from, .to, .proto, .port]] | (length - (unique | length))' "$TMP/m.json")" 0
done
check_eq "no flow turned around in ndpi_teams: bytes each way are the store's" \
	"$(map "$TMP/ndpi_teams.pcap.db" --format json --top-edges 0 | jq -r '"\([.edges[].bytes_c2s] | add) \([.edges[].bytes_s2c] | add)"')" \
	"$(sqlite3 -separator ' ' "$TMP/ndpi_teams.pcap.db" 'SELECT sum(bytes_cs), sum(bytes_sc) FROM flows')"

# Flows caught mid-way: the merged capture has some the server rule turns around. Every edge's
# service is a server end the store saw (server side of a flow, or the client side of a flow
# whose start was not seen), never the client port of a flow whose start was seen.
db=$TMP/merged.db
"$FT" ingest --format json --db "$db" "$CORPUS/ndpi_merged_mixed_ethernet.pcap" \
	>"$TMP/merged.json" 2>/dev/null
# Its flows' ends are marked on their latest rows (empty final records, no rows of their own):
# the hours still roll from the sums made as the records were written, none is read back.
check "merged: flows' ends were marked on their rows" \
	test "$(jq .ends_marked "$TMP/merged.json")" -gt 100
check "merged: its hours rolled into conversations" \
	test "$(jq .conversations.hours "$TMP/merged.json")" -gt 100
check_eq "merged: from the sums made as written, none read back" \
	"$(jq .conversations.hours_read_back "$TMP/merged.json")" 0
map "$db" --format json --top-edges 0 >"$TMP/m.json"
check "the server rule turned some guessed flows around" \
	test "$(jq '[.edges[].swapped] | add' "$TMP/m.json")" -gt 0
cat >"$TMP/ends.py" <<'EOF'
import ipaddress, json, sqlite3, sys
db = sqlite3.connect('file:%s?mode=ro' % sys.argv[1], uri=True)
ends = set()
for cli, cport, srv, sport, proto, flags in db.execute(
        'SELECT cli, cport, srv, sport, proto, flags FROM flows'):
    ends.add((ipaddress.ip_address(srv), proto, sport))
    if flags & 2:
        ends.add((ipaddress.ip_address(cli), proto, cport))
m = json.load(open(sys.argv[2]))
ip = {n['id']: ipaddress.ip_address(n['ip']) for n in m['nodes']}
bad = [e for e in m['edges'] if (ip[e['to']], e['proto'], e['port']) not in ends]
print(len(bad), bad[:2])
EOF
check_eq "no edge is a client's port" "$(python3 "$TMP/ends.py" "$db" "$TMP/m.json" 2>&1)" "0 []"

# A filter and the edge options.
n=$(map "$all" --format json --top-edges 0 'proto tcp and dst port 443' | jq '[.edges[].flows] | add')
check_eq "a filter selects the flows of the map" "$n" \
	"$(sqlite3 "$all" "SELECT count(*) FROM (SELECT DISTINCT run, flow FROM flows WHERE proto = 6 AND sport = 443)")"
check_eq "--top-edges keeps that many edges" "$(map "$all" --format json --top-edges 7 | jq '.edges | length')" 7
check_eq "--min-bytes takes units" \
	"$(map "$all" --format json --top-edges 0 --min-bytes 1M | jq '[.edges[] | select(.bytes < 1000000)] | length')" 0
check_eq "--min-flows drops edges with fewer flows" \
	"$(map "$all" --format json --top-edges 0 --min-flows 3 | jq '[.edges[] | select(.flows < 3)] | length')" 0

# DOT renders with graphviz without a word on stderr, in every grouping.
if command -v dot >/dev/null 2>&1; then
	for g in host subnet label; do
		map "$all" --format dot --group-by "$g" --top-edges 0 >"$TMP/all.dot"
		dot -Tsvg "$TMP/all.dot" >"$TMP/all.svg" 2>"$TMP/dot.err"
		check_eq "all captures by $g: dot -Tsvg renders it" "$?" 0
		check_eq "all captures by $g: and says nothing on stderr" "$(head -3 "$TMP/dot.err")" ""
	done
	for f in ndpi_teams.pcap ndpi_netflix.pcap pcapplusplus_many-protocols.pcap; do
		dot -Tsvg "$TMP/$f.dot" >/dev/null 2>"$TMP/dot.err"
		check_eq "$f: the golden DOT renders quietly" "$(head -3 "$TMP/dot.err")" ""
	done
else
	skip "dot (graphviz) not installed: DOT rendering not checked (scripts/deps.sh installs it)"
fi

# The CSVs parse as CSV with the import's columns, and every line's ends are shapes / rows.
map "$all" --format lucid --top-edges 0 >"$TMP/all.lucid.csv"
map "$all" --format drawio --top-edges 0 >"$TMP/all.drawio.csv"
cat >"$TMP/csvcheck.py" <<'EOF'
import csv, json, sys
kind, path = sys.argv[1], sys.argv[2]
with open(path, newline='', encoding='utf-8') as fp:
    text = fp.read()
if kind == 'lucid':
    rows = list(csv.reader(text.splitlines(True)))
    want = ['Id', 'Name', 'Shape Library', 'Page ID', 'Contained By', 'Group', 'Line Source',
            'Line Destination', 'Source Arrow', 'Destination Arrow', 'Text Area 1']
    assert rows[0] == want, rows[0]
    assert all(len(r) == len(want) for r in rows), 'ragged rows'
    assert [int(r[0]) for r in rows[1:]] == list(range(1, len(rows))), 'ids not 1..n'
    assert rows[1][1] == 'Page'
    shapes = {r[0] for r in rows[2:] if r[1] == 'Process'}
    lines = [r for r in rows[2:] if r[1] == 'Line']
    assert len(shapes) + len(lines) == len(rows) - 2
    for r in lines:
        assert r[6] in shapes and r[7] in shapes, r
        assert r[9] == 'Arrow' and r[10], r
    print(len(shapes), len(lines))
else:
    head = [l for l in text.splitlines() if l.startswith('#')]
    body = [l for l in text.splitlines(True) if not l.startswith('#')]
    rows = list(csv.DictReader(body))
    conns = [json.loads(l.split(':', 1)[1]) for l in head if l.startswith('# connect:')]
    cols = list(rows[0].keys()) if rows else []
    ids = {r['id'] for r in rows}
    assert len(ids) == len(rows), 'duplicate ids'
    n = 0
    for c in conns:
        assert c['to'] == 'id' and c['from'] in cols and c['label'], c
        for r in rows:
            for ref in filter(None, r[c['from']].split(',')):
                assert ref in ids, ref
                n += 1
    for key in ('label', 'style'):
        line = [l for l in head if l.startswith('# %s:' % key)][0]
        for ph in line.split('%')[1::2]:
            assert ph in cols, ph
    print(len(rows), n)
EOF
got=$(python3 "$TMP/csvcheck.py" lucid "$TMP/all.lucid.csv" 2>&1)
check_eq "lucid: parses as CSV with the import's columns, every line between shapes" "$got" \
	"$(map "$all" --format json --top-edges 0 | jq -r '"\(.nodes | length) \(.edges | length)"')"
got=$(python3 "$TMP/csvcheck.py" drawio "$TMP/all.drawio.csv" 2>&1)
check_eq "drawio: parses as CSV, every connection's ends are rows" "$got" \
	"$(map "$all" --format json --top-edges 0 | jq -r '"\(.nodes | length) \(.edges | length)"')"

# The scan cut in parts read at once (one per core; FLOWTRAIL_SCAN_PARTS forces more on
# small stores): flows whose records fall in two parts count once, the same map to the byte.
for opts in "--top-edges 0" "--top-edges 0 --min-flows 2" "--top-edges 0 proto udp" \
	"--top-edges 0 --since @1400000000 --until @1600000000" "--top-edges 25 --group-by subnet"; do
	# shellcheck disable=SC2086
	one=$(FLOWTRAIL_SCAN_PARTS=1 "$FT" map --db "$all" --format json $opts)
	for n in 2 3 7; do
		# shellcheck disable=SC2086
		check_eq "map $opts: $n parts give the map of one" \
			"$(FLOWTRAIL_SCAN_PARTS=$n "$FT" map --db "$all" --format json $opts)" "$one"
	done
done

# The hourly conversations (docs/internals/conv.md) give the map of the records, to the
# byte, over whole and cut hours, with the filters they can answer, in one part or more.
check "ingest rolled the store's hours into conversations" \
	test "$(sqlite3 "$all" "SELECT count(*) FROM conv_hours WHERE state = 1")" -gt 100
for opts in "" "--min-flows 2" "proto udp" "src net 10.0.0.0/8" "dst port 443 or dst port 53" \
	"local and not host 192.168.1.1" "--since @1400000000 --until @1600000000" \
	"--since 2015-01-03T13:05:10 --until 2020-01-01T00:30" "--group-by subnet --top-edges 25"; do
	# shellcheck disable=SC2086
	want=$("$FT" map --db "$all" --format json --top-edges 0 --source flows $opts)
	for n in 1 2; do
		# shellcheck disable=SC2086
		check_eq "map $opts: the conversations in $n part(s) give the records' map" \
			"$(FLOWTRAIL_SCAN_PARTS=$n "$FT" map --db "$all" --format json --top-edges 0 \
			--source conv $opts)" "$want"
	done
done
# The writer sums an hour's flows as their records come and reads the hour back only when
# it missed some; both give the same rows. Wipe them and roll every hour from the records
# (keeping everything: the corpus spans years, past the retention windows).
cp "$all" "$TMP/again.db"
live=$(conv_dump "$TMP/again.db")
sqlite3 "$TMP/again.db" "DELETE FROM conv_edges; DELETE FROM conv_parts; DELETE FROM conv_hours"
python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))' \
	>"$TMP/empty.pcap"
"$FT" ingest -q --set history.keep-flows=0 --set history.keep-1h=0 --db "$TMP/again.db" "$TMP/empty.pcap" >/dev/null 2>&1
check_eq "hours summed as written equal the same hours read back" "$(conv_dump "$TMP/again.db")" "$live"
check "and are not empty" test "$(printf '%s\n' "$live" | wc -l)" -gt 1000
# The ingest of all captures goes back in time from one capture to the next, so most of its
# hours are read back; the merged capture's hours were all summed as written (above).
cp "$TMP/merged.db" "$TMP/merged-again.db"
live=$(conv_dump "$TMP/merged-again.db")
sqlite3 "$TMP/merged-again.db" \
	"DELETE FROM conv_edges; DELETE FROM conv_parts; DELETE FROM conv_hours"
"$FT" ingest -q --set history.keep-flows=0 --set history.keep-1h=0 --db "$TMP/merged-again.db" \
	"$TMP/empty.pcap" >/dev/null 2>&1
check_eq "merged: hours summed as written equal the same hours read back" \
	"$(conv_dump "$TMP/merged-again.db")" "$live"
check "and are not empty" test "$(printf '%s\n' "$live" | wc -l)" -gt 500
# VACUUM keeps the ids the hours' ranges name (INTEGER PRIMARY KEY).
sqlite3 "$TMP/again.db" "DELETE FROM conv_edges WHERE id % 7 = 0; VACUUM"
sqlite3 "$TMP/again.db" "DELETE FROM conv_hours"
"$FT" ingest -q --set history.keep-flows=0 --set history.keep-1h=0 --db "$TMP/again.db" \
	"$TMP/empty.pcap" >/dev/null 2>&1
sqlite3 "$TMP/again.db" "VACUUM"
check_eq "after VACUUM the conversations still give the records' map" \
	"$("$FT" map --db "$TMP/again.db" --format json --top-edges 0 --source conv)" \
	"$("$FT" map --db "$TMP/again.db" --format json --top-edges 0 --source flows)"

map "$all" --source conv app TLS >/dev/null
check_eq "--source conv with a filter they cannot answer exits 1" "$?" 1
check "and says which filters they answer" grep -q "keep host, net, proto, dst port, local and remote" \
	"$TMP/map.err"
map "$all" --source hours >/dev/null
check_eq "an unknown --source exits 2" "$?" 2
check "and says what it takes, once" grep -qx \
	"flowtrail: map: --source: unknown source 'hours': expected auto, flows or conv" "$TMP/map.err"

# ingest says how many hours it rolled, once the last commit is done.
for _ in 1 2 3; do
	"$FT" ingest --format json --db "$TMP/sum.db" "$CORPUS/ndpi_teams.pcap" 2>/dev/null \
		>"$TMP/sum.json"
	rm -f "$TMP/sum.db"*
	check_eq "ingest's summary counts the hour rolled into conversations" \
		"$(jq -c .conversations "$TMP/sum.json")" \
		'{"hours":1,"hours_left_to_records":0,"hours_read_back":0}'
done

# Bad options: one line naming the input, exit 2.
map "$all" --format svg >/dev/null
check_eq "an unknown format exits 2" "$?" 2
check "and names it" grep -q "unknown format 'svg': expected dot, mermaid, lucid, drawio or json" "$TMP/map.err"
map "$all" --min-bytes lots >/dev/null
check_eq "a bad --min-bytes exits 2" "$?" 2
map "$all" --group-by subnet/40 >/dev/null
check_eq "a bad prefix length exits 2" "$?" 2
