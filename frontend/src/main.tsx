// The panel's shell: the API key, the navigation, live-link state, notices,
// and the page for the current route.
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api, ApiError, errorText, localKeyStore, takeKeyFromHash } from './api';
import { EventHub, type LinkState } from './events';
import { href, useRoute } from './router';
import { Ctx, RECOUNT, type Notice } from './ui';
import { Dashboard } from './pages/dashboard';
import { ServerDetail, Servers } from './pages/servers';
import { Quarantine } from './pages/quarantine';
import { Tools } from './pages/tools';
import { ActivityPage } from './pages/activity';
import { Keys } from './pages/keys';
import { Secrets } from './pages/secrets';
import { Settings } from './pages/settings';
import { Connect } from './pages/connect';
import { Catalog } from './pages/catalog';
import { Sessions } from './pages/sessions';
import { Discovery } from './pages/discovery';
import { Profiles } from './pages/profiles';
import { SecurityPage } from './pages/security';
import { Groups } from './pages/groups';
import './styles.css';

const keys = localKeyStore();

// Switchboard opens the panel as /ui/#key=...: keep the key, then take it out
// of the address bar so it is neither shown nor kept in history.
// Also when an open panel is sent to #key=... again: this listener is added
// before the router's, so the router never sees the key.
function takeKey(): boolean {
  const { key, hash } = takeKeyFromHash(location.hash);
  if (!key) return false;
  keys.set(key);
  history.replaceState(null, '', location.pathname + location.search + (hash || '#/'));
  return true;
}
takeKey();
addEventListener('hashchange', () => {
  if (takeKey()) dispatchEvent(new Event('switchboard-key'));
});

const NAV: [string, string][] = [
  ['', 'Dashboard'],
  ['servers', 'Servers'],
  ['catalog', 'Catalog'],
  ['discovery', 'Discovery'],
  ['quarantine', 'Quarantine'],
  ['groups', 'Groups'],
  ['profiles', 'Profiles'],
  ['tools', 'Tools'],
  ['activity', 'Activity'],
  ['security', 'Security'],
  ['sessions', 'Sessions'],
  ['keys', 'API keys'],
  ['secrets', 'Secrets'],
  ['settings', 'Settings'],
  ['connect', 'Connect a client'],
];

function KeyPrompt({ onKey, reason }: { onKey: (k: string) => void; reason: string }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const k = value.trim();
    if (!k) return;
    setBusy(true);
    // Checked before it is kept, so a typo is said at once.
    const probe = new Api({ keys: { get: () => k, set: () => {} } });
    try {
      await probe.get('/api/v1/system/me');
      onKey(k);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'Switchboard does not know that key. Check it and try again.' : errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="key-prompt">
      <form onSubmit={submit} class="card">
        <h1>Switchboard</h1>
        <p>{reason}</p>
        <p class="muted">
          The key is the <code>api_key</code> in Switchboard's <code>config.json</code> (in <code>~/.switchboard/</code>), or a
          key made under API keys. Opening the panel from Switchboard (the tray, or <code>switchboard open</code>) passes it
          along for you. This browser keeps it, so you are asked once.
        </p>
        <label>
          API key
          <input
            type="password"
            autoFocus
            autocomplete="off"
            value={value}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
            placeholder="sb_…"
            name="apikey"
          />
        </label>
        {error && (
          <div class="error-box" role="alert">
            {error}
          </div>
        )}
        <button class="btn primary" type="submit" disabled={busy || !value.trim()}>
          Open the panel
        </button>
      </form>
    </main>
  );
}

/**
 * A count for the side bar, loaded at start and again (shortly after) each
 * event of the given types. The count is a hint: the page itself shows any
 * error in full, so a failure here leaves the last count.
 */
function useCount(api: Api, events: EventHub, on: boolean, types: string[], load: (api: Api) => Promise<number>): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!on) return;
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () =>
      load(api)
        .then((c) => !stop && setN(c))
        .catch(() => {});
    run();
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(run, 300);
    };
    const off = events.on(types, soon);
    // A page that changed something no event announces asks for a recount.
    addEventListener(RECOUNT, soon);
    return () => {
      stop = true;
      clearTimeout(timer);
      off();
      removeEventListener(RECOUNT, soon);
    };
  }, [api, events, on]);
  return n;
}

/** Servers and tools awaiting approval. */
const quarantineCount = (api: Api) =>
  api
    .get<{ servers: unknown[] | null; tools: unknown[] | null }>('/api/v1/quarantine')
    .then((q) => (q.servers?.length ?? 0) + (q.tools?.length ?? 0));

/** Servers discovery found, awaiting a decision. */
const discoveryCount = (api: Api) => api.get<{ pending: unknown[] | null }>('/api/v1/discovery/pending').then((d) => d.pending?.length ?? 0);

