#!/usr/bin/env bash
# Fails when a C++ source under src/ or tests/ is not formatted with the repo's .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files 'src/*.h' 'src/*.cc' 'tests/*.h' 'tests/*.cc' 2>/dev/null ||
  find src tests -name '*.h' -o -name '*.cc')
clang-format --dry-run -Werror "${files[@]}"
echo "format check: ${#files[@]} files formatted"
