#!/usr/bin/env bash
# Measures the resident memory of an idle `switchboard serve` (the gateway
# process only, not its servers) with N stdio test servers configured.
# Usage: scripts/idle-rss.sh [N] [SECONDS]   (defaults 10 servers, 20 s idle)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n=${1:-10}
idle=${2:-20}
make -s build
home=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$home"' EXIT
port=$(( 20000 + RANDOM % 20000 ))
{
  printf '{"listen": "127.0.0.1:%s", "mcpServers": {' "$port"
  for i in $(seq 1 "$n"); do
    [[ $i -gt 1 ]] && printf ','
    printf '"s%02d": {"command": "%s/bin/switchboard-testserver"}' "$i" "$PWD"
  done
  printf '}}\n'
} > "$home/config.json"
bin/switchboard serve --home "$home" --log-level warn &
pid=$!
sleep "$idle"
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
children=$(pgrep -P "$pid" | wc -l)
echo "servers configured: $n, running children: $children, idle ${idle}s"
echo "switchboard RSS: $((rss_kb / 1024)) MB ($rss_kb kB)"
