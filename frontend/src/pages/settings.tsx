import { useState } from 'preact/hooks';
import { errorText, type SystemInfo } from '../api';
import { autostartErrorText, autostartText, type Autostart } from '../autostart';
import { ActionButton, ErrorBox, Loading, PageHead, useApp, useLoad } from '../ui';

interface Config {
  listen?: string;
  cors_origins?: string[];
  update_check?: boolean | null;
  mcp_require_key?: boolean;
  tool_exposure?: string;
  activity_retention_days?: number;
  [k: string]: unknown;
}

interface Check {
  name: string;
  status: string;
  detail?: string;
  fix?: string;
}

function SettingsForm({ cfg, etag, after }: { cfg: Config; etag: string; after: () => void }) {
  const { api, notify } = useApp();
  const [listen, setListen] = useState(cfg.listen ?? '');
  const [cors, setCors] = useState((cfg.cors_origins ?? []).join('\n'));
  const [update, setUpdate] = useState(cfg.update_check !== false);
  const [requireKey, setRequireKey] = useState(!!cfg.mcp_require_key);
  const [exposure, setExposure] = useState(cfg.tool_exposure || 'direct');
  const [retention, setRetention] = useState(cfg.activity_retention_days ? String(cfg.activity_retention_days) : '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (e: Event) => {
    e.preventDefault();
    const days = retention.trim() ? Number(retention) : undefined;
    if (days !== undefined && (!Number.isInteger(days) || days < 1)) return setError('Keep activity for: a whole number of days, 1 or more.');
    // The whole config goes back as it came (secrets still "***", which the
    // API keeps), with these fields changed; If-Match refuses it if the
    // config changed meanwhile.
    const next: Config = {
      ...cfg,
      listen: listen.trim() || undefined,
      cors_origins: cors.split('\n').map((s) => s.trim()).filter(Boolean),
      update_check: update,
      mcp_require_key: requireKey,
      tool_exposure: exposure === 'direct' ? undefined : exposure,
      activity_retention_days: days,
    };
    setBusy(true);
    setError(null);
    try {
      await api.put('/api/v1/config', next, etag ? { 'If-Match': etag } : undefined);
      notify('ok', listen.trim() !== (cfg.listen ?? '') ? 'Saved. A new listen address takes effect when Switchboard restarts.' : 'Settings saved.');
      after();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={save} class="card settings">
      <div class="field">
        <label for="set-listen">Listen address (for the panel, the API and /mcp)</label>
        <input id="set-listen" value={listen} onInput={(e) => setListen((e.target as HTMLInputElement).value)} placeholder="127.0.0.1:7410" />
      </div>
      <div class="field check">
        <label>
          <input type="checkbox" checked={update} onChange={(e) => setUpdate((e.target as HTMLInputElement).checked)} /> Check for updates
        </label>
      </div>
      <div class="field check">
        <label>
          <input type="checkbox" checked={requireKey} onChange={(e) => setRequireKey((e.target as HTMLInputElement).checked)} /> MCP clients on
          HTTP need an API key too
        </label>
      </div>
      <div class="field">
        <label for="set-exposure">How clients see the tools</label>
        <select id="set-exposure" value={exposure} onChange={(e) => setExposure((e.target as HTMLSelectElement).value)}>
          <option value="direct">Every tool (direct)</option>
          <option value="search">Three tools that search, describe and call the rest (search)</option>
        </select>
      </div>
      <div class="field">
        <label for="set-ret">Keep activity for (days; empty: the default)</label>
        <input id="set-ret" inputMode="numeric" value={retention} onInput={(e) => setRetention((e.target as HTMLInputElement).value)} />
      </div>
      <div class="field">
        <label for="set-cors">Other web pages allowed to call the API (origins, one per line)</label>
        <textarea id="set-cors" class="mono" rows={3} value={cors} onInput={(e) => setCors((e.target as HTMLTextAreaElement).value)} />
      </div>
      <ErrorBox error={error} />
      <button class="btn primary" type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Save settings'}
      </button>
    </form>
  );
}

/**
 * The "Start at login" switch: it saves at once (it is not part of the
 * config), says where the entry is kept, and says so in words, with the
 * switch turned off, where this system has no way to start at login.
 */
function StartAtLogin() {
  const { api, notify } = useApp();
  const state = useLoad(() => api.get<Autostart>('/api/v1/system/autostart'));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const a = state.data;
  const change = async (wanted: boolean) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      state.setData(await api.put<Autostart>('/api/v1/system/autostart', { enabled: wanted }));
      notify('ok', wanted ? 'Switchboard will start when you log in.' : 'Switchboard will no longer start when you log in.');
    } catch (err) {
      // The switch goes back to the last state the API gave (a failed
      // change leaves the entry as it was).
      setError(autostartErrorText(err, wanted));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" data-testid="autostart" aria-labelledby="autostart-title">
      <h2 id="autostart-title">Start at login</h2>
      <ErrorBox error={state.error && `Could not read whether Switchboard starts at login: ${state.error}`} onRetry={state.reload} />
      {!a && !state.error && <Loading />}
      {a && (
        <>
          <div class="field check">
            <label class="switch">
              <input
                type="checkbox"
                role="switch"
                id="set-autostart"
                checked={a.enabled}
                aria-checked={a.enabled}
                // Not disabled while saving: that would drop the keyboard focus.
                disabled={!a.supported}
                aria-busy={busy}
                aria-describedby="autostart-what"
                onChange={(e) => change((e.target as HTMLInputElement).checked)}
              />{' '}
              Start Switchboard when I log in
            </label>
          </div>
          <p id="autostart-what" class={a.supported ? 'muted small' : 'small'} data-testid="autostart-what">
            {busy ? 'Saving…' : autostartText(a)}
          </p>
          {a.enabled && a.command?.length ? <p class="mono small">{a.command.join(' ')}</p> : null}
        </>
      )}
      <ErrorBox error={error} />
    </section>
  );
}

