import { useState } from 'preact/hooks';
import { errorText, seg, type ServerInfo, type ToolInfo } from '../api';
import {
  profileBody, selectionFromProfile, toggleGroup, toggleServer, toggleTool,
  type ProfileInfo, type ProfileSelection,
} from '../profiles';
import { href } from '../router';
import { ClientSnippets } from '../components/clientsnippets';
import { ActionButton, CopyButton, Dialog, ErrorBox, Loading, PageHead, useApp, useDebounced, useEvents, useLoad } from '../ui';

/** One chosen server's tools: all of them, or a choice among those it lists. */
function ServerToolChoice({ server, sel, onChange }: { server: string; sel: ProfileSelection; onChange: (s: ProfileSelection) => void }) {
  const { api } = useApp();
  const tools = useLoad(() => api.get<{ tools: ToolInfo[] | null }>('/api/v1/tools', { server }), [server]);
  const choice = sel.tools[server] ?? 'all';
  const known = (tools.data?.tools ?? []).map((t) => t.original_name).sort();
  // Chosen by name but not listed now (the server is stopped, or the tool went away).
  const unlisted = choice === 'all' ? [] : choice.filter((t) => !known.includes(t));
  const group = `tools-${server}`;
  return (
    <fieldset class="nested" data-testid={`profile-server-${server}`}>
      <legend>{server}</legend>
      <label class="radio">
        <input type="radio" name={group} checked={choice === 'all'} onChange={() => onChange({ ...sel, tools: { ...sel.tools, [server]: 'all' } })} /> All its
        tools, including ones it adds later
      </label>
      <label class="radio">
        <input type="radio" name={group} checked={choice !== 'all'} onChange={() => onChange({ ...sel, tools: { ...sel.tools, [server]: [...known] } })} /> Only
        these:
      </label>
      {choice !== 'all' && known.length > 0 && (
        <div class="row tight tool-choice-actions">
          <button type="button" class="btn small" onClick={() => onChange({ ...sel, tools: { ...sel.tools, [server]: [...known] } })}>
            Choose every tool
          </button>
          <button type="button" class="btn small" onClick={() => onChange({ ...sel, tools: { ...sel.tools, [server]: [] } })} aria-label={`Choose no tool of ${server}`}>
            Choose none
          </button>
        </div>
      )}
      {choice !== 'all' && (
        <div class="tool-choice">
          <ErrorBox error={tools.error} onRetry={tools.reload} />
          {!tools.data && !tools.error && <Loading what="tools" />}
          {tools.data && !known.length && <p class="muted small">{server} lists no tools now (it may be stopped or awaiting approval).</p>}
          {[...known, ...unlisted].map((t) => (
            <label key={t} class="check-item">
              <input type="checkbox" checked={choice.includes(t)} onChange={(e) => onChange(toggleTool(sel, server, t, (e.target as HTMLInputElement).checked, known))} />{' '}
              <span class="mono">{t}</span>
              {unlisted.includes(t) && <span class="muted small"> (not listed now)</span>}
            </label>
          ))}
        </div>
      )}
    </fieldset>
  );
}

