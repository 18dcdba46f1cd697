import type { SystemInfo } from '../api';
import { clientSnippets } from '../snippets';
import { CopyButton, ErrorBox, Loading, PageHead, useApp, useLoad } from '../ui';

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
