#!/bin/sh
# check.sh — the packaging tests (suite 'packaging'): validates the desktop
# file, the AppStream metainfo, the GSettings schema and the GResource bundle
# with the tools that consume them. Exits 0 on success, 1 on failure, 77 (skip)
# when the tool is missing. Usage: check.sh desktop FILE | metainfo FILE |
# schema DIR | gresource XML ICON-DIR TEMPLATE-DIR
set -u

need() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "check.sh: $1 is not installed; skipping"
        exit 77
    fi
}

fail() {
    echo "check.sh: $*" >&2
    exit 1
}

mode=${1:-}
[ $# -ge 2 ] || fail "usage: check.sh desktop FILE | metainfo FILE | schema DIR | gresource XML ICON-DIR TEMPLATE-DIR"
shift

case "$mode" in
desktop)
    need desktop-file-validate
    out=$(desktop-file-validate "$1" 2>&1)
    rc=$?
    echo "$out"
    [ $rc -eq 0 ] || fail "desktop-file-validate $1 exited with $rc"
    # hints are advice; errors and warnings are not
    if echo "$out" | grep -Eq '(error|warning):'; then
        fail "desktop-file-validate reports errors or warnings for $1"
    fi
    ;;
metainfo)
    need appstreamcli
    out=$(appstreamcli validate --no-net "$1" 2>&1)
    rc=$?
    echo "$out"
    [ $rc -eq 0 ] || fail "appstreamcli validate $1 exited with $rc"
    # infos and pedantic notes are fine; warnings and errors are not
    if echo "$out" | grep -Eq '^(W|E):'; then
        fail "appstreamcli reports warnings or errors for $1"
    fi
    echo "$out" | grep -q 'Validation was successful' || fail "appstreamcli did not report success for $1"
    ;;
schema)
    need glib-compile-schemas
    glib-compile-schemas --strict --dry-run "$1" || fail "glib-compile-schemas --strict refuses the schemas in $1"
    echo "schemas in $1 compile with --strict"
    ;;
gresource)
    need glib-compile-resources
    need gresource
    [ $# -eq 3 ] || fail "usage: check.sh gresource XML ICON-DIR TEMPLATE-DIR"
    xml=$1 icons=$2 templates=$3
    tmp=$(mktemp -d) || fail "cannot make a scratch folder"
    trap 'rm -rf "$tmp"' EXIT
    glib-compile-resources --sourcedir "$(dirname "$xml")" --target "$tmp/unroll.gresource" "$xml" ||
        fail "glib-compile-resources cannot build $xml"
    gresource list "$tmp/unroll.gresource" > "$tmp/list" || fail "gresource cannot list the bundle"
    base=/io/github/unroll/Unroll
    want() {
        grep -qx "$base/$1" "$tmp/list" || fail "the bundle lacks $base/$1"
    }
    n=0
    for f in "$icons"/unroll-layer-*-symbolic.svg; do
        [ -e "$f" ] || fail "no glyphs in $icons"
        want "icons/scalable/actions/$(basename "$f")"
        # the bundled copy is the file itself
        gresource extract "$tmp/unroll.gresource" "$base/icons/scalable/actions/$(basename "$f")" |
            cmp -s - "$f" || fail "the bundled $(basename "$f") differs from $f"
        n=$((n + 1))
    done
    for f in "$templates"/*.json; do
        want "templates/$(basename "$f")"
        n=$((n + 1))
    done
    want icons/scalable/apps/io.github.unroll.Unroll.svg
    want icons/symbolic/apps/io.github.unroll.Unroll-symbolic.svg
    echo "the bundle holds $n glyphs and templates and the app icons"
    ;;
*)
    fail "unknown check '$mode'"
    ;;
esac
exit 0
