# ubur build. Plain GNU make: see docs/ARCHITECTURE.md for why.
#   make            build build/ubur
#   make run        install packages if missing, build, serve on http://127.0.0.1:8080
#   make test       install what the tests need, build, run every test (also under ASan+UBSan)
#   make bench      the benchmarks in bench/ (long)
#   make fuzz       each fuzz target for a bounded time (FUZZ_SECONDS, default 60)
# Variables: BUILD (output dir), SAN=1 (ASan+UBSan build), CC.

CC ?= cc
NPROC := $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
SAN ?=
PKGS := sqlite3 libmicrohttpd jansson libsodium icu-uc icu-i18n openssl libdmtx libpq libpng zlib libxml-2.0 \
        libcurl

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
        -Wno-format-nonliteral -Wno-format-truncation
CFLAGS_BASE := -std=c17 -D_GNU_SOURCE -g -Iinclude -I$(BUILD)/gen $(WARN)
ifeq ($(SAN),1)
  OPT := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDSAN := -fsanitize=address,undefined
else
  OPT := -O2
  LDSAN :=
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS := $(CFLAGS_BASE) $(OPT) $(PKG_CFLAGS) $(CFLAGS)
LIBS := $(PKG_LIBS) -lpthread -lm

LIB_SRC := $(wildcard src/core/*.c src/store/*.c src/app/*.c src/http/*.c src/cli/*.c)
LIB_SRC := $(filter-out src/cli/main.c,$(LIB_SRC))
MIGRATIONS := $(sort $(wildcard src/store/migrations/*.sql))
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC)) $(BUILD)/gen/migrations.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all run test unit bench fuzz clean deps test-deps format check-format
all: $(BUILD)/ubur

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/migrations.c: $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	@scripts/embed-migrations.sh $@ $(MIGRATIONS)

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	@$(CC) $(ALL_CFLAGS) -Isrc/store -c $< -o $@

$(BUILD)/libubur.a: $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BUILD)/ubur: $(BUILD)/src/cli/main.o $(BUILD)/libubur.a
	@echo "  LD      $@"
	@$(CC) $(LDSAN) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libubur.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) -Isrc -o $@ $< $(BUILD)/libubur.a $(LDSAN) $(LIBS) -lcmocka

unit: $(UNIT_BIN)

deps:
	@scripts/deps.sh run

test-deps:
	@scripts/deps.sh test

run: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all
	@scripts/run.sh

test: test-deps
	@$(MAKE) --no-print-directory -j$(NPROC) all unit
	@$(MAKE) --no-print-directory -j$(NPROC) BUILD=build/asan SAN=1 all unit
	@tests/run.sh

bench: test-deps all
	@bench/run.sh

fuzz: test-deps
	@fuzz/run.sh $${FUZZ_SECONDS:-60}

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

check-format:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/cli/main.d
