import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, errorText, seg } from '../api';
import {
  FormError, SOURCE_KINDS, pendingSummary, previousSummary, sourceBody, sourceForm, sourceSettings,
  type DiscoverySource, type PendingServer, type SourceForm,
} from '../discovery';
import { href } from '../router';
import { ActionButton, Dialog, ErrorBox, Loading, PageHead, ago, recount, when, useApp, useDebounced, useEvents, useLoad } from '../ui';

const OTHER_KIND = '';

/** Adds a source, or changes one (its id and kind stay). */
function SourceDialog({ source, onClose, onSaved }: { source?: DiscoverySource; onClose: () => void; onSaved: () => void }) {
  const { api, notify } = useApp();
  const editing = !!source;
  const [form, setForm] = useState<SourceForm>(() => sourceForm(source));
  // A kind the panel has no form for is typed in, with its settings as JSON.
  const [otherKind, setOtherKind] = useState(editing && !SOURCE_KINDS.some((k) => k.kind === source.kind));
  const [error, setError] = useState<string | null>(null);
  const [field, setField] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const upd = (k: 'id' | 'kind' | 'mode' | 'interval' | 'extra') => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const setting = (key: string) => (e: Event) => setForm({ ...form, settings: { ...form.settings, [key]: (e.target as HTMLInputElement).value } });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setField(null);
    let body;
    try {
      body = sourceBody(form, editing);
    } catch (err) {
      if (err instanceof FormError) setField(err.field);
      return setError(errorText(err));
    }
    setBusy(true);
    try {
      if (editing) await api.patch(`/api/v1/discovery/sources/${seg(source.id)}`, body);
      else await api.post('/api/v1/discovery/sources', body);
      notify('ok', editing ? `Source ${source.id} changed; it is being scanned.` : `Source ${form.id.trim()} added; it is being scanned.`);
      onSaved();
      onClose();
    } catch (err) {
      if (err instanceof ApiError) setField(err.problems[0]?.path ?? null);
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const kind = SOURCE_KINDS.find((k) => k.kind === form.kind);
  return (
    <Dialog title={editing ? `Change source ${source.id}` : 'Add a discovery source'} onClose={onClose} wide>
      <form onSubmit={submit} data-testid="source-form">
        <div class="grid2">
          <div class="field">
            <label for="src-id">Name (letters, digits, _ and -)</label>
            <input id="src-id" value={form.id} onInput={upd('id')} disabled={editing} placeholder="my-configs" aria-invalid={field === 'id'} />
          </div>
          <div class="field">
            <label for="src-kind">Kind</label>
            <select
              id="src-kind"
              value={otherKind ? OTHER_KIND : form.kind}
              disabled={editing}
              onChange={(e) => {
                const v = (e.target as HTMLSelectElement).value;
                setOtherKind(v === OTHER_KIND);
                setForm({ ...form, kind: v, settings: {} });
              }}
            >
              {SOURCE_KINDS.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.label}
                </option>
              ))}
              <option value={OTHER_KIND}>Another kind…</option>
            </select>
          </div>
          {otherKind && (
            <div class="field span2">
              <label for="src-kind-other">Kind name</label>
              <input id="src-kind-other" value={form.kind} onInput={upd('kind')} disabled={editing} aria-invalid={field === 'kind'} />
            </div>
          )}
          {kind && <p class="muted span2">{kind.hint}</p>}
          {kind?.fields.map((f) => (
            <div class="field span2" key={f.key}>
              <label for={`src-${f.key}`}>{f.label}</label>
              <input id={`src-${f.key}`} class="mono" value={form.settings[f.key] ?? ''} onInput={setting(f.key)} placeholder={f.placeholder} aria-invalid={field === f.key} />
            </div>
          ))}
          <div class="field">
            <label for="src-mode">Mode</label>
            <select id="src-mode" value={form.mode} onChange={upd('mode')} aria-invalid={field === 'mode'}>
              <option value="additive">Additive: only offers servers to add</option>
              <option value="authoritative">Authoritative: also offers to remove servers it added and no longer finds</option>
            </select>
          </div>
          <div class="field">
            <label for="src-interval">Scan every (such as 30s, 5m, 1h; empty: every 5m)</label>
            <input id="src-interval" value={form.interval} onInput={upd('interval')} placeholder="5m" aria-invalid={field === 'interval'} />
          </div>
          {(otherKind || form.extra) && (
            <div class="field span2">
              <label for="src-extra">Other settings of this kind (a JSON object)</label>
              <textarea id="src-extra" class="mono" rows={4} value={form.extra} onInput={upd('extra')} aria-invalid={field === 'extra'} placeholder='{"setting": "value"}' />
            </div>
          )}
        </div>
        <ErrorBox error={error} />
        <button class="btn primary" type="submit" disabled={busy} data-testid="source-submit">
          {busy ? 'Saving…' : editing ? 'Save' : 'Add source'}
        </button>
      </form>
    </Dialog>
  );
}

