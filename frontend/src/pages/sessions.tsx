import { seg } from '../api';
import { ActionButton, ErrorBox, Loading, PageHead, ago, when, useApp, useDebounced, useEvents, useLoad } from '../ui';

interface SessionInfo {
  id: string;
  endpoint: string;
  transport: string;
  client_name?: string;
  client_version?: string;
  protocol_version?: string;
  started: string;
  last_activity: string;
  calls: number;
  suspended: boolean;
}

/** The MCP clients connected now: suspend a session's calls, resume them, or end it. */
export function Sessions() {
  const { api } = useApp();
  const list = useLoad(() => api.get<{ sessions: SessionInfo[] | null }>('/api/v1/sessions'));
  const refresh = useDebounced(list.reload, 500);
  useEvents(['session.', 'tool_call.ended'], refresh);
  const sessions = list.data?.sessions ?? [];
  const p = (id: string) => `/api/v1/sessions/${seg(id)}`;
  return (
    <div>
      <PageHead title="Sessions" />
      <p class="muted">The MCP clients connected to Switchboard now, on every endpoint.</p>
      <ErrorBox error={list.error} onRetry={list.reload} />
      {!list.data && !list.error && <Loading what="sessions" />}
      {list.data && sessions.length === 0 && <p class="card empty">No client is connected. See Connect a client.</p>}
      {sessions.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th>Client</th>
              <th>Endpoint</th>
              <th>Started</th>
              <th>Last activity</th>
              <th class="num">Calls</th>
              <th>
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((x) => (
              <tr key={x.id}>
                <td>
                  {x.client_name || 'unknown client'} {x.client_version && <span class="muted small">{x.client_version}</span>}
                  {x.suspended && <span class="badge state-quarantined">suspended</span>}
                  <div class="mono small muted">{x.id}</div>
                </td>
                <td class="mono small">
                  {x.endpoint} ({x.transport})
                </td>
                <td title={when(x.started)}>{ago(x.started)}</td>
                <td>{ago(x.last_activity)}</td>
                <td class="num">{x.calls}</td>
                <td class="row tight">
                  {x.suspended ? (
                    <ActionButton small onClick={async () => { await api.post(`${p(x.id)}/resume`); list.reload(); }} done="Session resumed.">
                      Resume
                    </ActionButton>
                  ) : (
                    <ActionButton small onClick={async () => { await api.post(`${p(x.id)}/suspend`); list.reload(); }} done="Session suspended: its calls are refused until resumed.">
                      Suspend
                    </ActionButton>
                  )}
                  <ActionButton small kind="danger" confirm="End this session? The client has to start a new one." onClick={async () => { await api.del(p(x.id)); list.reload(); }} done="Session ended.">
                    End
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
