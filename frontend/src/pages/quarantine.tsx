import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText, seg, type Finding, type QuarantinedServer, type QuarantinedTool, type ToolReview } from '../api';
import { entryKey, locate, quarantineTarget } from '../quarantine';
import { href, useRoute } from '../router';
import { ActionButton, Dialog, ErrorBox, Json, Loading, PageHead, ago, when, useApp, useDebounced, useEvents, useLoad } from '../ui';

function Findings({ findings }: { findings: Finding[] | null | undefined }) {
  if (!findings?.length) return <p class="muted small">No poisoning findings.</p>;
  return (
    <ul class="findings">
      {findings.map((f, i) => (
        <li key={i} class={`finding sev-${f.severity}`}>
          <span class={`badge sev-${f.severity}`}>{f.severity}</span> {f.message}
          {f.field && <span class="muted small"> (in {f.field})</span>}
          {f.text && <code class="finding-text">{f.text}</code>}
        </li>
      ))}
    </ul>
  );
}

/** Approve (with override when a finding blocks) and reject, for a server or one tool. */
function Decide({ what, path, blocking, after }: { what: string; path: string; blocking: boolean; after: () => void }) {
  const { api, notify } = useApp();
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [override, setOverride] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <div class="decide">
      {blocking && (
        <label class="override">
          <input type="checkbox" checked={override} onChange={(e) => setOverride((e.target as HTMLInputElement).checked)} /> Approve despite the
          high-severity finding (recorded in the audit log)
        </label>
      )}
      <div class="row tight">
        <ActionButton
          kind="primary"
          small
          disabled={blocking && !override}
          onClick={async () => {
            await api.post(`${path}/approve`, { override: blocking && override });
            after();
          }}
          done={`${what} approved.`}
          testid={`approve-${what}`}
          label={`Approve ${what}`}
        >
          Approve
        </ActionButton>
        <button class="btn small danger" onClick={() => setRejecting(true)} aria-label={`Reject ${what}`}>
          Reject
        </button>
      </div>
      {rejecting && (
        <Dialog title={`Reject ${what}`} onClose={() => setRejecting(false)}>
          <form
            onSubmit={async (e) => {
              e.preventDefault();
              try {
                await api.post(`${path}/reject`, { reason });
                notify('ok', `${what} rejected.`);
                setRejecting(false);
                after();
              } catch (err) {
                setError(errorText(err));
              }
            }}
          >
            <div class="field">
              <label for="reject-reason">Why (kept in the audit log)</label>
              <input id="reject-reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
            </div>
            <ErrorBox error={error} />
            <button class="btn danger" type="submit">
              Reject
            </button>
          </form>
        </Dialog>
      )}
    </div>
  );
}

