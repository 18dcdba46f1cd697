import { describe, expect, it } from 'vitest';
import { countText, localSeenStore, markSeen, newAlertsQuery, typeLabel, type SeenStore } from '../../src/security';

function memory(v: string | null = null): SeenStore & { value: string | null } {
  const s = { value: v, get: () => s.value, set: (n: string) => (s.value = n) };
  return s;
}

describe('new security alerts', () => {
  it('are every warning and critical until something was seen', () => {
    expect(newAlertsQuery(memory())).toEqual({ level: 'warning', limit: 100 });
  });

  it('are those after the newest event shown, which the API reads as at or after', () => {
    const seen = memory();
    markSeen(seen, [{ time: '2026-12-04T03:00:00.123456789Z' }, { time: '2026-12-04T02:00:00Z' }]);
    expect(seen.value).toBe('2026-12-04T03:00:00.124Z');
    expect(newAlertsQuery(seen, 10)).toEqual({ level: 'warning', limit: 10, since: '2026-12-04T03:00:00.124Z' });
  });

  it('never go back to being new when an older page is shown', () => {
    const seen = memory('2026-12-04T03:00:00.124Z');
    markSeen(seen, [{ time: '2026-12-01T00:00:00Z' }]);
    expect(seen.value).toBe('2026-12-04T03:00:00.124Z');
    markSeen(seen, []);
    expect(seen.value).toBe('2026-12-04T03:00:00.124Z');
  });

  it('are remembered in the browser storage', () => {
    const data = new Map<string, string>();
    const storage = { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => data.set(k, v) } as unknown as Storage;
    markSeen(localSeenStore(storage), [{ time: '2026-12-04T03:00:00Z' }]);
    expect(localSeenStore(storage).get()).toBe('2026-12-04T03:00:00.001Z');
  });

  it('are counted with a + when there are more than one page holds', () => {
    expect(countText([1, 2, 3])).toBe('3');
    expect(countText(new Array(100), 'next')).toBe('100+');
  });
});

describe('typeLabel', () => {
  it('says what a known type means and shows an unknown one as it is', () => {
    expect(typeLabel('auth.failed')).toBe('Wrong, revoked or expired key');
    expect(typeLabel('something.new')).toBe('something.new');
  });
});