function SourceErrors({ s }: { s: DiscoverySource }) {
  const problems = s.problems ?? [];
  if (!s.last_error && !problems.length) return <span class="muted">none</span>;
  return (
    <div>
      {s.last_error && <p class="error-text small">{s.last_error}</p>}
      {problems.length > 0 && (
        <details>
          <summary class="small">
            {problems.length} {problems.length === 1 ? 'file' : 'files'} with a problem
          </summary>
          <ul class="plain-list small">
            {problems.map((p, i) => (
              <li key={i}>
                <span class="mono">{p.where}</span>: {p.message}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function SourcesTable({ sources, onEdit, after }: { sources: DiscoverySource[]; onEdit: (s: DiscoverySource) => void; after: () => void }) {
  const { api } = useApp();
  const p = (id: string) => `/api/v1/discovery/sources/${seg(id)}`;
  return (
    <table class="table" data-testid="sources-table">
      <thead>
        <tr>
          <th>Source</th>
          <th>Last scan</th>
          <th class="num">Found</th>
          <th>Errors</th>
          <th>
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {sources.map((s) => (
          <tr key={s.id} data-source={s.id}>
            <td class="source-cell">
              <strong>{s.id}</strong>{' '}
              <span class="badges">
                <span class="badge">{s.kind}</span>
                <span class="badge" title={s.mode === 'authoritative' ? 'also offers to remove servers it added and no longer finds' : 'only offers servers to add'}>
                  {s.mode}
                </span>
                {!s.enabled && <span class="badge state-disabled">disabled</span>}
              </span>
              <dl class="facts small">
                {sourceSettings(s).map(([k, v]) => (
                  <Fragment key={k}>
                    <dt>{k}</dt>
                    <dd class="mono">{v}</dd>
                  </Fragment>
                ))}
                <dt>every</dt>
                <dd>{s.interval || '5m'}</dd>
              </dl>
            </td>
            <td title={when(s.last_scan)}>{s.last_scan ? ago(s.last_scan) : 'not yet'}</td>
            <td class="num">{s.found}</td>
            <td class="source-errors">
              <SourceErrors s={s} />
            </td>
            <td>
              <span class="row tight wrap">
                <ActionButton small disabled={!s.enabled} onClick={async () => { await api.post(`${p(s.id)}/scan`); after(); }} done={`${s.id} scanned.`} label={`Scan ${s.id} now`}>
                  Scan now
                </ActionButton>
                {s.enabled ? (
                  <ActionButton small onClick={async () => { await api.patch(p(s.id), { enabled: false }); after(); }} done={`${s.id} disabled: it is not scanned and offers nothing.`} label={`Disable ${s.id}`}>
                    Disable
                  </ActionButton>
                ) : (
                  <ActionButton small onClick={async () => { await api.patch(p(s.id), { enabled: true }); after(); }} done={`${s.id} enabled.`} label={`Enable ${s.id}`}>
                    Enable
                  </ActionButton>
                )}
                <button class="btn small" onClick={() => onEdit(s)} aria-label={`Change ${s.id}`}>
                  Change
                </button>
                <ActionButton
                  small
                  kind="danger"
                  confirm={`Remove the source ${s.id}? Its pending servers and rejections are forgotten; servers approved from it stay.`}
                  onClick={async () => { await api.del(p(s.id)); after(); }}
                  done={`${s.id} removed.`}
                  label={`Remove ${s.id}`}
                >
                  Remove
                </ActionButton>
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Each kind of pending decision: its badge, and what approving and rejecting it did. */
const ACTIONS: Record<string, { badge: string; approved: (e: PendingServer) => string; rejected: (e: PendingServer) => string }> = {
  add: {
    badge: 'state-starting',
    approved: (e) => `${e.name} added. It waits in quarantine until you approve its tools.`,
    rejected: (e) => `${e.name} rejected: ${e.source} will not offer it again.`,
  },
  update: {
    badge: 'state-degraded',
    approved: (e) => `${e.name} updated. It waits in quarantine until you approve it again.`,
    rejected: (e) => `${e.name} stays as it is: ${e.source} will not offer that change again.`,
  },
  remove: {
    badge: 'state-dead',
    approved: (e) => `${e.name} removed from your servers.`,
    rejected: (e) => `${e.name} stays; ${e.source} no longer treats it as its own.`,
  },
};
const actionOf = (e: PendingServer) => ACTIONS[e.action] ?? ACTIONS.add;

function PendingTable({ pending, after }: { pending: PendingServer[]; after: () => void }) {
  const { api, notify } = useApp();
  const p = (e: PendingServer) => `/api/v1/discovery/pending/${seg(e.source)}/${seg(e.name)}`;
  return (
    <table class="table" data-testid="pending-table">
      <thead>
        <tr>
          <th>Server</th>
          <th>Proposal</th>
          <th>What it runs</th>
          <th>Found in</th>
          <th>Found</th>
          <th>
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {pending.map((e) => (
          <tr key={e.id} data-pending={e.id}>
            <td class="mono">{e.name}</td>
            <td>
              <span class={`badge ${actionOf(e).badge}`}>{e.action}</span>
            </td>
            <td class="mono small clip" title={pendingSummary(e)}>
              {pendingSummary(e) || '—'}
              {e.action === 'update' && (
                <div class="muted" data-testid="pending-previous" title={previousSummary(e)}>
                  was {previousSummary(e)}
                </div>
              )}
            </td>
            <td class="small">
              {e.source}
              {e.where && <div class="mono muted">{e.where}</div>}
              {e.format && <div class="muted">{e.format} format</div>}
            </td>
            <td title={when(e.found_at)}>{ago(e.found_at)}</td>
            <td>
              <span class="row tight">
                <ActionButton
                  small
                  kind="primary"
                  label={`Approve ${e.id}`}
                  onClick={async () => {
                    await api.post(`${p(e)}/approve`);
                    notify('ok', actionOf(e).approved(e));
                    after();
                  }}
                >
                  Approve
                </ActionButton>
                <ActionButton
                  small
                  kind="danger"
                  label={`Reject ${e.id}`}
                  onClick={async () => { await api.post(`${p(e)}/reject`); after(); }}
                  done={actionOf(e).rejected(e)}
                >
                  Reject
                </ActionButton>
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Discovery: where Switchboard looks for servers, and what it found awaiting a decision. */
export function Discovery() {
  const { api, notify } = useApp();
  const sources = useLoad(() => api.get<{ sources: DiscoverySource[] | null }>('/api/v1/discovery/sources'));
  const pending = useLoad(() => api.get<{ pending: PendingServer[] | null }>('/api/v1/discovery/pending'));
  const [editing, setEditing] = useState<DiscoverySource | 'new' | null>(null);
  const reloadAll = () => {
    sources.reload();
    pending.reload();
    // Rejecting, scanning or removing a source changes the side bar's count with no event.
    recount();
  };
  const refresh = useDebounced(reloadAll, 300);
  useEvents(['discovery.', 'server.added', 'server.removed'], refresh);
  const list = sources.data?.sources ?? [];
  const waiting = pending.data?.pending ?? [];
  return (
    <div>
      <PageHead title="Discovery">
        <ActionButton
          disabled={!list.some((s) => s.enabled)}
          onClick={async () => {
            const r = await api.post<{ pending: PendingServer[] | null }>('/api/v1/discovery/scan');
            const n = r.pending?.length ?? 0;
            notify('ok', `Scanned. ${n ? `${n} ${n === 1 ? 'server awaits' : 'servers await'} a decision.` : 'Nothing awaits a decision.'}`);
            reloadAll();
          }}
        >
          Scan all now
        </ActionButton>
        <button class="btn primary" onClick={() => setEditing('new')} data-testid="add-source">
          Add source
        </button>
      </PageHead>
      <p class="muted">
        Switchboard looks for the MCP servers you already have in the places below. What it finds waits here; nothing is added to or removed from your
        servers until you approve it, and an approved server still waits in <a href={href('quarantine')}>Quarantine</a> until you approve its tools.
      </p>
      <h2>Found, awaiting a decision</h2>
      <ErrorBox error={pending.error} onRetry={pending.reload} />
      {!pending.data && !pending.error && <Loading what="found servers" />}
      {pending.data && waiting.length === 0 && <p class="card empty">Nothing awaits a decision.</p>}
      {waiting.length > 0 && <PendingTable pending={waiting} after={reloadAll} />}
      <h2>Sources</h2>
      <ErrorBox error={sources.error} onRetry={sources.reload} />
      {!sources.data && !sources.error && <Loading what="sources" />}
      {sources.data && list.length === 0 && (
        <div class="card empty">
          <p>No sources yet. Add one to find the servers in a folder of config files, or in the clients installed on this computer.</p>
        </div>
      )}
      {list.length > 0 && <SourcesTable sources={list} onEdit={setEditing} after={reloadAll} />}
      {editing && (
        <SourceDialog source={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} onSaved={reloadAll} />
      )}
    </div>
  );
}
