#!/bin/bash
# check-layers.sh: modules include only the layers below them, never another's internals.
# Usage: scripts/check-layers.sh [SRC_DIR]   (default: src/ beside this script)
# Prints one line per offending include and exits 1 when there is any; docs/architecture.md
# explains the layers. A new module gets a line in LAYERS below.
set -u
SRC=${1:-$(cd "$(dirname "$0")/.." && pwd)/src}

# module: the modules it may include (besides itself)
declare -A LAYERS=(
	[base]=""
	[model]="base"
	[agg]="base model"
	[capture]="base model"
	[decode]="base model"
	[flow]="base model"
	[classify]="base model"
	[enrich]="base model"
	[stats]="base model"
	[store]="base model agg"
	[config]="base model capture decode flow classify enrich stats"
	[out]="base model"
	[query]="base model agg out store"
	[filter]="base model query"
	[map]="base model agg out query store"
	[cli]="base model agg capture decode flow classify enrich stats store config out query filter map"
)

bad=0
for dir in "$SRC"/*/; do
	mod=$(basename "$dir")
	if [ -z "${LAYERS[$mod]+set}" ]; then
		echo "check-layers: src/$mod/ is a module with no line in scripts/check-layers.sh"
		bad=1
		continue
	fi
	allowed=" ${LAYERS[$mod]} "
	for f in "$dir"*.[ch]; do
		[ -e "$f" ] || continue
		while IFS= read -r line; do
			no=${line%%:*}
			inc=${line#*\"}
			inc=${inc%\"*}
			case $inc in
			../*/*)
				other=${inc#../}
				other=${other%%/*}
				hdr=${inc##*/}
				if [ "$other" != "$mod" ] && [[ $allowed != *" $other "* ]]; then
					echo "src/$mod/$(basename "$f"):$no: includes $inc: $mod may not use $other (layers: scripts/check-layers.sh)"
					bad=1
				elif [ "$other" != "$mod" ] && [[ $hdr == *_int.h ]]; then
					echo "src/$mod/$(basename "$f"):$no: includes $inc, the internals of $other"
					bad=1
				fi
				;;
			esac
		done < <(grep -n '^#include "' "$f")
	done
done
exit $bad
