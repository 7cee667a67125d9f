#!/bin/bash
# mutants.sh: apply each one-line mutation of tests/mutants.txt to a copy of the tree, build, run
# the tests it names, restore; report which mutants the tests killed and which survived.
# Usage: scripts/mutants.sh [LIST]   (make mutants). Before a release; not part of `make test`.
# MUTANTS_BUDGET_S (default 3600) stops starting mutants after that long; MUTANT_TIMEOUT_S
# (default 300) bounds each test run (a test that hangs on a mutant kills it);
# KEEP=1 keeps the copy. Exit 0 only when every mutant was killed.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIST=${1:-$ROOT/tests/mutants.txt}
BUDGET=${MUTANTS_BUDGET_S:-3600}
TMO=${MUTANT_TIMEOUT_S:-300}
WORK=$(mktemp -d /tmp/ft-mutants.XXXXXX)
[ "${KEEP:-}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
REAL_CORPUS=${CORPUS:-$ROOT/../shared/corpus}

# The tree as it is (tracked and new files), built once.
(cd "$ROOT" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) |
	tar -xf - -C "$WORK" || { echo "mutants: cannot copy the tree to $WORK"; exit 2; }
make -C "$WORK" -j2 all >"$WORK/build.log" 2>&1 ||
	{ echo "mutants: the unmutated tree does not build ($WORK/build.log)"; exit 2; }

# run_test NAME: 0 when the test passes against the tree in $WORK.
run_test() {
	local t=$1 corpus=/nonexistent
	case $t in
	corpus:*) t=${t#corpus:} corpus=$REAL_CORPUS ;;
	esac
	case $t in
	test_*) timeout "$TMO" "$WORK/build/tests/$t" >"$WORK/test.log" 2>&1 ;;
	t[0-9]*) FT_ROOT=$WORK FT_BUILD=$WORK/build CORPUS=$corpus \
		timeout "$TMO" bash "$WORK/tests/t/$t.sh" >"$WORK/test.log" 2>&1 &&
		! grep -q '^not ok' "$WORK/test.log" ;;
	*) echo "mutants: unknown test $t" >"$WORK/test.log"; return 2 ;;
	esac
}

# Escape a fixed string for a sed pattern / replacement.
sed_pat() { printf '%s' "$1" | sed -e 's/[]\/$*.^[]/\\&/g'; }
sed_rep() { printf '%s' "$1" | sed -e 's/[\/&]/\\&/g'; }
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

# Every test the list names passes before anything is mutated.
all_tests=$(grep -v '^#' "$LIST" | awk -F ' @ ' 'NF == 4 { print $4 }' | tr ' ' '\n' | sort -u | grep .)
for t in $all_tests; do
	run_test "$t" || { echo "mutants: $t fails on the unmutated tree"; sed 's/^/    /' "$WORK/test.log" | grep -v '^    ok' | head -20; exit 2; }
done

killed=0 survived=0 stale=0 nobuild=0 notrun=0 start=$SECONDS
while IFS= read -r line; do
	case $line in '#'* | '') continue ;; esac
	IFS=$'\x1f' read -r file pat rep tests <<<"${line// @ /$'\x1f'}"
	file=$(trim "$file") pat=$(trim "$pat") rep=$(trim "$rep") tests=$(trim "$tests")
	what="$file: $pat -> $rep"
	if [ $((SECONDS - start)) -ge "$BUDGET" ]; then
		echo "not run  $what (budget of ${BUDGET}s spent)"
		notrun=$((notrun + 1))
		continue
	fi
	f=$WORK/$file
	if [ ! -f "$f" ] || [ "$(grep -cF -- "$pat" "$f")" != 1 ]; then
		echo "STALE    $what (the pattern is not on exactly one line)"
		stale=$((stale + 1))
		continue
	fi
	cp -p "$f" "$f.orig"
	sed -i "s/$(sed_pat "$pat")/$(sed_rep "$rep")/" "$f"
	if cmp -s "$f" "$f.orig"; then
		echo "STALE    $what (sed changed nothing)"
		stale=$((stale + 1))
	elif ! make -C "$WORK" -j2 all >"$WORK/mutant-build.log" 2>&1; then
		echo "no build $what"
		nobuild=$((nobuild + 1))
	else
		by=
		for t in $tests; do
			if ! run_test "$t"; then by=$t; break; fi
		done
		if [ -n "$by" ]; then
			echo "killed   $what (by $by)"
			killed=$((killed + 1))
		else
			echo "SURVIVED $what (tests: $tests)"
			survived=$((survived + 1))
		fi
	fi
	cp "$f.orig" "$f"	# a new mtime, so make rebuilds it
	rm -f "$f.orig"
done <"$LIST"
make -C "$WORK" -j2 all >/dev/null 2>&1
echo "$killed killed, $survived survived, $stale stale, $nobuild not built, $notrun not run ($((SECONDS - start)) s)"
[ "$survived" = 0 ] && [ "$stale" = 0 ] && [ "$nobuild" = 0 ] && [ "$notrun" = 0 ]
