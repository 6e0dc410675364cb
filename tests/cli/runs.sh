# runs.sh — the run store from the command line: `unroll train` records a run
# ("run N"), `unroll runs list/show/compare/metrics/delete`, `unroll export`
# (read back with `unroll predict --weights`), --no-store, and errors.
. "$(dirname "$0")/lib.sh"
ADDING='synthetic:adding?n=400&timesteps=20'
DB=$TMP/runs.db
# the same model with 16 units and an extra Dense layer
sed -e 's/"units": 32}/"units": 16},\n    {"name": "extra", "class": "Dense", "units": 4}/' \
    -e 's/"name": "adding"/"name": "adding16"/' "$EXAMPLES/adding.json" >"$TMP/adding16.json"

# ---- two recorded runs
if expect_ok "train run 1" "$UNROLL" train "$EXAMPLES/adding.json" --data "$ADDING" --loss mse \
    --metrics mae --epochs 2 --seed 3 --db "$DB" --label first --threads 1; then
    head -1 "$TMP/out" | grep -q '^run 1$' || fail "train: first line is not 'run 1': $(head -1 "$TMP/out")"
fi
expect_ok "train run 2" "$UNROLL" train "$TMP/adding16.json" --data "$ADDING" --loss mse \
    --epochs 1 --seed 4 --optimizer adam --db "$DB" --threads 1 &&
    { head -1 "$TMP/out" | grep -q '^run 2$' || fail "train: second run is not 'run 2'"; }
expect_ok "train --no-store" "$UNROLL" train "$EXAMPLES/adding.json" --data "$ADDING" --loss mse \
    --epochs 1 --no-store --threads 1 &&
    { grep -q '^run ' "$TMP/out" && fail "--no-store still printed a run id"; }
[ -f "$XDG_DATA_HOME/unroll/unroll.db" ] && fail "--no-store created the default store"

# ---- the default store lives under $XDG_DATA_HOME
expect_ok "train into the default store" "$UNROLL" train "$EXAMPLES/adding.json" --data "$ADDING" \
    --loss mse --epochs 1 --threads 1
[ -f "$XDG_DATA_HOME/unroll/unroll.db" ] || fail "no store at \$XDG_DATA_HOME/unroll/unroll.db"

# ---- list
if expect_ok "runs list" "$UNROLL" runs list --db "$DB"; then
    grep -Eq '^1 +first +adding +synthetic:adding.* completed +2 ' "$TMP/out" ||
        fail "runs list: no completed run 1 with 2 epochs: $(cat "$TMP/out")"
    grep -Eq '^2 +- +adding16 ' "$TMP/out" || fail "runs list: no run 2: $(cat "$TMP/out")"
fi
expect_ok "runs list --where" "$UNROLL" runs list --db "$DB" --where "units = 16" &&
    { [ "$(grep -c '^[0-9]' "$TMP/out")" = 1 ] && grep -q '^2 ' "$TMP/out" ||
        fail "runs list --where 'units = 16': $(cat "$TMP/out")"; }
expect_ok "runs list --sort --limit" "$UNROLL" runs list --db "$DB" --sort id --limit 1 &&
    { [ "$(grep -c '^[0-9]' "$TMP/out")" = 1 ] && grep -q '^1 ' "$TMP/out" ||
        fail "runs list --sort id --limit 1: $(cat "$TMP/out")"; }
expect_fail "runs list --where that writes" "." \
    "$UNROLL" runs list --db "$DB" --where "1); delete from runs; --"
expect_fail "runs list --where nonsense" "." "$UNROLL" runs list --db "$DB" --where "no_such_column > 1"

# ---- show
if expect_ok "runs show" "$UNROLL" runs show 1 --db "$DB"; then
    grep -q '^run 1: first$' "$TMP/out" || fail "runs show: header: $(cat "$TMP/out")"
    grep -Eq '^  status: +completed$' "$TMP/out" || fail "runs show: status: $(cat "$TMP/out")"
    grep -Eq '^  val_loss +[0-9.e-]+ +[0-9.e-]+$' "$TMP/out" || fail "runs show: val_loss: $(cat "$TMP/out")"
fi
expect_fail "runs show of a missing run" "99" "$UNROLL" runs show 99 --db "$DB"
expect_fail "runs show of a word" "'abc' is not a run id" "$UNROLL" runs show abc --db "$DB"

# ---- compare
if expect_ok "runs compare" "$UNROLL" runs compare 1 2 --db "$DB"; then
    grep -q "run 2: changed lstm (units: 32 -> 16)" "$TMP/out" ||
        fail "runs compare: lstm change: $(cat "$TMP/out")"
    grep -q "run 2: added extra (Dense)" "$TMP/out" || fail "runs compare: added layer: $(cat "$TMP/out")"
fi
if expect_ok "runs compare --diff-only" "$UNROLL" runs compare 1 2 --diff-only --db "$DB"; then
    grep -Eq '^  (optimizer|seed) ' "$TMP/out" || fail "--diff-only lost a differing setting: $(cat "$TMP/out")"
    grep -Eq '^  batch_size ' "$TMP/out" && fail "--diff-only kept batch_size: $(cat "$TMP/out")"
fi

