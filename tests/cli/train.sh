# train.sh — `unroll train` end to end: Keras-style epoch lines, --save then
# `unroll predict --weights`, the same seed giving the same weights, .npz
# datasets matched to named inputs and outputs, a NaN loss that stops
# training and keeps the last good weights, and Ctrl-C.
. "$(dirname "$0")/lib.sh"
FIXTURES=$SRC/tests/cli/fixtures
ADDING='synthetic:adding?n=400&timesteps=20'
# a Keras 3 epoch line: "13/13 - 1s - 16ms/step - loss: 0.2087 - mae: ..."
STEP_TIME='[0-9]+s - [0-9]+(s|ms|us)/step'

# ---- train, save, predict with the saved weights
if expect_ok "train adding" "$UNROLL" train "$EXAMPLES/adding.json" --data "$ADDING" --loss mse \
    --metrics mae --epochs 2 --batch-size 32 --seed 3 --save "$TMP/w.safetensors" --threads 1; then
    grep -q '^Epoch 1/2$' "$TMP/out" && grep -q '^Epoch 2/2$' "$TMP/out" ||
        fail "train: no 'Epoch k/2' lines: $(cat "$TMP/out")"
    n=$(grep -Ec "^13/13 - $STEP_TIME - loss: [0-9.]+(e-[0-9]+)? - mae: [0-9.]+ - val_loss: [0-9.]+ - val_mae: [0-9.]+$" "$TMP/out")
    [ "$n" = 2 ] || fail "train: expected 2 Keras epoch lines (10 steps of 32 of 320 samples):
$(cat "$TMP/out")"
    grep -q "^Saved 5 weight tensors to $TMP/w.safetensors$" "$TMP/out" || fail "train: no 'Saved' line"
fi
write_npy "$TMP/x.npy" '<f4' '(3, 20, 2)' 480 077
if expect_ok "predict with the trained weights" "$UNROLL" predict "$EXAMPLES/adding.json" \
    --weights "$TMP/w.safetensors" --input "$TMP/x.npy" --output "$TMP/trained.npy"; then
    [ "$(npy_shape "$TMP/trained.npy")" = "(3, 1)" ] ||
        fail "predict: output shape $(npy_shape "$TMP/trained.npy"), expected (3, 1)"
fi
expect_ok "predict with the initial weights" "$UNROLL" predict "$EXAMPLES/adding.json" \
    --seed 3 --input "$TMP/x.npy" --output "$TMP/initial.npy"
cmp -s "$TMP/trained.npy" "$TMP/initial.npy" &&
    fail "the trained weights predict what the initial ones do: were they loaded?"
write_npy "$TMP/tokens.npy" '<i4' '(2, 5)' 40
expect_fail "weights of another model" \
    "does not fit the model 'sentiment'" \
    "$UNROLL" predict "$EXAMPLES/sentiment.json" --weights "$TMP/w.safetensors" \
    --input "$TMP/tokens.npy" --output "$TMP/y.npy"
grep -q "missing from the file (3): embedding/embeddings, positive/kernel, positive/bias" "$TMP/err" ||
    fail "weights of another model: missing names: $(cat "$TMP/err")"
grep -q "in the file but not in the model (2): sum/kernel, sum/bias" "$TMP/err" ||
    fail "weights of another model: extra names: $(cat "$TMP/err")"
grep -q "lstm/kernel is (2, 128) in the file, the model's is (32, 128)" "$TMP/err" ||
    fail "weights of another model: shapes: $(cat "$TMP/err")"

# ---- the same seed, the same weights
for k in 1 2; do
    expect_ok "seeded run $k" "$UNROLL" train "$EXAMPLES/adding.json" --data "$ADDING" --loss mse \
        --epochs 1 --seed 11 --save "$TMP/seed$k.safetensors"
done
cmp -s "$TMP/seed1.safetensors" "$TMP/seed2.safetensors" ||
    fail "two runs with --seed 11 saved different weights"

# ---- accuracy with a binary loss: Keras 3's order, metrics by name
if expect_ok "train parity" "$UNROLL" train "$MODELS/parity.json" \
    --data 'synthetic:parity?n=300' --loss binary_crossentropy --metrics accuracy --optimizer adam \
    --lr 0.01 --no-shuffle; then
    grep -Eq "^10/10 - $STEP_TIME - accuracy: [0-9.]+ - loss: [0-9.]+ - val_accuracy: [0-9.]+ - val_loss: [0-9.]+$" \
        "$TMP/out" || fail "train parity: epoch line: $(cat "$TMP/out")"
fi

# ---- .npz datasets: x_<input>, y_<output>
expect_ok "train on an .npz with two inputs and outputs" "$UNROLL" train "$MODELS/merge.json" \
    --data "$FIXTURES/merge.npz" --loss mse --epochs 2 --batch-size 4 --validation-split 0.25 &&
    grep -Eq "^3/3 - $STEP_TIME - loss: [0-9.]+ - val_loss: [0-9.]+$" "$TMP/out" ||
    fail "merge.npz: epoch line (12 training samples in steps of 4): $(cat "$TMP/out")"
