// Discovery sources and pending servers as the API shows them, and the
// request body the source form sends. Source kinds beyond folder and clients
// carry settings of their own: they are shown and sent as they are, so a new
// kind works here without a change.

export interface SourceProblem {
  where: string;
  message: string;
}

export interface DiscoverySource {
  id: string;
  kind: string;
  mode: string;
  enabled: boolean;
  interval?: string;
  path?: string;
  last_scan?: string;
  last_error?: string;
  found: number;
  problems?: SourceProblem[] | null;
  [setting: string]: unknown;
}

export interface PendingServer {
  id: string;
  source: string;
  action: 'add' | 'remove' | string;
  name: string;
  server?: Record<string, unknown> & { command?: string; args?: string[]; url?: string; type?: string };
  where?: string;
  format?: string;
  found_at: string;
}

export const SOURCE_KINDS: { kind: string; label: string; hint: string }[] = [
  { kind: 'folder', label: 'A folder', hint: 'Every client config file (.json, .jsonc) directly in one folder, watched for changes.' },
  { kind: 'clients', label: 'The clients on this computer', hint: "The config file of each installed client: Claude Desktop, Cursor, VS Code, Windsurf, Claude Code." },
];

/** Fields every source has; anything else is a setting of its kind. */
const COMMON = new Set(['id', 'kind', 'mode', 'enabled', 'interval', 'last_scan', 'last_error', 'found', 'problems']);

function settingText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(', ');
  return JSON.stringify(v);
}

/**
 * A source's own settings (a folder's path, a kind's other fields) as
 * label and text, for showing; empty values are left out.
 */
export function sourceSettings(s: DiscoverySource): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(s)) {
    if (COMMON.has(k)) continue;
    const text = settingText(v);
    if (text) out.push([k.replace(/_/g, ' '), text]);
  }
  return out;
}

/** The settings of a source that the form edits as JSON (all but path). */
export function extraSettings(s: DiscoverySource): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (!COMMON.has(k) && k !== 'path') out[k] = v;
  return out;
}

export interface SourceForm {
  id: string;
  kind: string;
  mode: string;
  interval: string;
  path: string;
  /** Settings of other kinds, as a JSON object; '' for none. */
  extra: string;
}

export class FormError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/**
 * The body of POST /api/v1/discovery/sources (creating) or PATCH
 * /api/v1/discovery/sources/{id} (editing: id and kind cannot change, so
 * they are not sent). Throws FormError naming the field when the extra
 * settings are not a JSON object.
 */
export function sourceBody(f: SourceForm, editing: boolean): Record<string, unknown> {
  let extra: Record<string, unknown> = {};
  if (f.extra.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(f.extra);
    } catch (e) {
      throw new FormError('extra', `The other settings are not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new FormError('extra', 'The other settings must be a JSON object, such as {"namespace": "tools"}.');
    }
    extra = parsed as Record<string, unknown>;
  }
  const body: Record<string, unknown> = { ...extra, mode: f.mode || 'additive' };
  if (!editing) {
    body.id = f.id.trim();
    body.kind = f.kind.trim();
  }
  // Empty means the default interval; on an edit, '' puts the default back.
  if (f.interval.trim() || editing) body.interval = f.interval.trim();
  if (f.path.trim() || (editing && f.kind === 'folder')) body.path = f.path.trim();
  return body;
}

/** What a pending server would run, in one line. */
export function pendingSummary(p: PendingServer): string {
  const s = p.server;
  if (!s) return '';
  if (s.url) return `${s.type ? s.type + ' ' : ''}${s.url}`;
  return [s.command, ...(s.args ?? [])].filter(Boolean).join(' ');
}
