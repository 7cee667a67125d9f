#!/bin/bash
# t0010: configuration: dump, file, --set precedence, and docs that cannot drift from the code.
. "$(dirname "$0")/lib.sh"

"$FT" config dump >"$TMP/dump.conf"
check "config dump prints options" grep -q '^flow.max-flows = ' "$TMP/dump.conf"
for key in $(grep -E '^[a-z]' "$TMP/dump.conf" | cut -d' ' -f1); do
	if grep -q -- "^\.B $key\$" "$FT_ROOT/docs/flowtrail.conf.5"; then
		ok "option $key is documented in flowtrail.conf(5)"
	else
		not_ok "option $key is missing from docs/flowtrail.conf.5"
	fi
done
for cmd in $("$FT" --help | awk '/^  [a-z]/ {print $1}'); do
	check "command $cmd is documented in flowtrail(1)" grep -q "^\.B $cmd\$" "$FT_ROOT/docs/flowtrail.1"
	# -h and --help print the command's usage on stdout and exit 0, the store untouched
	for h in -h --help; do
		out=$("$FT" "$cmd" "$h" 2>"$TMP/help.err")
		rc=$?
		if [ "$rc" = 0 ] && printf '%s\n' "$out" | grep -qi "^usage: flowtrail $cmd" && [ ! -s "$TMP/help.err" ]; then
			ok "flowtrail $cmd $h prints its usage and exits 0"
		else
			not_ok "flowtrail $cmd $h: exit $rc, stdout '$(printf '%s' "$out" | head -1)', stderr '$(head -1 "$TMP/help.err")'"
		fi
	done
done
check "no command made a store for --help" test ! -e "$FLOWTRAIL_DB"

check "a dumped configuration reads back" "$FT" config check -c "$TMP/dump.conf"
printf 'flow.max-flows = 1000\n# a comment\n\nflow.udp-timeout=30\n' >"$TMP/a.conf"
check_eq "the config file sets options" \
	"$("$FT" config dump -c "$TMP/a.conf" | grep -E '^flow.(max-flows|udp-timeout) ' | tr '\n' ' ')" \
	"flow.max-flows = 1000 flow.udp-timeout = 30 "
check_eq "--set wins over the file whatever the order" \
	"$("$FT" config dump --set flow.max-flows=2000 -c "$TMP/a.conf" | grep '^flow.max-flows ')" \
	"flow.max-flows = 2000"
check_eq "--db sets the store path" "$("$FT" config dump --db /x/y.db | grep '^store.path ')" "store.path = /x/y.db"
check_eq "FLOWTRAIL_DB is the default store" "$("$FT" config dump | grep '^store.path ')" "store.path = $FLOWTRAIL_DB"
printf 'flow.max-flows = lots\n' >"$TMP/bad.conf"
"$FT" config check -c "$TMP/bad.conf" 2>"$TMP/err"
rc=$?
check_eq "a bad value in the file fails" "$rc" 1
check "and names the file, line and what was expected" grep -q "bad.conf:1: flow.max-flows: expected a whole number" "$TMP/err"
