import { useState } from 'preact/hooks';
import { errorText, seg, type ServerInfo, type SystemInfo } from '../api';
import {
  BREAKER_WORDS, STRATEGIES, applyGroupEvent, emptyGroupForm, groupBody, groupFormFrom, groupURL, usesPriority, usesWeight,
  type Group, type GroupForm, type GroupMember, type GroupTool, type MemberForm,
} from '../groups';
import { href } from '../router';
import { ClientSnippets } from '../components/clientsnippets';
import {
  ActionButton, CopyButton, Dialog, ErrorBox, Loading, PageHead, StateBadge, when, useApp, useDebounced, useEvents, useLoad,
} from '../ui';

function GroupStateBadge({ state }: { state: string }) {
  return (
    <span class={`badge group-${state}`} data-group-state={state}>
      {state}
    </span>
  );
}

function BreakerBadge({ m }: { m: GroupMember }) {
  const b = m.breaker;
  if (!b) return <span class="muted">—</span>;
  return (
    <span>
      <span class={`badge breaker-${b.state}`} data-breaker={b.state} title={BREAKER_WORDS[b.state] ?? b.state}>
        {b.state.replace('_', ' ')}
      </span>
      {!!b.consecutive_failures && <span class="muted small"> {b.consecutive_failures} failed in a row</span>}
      {b.state === 'open' && b.retry_at && (
        <span class="muted small" title={when(b.retry_at)}>
          {' '}
          · trial call at {new Date(b.retry_at).toLocaleTimeString()}
        </span>
      )}
    </span>
  );
}

