import { Fragment } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { seg, type Query } from '../api';
import { SECURITY_TYPES, localSeenStore, markSeen, typeLabel, type SecurityEvent } from '../security';
import { href, navigate } from '../router';
import { Dialog, ErrorBox, Loading, PageHead, Pager, WhenAndPageSize, ago, sinceISO, when, useApp, useDebounced, useEvents, useLoad, useCursorPager } from '../ui';

export function LevelBadge({ level }: { level: string }) {
  return (
    <span class={`badge level-${level}`} data-level={level}>
      {level}
    </span>
  );
}

function EventDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const { api } = useApp();
  const ev = useLoad(() => api.get<SecurityEvent>(`/api/v1/security/events/${seg(id)}`), [id]);
  const e = ev.data;
  return (
    <Dialog title="Security event" onClose={onClose} wide>
      <ErrorBox error={ev.error} onRetry={ev.reload} />
      {!e && !ev.error && <Loading />}
      {e && (
        <div data-testid="security-detail">
          <p>{e.message}</p>
          <dl class="facts">
            <dt>When</dt>
            <dd>{when(e.time)}</dd>
            <dt>What</dt>
            <dd>
              {typeLabel(e.type)} <span class="mono small muted">{e.type}</span>
            </dd>
            <dt>Level</dt>
            <dd>
              <LevelBadge level={e.level} />
            </dd>
            <dt>Who</dt>
            <dd>{e.principal || '—'}</dd>
            <dt>Server</dt>
            <dd>{e.server ? <a href={href('servers', e.server)}>{e.server}</a> : '—'}</dd>
            <dt>Tool</dt>
            <dd class="mono">{e.tool || '—'}</dd>
            {e.activity_id && (
              <>
                <dt>Tool call</dt>
                <dd>
                  <a href={href('activity', e.activity_id)}>See the call</a>
                </dd>
              </>
            )}
            {Object.entries(e.detail ?? {}).map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k.replace(/_/g, ' ')}</dt>
                <dd class="mono small">{v}</dd>
              </Fragment>
            ))}
          </dl>
        </div>
      )}
    </Dialog>
  );
}

/** Security events: refused calls and keys, sensitive data, poisoned and changed tools, held servers. */
export function SecurityPage({ id }: { id?: string }) {
  const { api } = useApp();
  const seen = useMemo(() => localSeenStore(), []);
  const [type, setType] = useState('');
  const [level, setLevel] = useState('');
  const [server, setServer] = useState('');
  const [principal, setPrincipal] = useState('');
  const [since, setSince] = useState('');
  const [limit, setLimit] = useState(50);
  const pager = useCursorPager();
  const cursor = pager.cursor;
  const filters: Query = { type, level, server, principal, since: sinceISO(since) };
  const page = useLoad(
    () => api.get<{ items: SecurityEvent[] | null; next_cursor: string }>('/api/v1/security/events', { ...filters, limit, cursor }),
    [type, level, server, principal, since, limit, cursor],
  );
  const refresh = useDebounced(() => !cursor && page.reload(), 500);
  // New events appear on the first page as they are recorded.
  useEvents(['security'], refresh);
  const items = page.data?.items ?? [];
  // What is shown here is seen: the dashboard stops counting it as new.
  useEffect(() => markSeen(seen, items), [page.data]);
  const resetPaging = pager.reset;
  const filterBy = (set: (v: string) => void) => (e: Event) => {
    set((e.target as HTMLInputElement).value.trim());
    resetPaging();
  };
  const filtered = !!(type || level || server || principal || since);
  return (
    <div>
      <PageHead title="Security" />
      <p class="muted">
        What Switchboard refused or held, and what it saw: calls refused by a policy, sensitive data in calls, poisoned or changed tools, servers held in
        quarantine, and requests with a wrong key or without the permission they need.
      </p>
      <form class="filters row" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          What
          <select value={type} onChange={filterBy(setType)}>
            <option value="">anything</option>
            {SECURITY_TYPES.map(([t, l]) => (
              <option key={t} value={t}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          Level
          <select value={level} onChange={filterBy(setLevel)}>
            <option value="">any</option>
            <option value="warning">warning or critical</option>
            <option value="critical">critical</option>
          </select>
        </label>
        <label>
          Server
          <input value={server} onChange={filterBy(setServer)} placeholder="any" />
        </label>
        <label>
          Who
          <input value={principal} onChange={filterBy(setPrincipal)} placeholder="anyone" />
        </label>
        <WhenAndPageSize since={since} limit={limit} onSince={setSince} onLimit={setLimit} pager={pager} />
      </form>
      <ErrorBox error={page.error} onRetry={page.reload} />
      {!page.data && !page.error && <Loading what="security events" />}
      {page.data && items.length === 0 && (
        <div class="card empty" data-testid="security-empty">
          <p>{filtered ? 'No security events match these filters.' : 'No security events yet: nothing has been refused, held or flagged.'}</p>
        </div>
      )}
      {items.length > 0 && (
        <table class="table" data-testid="security-table">
          <thead>
            <tr>
              <th>When</th>
              <th>Level</th>
              <th>What</th>
              <th>Who</th>
              <th>Server / tool</th>
              <th>Message</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id} data-security={e.type}>
                <td class="nowrap">
                  <a href={href('security', e.id)} title={when(e.time)}>
                    {ago(e.time)}
                  </a>
                </td>
                <td>
                  <LevelBadge level={e.level} />
                </td>
                <td>{typeLabel(e.type)}</td>
                <td>{e.principal || '—'}</td>
                <td class="mono small">{[e.server, e.tool].filter(Boolean).join(' / ') || '—'}</td>
                <td class="desc small">{e.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager pager={pager} next={page.data?.next_cursor} />
      {id && <EventDetail id={id} onClose={() => navigate(href('security'))} />}
    </div>
  );
}
