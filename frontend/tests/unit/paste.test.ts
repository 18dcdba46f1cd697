import { describe, expect, it } from 'vitest';
import { parsePastedServers, serverFromForm } from '../../src/paste';
import { bucketCalls } from '../../src/chart';
import { clientSnippets } from '../../src/snippets';
import type { Activity } from '../../src/api';

describe('parsePastedServers', () => {
  const fs = { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'] };

  it('reads a Claude Desktop config, other keys and all', () => {
    const r = parsePastedServers(JSON.stringify({ globalShortcut: 'x', mcpServers: { fs } }));
    expect(r).toEqual({ ok: true, body: { mcpServers: { fs } }, names: ['fs'] });
  });
  it("reads VS Code's servers block", () => {
    const r = parsePastedServers(JSON.stringify({ servers: { remote: { type: 'http', url: 'https://x/mcp' } } }));
    expect(r.ok && r.body.mcpServers.remote.url).toBe('https://x/mcp');
  });
  it('reads the inside of the block, without its braces and with a trailing comma', () => {
    const r = parsePastedServers(`"fs": ${JSON.stringify(fs)},`);
    expect(r.ok && r.names).toEqual(['fs']);
  });
  it('reads a bare map of servers', () => {
    const r = parsePastedServers(JSON.stringify({ a: fs, b: { url: 'http://127.0.0.1:1/mcp' } }));
    expect(r.ok && r.names).toEqual(['a', 'b']);
  });
  it('needs a name for a lone server, and takes it from the box', () => {
    const lone = JSON.stringify(fs);
    const r = parsePastedServers(lone);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/Name box/);
    expect(parsePastedServers(lone, 'files')).toEqual({ ok: true, body: { mcpServers: { files: fs } }, names: ['files'] });
  });
  it('maps serverUrl to url', () => {
    const r = parsePastedServers(JSON.stringify({ mcpServers: { w: { serverUrl: 'https://w/mcp' } } }));
    expect(r.ok && r.body.mcpServers.w).toEqual({ url: 'https://w/mcp' });
  });
  it('says what is wrong', () => {
    const bad = (t: string) => {
      const r = parsePastedServers(t);
      return r.ok ? '' : r.error;
    };
    expect(bad('')).toMatch(/Paste/);
    expect(bad('{"mcpServers": {')).toMatch(/not valid JSON/);
    expect(bad('[1]')).toMatch(/JSON object/);
    expect(bad('{"theme": "dark"}')).toMatch(/No servers found/);
    expect(bad('{"mcpServers": {"x": {"args": []}}}')).toMatch(/neither "command" nor "url"/);
    expect(bad('{"mcpServers": {"x": 3}}')).toMatch(/should be an object/);
    expect(bad('{"mcpServers": {}}')).toMatch(/no servers/);
  });
});

describe('serverFromForm', () => {
  const blank = { name: 'notes', type: 'stdio' as const, command: 'npx', args: '', env: '', url: '', headers: '' };
  it('builds a stdio server with args and env', () => {
    expect(serverFromForm({ ...blank, args: '-y\n pkg \n\n', env: 'A=1\nB=x=y' })).toEqual({
      ok: true, name: 'notes', config: { command: 'npx', args: ['-y', 'pkg'], env: { A: '1', B: 'x=y' } },
    });
  });
  it('builds a remote server with headers', () => {
    expect(serverFromForm({ ...blank, type: 'http', url: 'https://x/mcp', headers: 'Authorization: Bearer ${env:T}' })).toEqual({
      ok: true, name: 'notes', config: { type: 'http', url: 'https://x/mcp', headers: { Authorization: 'Bearer ${env:T}' } },
    });
  });
  it('refuses what cannot work', () => {
    expect(serverFromForm({ ...blank, name: 'a b' }).ok).toBe(false);
    expect(serverFromForm({ ...blank, command: ' ' }).ok).toBe(false);
    expect(serverFromForm({ ...blank, env: 'NOVALUE' }).ok).toBe(false);
    expect(serverFromForm({ ...blank, type: 'sse', url: 'ftp://x' }).ok).toBe(false);
    expect(serverFromForm({ ...blank, type: 'http', url: 'http://x', headers: 'bad' }).ok).toBe(false);
  });
});

describe('bucketCalls', () => {
  it('counts calls and errors per minute, ignoring cancelled and out-of-range calls', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    const at = (s: number, status: string) => ({ time: new Date(now - s * 1000).toISOString(), status }) as Activity;
    const b = bucketCalls([at(10, 'ok'), at(20, 'error'), at(30, 'cancelled'), at(90, 'timeout'), at(4000, 'ok'), at(-5, 'ok')], now, 60, 1);
    expect(b).toHaveLength(60);
    expect(b[59]).toMatchObject({ calls: 3, errors: 1 });
    expect(b[58]).toMatchObject({ calls: 1, errors: 1 });
    expect(b.reduce((a, x) => a + x.calls, 0)).toBe(4);
  });
});

describe('clientSnippets', () => {
  it('points every client at the MCP URL, with install links only without a key', () => {
    const s = clientSnippets('http://127.0.0.1:7410/mcp', false);
    expect(s.map((x) => x.id)).toEqual(['claude', 'cursor', 'vscode']);
    expect(JSON.parse(s[0].snippet).mcpServers.switchboard.args).toEqual(['stdio']);
    expect(JSON.parse(s[1].snippet).mcpServers.switchboard.url).toBe('http://127.0.0.1:7410/mcp');
    expect(JSON.parse(s[2].snippet).servers.switchboard).toEqual({ type: 'http', url: 'http://127.0.0.1:7410/mcp' });
    const cursorCfg = new URL(s[1].install!).searchParams.get('config')!;
    expect(JSON.parse(atob(cursorCfg))).toEqual({ url: 'http://127.0.0.1:7410/mcp' });
    expect(JSON.parse(decodeURIComponent(s[2].install!.split('?')[1]))).toMatchObject({ name: 'switchboard', url: 'http://127.0.0.1:7410/mcp' });
    const keyed = clientSnippets('http://127.0.0.1:7410/mcp', true);
    expect(keyed[1].install).toBeUndefined();
    expect(JSON.parse(keyed[1].snippet).mcpServers.switchboard.headers).toHaveProperty('X-API-Key');
  });
});
