#!/usr/bin/env bash
# Runs every test: unit, fuzz-corpus replay and integration suites, in a normal build and in an
# ASan+UBSan build. Installs what is missing first. Ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --test || exit 1

passed=0
failed=0
run_suite_set() {  # build_dir label meson-setup-args...
  local dir=$1 label=$2
  shift 2
  if [[ ! -f "$dir/build.ninja" ]]; then
    meson setup "$dir" --wrap-mode=nodownload "$@" >/dev/null || { failed=$((failed + 1)); return; }
  fi
  if ! ninja -C "$dir"; then
    echo "BUILD FAILED: $label"
    failed=$((failed + 1))
    return
  fi
  meson test -C "$dir" --print-errorlogs --num-processes 2 --timeout-multiplier 3
  local log="$dir/meson-logs/testlog.json"
  if [[ -f "$log" ]]; then
    local p f
    p=$(grep -c '"result": "OK"' "$log" || true)
    f=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR)"' "$log" || true)
    echo "$label: $p suites passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
  fi
}

run_suite_set build "release build" --buildtype=debugoptimized
run_suite_set build-asan "ASan+UBSan build" --buildtype=debug -Db_sanitize=address,undefined \
  -Db_lundef=false

echo "${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
