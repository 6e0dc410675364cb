#!/bin/sh
# summary-device.sh — `unroll summary --device`: each layer's path listed
# after the table (cpu here, where no GPU is usable; cudnn, kernels and
# cublas on one), cuda refused with the reason, a bad value a usage error.
# Usage: summary-device.sh UNROLL SRCDIR
unroll=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
cat >"$tmp/m.json" <<'JSON'
{"layers": [{"class": "Input", "shape": [28, 28]}, {"class": "LSTM", "units": 64},
            {"class": "BatchNormalization"}, {"class": "Dense", "units": 10}]}
JSON
out=$("$unroll" summary "$tmp/m.json" --device cpu) || { echo "FAIL: --device cpu exit $?"; fail=1; }
for want in " Layers on cpu:" "   lstm (LSTM): cpu" "   batch_normalization (BatchNormalization): cpu" \
            "   dense (Dense): cpu"; do
    printf '%s\n' "$out" | grep -qxF "$want" || { echo "FAIL: no line '$want' in:"; echo "$out"; fail=1; }
done
if "$unroll" summary "$tmp/m.json" --device gpu >"$tmp/o" 2>"$tmp/e"; then
    echo "FAIL: --device gpu accepted"; fail=1
elif ! grep -q "unknown device 'gpu'" "$tmp/e"; then
    echo "FAIL: --device gpu: $(cat "$tmp/e")"; fail=1
fi
# auto: the GPU's paths where one is usable, else the CPU's and why on stderr
out=$("$unroll" summary "$tmp/m.json" --device auto 2>"$tmp/e") || { echo "FAIL: auto exit $?"; fail=1; }
if printf '%s\n' "$out" | grep -q "^ Layers on cuda"; then
    printf '%s\n' "$out" | grep -qE "lstm \(LSTM\): (kernels|cudnn)$" ||
        { echo "FAIL: auto on a GPU:"; echo "$out"; fail=1; }
    printf '%s\n' "$out" | grep -qx "   dense (Dense): cublas" || { echo "FAIL: Dense path:"; echo "$out"; fail=1; }
else
    grep -q "running on the CPU" "$tmp/e" || { echo "FAIL: auto on the CPU said nothing: $(cat "$tmp/e")"; fail=1; }
    if "$unroll" summary "$tmp/m.json" --device cuda >/dev/null 2>"$tmp/e"; then
        echo "FAIL: --device cuda without a GPU succeeded"; fail=1
    elif ! grep -q "cannot use cuda" "$tmp/e"; then
        echo "FAIL: --device cuda: $(cat "$tmp/e")"; fail=1
    fi
fi
[ $fail = 0 ] && echo "summary --device works"
exit $fail
