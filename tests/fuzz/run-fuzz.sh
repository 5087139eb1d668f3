#!/bin/sh
# run-fuzz.sh - run the libFuzzer harnesses for a bounded time (for CI): the CPU on
# random guest code (fuzz-cpu) for SECONDS, then the gdb stub's packet engine on random
# client streams (fuzz-gdb) for GDB_SECONDS.
#   tests/fuzz/run-fuzz.sh [BUILD_DIR [SECONDS [GDB_SECONDS]]]   (default build-fuzz, 60 s, 60 s)
# Needs a clang build with the fuzzer, e.g.
#   CC=clang meson setup build-fuzz -Db_sanitize=address,undefined -Db_lundef=false
#   ninja -C build-fuzz tests/fuzz/fuzz-cpu tests/fuzz/fuzz-gdb
# New corpus entries go to BUILD_DIR/fuzz-corpus[-gdb] (the seed corpora are read only);
# crash reproducers to BUILD_DIR/fuzz-artifacts/. Exit status non-zero if a crash was found.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build-fuzz}
secs=${2:-60}
gdb_secs=${3:-60}
if [ ! -x "$build/tests/fuzz/fuzz-cpu" ]; then
    echo "run-fuzz.sh: $build/tests/fuzz/fuzz-cpu not built (needs clang with -fsanitize=fuzzer)" >&2
    exit 77
fi
mkdir -p "$build/fuzz-corpus" "$build/fuzz-corpus-gdb" "$build/fuzz-artifacts"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# run HARNESS SECONDS MAX_LEN LEAKS CORPUS SEEDS
run() {
    ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=$4}" \
    "$build/tests/fuzz/$1" -max_total_time="$2" -timeout=30 -rss_limit_mb=2048 -max_len="$3" \
        -print_final_stats=1 -error_exitcode=1 -timeout_exitcode=1 \
        -artifact_prefix="$build/fuzz-artifacts/$1-" "$5" "$6"
}

run fuzz-cpu "$secs" 4096 0 "$build/fuzz-corpus" "$here/corpus"
if [ -x "$build/tests/fuzz/fuzz-gdb" ]; then
    run fuzz-gdb "$gdb_secs" 12000 1 "$build/fuzz-corpus-gdb" "$here/corpus-gdb"
else
    echo "run-fuzz.sh: $build/tests/fuzz/fuzz-gdb not built, skipping the gdb stub" >&2
fi
