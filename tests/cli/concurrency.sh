# concurrency.sh — two `unroll train` processes write into one run store
# while a reader polls `unroll runs metrics`: no "database is locked"
# anywhere, and afterwards each run has every step's loss exactly once.
. "$(dirname "$0")/lib.sh"
ADDING='synthetic:adding?n=2000&timesteps=40'
STEPS=63  # per epoch: 2000 / 32
DB=$TMP/shared.db
EPOCHS=20
# exec: $! is the trainer itself (run in the background only)
train() {
    exec "$UNROLL" train "$EXAMPLES/adding.json" --data "$ADDING" --loss mse --epochs $EPOCHS \
        --seed "$1" --threads 1 --db "$DB" --checkpoint-every 0.2
}
# create the store first, so the two trainers race only on writing
"$UNROLL" runs list --db "$DB" >/dev/null 2>"$TMP/list.err" || fail "runs list: $(cat "$TMP/list.err")"
train 1 >"$TMP/a.out" 2>"$TMP/a.err" &
a=$!
train 2 >"$TMP/b.out" 2>"$TMP/b.err" &
b=$!
polls=0
: >"$TMP/reader.err"
while kill -0 $a 2>/dev/null || kill -0 $b 2>/dev/null; do
    for run in 1 2; do
        # (a run not begun yet is an error too; only 'locked' counts below)
        "$UNROLL" runs metrics $run --db "$DB" >/dev/null 2>>"$TMP/reader.err" || true
    done
    polls=$((polls + 1))
done
wait $a || fail "trainer 1: $(cat "$TMP/a.err")"
wait $b || fail "trainer 2: $(cat "$TMP/b.err")"
[ $polls -ge 10 ] || fail "the reader polled only $polls times"
grep -il 'locked\|busy' "$TMP/a.err" "$TMP/b.err" "$TMP/reader.err" &&
    fail "'database is locked' seen: $(cat "$TMP/a.err" "$TMP/b.err" "$TMP/reader.err" | grep -i 'locked\|busy' | head -3)"
grep -El 'Sanitizer|runtime error:' "$TMP/a.err" "$TMP/b.err" "$TMP/reader.err" &&
    fail "sanitizer reports (above)"
steps=$((STEPS * EPOCHS))
for run in 1 2; do
    expect_ok "metrics of run $run" "$UNROLL" runs metrics $run --db "$DB" || continue
    # per-step points: every step once; the epoch's loss once at each epoch's end
    got=$(grep '^batch_loss,' "$TMP/out" | cut -d, -f2 | sort -n | uniq -c |
          awk -v n=$steps '{ if ($1 != 1 || $2 != NR) bad++ } END { print (NR == n && !bad) ? "ok" : "bad " NR }')
    [ "$got" = ok ] || fail "run $run: batch_loss points are not steps 1..$steps once each ($got)"
    ends=$(grep '^loss,' "$TMP/out" | cut -d, -f2 | tr '\n' ' ')
    [ "$ends" = "$(seq $STEPS $STEPS $steps | tr '\n' ' ')" ] ||
        fail "run $run: epoch losses not at the epochs' last steps: $ends"
    [ "$(grep -c '^val_loss,' "$TMP/out")" = $EPOCHS ] || fail "run $run: not $EPOCHS val_loss points"
done
finish
