#!/bin/sh
# Checks of the tree itself, in TAP: no merge-conflict markers, no banned
# functions, every C file starts with an SPDX line, one format.
cd "$(dirname "$0")/.."
n=0
check() { # description, command producing offending lines
    n=$((n + 1))
    out=$(eval "$2")
    if [ -z "$out" ]; then echo "ok $n - $1"; else
        echo "not ok $n - $1"; echo "$out" | head -20 | sed 's/^/#   /'; fi
}
files=$(git ls-files 2>/dev/null || find . -type f -not -path './build/*')
check "no merge-conflict markers" \
    "echo \"\$files\" | grep -vE '\\.(png|ico)$' | xargs grep -nE '^(<<<<<<<|>>>>>>>) ' 2>/dev/null"
check "no banned functions in src/" \
    "grep -nE '(^|[^_a-z])(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gets)\\(' \$(echo \"\$files\" | grep -E '^src/.*\\.c$') | grep -v 'snprintf\\|vsnprintf'"
check "every C source starts with an SPDX line" \
    "for f in \$(echo \"\$files\" | grep -E '^(src|include|tests/unit|fuzz|bench)/.*\\.[ch]$'); do head -1 \$f | grep -q SPDX || echo \$f; done"
# Build output never belongs in git: remove it from the branch's history
# before it lands (git reset / rebase), or main carries the blobs for ever.
check "no build output or object files tracked (drop them from the branch history before landing)" \
    "echo \"\$files\" | grep -E '^build[^/]*/|\\.(o|a|so|d)$'"
# One layout for every C file (.clang-format; `make format` applies it).
if command -v clang-format >/dev/null 2>&1; then
    check "C sources formatted as .clang-format says (make format)" \
        "for f in \$(echo \"\$files\" | grep -E '\\.[ch]$'); do clang-format --dry-run --Werror \$f >/dev/null 2>&1 || echo \$f; done"
else
    n=$((n + 1)); echo "ok $n - # SKIP clang-format not installed"
fi
echo "1..$n"
