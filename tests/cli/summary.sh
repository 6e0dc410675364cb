# summary.sh — `unroll summary` of every example model and of the test
# models against golden tables whose parameter counts were worked out by
# hand from Keras's formulas (rnn-reference.md §1.5), e.g. LSTM(64) on 28
# features: 4(28·64 + 64² + 64) = 23,808.
. "$(dirname "$0")/lib.sh"

check() { # check NAME MODEL [OPTIONS...]
    name=$1 model=$2
    shift 2
    if expect_ok "summary $name" "$UNROLL" summary "$model" "$@"; then
        diff -u "$GOLDEN/$name.txt" "$TMP/out" >"$TMP/diff" || {
            fail "summary $name differs from golden/$name.txt:"
            cat "$TMP/diff" >&2
        }
    fi
}

for m in mnist-rows adding sentiment encoder-decoder bidirectional; do
    check "$m" "$EXAMPLES/$m.json"
done
for m in zoo merge states; do
    check "$m" "$MODELS/$m.json"
done
check mnist-rows-ascii "$EXAMPLES/mnist-rows.json" --ascii

# A wider terminal widens the table up to Keras's 88 columns.
COLUMNS=200 "$UNROLL" summary "$EXAMPLES/adding.json" --ascii >"$TMP/wide"
width=$(sed -n 2p "$TMP/wide" | awk '{ print length($0) }')
[ "$width" = 88 ] || fail "summary at COLUMNS=200: table is $width columns wide, expected 88"

# The totals are the same whatever the width.
grep -q '^ Total params: 4,513 (17.63 KB)$' "$TMP/wide" || fail "wide summary totals"

finish
