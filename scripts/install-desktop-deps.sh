#!/usr/bin/env bash
# Installs what the desktop app (Wails window and tray) needs, with apt-get,
# when it is missing and we can (root, or sudo without a password):
#   build: a C compiler, pkg-config, GTK 3 and WebKitGTK 4.1 dev packages
#   test:  the above, plus Xvfb, ImageMagick (import, for the screenshot),
#          x11-utils (xwininfo: is the window shown) and dbus (dbus-run-session)
# Exits 0 when everything is there, 2 when something is missing and cannot
# be installed here (saying what), 1 on a failed install.
set -euo pipefail

MODE="${1:-build}"

missing=()
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! pkg-config --exists gtk+-3.0 2>/dev/null; then missing+=(libgtk-3-dev); fi
if ! pkg-config --exists webkit2gtk-4.1 2>/dev/null; then missing+=(libwebkit2gtk-4.1-dev); fi
if [[ "$MODE" == test ]]; then
  command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb xauth)
  command -v import >/dev/null 2>&1 || missing+=(imagemagick)
  command -v xwininfo >/dev/null 2>&1 || missing+=(x11-utils)
  command -v dbus-run-session >/dev/null 2>&1 || missing+=(dbus)
fi
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "desktop deps: missing ${missing[*]} (no apt-get here; install GTK 3 and WebKitGTK 4.1 development files by hand)" >&2
  exit 2
fi
SUDO=""
if [[ "$(id -u)" != 0 ]]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "desktop deps: missing ${missing[*]} and no root to install them: sudo apt-get install ${missing[*]}" >&2
    exit 2
  fi
fi
echo "desktop deps: installing ${missing[*]} (apt-get)"
start=$(date +%s)
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "desktop deps: installed in $(( $(date +%s) - start )) s"
