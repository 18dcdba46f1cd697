import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText, seg, type Activity, type HealthCheck, type ServerInfo, type ToolInfo } from '../api';
import { SchemaForm } from '../components/schemaform';
import { parsePastedServers, serverFromForm, type FormServer } from '../paste';
import { href, navigate, useRoute } from '../router';
import {
  ActionButton, Dialog, ErrorBox, Json, Loading, PageHead, StateBadge, ago, duration, when,
  useApp, useDebounced, useEvents, useLoad,
} from '../ui';

const SAMPLE = `{
  "mcpServers": {
    "filesystem": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/notes"]
    }
  }
}`;

interface Plan {
  format: string;
  detected: string;
  changes: { name: string; source_name?: string; action: string; reason?: string; warnings?: string[]; fields?: string[] }[] | null;
  summary: Record<string, number>;
}

/** Brings servers over from a client's config file on this computer: preview first, then import. */
function ImportFromClient({ onAdded }: { onAdded: (names: string[]) => void }) {
  const { api, notify } = useApp();
  const clients = useLoad(() => api.get<{ clients: { client: string; name: string; path: string; exists: boolean }[] | null }>('/api/v1/clients'));
  const [path, setPath] = useState('');
  const [plan, setPlan] = useState<Plan | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (clients.error) return <ErrorBox error={clients.error} onRetry={clients.reload} />;
  if (!clients.data) return <Loading />;
  // Each client's own file, where it is on this computer.
  const found = (clients.data.clients ?? []).filter((c) => c.exists);
  if (!found.length) return <p class="muted">No client config files were found on this computer. Paste the block under "Paste JSON" instead.</p>;
  const preview = async (p: string) => {
    setPath(p);
    setPlan(null);
    setError(null);
    try {
      setPlan((await api.post<{ plan: Plan }>('/api/v1/import/preview', { path: p })).plan);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const adding = (plan?.changes ?? []).filter((c) => c.action === 'add' || c.action === 'update');
  return (
    <div>
      <fieldset class="nested">
        <legend>Config files found</legend>
        {found.map((l) => (
          <label key={l.path} class="radio">
            <input type="radio" name="import-path" checked={path === l.path} onChange={() => preview(l.path)} /> {l.name}{' '}
            <span class="mono small muted">{l.path}</span>
          </label>
        ))}
      </fieldset>
      <ErrorBox error={error} />
      {plan && (
        <div data-testid="import-plan">
          <table class="table">
            <thead>
              <tr>
                <th>Server</th>
                <th>What happens</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {(plan.changes ?? []).map((c) => (
                <tr key={c.name + c.action}>
                  <td class="mono">{c.name}</td>
                  <td>{c.action}</td>
                  <td class="small">{[c.reason, ...(c.warnings ?? [])].filter(Boolean).join(' ') || (c.fields?.length ? `changes ${c.fields.join(', ')}` : '')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button
            class="btn primary"
            disabled={busy || adding.length === 0}
            data-testid="import-submit"
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                const r = await api.post<{ applied: string[] | null; message: string }>('/api/v1/import', { path });
                notify('ok', r.message);
                onAdded(r.applied ?? []);
              } catch (e) {
                setError(errorText(e));
              } finally {
                setBusy(false);
              }
            }}
          >
            {adding.length ? `Import ${adding.length} ${adding.length === 1 ? 'server' : 'servers'}` : 'Nothing to import'}
          </button>
        </div>
      )}
    </div>
  );
}

function AddServer({ onClose, onAdded }: { onClose: () => void; onAdded: (names: string[]) => void }) {
  const { api } = useApp();
  const [mode, setMode] = useState<'paste' | 'form' | 'import'>('paste');
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const [form, setForm] = useState<FormServer>({ name: '', type: 'stdio', command: '', args: '', env: '', url: '', headers: '' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const parsed = mode === 'paste' && text.trim() ? parsePastedServers(text, name) : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    let body: unknown;
    let names: string[];
    if (mode === 'paste') {
      const r = parsePastedServers(text, name);
      if (!r.ok) return setError(r.error);
      body = r.body;
      names = r.names;
    } else {
      const r = serverFromForm(form);
      if (!r.ok) return setError(r.error);
      body = { mcpServers: { [r.name]: r.config } };
      names = [r.name];
    }
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/v1/servers', body);
      onAdded(names);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const upd = (k: keyof FormServer) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  return (
    <Dialog title="Add servers" onClose={onClose} wide>
      <div role="tablist" class="tabs">
        <button role="tab" aria-selected={mode === 'paste'} class="tab" onClick={() => setMode('paste')}>
          Paste JSON
        </button>
        <button role="tab" aria-selected={mode === 'form'} class="tab" onClick={() => setMode('form')}>
          Fill in a form
        </button>
        <button role="tab" aria-selected={mode === 'import'} class="tab" onClick={() => setMode('import')} data-testid="import-tab">
          Import from a client
        </button>
      </div>
      {mode === 'import' ? (
        <ImportFromClient onAdded={onAdded} />
      ) : (
      <form onSubmit={submit}>
        {mode === 'paste' ? (
          <>
            <div class="field">
              <label for="paste">The "mcpServers" block from Claude Desktop or Cursor (VS Code's "servers" works too)</label>
              <textarea id="paste" class="mono" rows={12} value={text} placeholder={SAMPLE} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
            </div>
            {parsed && !parsed.ok && parsed.error.includes('without a name') && (
              <div class="field">
                <label for="paste-name">Name</label>
                <input id="paste-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
              </div>
            )}
            {parsed?.ok && (
              <p class="muted" data-testid="paste-preview">
                Will add: {parsed.names.join(', ')}. New servers wait in quarantine until you approve them.
              </p>
            )}
            {parsed && !parsed.ok && <p class="field-error">{parsed.error}</p>}
          </>
        ) : (
          <div class="grid2">
            <div class="field">
              <label for="f-name">Name</label>
              <input id="f-name" value={form.name} onInput={upd('name')} placeholder="notes" />
            </div>
            <div class="field">
              <label for="f-type">Transport</label>
              <select id="f-type" value={form.type} onChange={upd('type')}>
                <option value="stdio">A program on this computer (stdio)</option>
                <option value="http">A remote server (streamable HTTP)</option>
                <option value="sse">A remote server (SSE)</option>
              </select>
            </div>
            {form.type === 'stdio' ? (
              <>
                <div class="field">
                  <label for="f-cmd">Command</label>
                  <input id="f-cmd" value={form.command} onInput={upd('command')} placeholder="npx" />
                </div>
                <div class="field">
                  <label for="f-args">Arguments, one per line</label>
                  <textarea id="f-args" class="mono" rows={3} value={form.args} onInput={upd('args')} placeholder={'-y\n@modelcontextprotocol/server-filesystem'} />
                </div>
                <div class="field span2">
                  <label for="f-env">Environment, NAME=value per line (write secrets as ${'{'}keyring:NAME{'}'})</label>
                  <textarea id="f-env" class="mono" rows={2} value={form.env} onInput={upd('env')} />
                </div>
              </>
            ) : (
              <>
                <div class="field span2">
                  <label for="f-url">URL</label>
                  <input id="f-url" value={form.url} onInput={upd('url')} placeholder="https://example.com/mcp" />
                </div>
                <div class="field span2">
                  <label for="f-headers">Headers, Name: value per line</label>
                  <textarea id="f-headers" class="mono" rows={2} value={form.headers} onInput={upd('headers')} />
                </div>
              </>
            )}
          </div>
        )}
        <ErrorBox error={error} />
        <div class="row">
          <button class="btn primary" type="submit" disabled={busy} data-testid="add-submit">
            {busy ? 'Adding…' : 'Add'}
          </button>
        </div>
      </form>
      )}
    </Dialog>
  );
}

/** Enable/disable, restart, delete: the same on the list and the detail page. */
function ServerActions({ s, after, small = true }: { s: ServerInfo; after: () => void; small?: boolean }) {
  const { api } = useApp();
  const p = `/api/v1/servers/${seg(s.name)}`;
  return (
    <span class="row tight">
      {s.enabled ? (
        <ActionButton small={small} onClick={async () => { await api.post(`${p}/disable`); after(); }} done={`${s.name} disabled.`} testid={`disable-${s.name}`} label={`Disable ${s.name}`}>
          Disable
        </ActionButton>
      ) : (
        <ActionButton small={small} onClick={async () => { await api.post(`${p}/enable`); after(); }} done={`${s.name} enabled.`} testid={`enable-${s.name}`} label={`Enable ${s.name}`}>
          Enable
        </ActionButton>
      )}
      <ActionButton small={small} disabled={!s.enabled} onClick={async () => { await api.post(`${p}/restart`); after(); }} done={`${s.name} is restarting.`} label={`Restart ${s.name}`}>
        Restart
      </ActionButton>
      <ActionButton
        small={small}
        kind="danger"
        confirm={`Remove ${s.name}? It is stopped and taken out of the config (the file keeps a backup).`}
        onClick={async () => {
          await api.del(p);
          after();
        }}
        done={`${s.name} removed.`}
        label={`Delete ${s.name}`}
      >
        Delete
      </ActionButton>
    </span>
  );
}

export function Servers() {
  const { api } = useApp();
  const route = useRoute();
  const stateFilter = route.query.get('state') ?? '';
  const list = useLoad(() => api.get<{ servers: ServerInfo[] }>('/api/v1/servers'));
  const [adding, setAdding] = useState(false);
  const [filter, setFilter] = useState('');
  const refresh = useDebounced(list.reload, 200);
  // State changes arrive as events: the list follows them without a reload.
  useEvents(['server.', 'tools.changed', 'quarantine', 'config.reloaded'], refresh);
  const servers = (list.data?.servers ?? []).filter(
    (s) => (!stateFilter || s.state === stateFilter) && (!filter || s.name.toLowerCase().includes(filter.toLowerCase())),
  );
  return (
    <div>
      <PageHead title="Servers">
        <input type="search" aria-label="Filter servers by name" placeholder="Filter by name" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
        <button class="btn primary" onClick={() => setAdding(true)} data-testid="add-server">
          Add servers
        </button>
      </PageHead>
      {stateFilter && (
        <p>
          Showing servers that are <strong>{stateFilter}</strong>. <a href={href('servers')}>Show all</a>
        </p>
      )}
      <ErrorBox error={list.error} onRetry={list.reload} />
      {!list.data && !list.error && <Loading what="servers" />}
      {list.data && servers.length === 0 && (
        <div class="card empty">
          <p>{list.data.servers.length ? 'No server matches.' : 'No servers yet. Add one by pasting the block from your Claude Desktop or Cursor config.'}</p>
        </div>
      )}
      {servers.length > 0 && (
        <table class="table" data-testid="servers-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>State</th>
              <th>Type</th>
              <th class="num">Tools</th>
              <th>Up</th>
              <th>Last error</th>
              <th>
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {servers.map((s) => (
              <tr key={s.name} data-server={s.name}>
                <td>
                  <a href={href('servers', s.name)}>{s.name}</a>
                </td>
                <td data-testid={`state-${s.name}`}>
                  <StateBadge state={s.state} quarantined={s.quarantined} />
                </td>
                <td>{s.type}</td>
                <td class="num">{s.tool_count}</td>
                <td>{s.state === 'ready' || s.state === 'degraded' ? duration(s.uptime_s) : '—'}</td>
                <td class="clip" title={s.last_error}>
                  {s.last_error ?? ''}
                </td>
                <td>
                  <ServerActions s={s} after={list.reload} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {adding && (
        <AddServer
          onClose={() => setAdding(false)}
          onAdded={(names) => {
            setAdding(false);
            list.reload();
            if (names.length) navigate(names.length === 1 ? href('servers', names[0]) : href('quarantine'));
          }}
        />
      )}
    </div>
  );
}

// --- One server ---

const TABS: [string, string][] = [
  ['tools', 'Tools'],
  ['logs', 'Logs'],
  ['health', 'Health'],
  ['calls', 'Calls'],
  ['config', 'Config'],
];

export function ServerDetail({ name, tab = 'tools' }: { name: string; tab?: string }) {
  const { api } = useApp();
  const p = `/api/v1/servers/${seg(name)}`;
  const server = useLoad(() => api.get<ServerInfo>(p), [name]);
  const refresh = useDebounced(server.reload, 200);
  useEvents(['server.', 'quarantine'], (e) => {
    if (!e.server || e.server === name) refresh();
  });
  const s = server.data;
  return (
    <div>
      <PageHead title={name}>{s && <ServerActions s={s} after={server.reload} small={false} />}</PageHead>
      <p>
        <a href={href('servers')}>← All servers</a>
      </p>
      <ErrorBox error={server.error} onRetry={server.reload} />
      {s && (
        <section class="card summary" data-testid="server-summary">
          <div>
            <StateBadge state={s.state} quarantined={s.quarantined} />
            {s.quarantined && (
              <span>
                {' '}
                Awaiting approval: <a href={href('quarantine')}>review it in quarantine</a>.
              </span>
            )}
          </div>
          <Description s={s} after={server.reload} />
          <dl class="facts">
            <dt>Type</dt>
            <dd>{s.type}</dd>
            <dt>Tools</dt>
            <dd>{s.tool_count}</dd>
            <dt>Restarts</dt>
            <dd>{s.restarts}</dd>
            {s.pid ? (
              <>
                <dt>PID</dt>
                <dd>{s.pid}</dd>
              </>
            ) : null}
            <dt>Started</dt>
            <dd>{ago(s.started_at)}</dd>
            <dt>In flight</dt>
            <dd>{s.in_flight ?? 0}</dd>
          </dl>
          {s.last_error && (
            <p class="error-text">
              <strong>Last error:</strong> {s.last_error}
            </p>
          )}
        </section>
      )}
      <div role="tablist" class="tabs" aria-label="Server sections">
        {TABS.map(([t, label]) => (
          <a key={t} role="tab" class="tab" aria-selected={tab === t} href={href('servers', name, t)}>
            {label}
          </a>
        ))}
      </div>
      <div role="tabpanel">
        {tab === 'tools' && <ServerTools name={name} />}
        {tab === 'logs' && <ServerLogs name={name} />}
        {tab === 'health' && <ServerHealth name={name} />}
        {tab === 'calls' && <ServerCalls name={name} />}
        {tab === 'config' && s && <ServerConfig s={s} after={server.reload} />}
      </div>
    </div>
  );
}

function ToolCall({ server, tool }: { server: string; tool: ToolInfo }) {
  const { api } = useApp();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Record<string, unknown> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const call = async (args: Record<string, unknown>) => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.post(`/api/v1/servers/${seg(server)}/tools/${seg(tool.original_name)}/call`, { arguments: args }));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const content = (result?.content as { type: string; text?: string; mimeType?: string }[] | undefined) ?? [];
  return (
    <div class="tool-call">
      <SchemaForm schema={tool.input_schema} onSubmit={call} busy={busy} />
      <ErrorBox error={error} />
      {result && (
        <div class={`result ${result.isError ? 'is-error' : ''}`} data-testid="call-result" role="status">
          <h4>
            {result.isError ? 'The tool answered with an error' : 'Result'}
            {typeof result.elapsed_ms === 'number' && <span class="muted small"> · {result.elapsed_ms.toFixed(1)} ms</span>}
          </h4>
          {content.map((c, i) =>
            c.type === 'text' ? (
              <pre key={i} class="json">
                {c.text}
              </pre>
            ) : (
              <p key={i} class="muted">
                {c.type} content{c.mimeType ? ` (${c.mimeType})` : ''}
              </p>
            ),
          )}
          {result.structuredContent !== undefined && (
            <details>
              <summary>Structured content</summary>
              <Json value={result.structuredContent} />
            </details>
          )}
        </div>
      )}
    </div>
  );
}

function ServerTools({ name }: { name: string }) {
  const { api } = useApp();
  const p = `/api/v1/servers/${seg(name)}/tools`;
  const tools = useLoad(() => api.get<{ tools: ToolInfo[] }>(p), [name]);
  const [open, setOpen] = useState<string | null>(null);
  const [trying, setTrying] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const refresh = useDebounced(tools.reload, 300);
  useEvents(['tools.changed', 'server.state', 'quarantine'], (e) => {
    if (!e.server || e.server === name) refresh();
  });
  if (tools.error) return <ErrorBox error={tools.error} onRetry={tools.reload} />;
  if (!tools.data) return <Loading what="tools" />;
  const all = tools.data.tools ?? [];
  if (!all.length) return <p class="muted">This server lists no tools (yet: a server that is not running shows its tools once it has started).</p>;
  const f = filter.trim().toLowerCase();
  const list = f ? all.filter((t) => t.original_name.toLowerCase().includes(f) || (t.description ?? '').toLowerCase().includes(f)) : all;
  return (
    <>
      {all.length > 8 && (
        <div class="row">
          <input type="search" class="grow" aria-label="Filter this server's tools" placeholder={`Filter ${all.length} tools`} value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
        </div>
      )}
    <ul class="tool-list">
      {list.map((t) => (
        <li key={t.original_name} class="card tool" data-tool={t.original_name}>
          <div class="tool-head">
            <div>
              <strong class="mono">{t.original_name}</strong>
              {t.title && <span> · {t.title}</span>}
              {!t.enabled && <span class="badge state-disabled">disabled</span>}
              {t.enabled && !t.exposed && <span class="badge state-quarantined" title={t.hidden_reason}>hidden</span>}
              <p class="desc">{t.description}</p>
              {t.enabled && !t.exposed && t.hidden_reason && <p class="muted small">{t.hidden_reason}</p>}
            </div>
            <div class="row tight">
              <button class="btn small" aria-expanded={open === t.original_name} onClick={() => setOpen(open === t.original_name ? null : t.original_name)}>
                Schema
              </button>
              <button class={`btn small ${trying === t.original_name ? 'primary' : ''}`} aria-expanded={trying === t.original_name} onClick={() => setTrying(trying === t.original_name ? null : t.original_name)} data-testid={`try-${t.original_name}`}>
                Try it
              </button>
              <ActionButton
                small
                onClick={async () => {
                  await api.post(`${p}/${seg(t.original_name)}/${t.enabled ? 'disable' : 'enable'}`);
                  tools.reload();
                }}
                done={`${t.original_name} ${t.enabled ? 'disabled' : 'enabled'}.`}
                label={`${t.enabled ? 'Disable' : 'Enable'} tool ${t.original_name}`}
              >
                {t.enabled ? 'Disable' : 'Enable'}
              </ActionButton>
            </div>
          </div>
          {open === t.original_name && (
            <div class="grid2">
              <div>
                <h4>Input schema</h4>
                <Json value={t.input_schema ?? {}} />
              </div>
              {t.output_schema !== undefined && (
                <div>
                  <h4>Output schema</h4>
                  <Json value={t.output_schema} />
                </div>
              )}
              {t.annotations && (
                <div>
                  <h4>Annotations</h4>
                  <Json value={t.annotations} />
                </div>
              )}
            </div>
          )}
          {trying === t.original_name && <ToolCall server={name} tool={t} />}
        </li>
      ))}
    </ul>
    </>
  );
}

interface LogLine {
  n: number;
  text: string;
  note?: boolean;
}

function ServerLogs({ name }: { name: string }) {
  const { api } = useApp();
  const [lines, setLines] = useState<LogLine[]>([]);
  const [status, setStatus] = useState('Connecting…');
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    let n = 0;
    let stop = false;
    let ws: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      ws = new WebSocket(api.wsURL(`/api/v1/ws/servers/${seg(name)}/logs`));
      ws.onopen = () => setStatus('Live');
      ws.onmessage = (m) => {
        let msg: { type: string; line?: string; message?: string };
        try {
          msg = JSON.parse(m.data);
        } catch {
          return;
        }
        const add: LogLine = msg.type === 'line' ? { n: n++, text: msg.line ?? '' } : { n: n++, text: msg.message ?? msg.type, note: true };
        setLines((old) => (old.length > 2000 ? [...old.slice(-1500), add] : [...old, add]));
      };
      ws.onclose = (e) => {
        if (stop) return;
        setStatus(e.reason ? `Disconnected: ${e.reason}. Retrying…` : 'Disconnected. Retrying…');
        retry = setTimeout(connect, 3000);
      };
    };
    setLines([]);
    connect();
    return () => {
      stop = true;
      clearTimeout(retry);
      ws?.close();
    };
  }, [name]);
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow]);
  return (
    <section>
      <div class="row">
        <span class="muted" role="status" data-testid="log-status">
          {status} · {lines.length} lines (stderr)
        </span>
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> Follow
        </label>
        <button class="btn small" onClick={() => setLines([])}>
          Clear
        </button>
      </div>
      <pre class="logs" ref={box} tabIndex={0} aria-label={`${name} log`} data-testid="logs">
        {lines.length === 0 ? <span class="muted">No output yet.</span> : lines.map((l) => <div key={l.n} class={l.note ? 'note' : ''}>{l.text}</div>)}
      </pre>
    </section>
  );
}

function ServerHealth({ name }: { name: string }) {
  const { api } = useApp();
  const p = `/api/v1/servers/${seg(name)}/health`;
  const h = useLoad(() => api.get<{ state: string; healthy: boolean; interval_s: number; last_error?: string; checks: HealthCheck[] | null }>(p), [name]);
  useEvents(['server.state'], (e) => e.server === name && h.reload());
  if (h.error) return <ErrorBox error={h.error} onRetry={h.reload} />;
  if (!h.data) return <Loading />;
  const checks = [...(h.data.checks ?? [])].reverse();
  const max = Math.max(1, ...checks.map((c) => c.latency_ms ?? 0));
  return (
    <section>
      <div class="row">
        <span>
          {h.data.healthy ? 'Healthy' : 'Not healthy'}, pinged every {h.data.interval_s}s.
        </span>
        <ActionButton small onClick={async () => { await api.post(`${p}/check`); await h.reload(); }} done="Pinged.">
          Ping now
        </ActionButton>
      </div>
      {h.data.last_error && <p class="error-text">{h.data.last_error}</p>}
      {checks.length === 0 ? (
        <p class="muted">No checks yet.</p>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th>When</th>
              <th>Result</th>
              <th>Latency</th>
            </tr>
          </thead>
          <tbody>
            {checks.map((c, i) => (
              <tr key={i}>
                <td>{when(c.time)}</td>
                <td>{c.ok ? <span class="badge state-ready">ok</span> : <span class="badge state-dead">{c.error || 'failed'}</span>}</td>
                <td>
                  <span class="latency" style={{ width: `${Math.max(2, ((c.latency_ms ?? 0) / max) * 120)}px` }} /> {c.latency_ms?.toFixed(1) ?? '—'} ms
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ServerCalls({ name }: { name: string }) {
  const { api } = useApp();
  const calls = useLoad(() => api.get<{ items: Activity[] }>(`/api/v1/servers/${seg(name)}/calls`, { limit: 50 }), [name]);
  useEvents(['tool_call.ended'], (e) => e.server === name && calls.reload());
  if (calls.error) return <ErrorBox error={calls.error} onRetry={calls.reload} />;
  if (!calls.data) return <Loading />;
  const items = calls.data.items ?? [];
  if (!items.length) return <p class="muted">No calls yet.</p>;
  return (
    <table class="table">
      <thead>
        <tr>
          <th>When</th>
          <th>Tool</th>
          <th>Outcome</th>
          <th class="num">ms</th>
        </tr>
      </thead>
      <tbody>
        {items.map((a) => (
          <tr key={a.id}>
            <td>
              <a href={href('activity', a.id)}>{ago(a.time)}</a>
            </td>
            <td class="mono">{a.tool}</td>
            <td>
              <span class={`badge outcome-${a.status}`}>{a.status}</span>
            </td>
            <td class="num">{a.duration_ms?.toFixed(1)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The server's description, or, for an approved server without one, a
 * button that writes one from the server's own words (or its tools).
 */
function Description({ s, after }: { s: ServerInfo; after: () => void }) {
  const { api } = useApp();
  if (s.description) return <p class="desc" data-testid="server-description">{s.description}</p>;
  if (s.quarantined) return null;
  return (
    <p class="muted">
      No description.{' '}
      <ActionButton
        small
        label={`Describe ${s.name}`}
        onClick={async () => {
          await api.post(`/api/v1/servers/${seg(s.name)}/describe`, { apply: true });
          after();
        }}
        done={`${s.name} described in its own words.`}
      >
        Describe it from what it says of itself
      </ActionButton>
    </p>
  );
}

function ServerConfig({ s, after }: { s: ServerInfo; after: () => void }) {
  const { api, notify } = useApp();
  const [text, setText] = useState(() => JSON.stringify(s.config ?? {}, null, 2));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (e: Event) => {
    e.preventDefault();
    let cfg: unknown;
    try {
      cfg = JSON.parse(text);
    } catch (err) {
      return setError(`That is not valid JSON: ${errorText(err)}`);
    }
    setBusy(true);
    setError(null);
    try {
      await api.put(`/api/v1/servers/${seg(s.name)}`, cfg);
      notify('ok', `${s.name} saved.`);
      after();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={save}>
      <div class="field">
        <label for="server-config">
          The server's entry in the config. Secret values show as <code>***</code>; leave them so to keep them.
        </label>
        <textarea id="server-config" class="mono" rows={14} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      </div>
      <ErrorBox error={error} />
      <button class="btn primary" type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Save'}
      </button>
    </form>
  );
}