function App() {
  const [key, setKey] = useState(keys.get());
  const [rejected, setRejected] = useState(false);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [link, setLink] = useState<LinkState>('connecting');
  const route = useRoute();

  const api = useMemo(
    () =>
      new Api({
        keys,
        onUnauthorized: () => {
          // The kept key no longer works (revoked, or the config's changed).
          setRejected(true);
        },
      }),
    [],
  );
  const events = useMemo(() => new EventHub(api), [api]);
  useEffect(() => {
    const on = () => {
      setKey(keys.get());
      setRejected(false);
    };
    addEventListener('switchboard-key', on);
    return () => removeEventListener('switchboard-key', on);
  }, []);
  const notify = useMemo(
    () => (kind: Notice['kind'], text: string) => {
      const id = Date.now() + Math.random();
      setNotices((n) => [...n.slice(-3), { id, kind, text }]);
      setTimeout(() => setNotices((n) => n.filter((x) => x.id !== id)), kind === 'error' ? 10000 : 3500);
    },
    [],
  );

  const signedIn = !!key && !rejected;
  const pending = useCount(api, events, signedIn, ['quarantine', 'server.added', 'server.removed', 'tools.changed'], quarantineCount);
  const found = useCount(api, events, signedIn, ['discovery.pending', 'server.added', 'server.removed'], discoveryCount);
  useEffect(() => {
    if (!key || rejected) return;
    const off = events.onState(setLink);
    events.start();
    return () => {
      off();
      events.stop();
    };
  }, [key, rejected, events]);

  // Moves focus to the new page's heading, so keyboard and screen-reader
  // users land on it.
  useEffect(() => {
    document.getElementById('page-title')?.focus({ preventScroll: true });
  }, [route.page, route.params.join('/')]);

  if (!key || rejected) {
    return (
      <KeyPrompt
        reason={rejected ? 'The API key this browser kept was refused. Enter the current one.' : 'Enter your API key to open the control panel.'}
        onKey={(k) => {
          keys.set(k);
          setKey(k);
          setRejected(false);
        }}
      />
    );
  }

  let page;
  switch (route.page) {
    case '':
      page = <Dashboard />;
      break;
    case 'servers':
      page = route.params[0] ? <ServerDetail name={route.params[0]} tab={route.params[1]} /> : <Servers />;
      break;
    case 'catalog':
      page = <Catalog />;
      break;
    case 'discovery':
      page = <Discovery />;
      break;
    case 'quarantine':
      page = <Quarantine />;
      break;
    case 'groups':
      page = <Groups />;
      break;
    case 'profiles':
      page = <Profiles />;
      break;
    case 'tools':
      page = <Tools />;
      break;
    case 'activity':
      page = <ActivityPage id={route.params[0]} />;
      break;
    case 'security':
      page = <SecurityPage id={route.params[0]} />;
      break;
    case 'sessions':
      page = <Sessions />;
      break;
    case 'keys':
      page = <Keys />;
      break;
    case 'secrets':
      page = <Secrets />;
      break;
    case 'settings':
      page = <Settings />;
      break;
    case 'connect':
      page = <Connect />;
      break;
    default:
      page = (
        <div>
          <h1 id="page-title" tabIndex={-1}>
            Not found
          </h1>
          <p>
            There is no page “{route.page}”. <a href="#/">Go to the dashboard</a>.
          </p>
        </div>
      );
  }

  return (
    <Ctx.Provider value={{ api, events, notify, found }}>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('page-title')?.focus(); }}>
        Skip to content
      </a>
      <div class="shell">
        <nav class="side" aria-label="Main">
          <div class="brand">
            <span class="logo" aria-hidden="true">⇄</span> Switchboard
          </div>
          <ul>
            {NAV.map(([p, label]) => (
              <li key={p}>
                <a href={href(...(p ? [p] : []))} aria-current={route.page === p ? 'page' : undefined}>
                  {label}
                  {p === 'quarantine' && pending > 0 && (
                    <span class="count" data-testid="pending-count" aria-label={`${pending} awaiting approval`}>
                      {pending}
                    </span>
                  )}
                  {p === 'discovery' && found > 0 && (
                    <span class="count" data-testid="found-count" aria-label={`${found} found, awaiting a decision`}>
                      {found}
                    </span>
                  )}
                </a>
              </li>
            ))}
          </ul>
          <div class={`link link-${link}`} role="status" data-testid="link-state">
            <span class="dot" aria-hidden="true" />
            {link === 'live' ? 'Live' : link === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
          </div>
        </nav>
        <main id="main">{page}</main>
      </div>
      <div class="notices" aria-live="polite">
        {notices.map((n) => (
          <div key={n.id} class={`notice ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
            <span class="pre-wrap">{n.text}</span>
            <button class="btn plain small" aria-label="Dismiss" onClick={() => setNotices((all) => all.filter((x) => x.id !== n.id))}>
              ✕
            </button>
          </div>
        ))}
      </div>
    </Ctx.Provider>
  );
}

render(<App />, document.getElementById('app')!);
