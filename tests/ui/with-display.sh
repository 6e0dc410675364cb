#!/bin/sh
# with-display.sh PROGRAM [ARGS...] — runs a GUI test or benchmark on the
# display there is ($DISPLAY), else on a private Xvfb server (xvfb-run -a);
# exits 77 (skipped) when there is neither. GTK is pinned to X11 with the
# cairo renderer so screenshots look the same everywhere.
set -u
export GDK_BACKEND=x11
export GSK_RENDERER="${GSK_RENDERER:-cairo}"
export NO_AT_BRIDGE=1
export GSETTINGS_BACKEND="${GSETTINGS_BACKEND:-memory}"
export GTK_A11Y=none
if [ -n "${DISPLAY:-}" ]; then
    exec "$@"
fi
if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "with-display.sh: no display and no xvfb-run (apt install xvfb xauth): skipped" >&2
    exit 77
fi
exec xvfb-run -a -s "-screen 0 1920x1080x24 -nolisten tcp" "$@"