function ProfileEditor({ profile, onClose, onSaved }: { profile?: ProfileInfo; onClose: () => void; onSaved: () => void }) {
  const { api, notify } = useApp();
  const creating = !profile;
  const servers = useLoad(() => api.get<{ servers: ServerInfo[] }>('/api/v1/servers'));
  const groups = useLoad(() => api.get<{ groups: { id: string; description?: string }[] }>('/api/v1/groups'));
  const [name, setName] = useState(profile?.name ?? '');
  const [description, setDescription] = useState(profile?.description ?? '');
  const [sel, setSel] = useState<ProfileSelection>(() => selectionFromProfile(profile?.servers ?? [], profile?.tools ?? [], profile?.groups ?? []));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const names = (servers.data?.servers ?? []).map((s) => s.name);
  // A server the profile names that the config no longer has still shows, so it can be taken out.
  const listed = [...names, ...sel.servers.filter((s) => !names.includes(s))];
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = profileBody(name, description, sel, creating);
    if (!r.ok) return setError(r.error);
    setBusy(true);
    setError(null);
    try {
      const saved = creating
        ? await api.post<ProfileInfo>('/api/v1/profiles', r.body)
        : await api.put<ProfileInfo>(`/api/v1/profiles/${seg(profile.name)}`, r.body);
      notify('ok', `Profile ${saved.name} saved: its clients see ${saved.tool_count} ${saved.tool_count === 1 ? 'tool' : 'tools'}.`);
      onSaved();
      onClose();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={creating ? 'New profile' : `Change profile ${profile.name}`} onClose={onClose} wide>
      <form onSubmit={submit} data-testid="profile-form">
        <div class="grid2">
          <div class="field">
            <label for="p-name">Name (part of its address)</label>
            <input id="p-name" value={name} disabled={!creating} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="writing" />
          </div>
          <div class="field">
            <label for="p-desc">Description</label>
            <input id="p-desc" value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} placeholder="What this client needs" />
          </div>
        </div>
        <fieldset class="nested">
          <legend>Servers</legend>
          <ErrorBox error={servers.error} onRetry={servers.reload} />
          {!servers.data && !servers.error && <Loading what="servers" />}
          {servers.data && !listed.length && (
            <p class="muted">
              No servers yet. <a href={href('servers')}>Add servers</a> first.
            </p>
          )}
          <div class="check-list">
            {listed.map((s) => (
              <label key={s} class="check-item">
                <input type="checkbox" checked={sel.servers.includes(s)} onChange={(e) => setSel(toggleServer(sel, s, (e.target as HTMLInputElement).checked))} />{' '}
                {s}
                {!names.includes(s) && <span class="muted small"> (not configured)</span>}
              </label>
            ))}
          </div>
        </fieldset>
        {sel.servers.map((s) => (
          <ServerToolChoice key={s} server={s} sel={sel} onChange={setSel} />
        ))}
        {((groups.data?.groups.length ?? 0) > 0 || sel.groups.length > 0 || groups.error) && (
          <fieldset class="nested">
            <legend>Groups (all their tools, as {'{group}__{tool}'})</legend>
            <ErrorBox error={groups.error} onRetry={groups.reload} />
            <div class="check-list">
              {[...(groups.data?.groups ?? []).map((g) => g.id), ...sel.groups.filter((g) => !(groups.data?.groups ?? []).some((x) => x.id === g))].map((g) => (
                <label key={g} class="check-item">
                  <input type="checkbox" checked={sel.groups.includes(g)} onChange={(e) => setSel(toggleGroup(sel, g, (e.target as HTMLInputElement).checked))} /> {g}
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <details open={sel.otherPatterns.length > 0}>
          <summary>More tool patterns</summary>
          <div class="field">
            <label for="p-patterns">
              One per line, matched against <code>server__tool</code>; <code>*</code> stands for any characters (such as <code>*search*</code>)
            </label>
            <textarea
              id="p-patterns"
              class="mono"
              rows={3}
              value={sel.otherPatterns.join('\n')}
              onInput={(e) => setSel({ ...sel, otherPatterns: (e.target as HTMLTextAreaElement).value.split('\n') })}
            />
          </div>
        </details>
        <ErrorBox error={error} />
        <button class="btn primary" type="submit" disabled={busy} data-testid="profile-submit">
          {busy ? 'Saving…' : creating ? 'Create profile' : 'Save'}
        </button>
      </form>
    </Dialog>
  );
}

function ProfileCard({ p, requireKey, onEdit, after }: { p: ProfileInfo; requireKey: boolean; onEdit: () => void; after: () => void }) {
  const { api } = useApp();
  const hidden = p.servers.filter((s) => !p.exposed_servers.includes(s));
  return (
    <section class="card" data-profile={p.name} aria-labelledby={`profile-${p.name}`}>
      <div class="tool-head">
        <div>
          <h2 id={`profile-${p.name}`}>{p.name}</h2>
          {p.description && <p class="desc">{p.description}</p>}
        </div>
        <div class="row tight">
          <button class="btn small" onClick={onEdit} aria-label={`Change ${p.name}`}>
            Change
          </button>
          <ActionButton
            small
            kind="danger"
            confirm={`Delete the profile ${p.name}? Clients using its address lose its tools.`}
            onClick={async () => {
              await api.del(`/api/v1/profiles/${seg(p.name)}`);
              after();
            }}
            done={`Profile ${p.name} deleted.`}
            label={`Delete ${p.name}`}
          >
            Delete
          </ActionButton>
        </div>
      </div>
      <dl class="facts">
        <dt>Servers</dt>
        <dd>
          {p.servers.length ? p.servers.map((s, i) => (
            <span key={s}>
              {i > 0 && ', '}
              <a href={href('servers', s)}>{s}</a>
            </span>
          )) : <span class="muted">none: its clients see nothing</span>}
          {hidden.length > 0 && <span class="muted small"> · not serving now (disabled or awaiting approval): {hidden.join(', ')}</span>}
        </dd>
        {p.groups?.length > 0 && (
          <>
            <dt>Groups</dt>
            <dd>
              {p.groups.map((g, i) => (
                <span key={g}>
                  {i > 0 && ', '}
                  <a href={href('groups')}>{g}</a>
                </span>
              ))}
            </dd>
          </>
        )}
        <dt>Tools</dt>
        <dd>
          <span data-testid="profile-tool-count">{p.tool_count}</span> {p.tools.length ? <span class="mono small">({p.tools.join(', ')})</span> : <span class="muted">(every tool of its servers)</span>}
        </dd>
        <dt>Address</dt>
        <dd class="row tight">
          <code data-testid="profile-url">{p.mcp_url}</code> <CopyButton text={p.mcp_url} label="Copy the address" />
        </dd>
      </dl>
      <ClientSnippets what="profile" url={p.mcp_url} requireKey={requireKey} name={`switchboard-${p.name}`} testid="profile-snippet">
        <p class="muted small">
          Claude Desktop speaks only stdio: give it Switchboard's bridge for this profile, <code>{`"args": ["stdio", "--profile", "${p.name}"]`}</code> (see <a href={href('connect')}>Connect a client</a>).
        </p>
      </ClientSnippets>
    </section>
  );
}

/** Profiles: named subsets of the servers and their tools, each on its own MCP address. */
export function Profiles() {
  const { api } = useApp();
  const list = useLoad(() => api.get<{ profiles: ProfileInfo[] | null }>('/api/v1/profiles'));
  const cfg = useLoad(() => api.get<{ mcp_require_key?: boolean }>('/api/v1/config'));
  const [editing, setEditing] = useState<ProfileInfo | 'new' | null>(null);
  // Tool counts change as servers start, stop and change their tools.
  const refresh = useDebounced(list.reload, 500);
  useEvents(['server.', 'tools.changed', 'config.reloaded', 'quarantine'], refresh);
  const profiles = list.data?.profiles ?? [];
  return (
    <div>
      <PageHead title="Profiles">
        <button class="btn primary" onClick={() => setEditing('new')} data-testid="new-profile">
          New profile
        </button>
      </PageHead>
      <p class="muted">
        A profile gives one client only the tools it needs: the servers and tools you choose, on an address of its own. Quarantine, disabled tools and
        policies apply there as everywhere.
      </p>
      <ErrorBox error={list.error} onRetry={list.reload} />
      <ErrorBox error={cfg.error} onRetry={cfg.reload} />
      {!list.data && !list.error && <Loading what="profiles" />}
      {list.data && profiles.length === 0 && <p class="card empty">No profiles yet. Every client sees every approved server's tools on the main address.</p>}
      {profiles.map((p) => (
        <ProfileCard key={p.name} p={p} requireKey={!!cfg.data?.mcp_require_key} onEdit={() => setEditing(p)} after={list.reload} />
      ))}
      {editing && <ProfileEditor profile={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} onSaved={list.reload} />}
    </div>
  );
}
