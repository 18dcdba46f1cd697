import { describe, expect, it, vi } from 'vitest';
import { Api, ApiError, errorText, localKeyStore, takeKeyFromHash, withQuery, type KeyStore } from '../../src/api';

function keys(k: string | null = 'sb_test'): KeyStore {
  let v = k;
  return { get: () => v, set: (n) => (v = n) };
}

function reply(status: number, body: unknown, type = 'application/json'): Response {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Response(status === 204 ? null : text, { status, headers: { 'Content-Type': type } });
}

describe('Api.request', () => {
  it('sends the key, JSON body and query, and parses JSON', async () => {
    const fetch = vi.fn(async () => reply(200, { ok: true }));
    const api = new Api({ keys: keys(), fetch, base: 'http://127.0.0.1:7410/' });
    const got = await api.request('POST', '/api/v1/servers', { body: { name: 'x' }, query: { a: 1, b: '', c: undefined, d: 'x y' } });
    expect(got).toEqual({ ok: true });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:7410/api/v1/servers?a=1&d=x+y');
    const h = init.headers as Record<string, string>;
    expect(h['X-API-Key']).toBe('sb_test');
    expect(h['Content-Type']).toBe('application/json');
    expect(init.body).toBe('{"name":"x"}');
    expect(init.method).toBe('POST');
  });

  it('sends no key header when there is no key', async () => {
    const fetch = vi.fn(async () => reply(200, {}));
    await new Api({ keys: keys(null), fetch }).get('/api/v1/status');
    const h = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1].headers as Record<string, string>;
    expect('X-API-Key' in h).toBe(false);
  });

  it('turns the error envelope into an ApiError with its message and problems', async () => {
    const env = {
      error: 'InvalidField',
      message: 'limit: must be a whole number from 1 to 1000, got "0"',
      status_code: 422,
      problems: [
        { path: 'limit', message: 'must be a whole number from 1 to 1000, got "0"' },
        { path: 'cursor', message: 'is not a cursor this API gave out' },
      ],
    };
    const api = new Api({ keys: keys(), fetch: async () => reply(422, env) });
    const err = (await api.get('/api/v1/activity').catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.code).toBe('InvalidField');
    expect(err.message).toBe(env.message);
    // The problem already in the message is not repeated; the other is listed.
    expect(err.detail).toBe(`${env.message}\n• cursor: is not a cursor this API gave out`);
    expect(errorText(err)).toBe(err.detail);
  });

  it('says what happened when the answer is not the envelope', async () => {
    const api = new Api({ keys: keys(), fetch: async () => new Response('upstream exploded', { status: 502, statusText: 'Bad Gateway' }) });
    const err = (await api.get('/x').catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(502);
    expect(err.message).toContain('502');
    expect(err.message).toContain('upstream exploded');
  });

  it('reports an unreachable Switchboard in words', async () => {
    const api = new Api({ keys: keys(), fetch: async () => { throw new TypeError('Failed to fetch'); } });
    const err = (await api.get('/x').catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/not answering.*Failed to fetch/);
  });

  it('calls onUnauthorized on 401 and still throws', async () => {
    const onUnauthorized = vi.fn();
    const api = new Api({
      keys: keys(),
      onUnauthorized,
      fetch: async () => reply(401, { error: 'Unauthorized', message: 'a valid API key is needed', status_code: 401 }),
    });
    await expect(api.get('/api/v1/status')).rejects.toThrow('a valid API key is needed');
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('answers undefined for 204 and text for text bodies', async () => {
    expect(await new Api({ keys: keys(), fetch: async () => reply(204, '') }).del('/x')).toBeUndefined();
    expect(await new Api({ keys: keys(), fetch: async () => reply(200, 'a,b\n', 'text/csv') }).get('/x')).toBe('a,b\n');
  });

  it('refuses JSON that does not parse instead of returning garbage', async () => {
    const api = new Api({ keys: keys(), fetch: async () => reply(200, '{"half":') });
    await expect(api.get('/x')).rejects.toThrow(/does not parse/);
  });

  it('puts the key in ?apikey= for EventSource and WebSocket URLs', () => {
    const api = new Api({ keys: keys('sb_k&1'), fetch: async () => reply(200, {}), base: 'http://127.0.0.1:7410' });
    expect(api.eventsURL()).toBe('http://127.0.0.1:7410/api/v1/events?apikey=sb_k%261');
    expect(api.eventsURL(['server.state', 'tools.changed'])).toBe('http://127.0.0.1:7410/api/v1/events?types=server.state%2Ctools.changed&apikey=sb_k%261');
    expect(api.wsURL('/api/v1/ws/servers/a%20b/logs')).toBe('ws://127.0.0.1:7410/api/v1/ws/servers/a%20b/logs?apikey=sb_k%261');
  });
});

describe('withQuery', () => {
  it('appends to an existing query and skips empty values', () => {
    expect(withQuery('/a?x=1', { y: 2, z: null })).toBe('/a?x=1&y=2');
    expect(withQuery('/a', {})).toBe('/a');
  });
});

describe('takeKeyFromHash', () => {
  it('takes the key from #key=', () => {
    expect(takeKeyFromHash('#key=sb_abc')).toEqual({ key: 'sb_abc', hash: '' });
  });
  it('keeps the route next to the key', () => {
    expect(takeKeyFromHash('#/servers/x&key=sb_abc')).toEqual({ key: 'sb_abc', hash: '#/servers/x' });
    expect(takeKeyFromHash('#/?key=sb_abc')).toEqual({ key: 'sb_abc', hash: '' });
  });
  it('decodes an escaped key', () => {
    expect(takeKeyFromHash('#key=sb%2Bx').key).toBe('sb+x');
  });
  it('leaves a hash without a key alone', () => {
    expect(takeKeyFromHash('#/activity')).toEqual({ key: null, hash: '#/activity' });
    expect(takeKeyFromHash('')).toEqual({ key: null, hash: '' });
  });
});

describe('localKeyStore', () => {
  it('keeps the key in storage and forgets it', () => {
    const m = new Map<string, string>();
    const storage = {
      getItem: (k: string) => m.get(k) ?? null,
      setItem: (k: string, v: string) => void m.set(k, v),
      removeItem: (k: string) => void m.delete(k),
    } as unknown as Storage;
    const s = localKeyStore(storage);
    expect(s.get()).toBeNull();
    s.set('sb_1');
    expect(localKeyStore(storage).get()).toBe('sb_1');
    s.set(null);
    expect(s.get()).toBeNull();
  });
  it('falls back to memory when storage throws', () => {
    const storage = {
      getItem: () => { throw new Error('denied'); },
      setItem: () => { throw new Error('denied'); },
      removeItem: () => { throw new Error('denied'); },
    } as unknown as Storage;
    const s = localKeyStore(storage);
    s.set('sb_2');
    expect(s.get()).toBe('sb_2');
  });
});
