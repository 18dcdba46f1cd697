// Calls per time bucket for the dashboard's chart, from activity records.
import type { Activity } from './api';

export interface Bucket {
  start: number;
  calls: number;
  errors: number;
}

/** Outcomes that count as errors (a call the client cancelled is not one). */
export const ERROR_STATUSES = new Set(['error', 'timeout', 'unavailable']);

/** `minutes / step` buckets ending at `now`, oldest first. */
export function bucketCalls(items: Activity[], now: number, minutes: number, step: number): Bucket[] {
  const n = Math.ceil(minutes / step);
  const size = step * 60_000;
  const from = now - n * size;
  const out: Bucket[] = Array.from({ length: n }, (_, i) => ({ start: from + i * size, calls: 0, errors: 0 }));
  for (const it of items) {
    const t = Date.parse(it.time);
    if (Number.isNaN(t) || t < from || t > now) continue;
    const i = Math.min(n - 1, Math.floor((t - from) / size));
    out[i].calls++;
    if (ERROR_STATUSES.has(it.status)) out[i].errors++;
  }
  return out;
}
