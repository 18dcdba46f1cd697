import { seg, type SystemInfo } from '../api';
import { clientSnippets } from '../snippets';
import { ActionButton, CopyButton, ErrorBox, Loading, PageHead, useApp, useLoad } from '../ui';

interface ClientInfo {
  client: string;
  name: string;
  path: string;
  exists: boolean;
  connected: boolean;
}

/** The clients on this machine: one click writes Switchboard into their config (with a backup), one undoes it. */
function OnThisComputer() {
  const { api, notify } = useApp();
  const list = useLoad(() => api.get<{ clients: ClientInfo[] | null }>('/api/v1/clients'));
  if (list.error) return <ErrorBox error={list.error} onRetry={list.reload} />;
  if (!list.data) return <Loading what="clients" />;
  const clients = list.data.clients ?? [];
  if (!clients.length) return null;
  return (
    <table class="table" data-testid="clients-table">
      <thead>
        <tr>
          <th>Client</th>
          <th>Config file</th>
          <th>Switchboard in it</th>
          <th>
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {clients.map((c) => (
          <tr key={c.client}>
            <td>{c.name}</td>
            <td class="mono small">
              {c.path}
              {!c.exists && <span class="muted"> (not there yet: connecting creates it)</span>}
            </td>
            <td>{c.connected ? <span class="badge state-ready">connected</span> : <span class="badge">no</span>}</td>
            <td>
              {c.connected ? (
                <ActionButton
                  small
                  onClick={async () => {
                    const r = await api.post<{ message: string }>(`/api/v1/clients/${seg(c.client)}/disconnect`, {});
                    notify('ok', r.message);
                    list.reload();
                  }}
                  label={`Disconnect ${c.name}`}
                >
                  Disconnect
                </ActionButton>
              ) : (
                <ActionButton
                  small
                  kind="primary"
                  onClick={async () => {
                    const r = await api.post<{ message: string }>(`/api/v1/clients/${seg(c.client)}/connect`, {});
                    notify('ok', r.message);
                    list.reload();
                  }}
                  label={`Connect ${c.name}`}
                >
                  Connect
                </ActionButton>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Connect() {
  const { api } = useApp();
  const info = useLoad(() => api.get<SystemInfo>('/api/v1/system/info'));
  const cfg = useLoad(() => api.get<{ mcp_require_key?: boolean }>('/api/v1/config'));
  if (info.error) return <ErrorBox error={info.error} onRetry={info.reload} />;
  if (!info.data) return <Loading />;
  const snippets = clientSnippets(info.data.mcp_url, !!cfg.data?.mcp_require_key);
  return (
    <div>
      <PageHead title="Connect a client" />
      <p>
        Every AI client needs just one entry: Switchboard. It serves every enabled, approved server's tools at <code>{info.data.mcp_url}</code>, named{' '}
        <code>server__tool</code>.
      </p>
      <h2>On this computer</h2>
      <p class="muted">Connect writes Switchboard into the client's config file and keeps a backup; Disconnect puts the file back. Restart the client afterwards.</p>
      <OnThisComputer />
      <h2>By hand</h2>
      {snippets.map((s) => (
        <section class="card" key={s.id} data-testid={`connect-${s.id}`}>
          <div class="tool-head">
            <h2>{s.client}</h2>
            <div class="row tight">
              {s.install && (
                <a class="btn primary" href={s.install}>
                  Add to {s.client}
                </a>
              )}
              <CopyButton text={s.snippet} label="Copy the snippet" />
            </div>
          </div>
          <p>{s.where}</p>
          <pre class="json">{s.snippet}</pre>
        </section>
      ))}
    </div>
  );
}
