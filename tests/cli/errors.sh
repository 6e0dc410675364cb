# errors.sh — bad input to `unroll`: every case fails with a message that
# says what and where (file:line:column, the layer, the closest valid name),
# a non-zero exit status and no crash.
. "$(dirname "$0")/lib.sh"

# ---- model files
printf '{"layers": [\n  {"class": "Input", "shape": [4, 3]},\n  {"class": "LSTM" "units": 8}\n]}\n' \
    >"$TMP/syntax.json"
expect_fail "malformed JSON" "syntax\.json:3:20: expected ',' or '}'" \
    "$UNROLL" summary "$TMP/syntax.json"

cat >"$TMP/layers.json" <<'JSON'
{
  "layers": [
    {"name": "x", "class": "Input", "shape": [4, 3]},
    {"name": "rnn", "class": "LTSM", "units": 8},
    {"name": "z", "class": "GRU", "units": 0},
    {"name": "d", "class": "GRU", "units": 3, "dropout": 1.5},
    {"name": "q", "class": "Dense", "unitz": 3}
  ]
}
JSON
expect_fail "unknown class" "layers\.json:4:5: layer 'rnn' \(LTSM\): unknown layer class 'LTSM' \(did you mean 'LSTM'\?\)" \
    "$UNROLL" summary "$TMP/layers.json"
grep -q "layers\.json:5:5: layer 'z' (GRU): option 'units' must be between 1 and .*, got 0" "$TMP/err" ||
    fail "units 0: $(cat "$TMP/err")"
grep -q "layers\.json:6:5: layer 'd' (GRU): option 'dropout' must be between 0 and 1, got 1\.5" "$TMP/err" ||
    fail "dropout 1.5: $(cat "$TMP/err")"
grep -q "layers\.json:7:5: layer 'q' (Dense): unknown option 'unitz' for Dense (did you mean 'units'?)" "$TMP/err" ||
    fail "unknown option: $(cat "$TMP/err")"
grep -q "Total params" "$TMP/out" && fail "a broken model was summarised"
# train and predict refuse it the same way, before reading any data
expect_fail "train a broken model" "layers\.json:4:5: layer 'rnn'" \
    "$UNROLL" train "$TMP/layers.json" --data synthetic:adding --loss mse
expect_fail "predict a broken model" "layers\.json:5:5: layer 'z'" \
    "$UNROLL" predict "$TMP/layers.json" --input "$TMP/none.npy" --output "$TMP/y.npy"

cat >"$TMP/shapes.json" <<'JSON'
{"layers": [
  {"name": "a", "class": "Input", "shape": [4, 3]},
  {"name": "b", "class": "Input", "shape": [4, 5]},
  {"name": "sum", "class": "Add", "inputs": ["a", "b"]}
]}
JSON
expect_fail "shape mismatch" "shapes\.json:4:3: layer 'sum' \(Add\): .*\(None, 4, 3\).*\(None, 4, 5\)" \
    "$UNROLL" summary "$TMP/shapes.json"

# a misspelt layer in "inputs" given as a string, and a number too large for
# an integer option (found by fuzzing the model file reader)
cat >"$TMP/typo.json" <<'JSON'
{"layers": [
  {"name": "x", "class": "Input", "shape": [4, 3]},
  {"name": "lstm", "class": "LSTM", "units": 1e52},
  {"name": "out", "class": "Dense", "units": 1, "inputs": "lstn"}
]}
JSON
expect_fail "misspelt input" "typo\.json:4:3: layer 'out' \(Dense\): \"inputs\": refers to 'lstn', which is not a layer \(did you mean 'lstm'\?\)" \
    "$UNROLL" summary "$TMP/typo.json"
grep -q "typo\.json:3:3: layer 'lstm' (LSTM): option 'units' must be an integer, got 1e+52" "$TMP/err" ||
    fail "huge units: $(cat "$TMP/err")"

printf '{"format": "unroll.model", "version": 7, "layers": []}\n' >"$TMP/future.json"
expect_fail "newer format version" "future\.json:1:39: was written by a newer Unroll \(model format version 7\); this Unroll reads version 1: upgrade Unroll" \
    "$UNROLL" summary "$TMP/future.json"
printf '{"format": "keras", "layers": []}\n' >"$TMP/other.json"
expect_fail "another format" 'other\.json:1:12: "format" is "keras": this is not an Unroll model file' \
    "$UNROLL" summary "$TMP/other.json"
printf '[1, 2]\n' >"$TMP/array.json"
expect_fail "not an object" 'array\.json:1:1: a model file is a JSON object' \
    "$UNROLL" summary "$TMP/array.json"
printf '{"name": "empty"}\n' >"$TMP/nolayers.json"
expect_fail "no layers" 'nolayers\.json:1:1: the model has no "layers" array' \
    "$UNROLL" summary "$TMP/nolayers.json"
