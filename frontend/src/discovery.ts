// Discovery sources and pending servers as the API shows them, and the
// request body the source form sends. Each kind the panel knows has its own
// fields; a kind it does not know is shown and sent with its settings as they
// are, so a new kind works here before the panel learns of it.

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

type PendingConfig = Record<string, unknown> & { command?: string; args?: string[]; url?: string; type?: string };

export interface PendingServer {
  id: string;
  source: string;
  action: 'add' | 'update' | 'remove' | string;
  name: string;
  server?: PendingConfig;
  /** For an update: the server as the config has it now. */
  previous?: PendingConfig;
  where?: string;
  format?: string;
  found_at: string;
}

/** A setting of a kind of source, edited as text ('' is its default). */
export interface KindField {
  key: string;
  label: string;
  placeholder?: string;
}

export interface SourceKind {
  kind: string;
  label: string;
  hint: string;
  fields: KindField[];
}

export const SOURCE_KINDS: SourceKind[] = [
  {
    kind: 'folder',
    label: 'A folder',
    hint: 'Every client config file (.json, .jsonc) directly in one folder, watched for changes.',
    fields: [{ key: 'path', label: 'Folder (an absolute path)', placeholder: '/home/me/mcp-configs' }],
  },
  {
    kind: 'clients',
    label: 'The clients on this computer',
    hint: 'The config file of each installed client: Claude Desktop, Cursor, VS Code, Windsurf, Claude Code.',
    fields: [],
  },
  {
    kind: 'docker',
    label: 'Docker containers',
    hint: 'The containers labelled mcp.enable=true, through the Docker Engine on its unix socket.',
    fields: [{ key: 'socket', label: 'Docker socket (empty: DOCKER_HOST, then the usual places)', placeholder: '/var/run/docker.sock' }],
  },
  {
    kind: 'kubernetes',
    label: 'Kubernetes services and pods',
    hint: 'The services and pods annotated mcp.switchboard.io/enabled: "true", through the Kubernetes API, connecting as kubectl does.',
    fields: [
      { key: 'kubeconfig', label: 'Kubeconfig file (empty: $KUBECONFIG, then ~/.kube/config, then the cluster Switchboard runs in)', placeholder: '/home/me/.kube/config' },
      { key: 'context', label: "Context (empty: the file's current one)" },
      { key: 'namespace', label: 'Namespace (empty: every namespace)' },
      { key: 'label_selector', label: 'Label selector (empty: any labels)', placeholder: 'team=ai,tier!=test' },
    ],
  },
];

export const kindFields = (kind: string): KindField[] => SOURCE_KINDS.find((k) => k.kind === kind)?.fields ?? [];

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

/** The settings of a source that have no field of their own in the form (a kind it does not know), edited as JSON. */
export function extraSettings(s: DiscoverySource): Record<string, unknown> {
  const own = new Set(kindFields(s.kind).map((f) => f.key));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (!COMMON.has(k) && !own.has(k)) out[k] = v;
  return out;
}

export interface SourceForm {
  id: string;
  kind: string;
  mode: string;
  interval: string;
  /** The kind's own settings (see SOURCE_KINDS), as typed. */
  settings: Record<string, string>;
  /** Settings of a kind the form does not know, as a JSON object; '' for none. */
  extra: string;
}

/** The form for a new source, or for changing one. */
export function sourceForm(s?: DiscoverySource): SourceForm {
  if (!s) return { id: '', kind: 'folder', mode: 'additive', interval: '', settings: {}, extra: '' };
  const settings: Record<string, string> = {};
  for (const f of kindFields(s.kind)) settings[f.key] = typeof s[f.key] === 'string' ? (s[f.key] as string) : '';
  const extra = extraSettings(s);
  return {
    id: s.id,
    kind: s.kind,
    mode: s.mode || 'additive',
    interval: s.interval ?? '',
    settings,
    extra: Object.keys(extra).length ? JSON.stringify(extra, null, 2) : '',
  };
}

export class FormError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/**
 * The body of POST /api/v1/discovery/sources (creating) or PATCH
 * /api/v1/discovery/sources/{id} (editing: id and kind cannot change, so
 * they are not sent, and an emptied setting is sent empty, which puts its
 * default back). Throws FormError naming the field when the other settings
 * are not a JSON object.
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
  if (f.interval.trim() || editing) body.interval = f.interval.trim();
  for (const field of kindFields(f.kind)) {
    const v = (f.settings[field.key] ?? '').trim();
    if (v || editing) body[field.key] = v;
  }
  return body;
}

/** How a pending server is reached (for an update: how it will be). */
export function pendingSummary(p: PendingServer): string {
  return reachedBy(p.server);
}

/** How the server of an update is reached now. */
export function previousSummary(p: PendingServer): string {
  return reachedBy(p.previous);
}

/** What a server runs, or where it is reached, in one line. */
function reachedBy(s?: PendingConfig): string {
  if (!s) return '';
  if (s.url) return `${s.type ? s.type + ' ' : ''}${s.url}`;
  return [s.command, ...(s.args ?? [])].filter(Boolean).join(' ');
}
