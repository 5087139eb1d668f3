#!/bin/sh
# run-fuzz.sh - run the libFuzzer CPU harness for a bounded time (for CI).
#   tests/fuzz/run-fuzz.sh [BUILD_DIR [SECONDS]]     (default build-fuzz, 60 s)
# Needs a clang build with the fuzzer, e.g.
#   CC=clang meson setup build-fuzz -Db_sanitize=address,undefined -Db_lundef=false
#   ninja -C build-fuzz tests/fuzz/fuzz-cpu
# New corpus entries go to BUILD_DIR/fuzz-corpus (the seed corpus is read only); crash
# reproducers to BUILD_DIR/fuzz-artifacts/. Exit status non-zero if a crash was found.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build-fuzz}
secs=${2:-60}
bin="$build/tests/fuzz/fuzz-cpu"
if [ ! -x "$bin" ]; then
    echo "run-fuzz.sh: $bin not built (needs clang with -fsanitize=fuzzer)" >&2
    exit 77
fi
mkdir -p "$build/fuzz-corpus" "$build/fuzz-artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
exec "$bin" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$build/fuzz-artifacts/" \
    "$build/fuzz-corpus" "$here/corpus"
