import { useState } from 'preact/hooks';
import { ApiError, errorText, seg, withQuery, type Activity, type Query } from '../api';
import { href, navigate } from '../router';
import { Dialog, ErrorBox, Json, Loading, PageHead, Pager, WhenAndPageSize, ago, sinceISO, when, useApp, useDebounced, useEvents, useLoad, useCursorPager } from '../ui';

const STATUSES = ['ok', 'error', 'timeout', 'unavailable', 'cancelled'];
function Detail({ id, onClose }: { id: string; onClose: () => void }) {
  const { api } = useApp();
  const a = useLoad(() => api.get<Activity>(`/api/v1/activity/${seg(id)}`), [id]);
  return (
    <Dialog title="Tool call" onClose={onClose} wide>
      <ErrorBox error={a.error} onRetry={a.reload} />
      {!a.data && !a.error && <Loading />}
      {a.data && (
        <div data-testid="activity-detail">
          <dl class="facts">
            <dt>When</dt>
            <dd>{when(a.data.time)}</dd>
            <dt>Server</dt>
            <dd>
              <a href={href('servers', a.data.server)}>{a.data.server}</a>
            </dd>
            <dt>Tool</dt>
            <dd class="mono">{a.data.tool}</dd>
            <dt>Outcome</dt>
            <dd>
              <span class={`badge outcome-${a.data.status}`}>{a.data.status}</span>
            </dd>
            <dt>Duration</dt>
            <dd>{a.data.duration_ms?.toFixed(1)} ms</dd>
            {a.data.group && (
              <>
                <dt>Group</dt>
                <dd>
                  <a href={href('groups', a.data.group)}>{a.data.group}</a>
                </dd>
              </>
            )}
            <dt>Client</dt>
            <dd>{a.data.client || '—'}</dd>
            <dt>Who</dt>
            <dd>{a.data.principal || '—'}</dd>
            <dt>Session</dt>
            <dd class="mono small">{a.data.session_id || '—'}</dd>
          </dl>
          {a.data.error && <p class="error-text">{a.data.error}</p>}
          <h3>Arguments</h3>
          <Json value={a.data.arguments ?? {}} />
          <h3>Result</h3>
          <Json value={a.data.result ?? null} />
        </div>
      )}
    </Dialog>
  );
}

export function ActivityPage({ id }: { id?: string }) {
  const { api, notify } = useApp();
  const [server, setServer] = useState('');
  const [tool, setTool] = useState('');
  const [status, setStatus] = useState(() => new URLSearchParams(location.hash.split('?')[1] ?? '').get('status') ?? '');
  const [since, setSince] = useState('');
  const [limit, setLimit] = useState(50);
  // Cursors of the pages before this one, for "Newer".
  const pager = useCursorPager();
  const cursor = pager.cursor;
  const filters: Query = { server, tool, status, since: sinceISO(since) };
  const page = useLoad(
    () => api.get<{ items: Activity[] | null; next_cursor: string }>('/api/v1/activity', { ...filters, limit, cursor }),
    [server, tool, status, since, limit, cursor],
  );
  const refresh = useDebounced(() => !cursor && page.reload(), 1000);
  // New calls appear on the first page as they end.
  useEvents(['tool_call.ended'], refresh);
  const resetPaging = pager.reset;
  const exportAs = async (format: 'jsonl' | 'csv') => {
    try {
      // Through fetch, not a link: the key goes in a header, not in the URL.
      const res = await api.request<Response>('GET', withQuery('/api/v1/activity/export', { ...filters, format }), { raw: true });
      const blob = await res.blob();
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `switchboard-activity.${format}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    } catch (e) {
      notify('error', e instanceof ApiError ? e.detail : errorText(e));
    }
  };
  const items = page.data?.items ?? [];
  return (
    <div>
      <PageHead title="Activity">
        <button class="btn" onClick={() => exportAs('csv')}>
          Export CSV
        </button>
        <button class="btn" onClick={() => exportAs('jsonl')}>
          Export JSON Lines
        </button>
      </PageHead>
      <form class="filters row" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          Server
          <input value={server} onChange={(e) => { setServer((e.target as HTMLInputElement).value.trim()); resetPaging(); }} placeholder="any" />
        </label>
        <label>
          Tool
          <input value={tool} onChange={(e) => { setTool((e.target as HTMLInputElement).value.trim()); resetPaging(); }} placeholder="any" />
        </label>
        <label>
          Outcome
          <select value={status} onChange={(e) => { setStatus((e.target as HTMLSelectElement).value); resetPaging(); }}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <WhenAndPageSize since={since} limit={limit} onSince={setSince} onLimit={setLimit} pager={pager} />
      </form>
      <ErrorBox error={page.error} onRetry={page.reload} />
      {!page.data && !page.error && <Loading what="activity" />}
      {page.data && items.length === 0 && (
        <div class="card empty">
          <p>No tool calls{server || tool || status || since ? ' match these filters' : ' yet'}.</p>
        </div>
      )}
      {items.length > 0 && (
        <table class="table" data-testid="activity-table">
          <thead>
            <tr>
              <th>When</th>
              <th>Server</th>
              <th>Tool</th>
              <th>Outcome</th>
              <th class="num">ms</th>
              <th>Client</th>
              <th>Who</th>
              <th>Arguments</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => (
              <tr key={a.id} data-activity={a.id}>
                <td>
                  <a href={href('activity', a.id)} title={when(a.time)}>
                    {ago(a.time)}
                  </a>
                </td>
                <td>{a.server}</td>
                <td class="mono">{a.tool}</td>
                <td>
                  <span class={`badge outcome-${a.status}`}>{a.status}</span>
                </td>
                <td class="num">{a.duration_ms?.toFixed(1)}</td>
                <td>{a.client}</td>
                <td>{a.principal}</td>
                <td class="clip mono small">{a.arguments_preview}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager pager={pager} next={page.data?.next_cursor} />
      {id && <Detail id={id} onClose={() => navigate(href('activity'))} />}
    </div>
  );
}
