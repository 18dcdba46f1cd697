// What each AI client needs in its config to use Switchboard, and the
// one-click install links Cursor and VS Code understand.

export interface ClientSnippet {
  id: string;
  client: string;
  where: string;
  snippet: string;
  /** A link that asks the client to add the server itself, when it has one. */
  install?: string;
}

const KEY_NOTE = '<your API key>';

function b64(s: string): string {
  return btoa(unescape(encodeURIComponent(s)));
}

/**
 * The snippets for clients that reach an MCP endpoint by URL (Cursor, VS
 * Code, Claude Code), under the entry name `name`: a profile's or a group's
 * endpoint as much as /mcp.
 */
export function urlClientSnippets(mcpURL: string, requireKey: boolean, name = 'switchboard'): ClientSnippet[] {
  const headers = requireKey ? { headers: { 'X-API-Key': KEY_NOTE } } : {};
  const cursorEntry = { url: mcpURL, ...headers };
  const vscodeEntry = { type: 'http', url: mcpURL, ...headers };
  const cursorLink = `cursor://anysphere.cursor-deeplink/mcp/install?name=${encodeURIComponent(name)}&config=${encodeURIComponent(b64(JSON.stringify(cursorEntry)))}`;
  const vscodeLink = `vscode:mcp/install?${encodeURIComponent(JSON.stringify({ name, ...vscodeEntry }))}`;
  const claudeCode = `claude mcp add --transport http ${name} ${mcpURL}${requireKey ? ` --header "X-API-Key: ${KEY_NOTE}"` : ''}`;
  return [
    {
      id: 'cursor',
      client: 'Cursor',
      where: 'In ~/.cursor/mcp.json (or the project\'s .cursor/mcp.json), or click "Add to Cursor".',
      snippet: JSON.stringify({ mcpServers: { [name]: cursorEntry } }, null, 2),
      install: requireKey ? undefined : cursorLink,
    },
    {
      id: 'vscode',
      client: 'VS Code',
      where: 'In .vscode/mcp.json or your user mcp.json (MCP: Open User Configuration), or click "Add to VS Code".',
      snippet: JSON.stringify({ servers: { [name]: vscodeEntry } }, null, 2),
      install: requireKey ? undefined : vscodeLink,
    },
    {
      id: 'claude-code',
      client: 'Claude Code',
      where: 'Run this in a terminal (add --scope user to have it in every project).',
      snippet: claudeCode,
    },
  ];
}

export function clientSnippets(mcpURL: string, requireKey: boolean): ClientSnippet[] {
  const claude = { mcpServers: { switchboard: { command: 'switchboard', args: ['stdio'] } } };
  const [cursor, vscode] = urlClientSnippets(mcpURL, requireKey);
  return [
    {
      id: 'claude',
      client: 'Claude Desktop',
      where:
        'Claude Desktop starts its servers as programs, so it runs Switchboard\'s stdio bridge, which talks to this Switchboard over its socket (no key needed). In Settings → Developer → Edit Config (claude_desktop_config.json); use the full path of the switchboard program if it is not on your PATH.',
      snippet: JSON.stringify(claude, null, 2),
    },
    cursor,
    vscode,
  ];
}
