#!/bin/sh
# setup.sh — installs the Debian packages Unroll builds with (only those
# missing; sudo only when not root), then configures build/ and builds.
# Non-interactive; run from anywhere: packaging/setup.sh [meson options...]
set -eu

cd "$(dirname "$0")/.."

packages="meson ninja-build gcc pkg-config libopenblas-dev zlib1g-dev libsqlite3-dev sqlite3"
# the window (GTK 4.8 / libadwaita 1.2), its tests under Xvfb, and the tools
# that compile and check the desktop files (suite 'packaging')
packages="$packages libgtk-4-dev libadwaita-1-dev xvfb xauth desktop-file-utils appstream"
packages="$packages libglib2.0-bin libglib2.0-dev-bin"
missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    if [ "$(id -u)" -eq 0 ]; then
        sudo=""
    elif command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        echo "setup.sh: these packages are missing:$missing" >&2
        echo "setup.sh: run this script as root, or install sudo" >&2
        exit 1
    fi
    echo "setup.sh: installing$missing"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update
    # shellcheck disable=SC2086 # one word per package
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi

if [ -f build/build.ninja ]; then
    meson setup --reconfigure build "$@"
else
    meson setup build "$@"
fi
ninja -C build
echo "setup.sh: built build/app/unroll"
