// Security events as the API lists them, what each type means in words, and
// which of them are new: warnings and criticals recorded after the newest
// one the person has seen on the Security page (kept in this browser).

export interface SecurityEvent {
  id: string;
  time: string;
  type: string;
  level: 'info' | 'warning' | 'critical' | string;
  principal?: string;
  server?: string;
  tool?: string;
  message: string;
  activity_id?: string;
  detail?: Record<string, string>;
}

export const SECURITY_TYPES: [string, string][] = [
  ['policy.denied', 'Call refused by a policy'],
  ['sensitive.blocked', 'Call with sensitive data blocked'],
  ['sensitive.found', 'Sensitive data seen'],
  ['poisoning.detected', 'Tool poisoning found'],
  ['tool.changed', 'Tool changed after approval'],
  ['server.quarantined', 'Server held in quarantine'],
  ['auth.failed', 'Wrong, revoked or expired key'],
  ['access.denied', 'Permission refused'],
];

export function typeLabel(type: string): string {
  return SECURITY_TYPES.find(([t]) => t === type)?.[1] ?? type;
}

export const SEEN_STORAGE = 'switchboard.securitySeen';

export interface SeenStore {
  get(): string | null;
  set(v: string): void;
}

export function localSeenStore(storage: Storage | undefined = globalThis.localStorage): SeenStore {
  return {
    get: () => {
      try {
        return storage?.getItem(SEEN_STORAGE) ?? null;
      } catch {
        return null;
      }
    },
    set: (v) => {
      try {
        storage?.setItem(SEEN_STORAGE, v);
      } catch {
        // Without storage every alert stays new; nothing else breaks.
      }
    },
  };
}

/**
 * Marks the events shown as seen: keeps the time just after the newest of
 * them (the API's `since` is "at or after"), never moving back.
 */
export function markSeen(store: SeenStore, shown: Pick<SecurityEvent, 'time'>[]): void {
  let newest = Date.parse(store.get() ?? '') || 0;
  for (const e of shown) {
    const t = Date.parse(e.time);
    // Times carry nanoseconds; Date keeps milliseconds, so one more is after it.
    if (!Number.isNaN(t) && t + 1 > newest) newest = t + 1;
  }
  if (newest) store.set(new Date(newest).toISOString());
}

/** The query of the new alerts: warnings and worse since the last one seen. */
export function newAlertsQuery(store: SeenStore, limit = 100): Record<string, string | number> {
  const q: Record<string, string | number> = { level: 'warning', limit };
  const seen = store.get();
  if (seen) q.since = seen;
  return q;
}

/** "3", or "100+" when there are more pages. */
export function countText(items: unknown[], nextCursor?: string): string {
  return `${items.length}${nextCursor ? '+' : ''}`;
}
