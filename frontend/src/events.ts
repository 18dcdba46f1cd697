// One EventSource for the whole panel, fanned out to the pages that listen.
// SSE sends each event under its type name, so each known type gets its own
// listener; the browser reconnects by itself and resumes with Last-Event-ID.
import type { Api, SbEvent } from './api';

export const EVENT_TYPES = [
  'server.state', 'server.added', 'server.updated', 'server.removed',
  'config.reloaded', 'config.rejected', 'tools.changed',
  'tool_call.started', 'tool_call.ended', 'session.started', 'session.ended',
  'update.available', 'quarantine', 'policy', 'security', 'discovery.pending', 'discovery.scanned',
  'group.state', 'group.breaker', 'events.missed', 'subscriber.dropped',
];

export type LinkState = 'connecting' | 'live' | 'down';

type Listener = { types: string[]; fn: (e: SbEvent) => void };

/** Whether a listener for `types` wants an event (a type ending in '.' is a prefix; '*' is all). */
export function wants(types: string[], type: string): boolean {
  return types.some((t) => t === '*' || t === type || (t.endsWith('.') && type.startsWith(t)));
}

export class EventHub {
  private src: EventSource | null = null;
  private listeners = new Set<Listener>();
  private stateListeners = new Set<(s: LinkState) => void>();
  state: LinkState = 'connecting';

  constructor(private readonly api: Api) {}

  start() {
    this.stop();
    this.setState('connecting');
    const src = new EventSource(this.api.eventsURL());
    this.src = src;
    src.onopen = () => this.setState('live');
    src.onerror = () => {
      // CLOSED means the browser gave up (a 401, or the server went away
      // for good); otherwise it is retrying by itself.
      this.setState('down');
      if (src.readyState === EventSource.CLOSED) setTimeout(() => this.src === src && this.start(), 3000);
    };
    for (const t of EVENT_TYPES) src.addEventListener(t, (m) => this.dispatch(m as MessageEvent));
    src.onmessage = (m) => this.dispatch(m);
  }

  stop() {
    this.src?.close();
    this.src = null;
  }

  private dispatch(m: MessageEvent) {
    let e: SbEvent;
    try {
      e = JSON.parse(m.data);
    } catch {
      return;
    }
    if (!e.type) e.type = m.type;
    for (const l of this.listeners) if (wants(l.types, e.type)) l.fn(e);
  }

  /** Listens; returns the function that stops listening. */
  on(types: string[], fn: (e: SbEvent) => void): () => void {
    const l = { types, fn };
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  onState(fn: (s: LinkState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  private setState(s: LinkState) {
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }
}