/** The members' rows of the form: server, and the weight or priority the strategy uses. */
function MembersEditor({ form, servers, onChange }: { form: GroupForm; servers: string[]; onChange: (members: MemberForm[]) => void }) {
  const weight = usesWeight(form.strategy);
  const priority = usesPriority(form.strategy);
  const set = (i: number, patch: Partial<MemberForm>) => onChange(form.members.map((m, j) => (j === i ? { ...m, ...patch } : m)));
  const unused = servers.filter((s) => !form.members.some((m) => m.server === s));
  return (
    <fieldset class="nested" data-testid="group-members">
      <legend>Members</legend>
      {form.members.length === 0 && <p class="muted">No members yet: add the servers that can stand in for each other.</p>}
      {form.members.map((m, i) => (
        <div class="row member-row" key={i}>
          <label class="member-field grow">
            <span class="small muted">Server {i + 1}</span>
            <select value={m.server} onChange={(e) => set(i, { server: (e.target as HTMLSelectElement).value })} aria-label={`Server of member ${i + 1}`}>
              <option value="">choose a server</option>
              {[m.server, ...unused].filter(Boolean).map((s) => (
                <option key={s} value={s}>
                  {s}
                  {!servers.includes(s) ? ' (not configured)' : ''}
                </option>
              ))}
            </select>
          </label>
          {weight && (
            <label class="member-field">
              <span class="small muted">Weight</span>
              <input type="number" min={0} step={1} value={m.weight} placeholder="1" onInput={(e) => set(i, { weight: (e.target as HTMLInputElement).value })} aria-label={`Weight of ${m.server || `member ${i + 1}`}`} />
            </label>
          )}
          {priority && (
            <label class="member-field">
              <span class="small muted">Priority</span>
              <input type="number" step={1} value={m.priority} placeholder="0" onInput={(e) => set(i, { priority: (e.target as HTMLInputElement).value })} aria-label={`Priority of ${m.server || `member ${i + 1}`}`} />
            </label>
          )}
          <button type="button" class="btn small danger" onClick={() => onChange(form.members.filter((_, j) => j !== i))} aria-label={`Remove member ${m.server || i + 1}`}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" class="btn small" disabled={!unused.length && form.members.length > 0} onClick={() => onChange([...form.members, { server: unused[0] ?? '', weight: '', priority: '' }])}>
        Add a member
      </button>
      {weight && <p class="muted small">A member's share of the calls is its weight (1 if empty); weight 0 makes it a spare, used only when no other can take the call.</p>}
      {priority && <p class="muted small">The member in service with the lowest number takes every call (0 if empty); the others take over in order when it fails.</p>}
    </fieldset>
  );
}

function GroupEditor({ group, onClose, onSaved }: { group?: Group; onClose: () => void; onSaved: () => void }) {
  const { api, notify } = useApp();
  const creating = !group;
  const servers = useLoad(() => api.get<{ servers: ServerInfo[] }>('/api/v1/servers'));
  const [form, setForm] = useState<GroupForm>(() => (group ? groupFormFrom(group) : emptyGroupForm()));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const upd = (k: keyof GroupForm) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = groupBody(form, creating);
    if (!r.ok) return setError(r.error);
    setBusy(true);
    setError(null);
    try {
      const saved = creating ? await api.post<Group>('/api/v1/groups', r.body) : await api.put<Group>(`/api/v1/groups/${seg(group.id)}`, r.body);
      notify('ok', `Group ${saved?.id ?? form.id} saved.`);
      onSaved();
      onClose();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const strategy = STRATEGIES.find((s) => s.id === form.strategy);
  return (
    <Dialog title={creating ? 'New group' : `Change group ${group.id}`} onClose={onClose} wide>
      <form onSubmit={submit} data-testid="group-form">
        <div class="grid2">
          <div class="field">
            <label for="g-id">Id (part of its address, and its tools' prefix on /mcp)</label>
            <input id="g-id" value={form.id} disabled={!creating} onInput={upd('id')} placeholder="search" />
          </div>
          <div class="field">
            <label for="g-desc">Description</label>
            <input id="g-desc" value={form.description} onInput={upd('description')} placeholder="What its members do" />
          </div>
          <div class="field span2">
            <label for="g-strategy">Which member takes a call</label>
            <select id="g-strategy" value={form.strategy} onChange={upd('strategy')}>
              {STRATEGIES.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.label}
                </option>
              ))}
            </select>
            {strategy && <span class="muted small">{strategy.hint}</span>}
          </div>
        </div>
        <ErrorBox error={servers.error} onRetry={servers.reload} />
        {!servers.data && !servers.error && <Loading what="servers" />}
        {servers.data && (
          <MembersEditor form={form} servers={servers.data.servers.map((s) => s.name)} onChange={(members) => setForm({ ...form, members })} />
        )}
        <div class="grid2">
          <div class="field">
            <label for="g-min">Members needed in service (empty: 1)</label>
            <input id="g-min" type="number" min={1} step={1} value={form.minHealthy} onInput={upd('minHealthy')} placeholder="1" />
          </div>
          <div class="field check">
            <label>
              <input type="checkbox" checked={form.hideMembers} onChange={(e) => setForm({ ...form, hideMembers: (e.target as HTMLInputElement).checked })} /> Hide the
              members' own tools on /mcp (they would repeat the group's)
            </label>
          </div>
          <div class="field">
            <label for="g-threshold">Failures in a row that take a member out (empty: 5)</label>
            <input id="g-threshold" type="number" min={1} step={1} value={form.failureThreshold} onInput={upd('failureThreshold')} placeholder="5" />
          </div>
          <div class="field">
            <label for="g-cooldown">Seconds out before a trial call (empty: 30)</label>
            <input id="g-cooldown" type="number" min={1} step={1} value={form.cooldownS} onInput={upd('cooldownS')} placeholder="30" />
          </div>
          <div class="field span2">
            <label for="g-retry">Tools safe to retry on another member, one per line (besides those their server marks read-only or idempotent)</label>
            <textarea id="g-retry" class="mono" rows={2} value={form.retryTools} onInput={upd('retryTools')} />
          </div>
        </div>
        <ErrorBox error={error} />
        <button class="btn primary" type="submit" disabled={busy} data-testid="group-submit">
          {busy ? 'Saving…' : creating ? 'Create group' : 'Save'}
        </button>
      </form>
    </Dialog>
  );
}

function MembersTable({ g }: { g: Group }) {
  const members = g.members ?? [];
  return (
    <table class="table" data-testid={`group-members-${g.id}`}>
      <thead>
        <tr>
          <th>Member</th>
          <th>Server state</th>
          <th>Breaker</th>
          <th>In service</th>
          {usesWeight(g.strategy) && <th class="num">Weight</th>}
          {usesPriority(g.strategy) && <th class="num">Priority</th>}
          <th class="num">Running</th>
          <th class="num">Calls</th>
          <th class="num">Failed</th>
        </tr>
      </thead>
      <tbody>
        {members.map((m) => (
          <tr key={m.server} data-member={m.server}>
            <td>
              <a href={href('servers', m.server)}>{m.server}</a>
            </td>
            <td>{m.server_state ? <StateBadge state={m.server_state} /> : '—'}</td>
            <td>
              <BreakerBadge m={m} />
            </td>
            <td>
              {m.eligible ? 'yes' : <span>no{m.not_eligible_reason && <span class="muted small">: {m.not_eligible_reason}</span>}</span>}
            </td>
            {usesWeight(g.strategy) && <td class="num">{m.weight}</td>}
            {usesPriority(g.strategy) && <td class="num">{m.priority}</td>}
            <td class="num">{m.active_calls ?? 0}</td>
            <td class="num">{m.calls_total ?? 0}</td>
            <td class="num">{m.failures_total ?? 0}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The group's tools, loaded when the list is first opened and again on each opening. */
function GroupTools({ g }: { g: Group }) {
  const [open, setOpen] = useState(false);
  return (
    <details data-testid={`group-tools-${g.id}`} onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>Tools{g.tool_count !== undefined ? ` (${g.tool_count})` : ''}</summary>
      {open && <GroupToolsTable id={g.id} />}
    </details>
  );
}

function GroupToolsTable({ id }: { id: string }) {
  const { api } = useApp();
  const list = useLoad(() => api.get<{ tools: GroupTool[] | null }>(`/api/v1/groups/${seg(id)}/tools`), [id]);
  if (list.error) return <ErrorBox error={list.error} />;
  if (!list.data) return <Loading />;
  const tools = list.data.tools ?? [];
  if (tools.length === 0) return <p class="muted small">No member in service offers a tool now.</p>;
  return (
    <table class="table">
      <thead>
        <tr>
          <th>Tool</th>
          <th>On the main address</th>
          <th>Offered by</th>
          <th title="A call that fails on one member is sent to another: the tool is read-only or idempotent, or listed as retried">Retried</th>
        </tr>
      </thead>
      <tbody>
        {tools.map((t) => (
          <tr key={t.name} data-tool={t.name}>
            <td>
              <span class="mono">{t.name}</span>
              {t.description && <div class="muted small">{t.description}</div>}
            </td>
            <td class="mono small">{t.mcp_name}</td>
            <td>{(t.members ?? []).join(', ')}</td>
            <td>{t.retryable ? 'yes' : 'no'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function GroupCard(props: { g: Group; mcpURL: string; requireKey: boolean; onEdit: () => void; onChanged: (g: Group) => void; after: () => void }) {
  const { api } = useApp();
  const { g } = props;
  const url = groupURL(g, props.mcpURL);
  const strategy = STRATEGIES.find((s) => s.id === g.strategy)?.label ?? g.strategy;
  const total = g.members?.length ?? 0;
  return (
    <section class="card" data-group={g.id} aria-labelledby={`group-${g.id}`}>
      <div class="tool-head">
        <div>
          <h2 id={`group-${g.id}`}>
            {g.id} <GroupStateBadge state={g.state} />
          </h2>
          {g.description && <p class="desc">{g.description}</p>}
        </div>
        <div class="row tight">
          <ActionButton
            small
            title="Start the rotation afresh, and give members kept out by their breaker a trial call now"
            label={`Rebalance ${g.id}`}
            onClick={async () => props.onChanged(await api.post<Group>(`/api/v1/groups/${seg(g.id)}/rebalance`))}
            done={`Group ${g.id} rebalanced.`}
          >
            Rebalance
          </ActionButton>
          <button class="btn small" onClick={props.onEdit} aria-label={`Change ${g.id}`}>
            Change
          </button>
          <ActionButton
            small
            kind="danger"
            confirm={`Delete the group ${g.id}? Its members stay; clients using its address lose it.`}
            onClick={async () => {
              await api.del(`/api/v1/groups/${seg(g.id)}`);
              props.after();
            }}
            done={`Group ${g.id} deleted.`}
            label={`Delete ${g.id}`}
          >
            Delete
          </ActionButton>
        </div>
      </div>
      <dl class="facts">
        <dt>In service</dt>
        <dd data-testid="group-healthy">
          {g.healthy_members} of {total} {total === 1 ? 'member' : 'members'} (needs {g.min_healthy})
        </dd>
        <dt>Strategy</dt>
        <dd>{strategy}</dd>
        {g.tool_count !== undefined && (
          <>
            <dt>Tools</dt>
            <dd data-testid="group-tool-count">{g.tool_count}</dd>
          </>
        )}
        {!!(g.prompt_count || g.resource_count) && (
          <>
            <dt>Also</dt>
            <dd data-testid="group-catalog-count">
              {g.prompt_count ?? 0} {g.prompt_count === 1 ? 'prompt' : 'prompts'}, {g.resource_count ?? 0}{' '}
              {g.resource_count === 1 ? 'resource' : 'resources'} on its address
            </dd>
          </>
        )}
        <dt>Breaker</dt>
        <dd>{g.breaker ? `out after ${g.breaker.failure_threshold} ${g.breaker.failure_threshold === 1 ? 'failure' : 'failures in a row'}, for ${g.breaker.cooldown_s}s` : '—'}</dd>
        {!!g.retry_tools?.length && (
          <>
            <dt>Retried</dt>
            <dd class="mono small">{g.retry_tools.join(', ')}</dd>
          </>
        )}
        <dt>Address</dt>
        <dd class="row tight">
          <code data-testid="group-url">{url}</code> <CopyButton text={url} label="Copy the address" />
        </dd>
      </dl>
      <MembersTable g={g} />
      <GroupTools g={g} />
      <ClientSnippets what="group" url={url} requireKey={props.requireKey} name={`switchboard-${g.id}`} testid="group-snippet">
        <p class="muted small">
          On the main address the group's tools are named <code>{g.id}__tool</code>{g.hide_members ? ", and its members' own tools are hidden there" : ''}.
        </p>
      </ClientSnippets>
    </section>
  );
}

/** Groups: servers that stand in for each other, served as one, with live state and breakers. */
export function Groups() {
  const { api } = useApp();
  const list = useLoad(() => api.get<{ groups: Group[] | null }>('/api/v1/groups'));
  const info = useLoad(() => api.get<SystemInfo>('/api/v1/system/info'));
  const cfg = useLoad(() => api.get<{ mcp_require_key?: boolean }>('/api/v1/config'));
  const [editing, setEditing] = useState<Group | 'new' | null>(null);
  const refresh = useDebounced(list.reload, 500);
  // A state or breaker change shows at once; the counts follow with a reload.
  useEvents(['group.'], (e) => {
    if (list.data?.groups) list.setData({ groups: applyGroupEvent(list.data.groups, e) });
    refresh();
  });
  useEvents(['server.state', 'server.removed', 'config.reloaded', 'tool_call.ended'], refresh);
  const groups = list.data?.groups ?? [];
  const replace = (g: Group) => list.setData({ groups: groups.map((x) => (x.id === g.id ? g : x)) });
  return (
    <div>
      <PageHead title="Groups">
        <button class="btn primary" onClick={() => setEditing('new')} data-testid="new-group">
          New group
        </button>
      </PageHead>
      <p class="muted">
        A group is a set of servers that can stand in for each other, served as one: each call goes to one member in service, chosen by the group's strategy.
        A member that keeps failing is taken out by its breaker for a while, and a call that failed is retried on another member when the tool is safe to
        repeat.
      </p>
      <ErrorBox error={list.error} onRetry={list.reload} />
      <ErrorBox error={info.error} onRetry={info.reload} />
      {!list.data && !list.error && <Loading what="groups" />}
      {list.data && groups.length === 0 && <p class="card empty">No groups yet.</p>}
      {groups.map((g) => (
        <GroupCard
          key={g.id}
          g={g}
          mcpURL={info.data?.mcp_url ?? `${location.origin}/mcp`}
          requireKey={!!cfg.data?.mcp_require_key}
          onEdit={() => setEditing(g)}
          onChanged={replace}
          after={list.reload}
        />
      ))}
      {editing && <GroupEditor group={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} onSaved={list.reload} />}
    </div>
  );
}
