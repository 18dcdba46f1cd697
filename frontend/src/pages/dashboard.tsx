import type { Activity, Status, SystemInfo, QuarantinedServer, QuarantinedTool } from '../api';
import { href } from '../router';
import { ErrorBox, Loading, PageHead, duration, useApp, useDebounced, useEvents, useLoad } from '../ui';
import { bucketCalls } from '../chart';
import { countText, localSeenStore, newAlertsQuery, type SecurityEvent } from '../security';

/** Servers discovery found that await a decision (the side bar's count). */
function FoundServers() {
  const n = useApp().found;
  if (!n) return null;
  return (
    <div class="banner info" role="status" data-testid="found-banner">
      Discovery found {n} {n === 1 ? 'server that awaits' : 'servers that await'} a decision. <a href={href('discovery')}>Review them</a>
    </div>
  );
}

/** Warnings and criticals recorded since the person last looked at the Security page. */
function NewSecurityAlerts() {
  const { api } = useApp();
  const alerts = useLoad(() => api.get<{ items: SecurityEvent[] | null; next_cursor: string }>('/api/v1/security/events', newAlertsQuery(localSeenStore())));
  const refresh = useDebounced(alerts.reload, 1000);
  useEvents(['security'], refresh);
  // A hint, as the quarantine count is: the Security page shows any error in full.
  const items = alerts.data?.items ?? [];
  if (!items.length) return null;
  const critical = items.some((e) => e.level === 'critical');
  return (
    <div class={`banner ${critical ? 'bad' : 'warn'}`} role="status" data-testid="security-alerts">
      {countText(items, alerts.data?.next_cursor)} new security {items.length === 1 ? 'alert' : 'alerts'}
      {critical ? ', some critical' : ''}. <a href={href('security')}>Review them</a>
    </div>
  );
}

const STATE_ORDER = ['ready', 'starting', 'degraded', 'cold', 'dead', 'stopped', 'disabled'];

function CallsChart({ items, minutes }: { items: Activity[]; minutes: number }) {
  const buckets = bucketCalls(items, Date.now(), minutes, 1);
  const max = Math.max(1, ...buckets.map((b) => b.calls));
  // Drawn at about the size it is shown, so the labels keep their size.
  const W = 1000;
  const H = 130;
  const bw = W / buckets.length;
  const total = buckets.reduce((a, b) => a + b.calls, 0);
  const errors = buckets.reduce((a, b) => a + b.errors, 0);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H + 16}`} role="img" aria-label={`Tool calls in the last ${minutes} minutes: ${total} calls, ${errors} errors`}>
        <line x1="0" y1={H} x2={W} y2={H} class="axis" />
        {buckets.map((b, i) => {
          const h = (b.calls / max) * (H - 8);
          const eh = (b.errors / max) * (H - 8);
          return (
            <g key={i}>
              <title>{`${new Date(b.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: ${b.calls} calls, ${b.errors} errors`}</title>
              <rect x={i * bw + 1} y={H - h} width={Math.max(1, bw - 2)} height={h} class="bar-calls" />
              {eh > 0 && <rect x={i * bw + 1} y={H - eh} width={Math.max(1, bw - 2)} height={eh} class="bar-errors" />}
            </g>
          );
        })}
        <text x="0" y={H + 14} class="tick">
          {minutes} min ago
        </text>
        <text x={W} y={H + 14} class="tick" text-anchor="end">
          now
        </text>
        <text x="2" y="10" class="tick">
          {max}
        </text>
      </svg>
      <figcaption>
        <span class="key calls" /> calls ({total}) <span class="key errors" /> errors ({errors})
        {items.length >= 1000 && <span class="muted"> · the latest 1,000 calls</span>}
      </figcaption>
    </figure>
  );
}

export function Dashboard() {
  const { api } = useApp();
  const MIN = 60;
  const status = useLoad(() => api.get<Status>('/api/v1/status'));
  const info = useLoad(() => api.get<SystemInfo>('/api/v1/system/info'));
  const calls = useLoad(() =>
    api.get<{ items: Activity[] }>('/api/v1/activity', { since: new Date(Date.now() - MIN * 60_000).toISOString(), limit: 1000 }),
  );
  const quarantine = useLoad(() => api.get<{ servers: QuarantinedServer[] | null; tools: QuarantinedTool[] | null }>('/api/v1/quarantine'));
  const refresh = useDebounced(() => {
    status.reload();
    calls.reload();
  }, 1000);
  useEvents(['server.', 'tools.changed', 'tool_call.ended', 'session.'], refresh);
  useEvents(['quarantine'], () => quarantine.reload());
  useEvents(['update.available'], () => info.reload());

  const s = status.data;
  const up = info.data?.update;
  const pending = (quarantine.data?.servers?.length ?? 0) + (quarantine.data?.tools?.length ?? 0);
  return (
    <div>
      <PageHead title="Dashboard" />
      {up?.available && (
        <div class="banner info" role="status" data-testid="update-banner">
          Switchboard {up.latest} is available (you have {up.current}).{' '}
          {up.url && (
            <a href={up.url} target="_blank" rel="noreferrer">
              See what's new and download it
            </a>
          )}
        </div>
      )}
      {pending > 0 && (
        <div class="banner warn" role="status">
          {pending} {pending === 1 ? 'item awaits' : 'items await'} your approval. <a href={href('quarantine')}>Review quarantine</a>
        </div>
      )}
      <FoundServers />
      <NewSecurityAlerts />
      <ErrorBox error={status.error} onRetry={status.reload} />
      <ErrorBox error={info.error} onRetry={info.reload} />
      {!s && !status.error && <Loading />}
      {s && (
        <>
          <section class="cards" aria-label="Totals">
            <a class="card stat" href={href('servers')}>
              <span class="num">{s.servers.total}</span>
              <span>servers ({s.servers.enabled} enabled)</span>
            </a>
            <a class="card stat" href={href('tools')}>
              <span class="num">{s.tools_total}</span>
              <span>tools exposed</span>
            </a>
            <a class="card stat" href={href('activity')}>
              <span class="num">{s.calls_total}</span>
              <span>calls since start</span>
            </a>
            <a class={`card stat ${s.errors_total ? 'bad' : ''}`} href={href('activity') + '?status=error'}>
              <span class="num">{s.errors_total}</span>
              <span>errors since start</span>
            </a>
            <div class="card stat">
              <span class="num">{s.sessions_open}</span>
              <span>client sessions open</span>
            </div>
          </section>
          <section class="card">
            <h2>Servers by state</h2>
            {s.servers.total === 0 ? (
              <p>
                No servers yet. <a href={href('servers')}>Add your first server</a>, or paste your Claude Desktop block there.
              </p>
            ) : (
              <ul class="state-list">
                {STATE_ORDER.filter((st) => s.servers.by_state[st]).map((st) => (
                  <li key={st}>
                    <a href={href('servers') + `?state=${st}`}>
                      <span class={`badge state-${st}`}>{st}</span> {s.servers.by_state[st]}
                    </a>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
      <section class="card">
        <h2>Calls and errors, last hour</h2>
        <ErrorBox error={calls.error} onRetry={calls.reload} />
        {calls.data && <CallsChart items={calls.data.items ?? []} minutes={MIN} />}
      </section>
      {info.data && (
        <p class="muted small">
          Switchboard {info.data.version} · up {duration(s?.uptime_s)} · MCP endpoint <code>{info.data.mcp_url}</code>
        </p>
      )}
    </div>
  );
}
