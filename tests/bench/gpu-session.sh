#!/bin/sh
# gpu-session.sh — one GPU machine session for issue 6: the gpu suite's
# programs, bench-gpu in both math modes and PyTorch's anchors, all from a
# folder of binaries built elsewhere (CARRY, default build-carry: cuda/,
# tests/gpu/, tests/bench/, lib/ for libraries the machine lacks, bench/
# with torch_rnn_gpu.py). Logs go to $OUT when set.
# Usage: tests/bench/gpu-session.sh [tests] [bench] [torch] [persist]
set -u
CARRY=${CARRY:-build-carry}
OUT=${OUT:-/tmp/gpu-session}
mkdir -p "$OUT"
export LD_LIBRARY_PATH="$PWD/$CARRY/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export UNROLL_DATADIR="$PWD/data"
nvidia-smi --query-gpu=name,driver_version,memory.used,memory.total --format=csv,noheader
for what in "$@"; do
    case $what in
    tests)
        GPU_TEST_VERBOSE=${VERBOSE:-} "$CARRY/tests/gpu/test-gpu-parity" >"$OUT/parity.log" 2>&1
        echo "gpu-parity: exit $?"; grep -E "FAIL|passed|SKIP" "$OUT/parity.log" | head -20
        GPU_TEST_VERBOSE=1 "$CARRY/tests/gpu/test-gpu-fit" >"$OUT/fit.log" 2>&1
        echo "gpu-fit: exit $?"; grep -E "FAIL|follows|SKIP|graph|replays|divergence" "$OUT/fit.log" | head -20
        ;;
    bench)
        for mode in fast exact; do
            "$CARRY/tests/bench/bench-gpu" $mode all 2>&1 | tee -a "$OUT/bench.log"
        done
        ;;
    variants)
        # cuDNN settings against the defaults (time-major packed sequences,
        # two biases, default math, NULL initial states), MODE fast|exact
        for v in UNROLL_CUDNN_LAYOUT=batch UNROLL_CUDNN_BIAS=single UNROLL_CUDNN_ZERO_HX=1 \
                 UNROLL_CUDNN_FAST_MATH=convert; do
            env $v "$CARRY/tests/bench/bench-gpu" ${MODE:-fast} small 2>&1 |
                sed "s/^/$v /" | tee -a "$OUT/bench.log"
        done
        ;;
    persist)
        for mode in fast exact; do
            UNROLL_CUDNN_RNN_ALGO=1 "$CARRY/tests/bench/bench-gpu" $mode small 2>&1 |
                sed 's/^/persist-static /' | tee -a "$OUT/bench.log"
        done
        ;;
    torch)
        python3 "$CARRY/bench/torch_rnn_gpu.py" 2>&1 | tee "$OUT/torch.log" | grep -v "^infer"
        for mode in fast exact; do
            python3 tests/bench/torch-gpu-memory.py $mode 2>&1 | tee -a "$OUT/torch.log"
        done
        ;;
    esac
done
