import { describe, expect, it } from 'vitest';
import { takeKeyFromHash } from '../../src/api';
import { entryKey, locate, quarantineTarget } from '../../src/quarantine';
import { parseRoute } from '../../src/router';

// The hash as the tray opens it: app.QuarantinePath (Go's url.Values) then
// panellink.Address, which adds the key after '&'.
const targetOf = (hash: string) => {
  const { hash: rest } = takeKeyFromHash(hash);
  const route = parseRoute(rest || hash);
  return { page: route.page, target: quarantineTarget(route.query) };
};

describe('the entry a quarantine link points at', () => {
  it('reads the server, with the key taken out first', () => {
    expect(targetOf('#/quarantine?server=new&key=sb_abc')).toEqual({ page: 'quarantine', target: { server: 'new' } });
  });

  it('reads a space written as + and an escaped & in a tool name', () => {
    expect(targetOf('#/quarantine?server=new+one&key=sb_abc').target).toEqual({ server: 'new one' });
    expect(targetOf('#/quarantine?server=files&tool=read%26write&key=sb_abc').target).toEqual({ server: 'files', tool: 'read&write' });
    expect(targetOf('#/quarantine?server=a%3Fb&tool=x%2Fy').target).toEqual({ server: 'a?b', tool: 'x/y' });
  });

  it('keeps a query that holds a second ?', () => {
    expect(parseRoute('#/quarantine?server=a?b').query.get('server')).toBe('a?b');
  });

  it('is none without a server, and ignores an empty tool', () => {
    expect(quarantineTarget(new URLSearchParams(''))).toBeNull();
    expect(quarantineTarget(new URLSearchParams('server=&tool=t'))).toBeNull();
    expect(quarantineTarget(new URLSearchParams('tool=t'))).toBeNull();
    expect(quarantineTarget(new URLSearchParams('server=s&tool='))).toEqual({ server: 's' });
  });

  it('has keys that no two names share', () => {
    expect(entryKey('a', 'b')).not.toBe(entryKey('a/b'));
    expect(entryKey('a"', 'b')).not.toBe(entryKey('a', '"b'));
    expect(entryKey('s', '')).toBe(entryKey('s'));
  });
});

describe('finding it among what awaits approval', () => {
  const servers = [{ name: 'new' }, { name: 'other' }];
  const tools = [{ server: 'echo', name: 'pid' }];

  it('finds a held server or a held tool', () => {
    expect(locate({ server: 'new' }, servers, tools)).toEqual({ key: entryKey('new'), note: null });
    expect(locate({ server: 'echo', tool: 'pid' }, servers, tools)).toEqual({ key: entryKey('echo', 'pid'), note: null });
  });

  it('says plainly when it no longer awaits approval', () => {
    const s = locate({ server: 'gone' }, servers, tools);
    expect(s.key).toBeNull();
    expect(s.note).toBe('The server “gone” no longer awaits approval: it was approved, rejected or removed.');
    const t = locate({ server: 'echo', tool: 'other' }, servers, tools);
    expect(t.key).toBeNull();
    expect(t.note).toMatch(/^The tool “other” of “echo” no longer awaits approval/);
  });

  it('points at the server when a tool is held only with its server', () => {
    const r = locate({ server: 'new', tool: 'read' }, servers, tools);
    expect(r.key).toBe(entryKey('new'));
    expect(r.note).toContain('its server “new” does');
  });
});
