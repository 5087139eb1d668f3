#!/usr/bin/env bash
# Sets up (packages, build) and runs the whole test suite: unit tests, CLI
# tests, guest tests under every built accelerator. With --sanitize the suite
# runs on the -Db_sanitize=address,undefined build (build-asan/) instead, with
# one Linux boot instead of four (suite linux-extra left out).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
setup_args=(--tests)
test_args=()
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  setup_args+=(--sanitize)
  # One Linux boot (linux-direct-smp1) under ASan: ~10 minutes each.
  test_args+=(--no-suite linux-extra)
fi
scripts/setup.sh "${setup_args[@]}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
meson test -C "$dir" --print-errorlogs --num-processes 2 "${test_args[@]}" || status=$?
python3 scripts/test-summary.py "$dir/meson-logs/testlog.json"
exit "$status"
