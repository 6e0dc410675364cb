#!/usr/bin/env bash
# run.sh — Unroll against PyTorch on this CPU, in one run, as ratios.
#
#   tests/bench/run.sh [BUILD_DIR] [--quick]
#
# Runs, one after the other under the same environment: the OpenBLAS sgemm
# ceiling (shared/bench/sgemm_peak.c), PyTorch 1.13 (Debian's python3-torch,
# shared/bench/torch_rnn_cpu.py) at its three usual thread settings, and
# Unroll's bench-rnn on 1 and 2 OpenBLAS threads; then each workload's peak
# memory in a process of its own, and the MNIST rows model trained for 10
# epochs with Adam (held-out accuracy). compare.py prints the table: training
# steps/s, the ratio to PyTorch's best setting on the same number of cores
# (target >= 1.5), GFLOP/s and the fraction of the sgemm peak.
# Needs: apt-get install python3-torch python3-numpy (bench only; never at run
# or test time).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
quick=${2:-}
shared=${UNROLL_SHARED:-$root/../shared}/bench
py=/usr/bin/python3
[ -x "$build/tests/bench/bench-rnn" ] || { echo "run.sh: build first (ninja -C $build)" >&2; exit 1; }
[ -f "$shared/torch_rnn_cpu.py" ] || { echo "run.sh: $shared/torch_rnn_cpu.py not found (set UNROLL_SHARED)" >&2; exit 1; }
$py -c 'import torch' 2>/dev/null || { echo "run.sh: $py has no torch: apt-get install python3-torch" >&2; exit 1; }

out=$(mktemp -d)
reps=5 mt=2.0 wu=2.0
if [ "$quick" = "--quick" ]; then reps=3 mt=1.0 wu=0.5; fi
echo "# results in $out; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}"

gcc -O2 -o "$out/sgemm_peak" "$shared/sgemm_peak.c" -lopenblas
"$out/sgemm_peak" --csv --threads 1,2 --reps 3 --min-time 0.25 --sizes 512,1024 --hidden 64,512 > "$out/sgemm.csv"

t="$py $shared/torch_rnn_cpu.py --reps $reps --min-time $mt --warmup-s $wu --json $out/torch.jsonl"
$t --threads 1 > "$out/torch-1.txt"
$t --threads 1 --openblas-threads 2 > "$out/torch-1-2.txt"
OMP_WAIT_POLICY=PASSIVE $t --threads 2 > "$out/torch-2p.txt"
"$build/tests/bench/bench-rnn" --threads 1,2 --reps $reps --min-time $mt --warmup-s $wu \
    --json "$out/unroll.jsonl" > "$out/unroll.txt"

# peak memory, one workload per process
for m in mnist-lstm mnist-gru mnist-rnn big-lstm big-lstm-infer imdb-lstm; do
    /usr/bin/time -f "$m torch %M" -a -o "$out/mem.txt" \
        $py "$shared/torch_rnn_cpu.py" --models $m --threads 1 --reps 1 --min-time 0.3 --warmup-s 0.1 >/dev/null
    /usr/bin/time -f "$m unroll %M" -a -o "$out/mem.txt" \
        "$build/tests/bench/bench-rnn" --models $m --threads 1 --reps 1 --min-time 0.3 --warmup-s 0.1 >/dev/null
done

# MNIST rows, 10 epochs of Adam, batch 32: held-out accuracy (the issue asks >= 95%)
"$build/app/unroll" train "$root/data/examples/mnist-rows.json" --data mnist \
    --loss sparse_categorical_crossentropy --from-logits --optimizer adam --epochs 10 \
    --batch-size 32 --seed 1 --threads 1 --metrics accuracy > "$out/mnist.txt" 2>&1 || true

$py "$here/compare.py" "$out"
