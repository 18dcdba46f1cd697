import { useEffect, useState } from 'preact/hooks';
import { errorText, seg } from '../api';
import { href, navigate } from '../router';
import { ActionButton, Dialog, ErrorBox, Loading, PageHead, ago, useApp, useLoad } from '../ui';

interface EnvVar {
  name: string;
  description?: string;
  required?: boolean;
  secret?: boolean;
}

export interface CatalogEntry {
  id: string;
  name: string;
  description: string;
  transport: string;
  command?: string;
  args?: string[];
  image?: string;
  url?: string;
  env?: EnvVar[];
  args_hint?: string;
  tags?: string[];
  homepage?: string;
  source: string;
}

/** Installs an entry: a new server, quarantined until approved. */
function Install({ entry, onClose }: { entry: CatalogEntry; onClose: () => void }) {
  const { api, notify } = useApp();
  const [name, setName] = useState(entry.id);
  const [env, setEnv] = useState<Record<string, string>>({});
  const [args, setArgs] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = {
        name: name.trim() || undefined,
        env: Object.fromEntries(Object.entries(env).filter(([, v]) => v.trim() !== '')),
        args: args.split('\n').map((a) => a.trim()).filter(Boolean),
      };
      const r = await api.post<{ server: { name: string }; message: string }>(`/api/v1/catalog/${seg(entry.id)}/deploy`, body);
      notify('ok', r.message || `${r.server.name} added; approve it in quarantine.`);
      onClose();
      navigate(href('servers', r.server.name));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Install ${entry.name}`} onClose={onClose}>
      <form onSubmit={submit}>
        <p class="muted">{entry.description}</p>
        <p class="mono small">{entry.url ?? entry.image ?? [entry.command, ...(entry.args ?? [])].join(' ')}</p>
        <div class="field">
          <label for="cat-name">Server name</label>
          <input id="cat-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </div>
        {(entry.env ?? []).map((v) => (
          <div class="field" key={v.name}>
            <label for={`cat-env-${v.name}`}>
              <span class="mono">{v.name}</span>
              {v.required && <span class="req" aria-label="required"> *</span>}
              {v.description && <span class="muted small"> {v.description}</span>}
            </label>
            <input
              id={`cat-env-${v.name}`}
              value={env[v.name] ?? ''}
              placeholder={v.secret ? `\${keyring:${v.name}} (store the value under Secrets)` : ''}
              onInput={(e) => setEnv({ ...env, [v.name]: (e.target as HTMLInputElement).value })}
            />
          </div>
        ))}
        {entry.transport === 'stdio' && (
          <div class="field">
            <label for="cat-args">Extra arguments, one per line{entry.args_hint ? `: ${entry.args_hint}` : ''}</label>
            <textarea id="cat-args" class="mono" rows={2} value={args} onInput={(e) => setArgs((e.target as HTMLTextAreaElement).value)} />
          </div>
        )}
        <ErrorBox error={error} />
        <button class="btn primary" type="submit" disabled={busy}>
          {busy ? 'Installing…' : 'Install'}
        </button>
      </form>
    </Dialog>
  );
}

interface SyncStatus {
  registry?: string;
  synced_at?: string;
  entries: number;
}

interface SyncResult {
  registry: string;
  total: number;
  added: number;
  removed: number;
  skipped: number;
}

/** The last sync from an MCP registry, and a button to sync again (from the same registry, else the official one). */
function RegistrySync({ after }: { after: () => void }) {
  const { api, notify } = useApp();
  const status = useLoad(() => api.get<SyncStatus>('/api/v1/catalog/sync'));
  const s = status.data;
  const sync = async () => {
    const r = await api.post<SyncResult>('/api/v1/catalog/sync', s?.registry ? { url: s.registry } : {});
    notify('ok', `Synced ${r.total} entries from ${r.registry} (${r.added} new, ${r.removed} gone); ${r.skipped} servers there cannot run here.`);
    status.reload();
    after();
  };
  return (
    <p class="muted small row tight" data-testid="registry-sync">
      <span>
        {s?.synced_at ? `${s.entries} entries from ${s.registry}, synced ${ago(s.synced_at)}.` : 'Not filled from an MCP registry yet.'}
      </span>
      <ActionButton small onClick={sync} label="Sync the catalog from the registry">
        {s?.registry ? 'Sync again' : 'Sync from the MCP Registry'}
      </ActionButton>
    </p>
  );
}

export function Catalog() {
  const { api } = useApp();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [installing, setInstalling] = useState<CatalogEntry | null>(null);
  useEffect(() => {
    const t = setTimeout(() => setQuery(q.trim()), 250);
    return () => clearTimeout(t);
  }, [q]);
  const list = useLoad(() => api.get<{ entries: CatalogEntry[]; total: number }>('/api/v1/catalog', { q: query }), [query]);
  const entries = list.data?.entries ?? [];
  return (
    <div>
      <PageHead title="Catalog" />
      <p class="muted">Servers you can install with a click. Each starts in quarantine until you approve it.</p>
      <RegistrySync after={list.reload} />
      <div class="row">
        <input type="search" class="grow" aria-label="Search the catalog" placeholder="Search: files, github, database…" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      </div>
      <ErrorBox error={list.error} onRetry={list.reload} />
      {!list.data && !list.error && <Loading what="the catalog" />}
      {list.data && entries.length === 0 && <p class="card empty">Nothing in the catalog matches “{query}”.</p>}
      <div class="catalog">
        {entries.map((e) => (
          <section class="card entry" key={e.id} data-entry={e.id}>
            <div class="tool-head">
              <h3>{e.name}</h3>
              <button class="btn small primary" onClick={() => setInstalling(e)} aria-label={`Install ${e.name}`}>
                Install
              </button>
            </div>
            <p class="desc">{e.description}</p>
            <p class="small">
              <span class="badge">{e.transport}</span>
              {(e.tags ?? []).map((t) => (
                <span class="badge" key={t}>
                  {t}
                </span>
              ))}
              {e.source !== 'builtin' && !(e.tags ?? []).includes(e.source) && <span class="badge">{e.source}</span>}
            </p>
            {e.homepage && (
              <a class="small" href={e.homepage} target="_blank" rel="noreferrer">
                Home page
              </a>
            )}
          </section>
        ))}
      </div>
      {installing && <Install entry={installing} onClose={() => setInstalling(null)} />}
    </div>
  );
}
