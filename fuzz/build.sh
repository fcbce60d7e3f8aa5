#!/bin/sh
# Builds every libFuzzer target fuzz/fuzz_<name>.c into build/fuzz/fuzz_<name>
# with clang, ASan and UBSan, against a clang build of libubur.a in build/fuzz
# (the Makefile's own rules, so flags and sources never drift). A target is
# added by adding fuzz/fuzz_<name>.c and its seed corpus fuzz/corpus/<name>/;
# nothing here names a target. Exits 3 when clang or libFuzzer is missing.
set -eu
cd "$(dirname "$0")/.."
command -v clang >/dev/null 2>&1 || { echo "fuzz/build.sh: clang is not installed" >&2; exit 3; }
mkdir -p build
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' \
    >build/.fuzz-probe.c
if ! clang -fsanitize=fuzzer -o build/.fuzz-probe build/.fuzz-probe.c 2>/dev/null; then
    echo "fuzz/build.sh: clang cannot link libFuzzer (libclang-rt-dev missing?)" >&2
    exit 3
fi
rm -f build/.fuzz-probe build/.fuzz-probe.c

make --no-print-directory -s -j"$(nproc 2>/dev/null || echo 2)" CC=clang BUILD=build/fuzz SAN=1 \
    CFLAGS="-fsanitize=fuzzer-no-link -Wno-unknown-warning-option" build/fuzz/libubur.a >&2
pkgs=$(make -s --no-print-directory --eval='ubur-print-pkgs: ; @echo $(PKGS)' ubur-print-pkgs)
# shellcheck disable=SC2086
cflags=$(pkg-config --cflags $pkgs)
# shellcheck disable=SC2086
libs=$(pkg-config --libs $pkgs)
for src in fuzz/fuzz_*.c; do
    [ -f "$src" ] || continue
    out=build/fuzz/$(basename "$src" .c)
    if [ -x "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt build/fuzz/libubur.a ]; then
        continue
    fi
    echo "  FUZZ    $out" >&2
    # shellcheck disable=SC2086
    clang -std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -Iinclude -Isrc -Ibuild/fuzz/gen $cflags -o "$out" "$src" build/fuzz/libubur.a \
        $libs -lpthread -lm
done