function ToolDiff({ server, tool, onClose }: { server: string; tool: string; onClose: () => void }) {
  const { api } = useApp();
  const r = useLoad(() => api.get<ToolReview>(`/api/v1/quarantine/tools/${seg(server)}/${seg(tool)}`), [server, tool]);
  return (
    <Dialog title={`${server} · ${tool}: what changed`} onClose={onClose} wide>
      <ErrorBox error={r.error} onRetry={r.reload} />
      {!r.data && !r.error && <Loading />}
      {r.data && (
        <div>
          <p>{r.data.reason}</p>
          <Findings findings={r.data.findings} />
          {r.data.description_diff && (
            <>
              <h3>Description</h3>
              <pre class="diff">
                {r.data.description_diff.split('\n').map((l, i) => (
                  <div key={i} class={l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : ''}>
                    {l}
                  </div>
                ))}
              </pre>
            </>
          )}
          {r.data.changes?.length ? (
            <>
              <h3>Fields that changed</h3>
              <table class="table">
                <thead>
                  <tr>
                    <th>Field</th>
                    <th>Approved</th>
                    <th>Now</th>
                  </tr>
                </thead>
                <tbody>
                  {r.data.changes.map((c) => (
                    <tr key={c.field}>
                      <td class="mono">{c.field}</td>
                      <td class="del">
                        <Json value={c.old} />
                      </td>
                      <td class="add">
                        <Json value={c.new} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : (
            r.data.pinned === undefined && <p class="muted">A new tool: nothing was approved before.</p>
          )}
          <details>
            <summary>Current definition</summary>
            <Json value={r.data.current} />
          </details>
        </div>
      )}
    </Dialog>
  );
}

interface AuditRecord {
  id: string;
  time: string;
  type: string;
  principal: string;
  server?: string;
  tool?: string;
  note?: string;
}

/** The latest approvals and rejections: who decided what, and when. */
function Decisions() {
  const { api } = useApp();
  const audit = useLoad(() => api.get<{ items: AuditRecord[] | null }>('/api/v1/audit', { type: 'quarantine.', limit: 20 }));
  useEvents(['quarantine'], () => audit.reload());
  const items = audit.data?.items ?? [];
  return (
    <section>
      <h2>Recent decisions</h2>
      <ErrorBox error={audit.error} onRetry={audit.reload} />
      {audit.data && items.length === 0 && <p class="muted">None yet.</p>}
      {items.length > 0 && (
        <table class="table" data-testid="decisions">
          <thead>
            <tr>
              <th>When</th>
              <th>What</th>
              <th>Server</th>
              <th>Tool</th>
              <th>Who</th>
              <th>Note</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => (
              <tr key={a.id}>
                <td title={when(a.time)}>{ago(a.time)}</td>
                <td>{a.type.replace(/^quarantine\./, '').replace(/\./g, ' ')}</td>
                <td>{a.server}</td>
                <td class="mono">{a.tool}</td>
                <td>{a.principal}</td>
                <td class="small">{a.note}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Quarantine() {
  const { api } = useApp();
  const q = useLoad(() => api.get<{ servers: QuarantinedServer[] | null; tools: QuarantinedTool[] | null }>('/api/v1/quarantine'));
  const [diff, setDiff] = useState<{ server: string; tool: string } | null>(null);
  const refresh = useDebounced(q.reload, 300);
  useEvents(['quarantine', 'server.added', 'server.removed', 'server.state', 'tools.changed'], refresh);
  const servers = q.data?.servers ?? [];
  const tools = q.data?.tools ?? [];
  // A link from the tray or a notice (?server=NAME, &tool=TOOL) points at one
  // entry: it is scrolled to, focused and highlighted, or the page says it
  // no longer awaits approval.
  const route = useRoute();
  const target = quarantineTarget(route.query);
  const targetId = target ? entryKey(target.server, target.tool) : '';
  const found = target && q.data ? locate(target, servers, tools) : null;
  const focused = useRef('');
  const noteRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!found) {
      if (!target) focused.current = '';
      return;
    }
    // Once per link (and again when the entry shows up later), so a reload
    // from a live event does not pull the focus back.
    const mark = `${targetId}→${found.key ?? ''}`;
    if (focused.current === mark) return;
    focused.current = mark;
    const el = found.key ? [...document.querySelectorAll<HTMLElement>('[data-entry]')].find((e) => e.dataset.entry === found.key) : null;
    const to = el ?? noteRef.current;
    if (!to) return;
    // Its start, where its name and the Approve button are: an entry can be
    // taller than the window.
    to.scrollIntoView({ block: 'start' });
    to.focus({ preventScroll: true });
  }, [targetId, found?.key, found?.note]);
  const entry = (key: string, label: string) => ({
    'data-entry': key,
    tabIndex: -1,
    'aria-label': label,
    'aria-current': found?.key === key ? ('location' as const) : undefined,
    'data-target': found?.key === key ? 'true' : undefined,
  });
  return (
    <div>
      <PageHead title="Quarantine" />
      <p class="muted">
        New servers, servers whose command or address changed, and tools that appeared or changed since their server was approved wait here. Nothing
        in quarantine is shown to your AI clients until you approve it.
      </p>
      <ErrorBox error={q.error} onRetry={q.reload} />
      {found?.note && (
        <div class="card target-note" role="status" tabIndex={-1} ref={noteRef} data-testid="quarantine-target-note">
          <p>{found.note}</p>
          <a href={href('quarantine')}>Show everything awaiting approval</a>
        </div>
      )}
      {!q.data && !q.error && <Loading />}
      {q.data && servers.length === 0 && tools.length === 0 && (
        <div class="card empty">
          <p>Nothing awaits approval.</p>
        </div>
      )}
      {servers.length > 0 && <h2>Servers</h2>}
      {servers.map((s) => {
        const blocking = (s.tools ?? []).some((t) => t.blocking);
        const flagged = (s.tools ?? []).filter((t) => t.findings?.length);
        return (
          <section
            key={s.name}
            class={found?.key === entryKey(s.name) ? 'card target' : 'card'}
            data-testid={`quarantine-server-${s.name}`}
            {...entry(entryKey(s.name), `Server ${s.name}, awaiting approval`)}
          >
            <div class="tool-head">
              <div>
                <h3>
                  <a href={href('servers', s.name)}>{s.name}</a> <span class="badge state-quarantined">{s.status}</span>
                </h3>
                <p class="mono small">{s.url ?? [s.command, ...(s.args ?? [])].join(' ')}</p>
                <p class="muted small">{s.reason}</p>
              </div>
              <Decide what={s.name} path={`/api/v1/servers/${seg(s.name)}`} blocking={blocking} after={q.reload} />
            </div>
            {(s.tools ?? []).length === 0 ? (
              <p class="muted">
                {s.state === 'starting' || s.state === 'cold'
                  ? 'Starting it to read its tools; they are listed here with any findings once it is up.'
                  : `No tools listed${s.state ? ` (the server is ${s.state})` : ''}.`}
              </p>
            ) : (
              <p>
                {(s.tools ?? []).length} tools{flagged.length ? `, ${flagged.length} with findings:` : ', no poisoning findings.'}
              </p>
            )}
            {flagged.map((t) => (
              <div key={t.name} class="flagged">
                <strong class="mono">{t.name}</strong>
                <Findings findings={t.findings} />
              </div>
            ))}
            <details>
              <summary>All tools</summary>
              <ul class="plain-list">
                {(s.tools ?? []).map((t) => (
                  <li key={t.name}>
                    <span class="mono">{t.name}</span> <span class="muted small">{t.description}</span>
                  </li>
                ))}
              </ul>
            </details>
          </section>
        );
      })}
      {tools.length > 0 && <h2>Tools</h2>}
      {tools.map((t) => (
        <section
          key={`${t.server}/${t.name}`}
          class={found?.key === entryKey(t.server, t.name) ? 'card target' : 'card'}
          data-testid={`quarantine-tool-${t.server}-${t.name}`}
          {...entry(entryKey(t.server, t.name), `Tool ${t.name} of ${t.server}, awaiting approval`)}
        >
          <div class="tool-head">
            <div>
              <h3>
                <span class="mono">{t.name}</span> <span class="muted">on</span> <a href={href('servers', t.server)}>{t.server}</a>{' '}
                <span class="badge state-quarantined">{t.status}</span>
              </h3>
              <p class="desc">{t.description}</p>
              <p class="muted small">{t.reason}</p>
            </div>
            <div>
              <button class="btn small" onClick={() => setDiff({ server: t.server, tool: t.name })}>
                Show what changed
              </button>
              <Decide what={`${t.server}/${t.name}`} path={`/api/v1/quarantine/tools/${seg(t.server)}/${seg(t.name)}`} blocking={t.blocking} after={q.reload} />
            </div>
          </div>
          <Findings findings={t.findings} />
        </section>
      ))}
      {diff && <ToolDiff server={diff.server} tool={diff.tool} onClose={() => setDiff(null)} />}
      <Decisions />
    </div>
  );
}
