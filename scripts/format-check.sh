#!/bin/sh
# format-check.sh: no line over 100 columns (tabs 8 wide), and clang-format would change no file
# outside scripts/format-exempt.txt. Prints ok/not ok/skip lines; exits 1 on a failure.
# --which: print the clang-format to use (version 14, as .clang-format was tuned with) or fail.
cd "$(dirname "$0")/.." || exit 1
MAX=100

which_cf() {
	for c in clang-format-14 clang-format; do
		command -v "$c" >/dev/null 2>&1 || continue
		case $("$c" --version 2>/dev/null) in
		*"version 14."*) command -v "$c"; return 0 ;;
		esac
	done
	return 1
}
if [ "${1:-}" = --which ]; then
	which_cf
	exit
fi

fail=0
files=$(scripts/format-files.sh)
# shellcheck disable=SC2086
long=$(for f in $files; do
	expand -t8 "$f" | awk -v f="$f" -v max=$MAX 'length > max { printf "%s:%d: %d columns\n", f, NR, length }'
done)
if [ -n "$long" ]; then
	echo "not ok - lines of at most $MAX columns (tabs 8 wide); wrap these:"
	echo "$long" | sed 's/^/    /'
	fail=1
else
	echo "ok - no line of src/, tests/ or bench/ is over $MAX columns"
fi

CF=$(which_cf)
if [ -z "$CF" ]; then
	echo "skip - clang-format 14 not installed (scripts/deps.sh installs it)"
	exit $fail
fi
exempt=$(grep -v '^#' scripts/format-exempt.txt 2>/dev/null | grep .)
bad=""
n=0
for f in $files; do
	if [ -n "$exempt" ] && printf '%s\n' "$exempt" | grep -qxF "$f"; then
		continue
	fi
	n=$((n + 1))
	"$CF" --style=file --dry-run --Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
if [ -n "$bad" ]; then
	echo "not ok - clang-format (.clang-format) would change these files; run scripts/format.sh FILE...:"
	for f in $bad; do
		echo "    $f"
	done
	fail=1
else
	echo "ok - clang-format would change none of the $n files it checks ($(printf '%s\n' "$exempt" | grep -c .) exempt, scripts/format-exempt.txt)"
fi
exit $fail
