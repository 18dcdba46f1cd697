// What a person pastes to add servers, made into the body of POST
// /api/v1/servers ({"mcpServers": {...}}). People copy from many places: a
// whole claude_desktop_config.json, Cursor's mcp.json, VS Code's mcp.json
// ("servers"), the inside of the block without its braces, or one server.

export type PasteResult =
  | { ok: true; body: { mcpServers: Record<string, Record<string, unknown>> }; names: string[] }
  | { ok: false; error: string };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One server's config: it says how to reach the server. */
const looksLikeServer = (v: unknown) => isObj(v) && ('command' in v || 'url' in v || 'serverUrl' in v);

function parse(text: string): { value?: unknown; error?: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    // `"name": {...}` copied without the outer braces.
    try {
      return { value: JSON.parse(`{${text.replace(/,\s*$/, '')}}`) };
    } catch {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }
}

/**
 * Reads pasted JSON. `name` names a lone server (one without its own name
 * around it); it is ignored when the paste names its servers.
 */
export function parsePastedServers(text: string, name = ''): PasteResult {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, error: 'Paste a JSON block first.' };
  const { value, error } = parse(trimmed);
  if (error !== undefined) return { ok: false, error: `That is not valid JSON: ${error}` };
  if (!isObj(value)) return { ok: false, error: 'Expected a JSON object, such as {"mcpServers": {"name": {"command": "..."}}}.' };

  let servers: unknown;
  if (isObj(value.mcpServers)) servers = value.mcpServers;
  else if (isObj(value.servers)) servers = value.servers; // VS Code
  else if (isObj(value.mcp) && isObj((value.mcp as Record<string, unknown>).servers)) servers = (value.mcp as Record<string, unknown>).servers; // VS Code settings.json
  else if (looksLikeServer(value)) {
    const n = typeof value.name === 'string' && value.name ? value.name : name.trim();
    if (!n) return { ok: false, error: 'This is one server without a name: type its name in the Name box.' };
    const { name: _drop, ...rest } = value;
    servers = { [n]: rest };
  } else if (Object.keys(value).length && Object.values(value).every(looksLikeServer)) servers = value;
  else
    return {
      ok: false,
      error: 'No servers found. Paste a block with "mcpServers" (Claude Desktop, Cursor), "servers" (VS Code), or one server with "command" or "url".',
    };

  const out: Record<string, Record<string, unknown>> = {};
  for (const [n, cfg] of Object.entries(servers as Record<string, unknown>)) {
    if (!isObj(cfg)) return { ok: false, error: `Server "${n}" should be an object with "command" or "url".` };
    if (!looksLikeServer(cfg)) return { ok: false, error: `Server "${n}" has neither "command" nor "url", so there is nothing to run.` };
    // Windsurf writes "serverUrl" where the others write "url".
    if ('serverUrl' in cfg && !('url' in cfg)) {
      const { serverUrl, ...rest } = cfg;
      out[n] = { ...rest, url: serverUrl };
    } else out[n] = cfg;
  }
  const names = Object.keys(out);
  if (!names.length) return { ok: false, error: 'The block has no servers in it.' };
  return { ok: true, body: { mcpServers: out }, names };
}

export interface FormServer {
  name: string;
  type: 'stdio' | 'http' | 'sse';
  command: string;
  /** One argument per line. */
  args: string;
  /** KEY=value per line. */
  env: string;
  url: string;
  /** Name: value per line. */
  headers: string;
}

/** The add-server form as a server config, or the first thing wrong with it. */
export function serverFromForm(f: FormServer): { ok: true; name: string; config: Record<string, unknown> } | { ok: false; error: string } {
  const name = f.name.trim();
  if (!/^[A-Za-z0-9_-]+$/.test(name)) return { ok: false, error: 'Name: use letters, digits, _ and - only (it prefixes the tool names).' };
  const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);
  if (f.type === 'stdio') {
    if (!f.command.trim()) return { ok: false, error: 'Command: say which program to run, such as npx.' };
    const env: Record<string, string> = {};
    for (const l of lines(f.env)) {
      const i = l.indexOf('=');
      if (i <= 0) return { ok: false, error: `Environment: "${l}" should be NAME=value.` };
      env[l.slice(0, i).trim()] = l.slice(i + 1);
    }
    const config: Record<string, unknown> = { command: f.command.trim() };
    const args = lines(f.args);
    if (args.length) config.args = args;
    if (Object.keys(env).length) config.env = env;
    return { ok: true, name, config };
  }
  if (!/^https?:\/\//.test(f.url.trim())) return { ok: false, error: 'URL: give the server\'s address, starting with http:// or https://.' };
  const headers: Record<string, string> = {};
  for (const l of lines(f.headers)) {
    const i = l.indexOf(':');
    if (i <= 0) return { ok: false, error: `Headers: "${l}" should be Name: value.` };
    headers[l.slice(0, i).trim()] = l.slice(i + 1).trim();
  }
  const config: Record<string, unknown> = { type: f.type, url: f.url.trim() };
  if (Object.keys(headers).length) config.headers = headers;
  return { ok: true, name, config };
}
