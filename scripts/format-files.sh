#!/bin/sh
# format-files.sh: the C files clang-format and the column check cover, one a line, sorted.
cd "$(dirname "$0")/.." || exit 1
find src tests/unit tests/lib tests/fuzz bench -name '*.[ch]' -type f 2>/dev/null | LC_ALL=C sort
