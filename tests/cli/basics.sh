# basics.sh — `unroll` itself: --help on every command, --version against
# meson.build's project version, and the bare command without a display.
. "$(dirname "$0")/lib.sh"

expect_ok "--help" "$UNROLL" --help && {
    for c in summary train predict; do
        grep -q "^  $c " "$TMP/out" || fail "--help does not list '$c'"
    done
}
for c in summary train predict; do
    if expect_ok "$c --help" "$UNROLL" $c --help; then
        grep -q "^Usage: unroll $c MODEL.json" "$TMP/out" || fail "$c --help: no usage line"
        grep -q -- "--help" "$TMP/out" || fail "$c --help: does not list --help"
    fi
done
expect_ok "train -h" "$UNROLL" train -h && grep -q -- "--validation-split F" "$TMP/out" ||
    fail "train -h lists --validation-split F"
expect_ok "predict --help" "$UNROLL" predict --help &&
    grep -q "<layer>_<k>.npy for k > 0" "$TMP/out" || fail "predict --help names the output files"

version=$(sed -n "s/^  version: '\([^']*\)',*$/\1/p" "$SRC/meson.build")
expect_ok "--version" "$UNROLL" --version &&
    [ "$(cat "$TMP/out")" = "unroll $version" ] ||
    fail "--version says '$(cat "$TMP/out")', meson.build says '$version'"

# Bare, it opens the window: a build without one says so, and one with the
# window says that there is no display to open it on.
expect_fail "no arguments" \
    "built without the window \(meson -Dgui=enabled\); try .unroll --help.|cannot open a display" \
    env -u DISPLAY -u WAYLAND_DISPLAY "$UNROLL"
[ "$rc" = 1 ] || fail "bare unroll: exit status $rc, expected 1"
expect_fail "usage error status" "unknown option" "$UNROLL" summary --nope
[ "$rc" = 2 ] || fail "usage error: exit status $rc, expected 2"

# datasets: the list, and what a dataset holds
expect_ok "datasets" "$UNROLL" datasets &&
    grep -q "^  FILE.csv\[?OPTIONS\]" "$TMP/out" || fail "datasets lists the CSV series"
expect_ok "datasets mnist" "$UNROLL" datasets mnist &&
    grep -q "^training     8,000 samples: x (8000, 28, 28) float32, y (8000,) int32$" "$TMP/out" &&
    grep -Eq "^classes      10: 0=[0-9]+, 1=" "$TMP/out" || fail "datasets mnist: $(cat "$TMP/out")"
expect_ok "datasets weather.csv" "$UNROLL" datasets \
    "$SRC/data/examples/weather.csv?window=24&target=temp&val=0.2" &&
    grep -q "^validation   376 samples: x (376, 24, 3) float32, y (376, 1) float32$" "$TMP/out" &&
    grep -q "^columns      time (text), temp, humidity, pressure$" "$TMP/out" ||
    fail "datasets weather.csv: $(cat "$TMP/out")"
expect_fail "datasets of a missing file" "missing.csv: No such file" \
    "$UNROLL" datasets "$TMP/missing.csv"
expect_fail "datasets with two specs" "give one dataset" "$UNROLL" datasets mnist mnist

finish
