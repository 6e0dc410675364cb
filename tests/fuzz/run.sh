#!/bin/sh
# run.sh — builds the libFuzzer targets (clang, -Dfuzz=true) in a build
# folder of their own and runs each for SECONDS (default 60) over its seed
# corpus, tests/fuzz/corpus/<target>/ (seeded by tools/make-format-fixtures.py).
# New inputs go to <build>/fuzz-corpus/<target>/, crashes to
# <build>/fuzz-crash-<target>-*. Exits non-zero when a target finds a crash.
#
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]   (targets: json model-file npy npz safetensors csv)
#        FUZZ_BUILD_DIR=dir FUZZ_JOBS=n tests/fuzz/run.sh 300
set -eu

secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-json model-file npy npz safetensors csv}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}

if [ -f "$build/build.ninja" ]; then
    meson configure "$build" -Dfuzz=true >/dev/null
else
    CC=clang meson setup "$build" "$src" -Dfuzz=true -Dgui=disabled -Dcuda=disabled
fi
for t in $targets; do
    ninja -C "$build" "tests/fuzz/fuzz-$t"
done

status=0
for t in $targets; do
    work="$build/fuzz-corpus/$t"
    mkdir -p "$work"
    dict="$src/tests/fuzz/$t.dict"
    [ -f "$dict" ] || dict=
    jobs=
    [ "${FUZZ_JOBS:-1}" -gt 1 ] && jobs="-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS"
    echo "== fuzz-$t: $secs s"
    if ! "$build/tests/fuzz/fuzz-$t" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$build/fuzz-crash-$t-" ${dict:+-dict="$dict"} $jobs \
        "$work" "$src/tests/fuzz/corpus/$t"; then
        echo "fuzz-$t found a problem: see $build/fuzz-crash-$t-*" >&2
        status=1
    fi
done
exit $status
