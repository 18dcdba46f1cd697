// Small building blocks every page uses: the app context (API client, live
// events, notices), loading with errors shown, buttons that report failure,
// dialogs, badges.
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { Api, errorText, type SbEvent } from './api';
import type { EventHub } from './events';

export interface Notice {
  id: number;
  kind: 'ok' | 'error';
  text: string;
}

export interface AppCtx {
  api: Api;
  events: EventHub;
  notify: (kind: Notice['kind'], text: string) => void;
  /** Servers discovery found that await a decision, as the side bar counts them. */
  found: number;
}

export const Ctx = createContext<AppCtx>(null as unknown as AppCtx);
export const useApp = () => useContext(Ctx);

/** The window event that asks the side bar to count again. */
export const RECOUNT = 'switchboard-recount';

/** Asks the side bar's counts to be loaded again, after a change no live event announces. */
export function recount() {
  dispatchEvent(new Event(RECOUNT));
}

/** Loads data and keeps the error for showing; reload() fetches again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      const d = await load();
      if (mine === seq.current) {
        setData(d);
        setError(null);
      }
    } catch (e) {
      if (mine === seq.current) setError(errorText(e));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    reload();
  }, [reload]);
  return { data, error, loading, reload, setData };
}

/** Calls fn on each live event of the given types (prefixes end with '.'). */
export function useEvents(types: string[], fn: (e: SbEvent) => void) {
  const { events } = useApp();
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => events.on(types, (e) => ref.current(e)), [events, types.join(',')]);
}

/** Runs fn at most once per `ms` while events keep coming. */
export function useDebounced(fn: () => void, ms = 250) {
  const t = useRef<ReturnType<typeof setTimeout> | null>(null);
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => () => {
    if (t.current) clearTimeout(t.current);
  }, []);
  return useCallback(() => {
    if (t.current) return;
    t.current = setTimeout(() => {
      t.current = null;
      ref.current();
    }, ms);
  }, [ms]);
}

export function ErrorBox({ error, onRetry }: { error: string | null | undefined; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div class="error-box" role="alert">
      <span class="pre-wrap">{error}</span>
      {onRetry && (
        <button class="btn small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading({ what = '' }: { what?: string }) {
  return (
    <p class="muted" aria-busy="true">
      Loading{what ? ` ${what}` : ''}…
    </p>
  );
}

/**
 * A button whose action may fail: it shows it is busy, and a failure
 * becomes a notice with the API's message (never swallowed).
 */
export function ActionButton(props: {
  onClick: () => Promise<unknown> | void;
  children: ComponentChildren;
  kind?: 'primary' | 'danger' | 'plain';
  small?: boolean;
  done?: string;
  title?: string;
  disabled?: boolean;
  confirm?: string;
  testid?: string;
  label?: string;
}) {
  const { notify } = useApp();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    if (props.confirm && !window.confirm(props.confirm)) return;
    setBusy(true);
    try {
      await props.onClick();
      if (props.done) notify('ok', props.done);
    } catch (e) {
      notify('error', errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const cls = ['btn', props.kind ?? 'plain', props.small ? 'small' : ''].join(' ');
  return (
    <button
      class={cls}
      onClick={run}
      disabled={busy || props.disabled}
      aria-busy={busy}
      title={props.title}
      aria-label={props.label}
      data-testid={props.testid}
    >
      {props.children}
    </button>
  );
}

export function StateBadge({ state, quarantined }: { state: string; quarantined?: boolean }) {
  return (
    <span class="badges">
      <span class={`badge state-${state}`} data-state={state}>
        {state}
      </span>
      {quarantined && <span class="badge state-quarantined">quarantined</span>}
    </span>
  );
}

/** A modal dialog (the native one: Esc closes it, focus stays inside). */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    const close = () => props.onClose();
    d?.addEventListener('close', close);
    return () => d?.removeEventListener('close', close);
  }, []);
  return (
    <dialog ref={ref} class={props.wide ? 'wide' : ''} aria-label={props.title}>
      <header class="dialog-head">
        <h2>{props.title}</h2>
        <button class="btn plain small" onClick={() => ref.current?.close()} aria-label="Close">
          ✕
        </button>
      </header>
      <div class="dialog-body">{props.children}</div>
    </dialog>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const { notify } = useApp();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      notify('ok', 'Copied to the clipboard.');
    } catch {
      // Clipboard access needs a secure context or permission; select the text instead.
      notify('error', 'The browser did not allow copying; select the text and copy it by hand.');
    }
  };
  return (
    <button class="btn small" onClick={copy}>
      {label}
    </button>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function ago(iso?: string | null): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 0) return new Date(t).toLocaleString();
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return new Date(t).toLocaleString();
}

export function when(iso?: string | null): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString();
}

/** The time filters of the log pages, as the value sinceISO reads. */
export const SINCE: [string, string][] = [
  ['', 'Any time'],
  ['15m', 'Last 15 minutes'],
  ['1h', 'Last hour'],
  ['24h', 'Last day'],
  ['168h', 'Last week'],
];

/**
 * Paging through a newest-first log by cursor: the cursor of the page
 * shown ('' for the first), and the cursors of the pages before it, so
 * "Newer" can go back.
 */
export function useCursorPager() {
  const [cursor, setCursor] = useState('');
  const [before, setBefore] = useState<string[]>([]);
  return {
    cursor,
    hasNewer: before.length > 0,
    newer: () => {
      setCursor(before[before.length - 1] ?? '');
      setBefore(before.slice(0, -1));
    },
    older: (next: string) => {
      setBefore([...before, cursor]);
      setCursor(next);
    },
    reset: () => {
      setCursor('');
      setBefore([]);
    },
  };
}

/** The "Newer" and "Older" buttons of a log page; next is the API's next_cursor. */
export function Pager({ pager, next }: { pager: ReturnType<typeof useCursorPager>; next?: string }) {
  return (
    <div class="row pager">
      <button class="btn" disabled={!pager.hasNewer} onClick={pager.newer}>
        ← Newer
      </button>
      <button class="btn" disabled={!next} onClick={() => next && pager.older(next)}>
        Older →
      </button>
    </div>
  );
}

/** The "When" and "Per page" filters of the log pages; a change goes back to the first page. */
export function WhenAndPageSize({ since, limit, onSince, onLimit, pager }: {
  since: string;
  limit: number;
  onSince: (v: string) => void;
  onLimit: (n: number) => void;
  pager: ReturnType<typeof useCursorPager>;
}) {
  return (
    <>
      <label>
        When
        <select value={since} onChange={(e) => { onSince((e.target as HTMLSelectElement).value); pager.reset(); }}>
          {SINCE.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <label>
        Per page
        <select value={limit} onChange={(e) => { onLimit(Number((e.target as HTMLSelectElement).value)); pager.reset(); }}>
          {[25, 50, 100, 250].map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

/** The start of a time filter (such as 15m, 24h) as an RFC 3339 time. */
export function sinceISO(v: string): string | undefined {
  const m = /^(\d+)([mh])$/.exec(v);
  if (!m) return undefined;
  const ms = Number(m[1]) * (m[2] === 'm' ? 60_000 : 3_600_000);
  return new Date(Date.now() - ms).toISOString();
}

export function duration(s?: number): string {
  if (s === undefined || s === null) return '—';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

export function PageHead({ title, children }: { title: string; children?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Switchboard`;
  }, [title]);
  return (
    <div class="page-head">
      <h1 tabIndex={-1} id="page-title">
        {title}
      </h1>
      <div class="page-actions">{children}</div>
    </div>
  );
}
