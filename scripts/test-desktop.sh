#!/usr/bin/env bash
# The desktop tests (make test-desktop): builds bin/switchboard-desktop with
# cgo and the desktop tags, then runs app/desktoptest under dbus-run-session
# (each test starts its own Xvfb and stand-in tray host, stops them by PID):
# the real tray clicked over DBus, the Wails window with a screenshot in
# test-artifacts/desktop/, a second launch, the headless fallback; and the
# single-instance test of app/, which needs a session bus.
#
# Where the GTK/WebKit packages are missing and cannot be installed (no root),
# it says so and exits 0, as the other optional test deps do.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
GO="${GO:-go}"

set +e
scripts/install-desktop-deps.sh test
status=$?
set -e
if [[ $status == 2 ]]; then
  echo "test-desktop: SKIPPED, the desktop build and test dependencies are missing (see above)" >&2
  exit 0
elif [[ $status != 0 ]]; then
  exit $status
fi

if [[ ! -f frontend/dist/index.html ]]; then
  echo "test-desktop: the control panel is not built (frontend/dist); building it so the window has it to show"
  make --no-print-directory ui
fi

start=$(date +%s)
CGO_ENABLED=1 "$GO" build -tags desktop,production,webkit2_41 -o bin/switchboard-desktop .
echo "test-desktop: desktop build took $(( $(date +%s) - start )) s"

export SB_DESKTOP_BIN="$REPO/bin/switchboard-desktop"
export SB_DESKTOP_ARTIFACTS="$REPO/test-artifacts/desktop"
mkdir -p "$SB_DESKTOP_ARTIFACTS"
# No display or bus of the caller leaks in: each test makes its own.
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS
dbus-run-session -- "$GO" test -count=1 -v -timeout 5m ./app/desktoptest/ 2>&1 | grep -v '^dbus-daemon\['
status=${PIPESTATUS[0]}
[[ $status == 0 ]] || exit $status
dbus-run-session -- "$GO" test -count=1 -run 'TestSecondLaunch' -v ./app/ 2>&1 | grep -v '^dbus-daemon\['
exit "${PIPESTATUS[0]}"
