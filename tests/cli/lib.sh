# lib.sh — helpers the cli tests source: a scratch folder, assertions on exit
# status and messages, and .npy files written from the shell.
# Each test script is run as: sh SCRIPT.sh UNROLL SOURCE_ROOT

UNROLL=$1
SRC=$2
[ -x "$UNROLL" ] || { echo "usage: $0 path/to/unroll source-root" >&2; exit 1; }
[ -d "$SRC/data/examples" ] || { echo "$0: $SRC is not the source tree" >&2; exit 1; }
EXAMPLES=$SRC/data/examples
MODELS=$SRC/tests/cli/models
GOLDEN=$SRC/tests/cli/golden
TMP=$(mktemp -d "${TMPDIR:-/tmp}/unroll-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# `unroll train` records runs into $XDG_DATA_HOME/unroll/unroll.db: keep
# the tests' runs out of the user's store.
XDG_DATA_HOME=$TMP/xdg
export XDG_DATA_HOME
# Keras sizes its table to the terminal: make it the 80 columns of a pipe.
COLUMNS=80
export COLUMNS
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# A sanitizer build reports memory errors, leaks and undefined behaviour on
# stderr, sometimes with an ordinary exit status: count them as failures.
check_sanitizers() {
    if grep -Eq 'Sanitizer|runtime error:' "$TMP/err"; then
        fail "$1: sanitizer report:"
        cat "$TMP/err" >&2
    fi
}

# expect_fail WHAT PATTERN CMD...: CMD must exit non-zero (not by a signal)
# and print PATTERN (a grep -E expression) on stderr.
expect_fail() {
    what=$1 pattern=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    check_sanitizers "$what"
    if [ $rc -eq 0 ]; then
        fail "$what: exit status 0, expected a failure"
    elif [ $rc -ge 126 ] && [ $rc -ne 130 ]; then
        fail "$what: exit status $rc (crash or signal)"
        cat "$TMP/err" >&2
    elif ! grep -Eq -- "$pattern" "$TMP/err"; then
        fail "$what: stderr does not match /$pattern/:"
        cat "$TMP/err" >&2
    fi
}

# expect_ok WHAT CMD...: CMD must succeed; its stdout is left in $TMP/out.
expect_ok() {
    what=$1
    shift
    "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    check_sanitizers "$what"
    if [ $rc -ne 0 ]; then
        fail "$what: exit status $rc:"
        cat "$TMP/err" >&2
        return 1
    fi
    return 0
}

# write_npy FILE DESCR SHAPE BYTES [BYTE]: a version 1.0 .npy whose data is
# BYTES bytes, all zero or all the octal BYTE (077 makes every float32
# 0.7470), e.g. write_npy x.npy '<f4' '(3, 50, 2)' 1200 077.
write_npy() {
    header="{'descr': '$2', 'fortran_order': False, 'shape': $3, }"
    # magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64
    total=$((10 + ${#header} + 1))
    pad=$(( (64 - total % 64) % 64 ))
    len=$((${#header} + pad + 1))
    {
        printf '\223NUMPY\001\000'
        printf "\\$(printf %03o $((len % 256)))\\$(printf %03o $((len / 256)))"
        printf '%s' "$header"
        printf "%${pad}s\n" ""
        head -c "$4" /dev/zero | tr '\000' "\\${5:-000}"
    } >"$1"
}

# npy_shape FILE: the shape an .npy header declares, e.g. "(3, 1)".
npy_shape() {
    head -c 128 "$1" | LC_ALL=C tr -d '\000' | LC_ALL=C sed -n "s/.*'shape': \(([^)]*)\).*/\1/p"
}

finish() {
    if [ "$failures" -gt 0 ]; then
        echo "$failures check(s) failed" >&2
        exit 1
    fi
    echo "all checks passed"
    exit 0
}
