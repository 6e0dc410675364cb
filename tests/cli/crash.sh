# crash.sh — the run store survives SIGKILL: `unroll train` on the adding
# task, checkpointing every 0.5 s, is killed 20 times (every other kill
# right after a checkpoint begins to be written, the others at random) and
# resumed with --resume each time. After every kill: PRAGMA integrity_check
# is ok, the run is found interrupted, its metrics reach to within a second
# of the kill. Resumed to the end, its metrics equal (1e-6) those of an
# uninterrupted run with the same seed, each step exactly once.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null 2>&1 || { echo "sqlite3 (the command) is missing: skipped"; exit 77; }
ADDING='synthetic:adding?n=2000&timesteps=40'
EPOCHS=${CRASH_EPOCHS:-250}
KILLS=20
DB=$TMP/crash.db
# exec: $! is the trainer itself (run in the background only)
train() {
    exec "$UNROLL" train "$EXAMPLES/adding.json" --data "$ADDING" --loss mse --metrics mae \
        --epochs "$EPOCHS" --seed 7 --threads 1 "$@"
}
now() { date +%s.%N; }
q() { sqlite3 -cmd '.timeout 5000' "$DB" "$1" 2>>"$TMP/sqlite.err"; }

# the uninterrupted run, alongside
train --db "$TMP/ref.db" >"$TMP/ref.out" 2>"$TMP/ref.err" &
ref_pid=$!

train --db "$DB" --checkpoint-every 0.5 >"$TMP/t0.out" 2>"$TMP/t0.err" &
pid=$!
i=0
while ! grep -q '^run ' "$TMP/t0.out" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
id=$(sed -n 's/^run \([0-9]*\)$/\1/p' "$TMP/t0.out")
[ -n "$id" ] || { fail "train printed no run id: $(cat "$TMP/t0.out" "$TMP/t0.err")"; finish; }

k=1
while [ $k -le $KILLS ]; do
    started=$(now)
    if [ $((k % 2)) -eq 1 ]; then
        # right after a checkpoint begins: poll the checkpoints until they change
        before=$(q "SELECT group_concat(id || ':' || step) FROM checkpoints WHERE run = $id")
        n=0
        while [ "$(q "SELECT group_concat(id || ':' || step) FROM checkpoints WHERE run = $id")" = "$before" ] &&
            [ $n -lt 400 ]; do
            n=$((n + 1))
        done
    else
        sleep "$(awk -v s="$k$$" 'BEGIN { srand(s); printf "%.2f", 0.2 + rand() * 1.0 }')"
    fi
    if ! kill -0 $pid 2>/dev/null; then
        fail "kill $k: the trainer had already ended (raise CRASH_EPOCHS): $(tail -3 "$TMP/t$((k - 1)).err")"
        break
    fi
    kill -KILL $pid
    killed=$(now)
    wait $pid 2>/dev/null
    [ "$(q 'PRAGMA integrity_check')" = ok ] || fail "kill $k: integrity_check: $(q 'PRAGMA integrity_check')"
    "$UNROLL" runs show "$id" --db "$DB" >"$TMP/show" 2>&1
    grep -Eq '^  status: +interrupted$' "$TMP/show" || fail "kill $k: run $id not interrupted: $(cat "$TMP/show")"
    # the metrics reach to within about a second of the kill (once training had time to
    # write): points are flushed every 0.5 s; 1.5 s leaves room for a loaded machine
    last=$(q "SELECT max(last_wall) FROM metrics WHERE run = $id")
    if awk -v s="$started" -v k="$killed" 'BEGIN { exit !(k - s >= 1.2) }'; then
        awk -v l="${last:-0}" -v k="$killed" 'BEGIN { exit !(k - l <= 1.5) }' ||
            fail "kill $k: the last metric point is $(awk -v l="${last:-0}" -v k="$killed" 'BEGIN { print k - l }') s before the kill"
    fi
    "$UNROLL" train --resume "$id" --db "$DB" --checkpoint-every 0.5 --threads 1 \
        >"$TMP/t$k.out" 2>"$TMP/t$k.err" &
    pid=$!
    k=$((k + 1))
done
wait $pid
rc=$?
[ $rc -eq 0 ] || fail "the last resume: exit status $rc: $(cat "$TMP/t$((k - 1)).err")"
grep -i 'locked' "$TMP"/t*.err "$TMP/sqlite.err" && fail "'database is locked' seen"
grep -El 'Sanitizer|runtime error:' "$TMP"/t*.err "$TMP/ref.err" && fail "sanitizer reports (above)"
wait $ref_pid || fail "the uninterrupted run failed: $(cat "$TMP/ref.err")"

"$UNROLL" runs show "$id" --db "$DB" >"$TMP/show" 2>&1
grep -Eq '^  status: +completed$' "$TMP/show" || fail "run $id did not complete: $(cat "$TMP/show")"
# final and best values (the store's epoch-level points) agree as well; the events
# (the kills and resumes) differ by design
metrics_block() { sed -n '/^metrics:/,/^events:/p' | grep -v '^events:'; }
"$UNROLL" runs show 1 --db "$TMP/ref.db" | metrics_block >"$TMP/ref.show"
metrics_block <"$TMP/show" >"$TMP/got.show"
[ "$(wc -l <"$TMP/ref.show")" -ge 3 ] || fail "runs show printed no metrics: $(cat "$TMP/ref.show")"
cmp -s "$TMP/got.show" "$TMP/ref.show" ||
    fail "final/best metrics differ: $(cat "$TMP/got.show") vs $(cat "$TMP/ref.show")"
"$UNROLL" runs metrics "$id" --db "$DB" | tail -n +2 | cut -d, -f1-4 | sort >"$TMP/crashed.csv"
"$UNROLL" runs metrics 1 --db "$TMP/ref.db" | tail -n +2 | cut -d, -f1-4 | sort >"$TMP/ref.csv"
n_ref=$(wc -l <"$TMP/ref.csv")
[ "$n_ref" -gt 0 ] || fail "the uninterrupted run recorded no metrics"
[ "$(wc -l <"$TMP/crashed.csv")" = "$n_ref" ] ||
    fail "the resumed run has $(wc -l <"$TMP/crashed.csv") metric points, the uninterrupted one $n_ref"
paste -d, "$TMP/ref.csv" "$TMP/crashed.csv" | awk -F, '
    $1 != $5 || $2 != $6 || $3 != $7 { print "point " NR ": " $0; bad++; next }
    { d = $4 - $8; if (d < 0) d = -d; if (d > 1e-6) { print "point " NR ": " $0; bad++ } }
    END { exit bad > 0 }' >"$TMP/diff" || fail "resumed metrics differ from the uninterrupted run:
$(head -5 "$TMP/diff")"
finish
