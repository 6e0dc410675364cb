#!/usr/bin/env bash
# store-overhead.sh — training throughput with the run store against
# --no-store on the MNIST rows workload (issue: under 2% apart). Alternates
# the two, REPS times each, and prints the median time per training step of
# each and their ratio (steps/s taken from the Keras-style epoch lines would
# round to milliseconds, so the whole run's wall time is used instead).
#   tests/bench/store-overhead.sh [BUILD_DIR] [REPS] [EPOCHS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
reps=${2:-5}
epochs=${3:-10}
unroll="$build/app/unroll"
[ -x "$unroll" ] || { echo "store-overhead.sh: build first (ninja -C $build)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OPENBLAS_NUM_THREADS=1
run() {
    local t0 t1
    t0=$(date +%s.%N)
    "$unroll" train "$root/data/examples/mnist-rows.json" --data mnist \
        --loss sparse_categorical_crossentropy --from-logits --optimizer adam \
        --epochs "$epochs" --batch-size 64 --seed 1 "$@" > /dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}
: > "$work/store.txt"
: > "$work/nostore.txt"
run --no-store > /dev/null   # warm the page cache
for i in $(seq "$reps"); do
    run --no-store >> "$work/nostore.txt"
    run --db "$work/runs.db" >> "$work/store.txt"
done
med() { sort -n "$1" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
a=$(med "$work/nostore.txt")
b=$(med "$work/store.txt")
steps=$((epochs * 125))
printf 'MNIST rows, %d epochs (%d steps), median of %d runs each\n' "$epochs" "$steps" "$reps"
awk -v a="$a" -v b="$b" -v s="$steps" 'BEGIN {
    printf "  --no-store   %.3f s  (%.3f ms/step)\n", a, a * 1000 / s
    printf "  with store   %.3f s  (%.3f ms/step)\n", b, b * 1000 / s
    printf "  store / no-store: %.4f (target within 1.02)\n", b / a
}'
