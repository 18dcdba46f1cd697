// A profile's tool choice as a person makes it (per server: all its tools,
// or some of them) and as the config keeps it (tool patterns, matched
// against `{server}__{tool}`, `*` for any run of characters; no patterns
// means every tool of the profile's servers).

export interface ProfileInfo {
  name: string;
  description?: string;
  servers: string[];
  exposed_servers: string[];
  /** Groups the profile shows as /mcp does, {group}__{tool}. */
  groups: string[];
  tools: string[];
  tool_count: number;
  endpoint: string;
  mcp_url: string;
}

/** Per chosen server: 'all' its tools, or the original names of some. */
export type ServerTools = 'all' | string[];

export interface ProfileSelection {
  /** Chosen servers, in the order they were chosen. */
  servers: string[];
  tools: Record<string, ServerTools>;
  /** Chosen groups: all their tools, as {group}__{tool}. */
  groups: string[];
  /** Patterns that name no single server's tool (such as `*search*`), kept as written. */
  otherPatterns: string[];
}

/** The server a pattern starts with (`server__`), the longest name when several fit. */
function serverOf(pattern: string, servers: string[]): string | undefined {
  let best: string | undefined;
  for (const s of servers) if (pattern.startsWith(`${s}__`) && (!best || s.length > best.length)) best = s;
  return best;
}

/** Reads a profile's servers and patterns into the choice the form edits. */
export function selectionFromProfile(servers: string[], patterns: string[], groups: string[] = []): ProfileSelection {
  const sel: ProfileSelection = { servers: [...servers], tools: {}, groups: [...groups], otherPatterns: [] };
  if (!patterns.length) {
    for (const s of servers) sel.tools[s] = 'all';
    return sel;
  }
  for (const s of servers) sel.tools[s] = [];
  for (const p of patterns) {
    if (groups.some((g) => p === `${g}__*`)) continue; // a chosen group's: profileBody writes it again
    const s = serverOf(p, servers);
    const rest = s ? p.slice(s.length + 2) : '';
    if (s && rest === '*') sel.tools[s] = 'all';
    else if (s && rest && !rest.includes('*')) {
      const t = sel.tools[s];
      if (t !== 'all' && !t.includes(rest)) t.push(rest);
    } else sel.otherPatterns.push(p);
  }
  return sel;
}

export interface ProfileBody {
  name?: string;
  description?: string;
  servers: string[];
  groups?: string[];
  tools?: string[];
}

/**
 * The body of POST /api/v1/profiles (with the name) or PUT
 * /api/v1/profiles/{name}. Answers an error in words instead when the
 * choice cannot be kept: a name that is not allowed, or a server with no
 * tool chosen (which the patterns could not say).
 */
export function profileBody(
  name: string,
  description: string,
  sel: ProfileSelection,
  creating: boolean,
): { ok: true; body: ProfileBody } | { ok: false; error: string } {
  const n = name.trim();
  if (creating && !/^[A-Za-z0-9_-]{1,64}$/.test(n)) {
    return { ok: false, error: 'The name must be 1 to 64 letters, digits, _ or - (it is part of the endpoint URL).' };
  }
  const others = sel.otherPatterns.map((p) => p.trim()).filter(Boolean);
  const everyTool = sel.servers.every((s) => sel.tools[s] === 'all') && !others.length;
  const tools: string[] = [];
  if (!everyTool) {
    for (const s of sel.servers) {
      const t = sel.tools[s] ?? 'all';
      if (t === 'all') tools.push(`${s}__*`);
      else if (!t.length && !others.length) return { ok: false, error: `No tool of ${s} is chosen: choose some, or all, or take ${s} out of the profile.` };
      else for (const name of t) tools.push(`${s}__${name}`);
    }
    // Patterns narrow every list, groups' too: a chosen group keeps all its tools.
    for (const g of sel.groups) tools.push(`${g}__*`);
    tools.push(...others);
  }
  const body: ProfileBody = { servers: [...sel.servers] };
  if (sel.groups.length) body.groups = [...sel.groups];
  if (creating) body.name = n;
  if (description.trim()) body.description = description.trim();
  if (tools.length) body.tools = tools;
  return { ok: true, body };
}

/** Chooses or drops a server; a newly chosen one starts with all its tools. */
export function toggleServer(sel: ProfileSelection, server: string, on: boolean): ProfileSelection {
  if (on === sel.servers.includes(server)) return sel;
  const tools = { ...sel.tools };
  if (on) tools[server] = 'all';
  else delete tools[server];
  return { ...sel, servers: on ? [...sel.servers, server] : sel.servers.filter((s) => s !== server), tools };
}

/** Chooses or drops one tool of a server; dropping one of 'all' keeps the rest of `known`. */
export function toggleTool(sel: ProfileSelection, server: string, tool: string, on: boolean, known: string[]): ProfileSelection {
  const cur = sel.tools[server] ?? 'all';
  const list = cur === 'all' ? [...known] : [...cur];
  const next = on ? (list.includes(tool) ? list : [...list, tool]) : list.filter((t) => t !== tool);
  return { ...sel, tools: { ...sel.tools, [server]: next } };
}

/** Chooses or drops a group. */
export function toggleGroup(sel: ProfileSelection, group: string, on: boolean): ProfileSelection {
  if (on === sel.groups.includes(group)) return sel;
  return { ...sel, groups: on ? [...sel.groups, group] : sel.groups.filter((g) => g !== group) };
}
