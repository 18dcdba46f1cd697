// The panel's only way to Switchboard: the REST API on /api/v1 and its event
// streams. Every call carries the API key; every failure becomes an ApiError
// whose message is the one the API wrote for people (its error envelope).

export interface Problem {
  path: string;
  message: string;
}

export class ApiError extends Error {
  /** HTTP status, or 0 when Switchboard could not be reached. */
  readonly status: number;
  /** The envelope's machine name (ServerNotFound, Unauthorized, ...). */
  readonly code: string;
  readonly problems: Problem[];
  constructor(status: number, code: string, message: string, problems: Problem[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.problems = problems;
  }
  /** The message with each field problem, for showing as it is. */
  get detail(): string {
    if (!this.problems.length) return this.message;
    const listed = this.problems.filter((p) => !this.message.includes(p.message));
    if (!listed.length) return this.message;
    return `${this.message}\n${listed.map((p) => `• ${p.path ? p.path + ': ' : ''}${p.message}`).join('\n')}`;
  }
}

/** Turns whatever an API call threw into words for a person. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.detail;
  if (err instanceof Error) return err.message;
  return String(err);
}

export interface KeyStore {
  get(): string | null;
  set(key: string | null): void;
}

export const KEY_STORAGE = 'switchboard.apiKey';

/** The key kept in localStorage (the panel asks for it once). */
export function localKeyStore(storage: Storage | undefined = globalThis.localStorage): KeyStore {
  let memory: string | null = null;
  return {
    get: () => {
      try {
        return storage?.getItem(KEY_STORAGE) ?? memory;
      } catch {
        return memory;
      }
    },
    set: (key) => {
      memory = key;
      try {
        if (key) storage?.setItem(KEY_STORAGE, key);
        else storage?.removeItem(KEY_STORAGE);
      } catch {
        // Private windows may refuse storage; the key then lives for this tab.
      }
    },
  };
}

/**
 * Takes the key out of a URL fragment such as `#key=sb_...` or
 * `#/servers&key=sb_...`. Switchboard opens the panel that way: a fragment is
 * never sent to the server, so the key stays out of logs and history once it
 * is removed. Returns the key and the fragment without it.
 */
export function takeKeyFromHash(hash: string): { key: string | null; hash: string } {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const parts = raw.split('&');
  let key: string | null = null;
  const rest: string[] = [];
  for (const part of parts) {
    const m = /^(?:\/?\??)key=(.*)$/.exec(part);
    if (m) key = decodeURIComponent(m[1]);
    else if (part) rest.push(part);
  }
  if (key === null) return { key: null, hash };
  const remaining = rest.join('&');
  return { key: key || null, hash: remaining ? `#${remaining}` : '' };
}

export interface ApiOptions {
  /** Origin the API lives on; '' means the page's own. */
  base?: string;
  keys: KeyStore;
  fetch?: typeof fetch;
  /** Called on 401 so the app can ask for a key again. */
  onUnauthorized?: (err: ApiError) => void;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

/** The segment of a path, escaped (server and tool names may hold anything). */
export const seg = (s: string) => encodeURIComponent(s);

export class Api {
  readonly base: string;
  readonly keys: KeyStore;
  private readonly fetcher: typeof fetch;
  private readonly onUnauthorized?: (err: ApiError) => void;

  constructor(opts: ApiOptions) {
    this.base = (opts.base ?? '').replace(/\/$/, '');
    this.keys = opts.keys;
    // Bound: a bare `fetch` called as a method throws "Illegal invocation".
    this.fetcher = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.onUnauthorized = opts.onUnauthorized;
  }

  /** Sends one request; answers the parsed JSON body (or text), throws ApiError. */
  async request<T = unknown>(
    method: string,
    path: string,
    opts: { body?: unknown; query?: Query; headers?: Record<string, string>; raw?: boolean } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
    const key = this.keys.get();
    if (key) headers['X-API-Key'] = key;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    const url = this.base + withQuery(path, opts.query);
    let res: Response;
    try {
      res = await this.fetcher(url, { method, headers, body });
    } catch (e) {
      throw new ApiError(
        0,
        'Unreachable',
        `Switchboard is not answering (${e instanceof Error ? e.message : String(e)}). Is it still running?`,
      );
    }
    if (!res.ok) throw await this.toError(res);
    if (opts.raw) return res as unknown as T;
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (!text) return undefined as T;
    const type = res.headers.get('Content-Type') ?? '';
    if (type.includes('json')) {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new ApiError(res.status, 'BadAnswer', `Switchboard answered ${method} ${path} with JSON that does not parse`);
      }
    }
    return text as unknown as T;
  }

