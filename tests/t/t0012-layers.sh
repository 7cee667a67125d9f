#!/bin/bash
# t0012: the modules under src/ include only the layers below them and no other module's
# internals (scripts/check-layers.sh, docs/architecture.md); the checker catches both faults.
. "$(dirname "$0")/lib.sh"

check "src/ keeps its layers" "$FT_ROOT/scripts/check-layers.sh" "$FT_ROOT/src"

# A copy of the tree with one include pointing up, one into another's internals, and one
# module the table does not know: each is named, and the checker fails.
cp -r "$FT_ROOT/src" "$TMP/src"
printf '#include "../query/query.h"\n' >>"$TMP/src/store/store_db.c"
printf '#include "../store/store_int.h"\n' >>"$TMP/src/query/query_run.c"
mkdir "$TMP/src/newmod" && printf '/* x.c: x */\n' >"$TMP/src/newmod/x.c"
"$FT_ROOT/scripts/check-layers.sh" "$TMP/src" >"$TMP/out" 2>&1
check_eq "a tree with faults fails the check" "$?" 1
for want in "src/store/store_db.c:[0-9]*: includes ../query/query.h: store may not use query" \
	"src/query/query_run.c:[0-9]*: includes ../store/store_int.h, the internals of store" \
	"src/newmod/ is a module with no line"; do
	if grep -q "$want" "$TMP/out"; then
		ok "the checker says: $want"
	else
		not_ok "the checker does not say: $want"
		sed 's/^/    /' "$TMP/out"
	fi
done
