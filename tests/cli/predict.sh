# predict.sh — `unroll predict`: one output to --output, several outputs
# (return_state) to --output-dir as <layer>.npy / <layer>_<k>.npy, named
# inputs for a two-input model, and the same seed giving the same result.
. "$(dirname "$0")/lib.sh"

# several outputs: the sequence, h and c of an LSTM(5) with return_state
write_npy "$TMP/seq.npy" '<f4' '(4, 7, 3)' 336
if expect_ok "predict states" "$UNROLL" predict "$MODELS/states.json" --input "$TMP/seq.npy" \
    --output-dir "$TMP/states/deep"; then
    [ "$(npy_shape "$TMP/states/deep/lstm.npy")" = "(4, 7, 5)" ] ||
        fail "lstm.npy has shape $(npy_shape "$TMP/states/deep/lstm.npy"), expected (4, 7, 5)"
    [ "$(npy_shape "$TMP/states/deep/lstm_1.npy")" = "(4, 5)" ] || fail "lstm_1.npy (h) shape"
    [ "$(npy_shape "$TMP/states/deep/lstm_2.npy")" = "(4, 5)" ] || fail "lstm_2.npy (c) shape"
    [ "$(grep -c '^Wrote ' "$TMP/out")" = 3 ] || fail "predict states: says $(cat "$TMP/out")"
fi
expect_fail "--output with several outputs" \
    "the model has 3 outputs \(lstm, lstm:1, lstm:2\): use --output-dir DIR.*DIR/lstm_1\.npy" \
    "$UNROLL" predict "$MODELS/states.json" --input "$TMP/seq.npy" --output "$TMP/y.npy"
expect_fail "neither --output nor --output-dir" "say where to write" \
    "$UNROLL" predict "$MODELS/states.json" --input "$TMP/seq.npy"
expect_fail "no --input" "no --input given; the model's input: seq" \
    "$UNROLL" predict "$MODELS/states.json" --output-dir "$TMP/states"

# the same seed gives the same prediction, another seed another one
# (zeros into an LSTM with zero biases give zeros whatever the weights)
write_npy "$TMP/x.npy" '<f4' '(3, 50, 2)' 1200 077
expect_ok "predict seed 1" "$UNROLL" predict "$EXAMPLES/adding.json" --input "$TMP/x.npy" \
    --output "$TMP/a.npy" --seed 1
expect_ok "predict seed 1 again" "$UNROLL" predict "$EXAMPLES/adding.json" --input "$TMP/x.npy" \
    --output="$TMP/b.npy" --seed=1
expect_ok "predict seed 2" "$UNROLL" predict "$EXAMPLES/adding.json" --input "$TMP/x.npy" \
    --output "$TMP/c.npy" --seed 2
[ "$(npy_shape "$TMP/a.npy")" = "(3, 1)" ] || fail "adding output shape $(npy_shape "$TMP/a.npy")"
cmp -s "$TMP/a.npy" "$TMP/b.npy" || fail "the same seed gave different predictions"
cmp -s "$TMP/a.npy" "$TMP/c.npy" && fail "seeds 1 and 2 gave the same prediction"

# two named inputs, int64 token ids (converted to the Inputs' int32)
write_npy "$TMP/enc.npy" '<i8' '(2, 6)' 96
write_npy "$TMP/dec.npy" '<i8' '(2, 4)' 64
if expect_ok "encoder-decoder" "$UNROLL" predict "$EXAMPLES/encoder-decoder.json" \
    --input "decoder_tokens=$TMP/dec.npy" --input "encoder_tokens=$TMP/enc.npy" \
    --output "$TMP/next.npy" --batch-size 1; then
    [ "$(npy_shape "$TMP/next.npy")" = "(2, 10)" ] || fail "next_token shape $(npy_shape "$TMP/next.npy")"
fi
expect_fail "misspelt input name" "no input 'encoder_token' \(did you mean 'encoder_tokens'\?\)" \
    "$UNROLL" predict "$EXAMPLES/encoder-decoder.json" --input "encoder_token=$TMP/enc.npy" \
    --input "decoder_tokens=$TMP/dec.npy" --output "$TMP/next.npy"
expect_fail "unnamed input of two" "the model has 2 inputs \(encoder_tokens, decoder_tokens\): name each one" \
    "$UNROLL" predict "$EXAMPLES/encoder-decoder.json" --input "$TMP/enc.npy" --output "$TMP/next.npy"
expect_fail "input missing" "no --input for the model's input 'decoder_tokens'" \
    "$UNROLL" predict "$EXAMPLES/encoder-decoder.json" --input "encoder_tokens=$TMP/enc.npy" \
    --output "$TMP/next.npy"
expect_fail "input twice" "input 'encoder_tokens' was given twice" \
    "$UNROLL" predict "$EXAMPLES/encoder-decoder.json" --input "encoder_tokens=$TMP/enc.npy" \
    --input "encoder_tokens=$TMP/enc.npy" --output "$TMP/next.npy"
write_npy "$TMP/frac.npy" '<f4' '(2, 4)' 32
printf '\000\000\300\077' | dd of="$TMP/frac.npy" bs=1 seek=128 conv=notrunc 2>/dev/null
expect_fail "fractional token ids" "frac\.npy holds float32 values such as 1\.5, but the Input 'tokens' takes int32" \
    "$UNROLL" predict "$EXAMPLES/sentiment.json" --input "$TMP/frac.npy" --output "$TMP/s.npy"

finish