  private async toError(res: Response): Promise<ApiError> {
    const text = await res.text().catch(() => '');
    let err: ApiError;
    try {
      const env = JSON.parse(text);
      if (env && typeof env.message === 'string') {
        err = new ApiError(res.status, String(env.error ?? 'Error'), env.message, Array.isArray(env.problems) ? env.problems : []);
      } else throw new Error('no envelope');
    } catch {
      const snippet = text.trim().slice(0, 200);
      err = new ApiError(res.status, 'HTTP' + res.status, `Switchboard answered ${res.status} ${res.statusText}${snippet ? `: ${snippet}` : ''}`);
    }
    if (res.status === 401) this.onUnauthorized?.(err);
    return err;
  }

  get<T = unknown>(path: string, query?: Query) {
    return this.request<T>('GET', path, { query });
  }
  post<T = unknown>(path: string, body?: unknown) {
    return this.request<T>('POST', path, { body });
  }
  put<T = unknown>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('PUT', path, { body, headers });
  }
  patch<T = unknown>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, { body });
  }
  del<T = unknown>(path: string, query?: Query) {
    return this.request<T>('DELETE', path, { query });
  }

  /**
   * URL for the SSE stream. EventSource cannot send headers, so the key goes
   * in ?apikey=, which the API accepts for exactly this.
   */
  eventsURL(types?: string[]): string {
    return this.base + withQuery('/api/v1/events', { types: types?.join(','), apikey: this.keys.get() });
  }

  /** ws:// URL of a WebSocket route, with the key in ?apikey= for the same reason. */
  wsURL(path: string, query?: Query): string {
    const origin = this.base || globalThis.location.origin;
    return origin.replace(/^http/, 'ws') + withQuery(path, { ...query, apikey: this.keys.get() });
  }
}

// --- The shapes the panel reads (the parts it uses). ---

export type ServerState =
  | 'cold' | 'starting' | 'ready' | 'degraded' | 'dead' | 'disabled' | 'stopped' | 'quarantined' | string;

export interface HealthCheck { time: string; ok: boolean; latency_ms?: number; error?: string }

export interface ServerInfo {
  name: string;
  type: string;
  enabled: boolean;
  quarantined: boolean;
  state: ServerState;
  last_error?: string;
  restarts: number;
  started_at?: string;
  uptime_s?: number;
  pid?: number;
  in_flight?: number;
  tool_count: number;
  description?: string;
  tags?: string[];
  last_health_check?: HealthCheck;
  config?: Record<string, unknown>;
}

export interface ToolInfo {
  name: string;
  server: string;
  original_name: string;
  title?: string;
  description?: string;
  input_schema?: unknown;
  output_schema?: unknown;
  annotations?: Record<string, unknown>;
  enabled: boolean;
  exposed: boolean;
  hidden_reason?: string;
  server_state?: string;
  score?: number;
}

export interface Finding { field?: string; message: string; rule?: string; severity: string; text?: string }

export interface QuarantinedTool {
  name: string;
  server: string;
  title?: string;
  description?: string;
  status: string;
  reason?: string;
  findings: Finding[] | null;
  blocking: boolean;
}

export interface QuarantinedServer {
  name: string;
  status: string;
  reason?: string;
  type?: string;
  command?: string;
  args?: string[];
  url?: string;
  state?: string;
  tools: QuarantinedTool[] | null;
}

export interface ToolReview extends QuarantinedTool {
  pinned?: unknown;
  current?: unknown;
  changes?: { field: string; old: unknown; new: unknown }[] | null;
  description_diff?: string;
}

export interface Activity {
  id: string;
  type: string;
  time: string;
  server: string;
  tool: string;
  status: string;
  duration_ms: number;
  session_id?: string;
  client?: string;
  /** The group the call came through; server is the member that took it. */
  group?: string;
  /** Who made the call: the API key's principal, or anonymous. */
  principal?: string;
  error?: string;
  arguments_preview?: string;
  arguments?: unknown;
  result?: unknown;
}

export interface Status {
  running: boolean;
  version: string;
  uptime_s: number;
  servers: { total: number; enabled: number; by_state: Record<string, number> };
  tools_total: number;
  calls_total: number;
  errors_total: number;
  sessions_open: number;
}

export interface SystemInfo {
  version: string;
  home: string;
  config_path: string;
  listen: string;
  socket: string;
  mcp_url: string;
  ui_url: string;
  api_url: string;
  docs_url: string;
  update?: { enabled: boolean; current: string; latest?: string; available: boolean; url?: string; error?: string };
}

export interface SbEvent {
  id: number;
  type: string;
  time: string;
  server?: string;
  data?: Record<string, unknown>;
}