# ---- metrics: every step's loss once, each epoch's metrics
if expect_ok "runs metrics csv" "$UNROLL" runs metrics 1 --db "$DB" --format csv; then
    head -1 "$TMP/out" | grep -q '^name,step,epoch,value,wall_time$' || fail "metrics csv: header"
    steps=$(grep '^batch_loss,' "$TMP/out" | cut -d, -f2 | tr '\n' ' ')
    [ "$steps" = "$(seq 1 26 | tr '\n' ' ')" ] || fail "metrics: batch_loss steps are not 1..26: $steps"
    [ "$(grep '^loss,' "$TMP/out" | cut -d, -f2,3 | tr '\n' ' ')" = "13,0 26,1 " ] ||
        fail "metrics: the epochs' loss points are not at steps 13 and 26"
    [ "$(grep -c '^val_loss,' "$TMP/out")" = 2 ] || fail "metrics: not 2 val_loss points"
    grep -q '^val_mae,26,1,' "$TMP/out" || fail "metrics: no val_mae at step 26, epoch 1"
fi
if expect_ok "runs metrics json" "$UNROLL" runs metrics 1 --db "$DB" --format json --name val_loss; then
    [ "$(grep -c '"step": ' "$TMP/out")" = 2 ] && head -2 "$TMP/out" | grep -q '"val_loss": \[' ||
        fail "metrics json --name val_loss: $(cat "$TMP/out")"
fi
expect_fail "runs metrics --format" "'xml' is not csv or json" "$UNROLL" runs metrics 1 --db "$DB" --format xml

# ---- export, read back by predict
write_npy "$TMP/x.npy" '<f4' '(3, 20, 2)' 480 077
expect_ok "train --save" "$UNROLL" train "$EXAMPLES/adding.json" --data "$ADDING" --loss mse \
    --epochs 2 --seed 3 --db "$DB" --save "$TMP/saved.safetensors" --threads 1
id=$(head -1 "$TMP/out" | sed -n 's/^run \([0-9]*\)$/\1/p')
expect_ok "export last" "$UNROLL" export "$id" --db "$DB" -o "$TMP/last.safetensors"
cmp -s "$TMP/last.safetensors" "$TMP/saved.safetensors" ||
    fail "export: the last checkpoint differs from the weights train saved"
expect_ok "predict with the exported weights" "$UNROLL" predict "$EXAMPLES/adding.json" \
    --weights "$TMP/last.safetensors" --input "$TMP/x.npy" --output "$TMP/y.npy"
expect_ok "export best as npz" "$UNROLL" export "$id" --db "$DB" --checkpoint best --format npz \
    -o "$TMP/best.npz"
# a stored zip: member names and .npy headers are plain bytes
LC_ALL=C grep -aq "lstm/kernel.npy" "$TMP/best.npz" &&
    LC_ALL=C grep -aq "'shape': (2, 128)" "$TMP/best.npz" ||
    fail "export npz: no lstm/kernel"
expect_ok "export epoch 2" "$UNROLL" export "$id" --db "$DB" --checkpoint 2 -o "$TMP/e2.safetensors"
cmp -s "$TMP/e2.safetensors" "$TMP/saved.safetensors" || fail "export: epoch 2 differs from the last"
expect_fail "export without -o" "-o FILE is required" "$UNROLL" export "$id" --db "$DB"
expect_fail "export of a missing epoch" "." "$UNROLL" export "$id" --db "$DB" --checkpoint 9 -o "$TMP/n"

# ---- delete
expect_ok "runs delete" "$UNROLL" runs delete 2 --db "$DB"
expect_fail "show a deleted run" "." "$UNROLL" runs show 2 --db "$DB"
expect_ok "runs list after delete" "$UNROLL" runs list --db "$DB" &&
    { grep -q '^2 ' "$TMP/out" && fail "runs list still shows run 2"; }

# ---- --help everywhere, usage errors
for sub in list show compare metrics delete; do
    expect_ok "runs $sub --help" "$UNROLL" runs "$sub" --help &&
        { grep -q "^Usage: unroll runs $sub" "$TMP/out" || fail "runs $sub --help"; }
done
expect_ok "export --help" "$UNROLL" export --help
expect_fail "runs bogus" "did you mean 'list'" "$UNROLL" runs lsit
expect_fail "resume with options" "drop --loss" "$UNROLL" train --resume 1 --loss mse --db "$DB"
expect_fail "resume a completed run" "has completed" "$UNROLL" train --resume 1 --db "$DB"

# ---- events: a run stopped with Ctrl-C says so, with its step
"$UNROLL" train "$EXAMPLES/adding.json" --data synthetic:adding --loss mse --epochs 200 \
    --db "$DB" --threads 1 >"$TMP/stop.out" 2>&1 &
pid=$!
i=0
while ! grep -q '^Epoch 2/' "$TMP/stop.out" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
kill -INT $pid
wait $pid 2>/dev/null
sid=$(sed -n 's/^run \([0-9]*\)$/\1/p' "$TMP/stop.out" | head -n 1)
expect_ok "runs show a stopped run" "$UNROLL" runs show "$sid" --db "$DB" &&
    { grep -Eq '^  status: +cancelled$' "$TMP/out" || fail "a Ctrl-C'd run is not cancelled"; } &&
    { grep -Eq '^  [0-9-]+ [0-9:]+  stop +step [0-9]+  Stopped in epoch [0-9]+$' "$TMP/out" ||
        fail "no stop event in words: $(cat "$TMP/out")"; }
finish