export function Settings() {
  const { api } = useApp();
  const cfg = useLoad(async () => {
    const res = await api.request<Response>('GET', '/api/v1/config', { raw: true });
    return { cfg: (await res.json()) as Config, etag: res.headers.get('ETag') ?? '' };
  });
  const info = useLoad(() => api.get<SystemInfo>('/api/v1/system/info'));
  const [doctor, setDoctor] = useState<Check[] | null>(null);
  const [doctorErr, setDoctorErr] = useState<string | null>(null);
  return (
    <div>
      <PageHead title="Settings" />
      <ErrorBox error={cfg.error} onRetry={cfg.reload} />
      {!cfg.data && !cfg.error && <Loading />}
      {cfg.data && <SettingsForm key={cfg.data.etag} cfg={cfg.data.cfg} etag={cfg.data.etag} after={cfg.reload} />}
      <StartAtLogin />
      <h2>This Switchboard</h2>
      <ErrorBox error={info.error} onRetry={info.reload} />
      {info.data && (
        <dl class="facts card">
          <dt>Version</dt>
          <dd>{info.data.version}</dd>
          <dt>Config file</dt>
          <dd class="mono">{info.data.config_path}</dd>
          <dt>Home</dt>
          <dd class="mono">{info.data.home}</dd>
          <dt>Listening on</dt>
          <dd class="mono">{info.data.listen}</dd>
          <dt>Control socket</dt>
          <dd class="mono">{info.data.socket}</dd>
          <dt>API reference</dt>
          <dd>
            <a href={info.data.docs_url} target="_blank" rel="noreferrer">
              {info.data.docs_url}
            </a>
          </dd>
          <dt>Updates</dt>
          <dd>
            {info.data.update?.available
              ? `${info.data.update.latest} is available`
              : info.data.update?.enabled
                ? info.data.update.error
                  ? `not checked: ${info.data.update.error}`
                  : 'up to date'
                : 'not checked (turned off)'}
          </dd>
        </dl>
      )}
      <h2>Doctor</h2>
      <ActionButton
        onClick={async () => {
          setDoctorErr(null);
          try {
            const r = await api.get<{ checks: Check[] }>('/api/v1/system/doctor');
            setDoctor(r.checks ?? []);
          } catch (e) {
            setDoctorErr(errorText(e));
          }
        }}
      >
        Run the checks
      </ActionButton>
      <ErrorBox error={doctorErr} />
      {doctor && (
        <table class="table">
          <tbody>
            {doctor.map((c, i) => (
              <tr key={i}>
                <td>
                  <span class={`badge doctor-${c.status}`}>{c.status}</span>
                </td>
                <td>{c.name}</td>
                <td>
                  {c.detail}
                  {c.fix && <div class="muted small">Fix: {c.fix}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