expect_fail "an .npz without the input's array" \
    "the model's input 'b' needs an array 'x_b' in .*merge-wrong\.npz; it has: x_a, x_c" \
    "$UNROLL" train "$MODELS/merge.json" --data "$FIXTURES/merge-wrong.npz" --loss mse
expect_fail "a synthetic task for a two-input model" \
    "the model's input 'a' needs an array 'x_a' in synthetic:adding; it has: x" \
    "$UNROLL" train "$MODELS/merge.json" --data synthetic:adding --loss mse
expect_ok "float token ids for an int32 Input" "$UNROLL" train "$EXAMPLES/sentiment.json" \
    --data "$FIXTURES/tokens.npz" --loss binary_crossentropy --epochs 1
cat >"$TMP/three.json" <<'JSON'
{"name": "three", "layers": [
  {"name": "seq", "class": "Input", "shape": [null, 2]},
  {"name": "lstm", "class": "LSTM", "units": 4},
  {"name": "out", "class": "Dense", "units": 3}
]}
JSON
expect_fail "targets that do not fit the output" \
    "targets for output 'out': .*\(32, 1\) do not fit the output shape \(32, 3\)" \
    "$UNROLL" train "$TMP/three.json" --data "$ADDING" --loss mse
expect_fail "data that does not fit the Input" \
    "input 'sequence' expects shape \(None, None, 2\), got \(32, 40, 1\)" \
    "$UNROLL" train "$EXAMPLES/adding.json" --data 'synthetic:sine?n=100' --loss mse

# ---- a loss that turns NaN: stop, say where, keep the last good weights
expect_fail "NaN loss" "the (loss|weights) became (NaN|infinite|NaN or infinite) at epoch 1, step [0-9]+" \
    "$UNROLL" train "$EXAMPLES/adding.json" --data "$ADDING" --loss mse --optimizer sgd --lr 1e6 \
    --epochs 3 --save "$TMP/nan.safetensors"
[ "$rc" = 1 ] || fail "NaN loss: exit status $rc, expected 1"
grep -q "^Saved 5 weight tensors (the last good values) to" "$TMP/out" ||
    fail "NaN loss: the weights were not saved: $(cat "$TMP/out")"
if expect_ok "predict with the last good weights" "$UNROLL" predict "$EXAMPLES/adding.json" \
    --weights "$TMP/nan.safetensors" --input "$TMP/x.npy" --output "$TMP/nan.npy"; then
    od -A n -j 128 -t f4 "$TMP/nan.npy" | grep -Eqi 'nan|inf' &&
        fail "the 'last good' weights predict $(od -A n -j 128 -t f4 "$TMP/nan.npy")"
fi

# ---- Ctrl-C stops between batches and still saves
"$UNROLL" train "$EXAMPLES/adding.json" --data synthetic:adding --loss mse --epochs 1000 \
    --save "$TMP/int.safetensors" >"$TMP/int.out" 2>"$TMP/int.err" &
pid=$!
i=0
while ! grep -q '^Epoch 1/1000' "$TMP/int.out" 2>/dev/null && [ $i -lt 600 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "Ctrl-C: exit status $rc, expected 130: $(cat "$TMP/int.err")"
grep -q "training stopped at epoch [0-9]*, step [0-9]* (Ctrl-C)" "$TMP/int.err" ||
    fail "Ctrl-C: $(cat "$TMP/int.err")"
[ -s "$TMP/int.safetensors" ] || fail "Ctrl-C: --save wrote nothing"

# ---- a CSV time series: the bundled weather readings, windowed; a bad row named by line
if expect_ok "train on a CSV series" "$UNROLL" train "$EXAMPLES/weather.json" --loss mse \
    --data "$EXAMPLES/weather.csv?window=24&target=temp&val=0.2&standardize=true" --epochs 1 \
    --no-store; then
    grep -q "2000 rows; windows of 24 steps of temp, humidity, pressure predict temp" "$TMP/out" ||
        fail "the CSV series' description: $(cat "$TMP/out")"
    grep -Eq '^50/50 - .*val_loss: [0-9.]+$' "$TMP/out" || fail "CSV epoch line: $(cat "$TMP/out")"
fi
{ head -n 17 "$EXAMPLES/weather.csv"; echo "2024-01-01T17:00,9.1,n/a,1012.0"; } >"$TMP/holes.csv"
expect_fail "a CSV with a word among the numbers" \
    "holes.csv:18:3: column 'humidity' \(features\) holds 'n/a', which is not a number" \
    "$UNROLL" train "$EXAMPLES/weather.json" --loss mse --data "$TMP/holes.csv?window=4" --no-store
{ head -n 5 "$EXAMPLES/weather.csv"; echo "2024-01-01T05:00,9.1,80.0,1012.0,7"; } >"$TMP/stray.csv"
expect_fail "a CSV with a stray column" \
    "stray.csv:6: 5 fields, but the header names 4 columns \(time, temp, humidity, pressure\)" \
    "$UNROLL" train "$EXAMPLES/weather.json" --loss mse --data "$TMP/stray.csv" --no-store

finish
