#!/bin/sh
# format.sh: clang-format (14, .clang-format) over the tree's C files, or over the files named.
# A file clang-format would leave with a line over 100 columns (SQL built from macros) is put
# back as it was and stays in scripts/format-exempt.txt; with no arguments every other file is
# formatted and taken off that list, so `make format-check` holds it to clang-format from then
# on (docs/internals/style.md).
set -eu
cd "$(dirname "$0")/.."
CF=$(scripts/format-check.sh --which) || {
	echo "format.sh: clang-format 14 not found (scripts/deps.sh installs it)" >&2
	exit 1
}
EXEMPT=scripts/format-exempt.txt
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# format_one FILE: format it; put it back and fail when that makes a line over 100 columns.
format_one() {
	cp "$1" "$tmp"
	"$CF" -i --style=file "$1"
	if expand -t8 "$1" | awk 'length > 100 { bad = 1 } END { exit !bad }'; then
		cp "$tmp" "$1"
		return 1
	fi
	return 0
}

if [ $# -gt 0 ]; then
	rc=0
	for f in "$@"; do
		format_one "$f" || { echo "format.sh: $f left as it was: clang-format makes lines over 100 columns" >&2; rc=1; }
	done
	exit $rc
fi
kept=""
n=0
for f in $(scripts/format-files.sh); do
	if format_one "$f"; then n=$((n + 1)); else kept="$kept $f"; fi
done
{
	sed -n '1,/^$/p' "$EXEMPT" | grep '^#'
	for f in $kept; do echo "$f"; done
} >"$tmp.new"
mv "$tmp.new" "$EXEMPT"
echo "format.sh: formatted $n files; left as they were (kept in $EXEMPT):${kept:- none}"
