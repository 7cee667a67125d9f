#!/bin/bash
# t0121: every flow's application agrees with ndpiReader's on the corpus, or the difference is explained in ndpi-flows-expected.txt.
. "$(dirname "$0")/lib.sh"
need_corpus
EXP=$FT_ROOT/tests/t/ndpi-flows-expected.txt
if ! command -v ndpiReader >/dev/null || ! command -v python3 >/dev/null; then
	skip "$(basename "$0"): needs ndpiReader (Debian libndpi-bin, scripts/deps.sh) and python3"
	exit 0
fi

: >"$TMP/all"
for f in $(corpus_files); do
	ndpiReader -q -i "$CORPUS/$f" -C "$TMP/$f.csv" >/dev/null 2>&1
	[ -s "$TMP/$f.csv" ] || continue
	"$FT" ingest -q --db "$TMP/$f.db" "$CORPUS/$f" >/dev/null 2>&1 ||
		{ not_ok "$f: ingest failed"; continue; }
	"$FT" flows --db "$TMP/$f.db" --limit 1000000 --format json >"$TMP/$f.json"
	python3 "$FT_ROOT/tests/t/ndpi-flows.py" "$f" "$TMP/$f.json" "$TMP/$f.csv" \
		>"$TMP/$f.dis" || { not_ok "$f: comparison failed"; continue; }
	cat "$TMP/$f.dis" >>"$TMP/all"
	n=$(grep -c . "$TMP/$f.csv")
	bad=0
	while read -r cap k ours theirs; do
		hit=
		while read -r ecap ek eours etheirs _; do
			# shellcheck disable=SC2053
			if [ "$ecap" = "$cap" ] && [[ $k == $ek ]] && [ "$eours" = "$ours" ] &&
				[ "$etheirs" = "$theirs" ]; then
				hit=1
				break
			fi
		done < <(grep -v '^#' "$EXP")
		if [ -z "$hit" ]; then
			not_ok "$f: flow $k: $ours, $theirs, and no explanation in $(basename "$EXP")"
			bad=$((bad + 1))
		fi
	done <"$TMP/$f.dis"
	[ "$bad" = 0 ] && ok "$f: $(($(wc -l <"$TMP/$f.dis"))) of $((n - 1)) ndpiReader flows differ, each explained"
done

# An explanation that no longer matches anything is stale: remove it.
while read -r ecap ek eours etheirs _; do
	hit=
	while read -r cap k ours theirs; do
		# shellcheck disable=SC2053
		if [ "$ecap" = "$cap" ] && [[ $k == $ek ]] && [ "$eours" = "$ours" ] &&
			[ "$etheirs" = "$theirs" ]; then
			hit=1
			break
		fi
	done <"$TMP/all"
	if [ -n "$hit" ]; then
		ok "expected difference still occurs: $ecap $ek $eours $etheirs"
	else
		not_ok "expected difference no longer occurs (remove it): $ecap $ek $eours $etheirs"
	fi
done < <(grep -v '^#' "$EXP")
