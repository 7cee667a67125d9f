# flowtrail: build, run and test. `make run` and `make test` install what is
# missing first (scripts/deps.sh); `make` alone only builds.

CC ?= cc
PREFIX ?= /usr/local
BUILD ?= build
NDPI ?= auto
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wno-unused-parameter
ifeq ($(CI),true)
WARN += -Werror
endif
CPPFLAGS += -D_GNU_SOURCE
PKGS := libpcap sqlite3 libarchive

ifeq ($(NDPI),auto)
NDPI := $(shell pkg-config --exists libndpi && echo 1 || echo 0)
endif
ifeq ($(NDPI),1)
PKGS += libndpi
CPPFLAGS += -DFT_HAVE_NDPI=1
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS)
LDLIBS += $(PKG_LIBS) -lm -lpthread

# Every .c under src/ except main.c goes into the library the tests link.
# classify_ndpi.c and classify_none.c are alternatives.
SRCS := $(filter-out src/cli/main.c,$(wildcard src/*/*.c))
ifeq ($(NDPI),1)
SRCS := $(filter-out src/classify/classify_none.c,$(SRCS))
else
SRCS := $(filter-out src/classify/classify_ndpi.c,$(SRCS))
endif
OBJS := $(SRCS:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libflowtrail.a
BIN := $(BUILD)/flowtrail

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TLIB_SRCS := $(filter-out tests/lib/ft_helper_main.c,$(wildcard tests/lib/*.c))
TLIB_OBJS := $(TLIB_SRCS:%.c=$(BUILD)/%.o)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/tests/%)
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps run test check check-all asan clean install bench fuzz fuzz-bins fuzz-smoke \
    format format-check
all: $(BIN) $(BUILD)/tests/ft-helper $(UNIT_BINS) $(FUZZ_BINS) $(BENCH_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/src/cli/main.o $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(TLIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/ft-helper: tests/lib/ft_helper_main.c $(TLIB_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Fuzz targets build as plain replayers of their corpus, or with FUZZ=1
# (make fuzz) as libFuzzer binaries (see docs/internals/fuzz.md).
ifeq ($(FUZZ),1)
$(BUILD)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_file.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LDLIBS)
else
$(BUILD)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz_file.h \
    $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(filter-out %.h,$^) $(LDLIBS)
endif

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) -O2 $(CPPFLAGS) -o $@ $< $(shell pkg-config --libs libpcap) -lm

# histgen drives the stats stage and the store, so it links the library.
$(BUILD)/bench/histgen: bench/histgen.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# lut_bench compiles the table reader in; rebuild it when that changes.
$(BUILD)/bench/lut_bench: src/enrich/lut_read.c src/enrich/lut_int.h src/enrich/lut.h src/base/ft_err.c

deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/lut-fetch.sh --compile
	@scripts/run.sh

# make test fuzzes every target for TEST_FUZZ_SECONDS (0: not at all).
TEST_FUZZ_SECONDS ?= 20
FUZZ_SECONDS ?= 60

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory asan
	@if [ "$(TEST_FUZZ_SECONDS)" != 0 ]; then $(MAKE) --no-print-directory fuzz; fi
	@scripts/lut-fetch.sh
	@FT_FUZZ_SECONDS=$(TEST_FUZZ_SECONDS) tests/run.sh

# No line over 100 columns, and clang-format (.clang-format) would change no file outside
# scripts/format-exempt.txt; tests/run.sh runs it too, so make check and make test do.
format-check:
	@scripts/format-check.sh

# clang-format over the whole tree (it empties scripts/format-exempt.txt).
format:
	@scripts/format.sh

# Tests without the install step, for a machine that has everything.
check: all
	@tests/run.sh

# The same with the sanitizer build too (as `make test` does).
check-all: all asan
	@tests/run.sh

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" LDFLAGS="-fsanitize=address,undefined" all

# libFuzzer build of the fuzz targets in build-fuzz (clang, ASan, UBSan).
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
fuzz:
	@$(MAKE) --no-print-directory BUILD=build-fuzz FUZZ=1 CC=clang \
	    CFLAGS="-O1 -g -fno-omit-frame-pointer $(FUZZ_SAN)" \
	    LDFLAGS="-fsanitize=fuzzer,address,undefined" fuzz-bins

fuzz-bins: $(FUZZ_BINS)

# Every target fuzzed for FUZZ_SECONDS from its committed corpus.
fuzz-smoke: fuzz
	@tests/fuzz/smoke.sh $(FUZZ_SECONDS)

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh

install: $(BIN)
	install -D -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/flowtrail
	install -D -m 644 docs/flowtrail.1 $(DESTDIR)$(PREFIX)/share/man/man1/flowtrail.1
	install -D -m 644 docs/flowtrail.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/flowtrail.conf.5
	@# the user `run` becomes; a package makes it in its own scripts
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then scripts/add-user.sh flowtrail; \
	else echo "install: user flowtrail not created (DESTDIR set or not root); run falls back to nobody"; fi

clean:
	rm -rf build build-asan build-fuzz

-include $(OBJS:.o=.d) $(BUILD)/src/cli/main.d

# Mutation testing, before a release (not part of `make test`): every one-line mutation of
# tests/mutants.txt must make a test fail; see docs/internals/mutants.md.
.PHONY: mutants
mutants:
	@scripts/mutants.sh