expect_fail "missing file" "nothere\.json: No such file or directory" \
    "$UNROLL" summary "$TMP/nothere.json"

# ---- the command line
expect_fail "unknown option" "unroll train: unknown option '--epoch' \(did you mean '--epochs'\?\)" \
    "$UNROLL" train "$EXAMPLES/adding.json" --epoch=3
expect_fail "unknown command" "unroll: unknown command 'sumary' \(did you mean 'summary'\?\)" \
    "$UNROLL" sumary "$EXAMPLES/adding.json"
expect_fail "missing value" "unroll train: --epochs needs a value" \
    "$UNROLL" train "$EXAMPLES/adding.json" --epochs
expect_fail "flag with a value" "unroll summary: --ascii takes no value" \
    "$UNROLL" summary "$EXAMPLES/adding.json" --ascii=yes
expect_fail "no --loss" "unroll train: --loss is required: one of mean_squared_error, .*sparse_categorical_crossentropy" \
    "$UNROLL" train "$EXAMPLES/adding.json" --data synthetic:adding
expect_fail "unknown loss" "unroll train: --loss: unknown loss 'mse2' \(did you mean 'mse'\?\)" \
    "$UNROLL" train "$EXAMPLES/adding.json" --data synthetic:adding --loss mse2
expect_fail "bad number" "unroll train: --epochs: expected a whole number, got 'three'" \
    "$UNROLL" train "$EXAMPLES/adding.json" --data synthetic:adding --loss mse --epochs three
expect_fail "out of range" "unroll train: --validation-split: must be between 0 and 0.99, got 1.5" \
    "$UNROLL" train "$EXAMPLES/adding.json" --data synthetic:adding --loss mse --validation-split 1.5
expect_fail "unknown metric" "--metrics: unknown metric 'acuracy' \(did you mean 'accuracy'\?\)" \
    "$UNROLL" train "$EXAMPLES/adding.json" --data synthetic:adding --loss mse --metrics acuracy
expect_fail "no model file" "unroll predict: no model file given" "$UNROLL" predict
expect_fail "two model files" "unroll summary: give one model file, got 2" \
    "$UNROLL" summary "$EXAMPLES/adding.json" "$EXAMPLES/sentiment.json"

# ---- data files
write_npy "$TMP/x.npy" '<f4' '(3, 50, 2)' 1200
head -c 100 "$TMP/x.npy" >"$TMP/truncated.npy"
expect_fail "truncated .npy" "truncated\.npy: .*truncated" \
    "$UNROLL" predict "$EXAMPLES/adding.json" --input "$TMP/truncated.npy" --output "$TMP/y.npy"
head -c 600 "$TMP/x.npy" >"$TMP/short.npy"
expect_fail "short .npy data" "short\.npy: " \
    "$UNROLL" predict "$EXAMPLES/adding.json" --input "$TMP/short.npy" --output "$TMP/y.npy"
echo "not numpy at all" >"$TMP/text.npy"
expect_fail "not a .npy" "text\.npy: not a \.npy file" \
    "$UNROLL" predict "$EXAMPLES/adding.json" --input "$TMP/text.npy" --output "$TMP/y.npy"
write_npy "$TMP/rank.npy" '<f4' '(3, 2)' 24
expect_fail "wrong rank" "rank\.npy is \(3, 2\) float32, but the Input 'sequence' takes \(None, None, 2\)" \
    "$UNROLL" predict "$EXAMPLES/adding.json" --input "$TMP/rank.npy" --output "$TMP/y.npy"
write_npy "$TMP/width.npy" '<f4' '(3, 50, 5)' 3000
expect_fail "wrong feature size" "input 'sequence' expects shape \(None, None, 2\), got \(3, 50, 5\)" \
    "$UNROLL" predict "$EXAMPLES/adding.json" --input "$TMP/width.npy" --output "$TMP/y.npy"
expect_fail "weights not safetensors" "x\.npy: .*not a safetensors file" \
    "$UNROLL" predict "$EXAMPLES/adding.json" --weights "$TMP/x.npy" --input "$TMP/x.npy" --output "$TMP/y.npy"
expect_fail "unknown dataset" "unknown dataset 'mnsit'.*did you mean 'mnist'" \
    "$UNROLL" train "$EXAMPLES/mnist-rows.json" --data mnsit --loss sparse_categorical_crossentropy
expect_fail "missing .npz" "nothere\.npz: No such file or directory" \
    "$UNROLL" train "$EXAMPLES/adding.json" --data "$TMP/nothere.npz" --loss mse
cp "$TMP/x.npy" "$TMP/x.npz"
expect_fail "not an .npz" "x\.npz: not a zip archive" \
    "$UNROLL" train "$EXAMPLES/adding.json" --data "$TMP/x.npz" --loss mse

finish
