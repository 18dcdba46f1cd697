import { describe, expect, it } from 'vitest';
import { profileBody, selectionFromProfile, toggleGroup, toggleServer, toggleTool, type ProfileSelection } from '../../src/profiles';
import { urlClientSnippets } from '../../src/snippets';

const body = (sel: ProfileSelection, creating = true, name = 'writing') => {
  const r = profileBody(name, '', sel, creating);
  if (!r.ok) throw new Error(r.error);
  return r.body;
};

describe('a profile read into the form', () => {
  it('without patterns has every tool of each server', () => {
    expect(selectionFromProfile(['notes', 'web'], [])).toEqual({ servers: ['notes', 'web'], tools: { notes: 'all', web: 'all' }, groups: [], otherPatterns: [] });
  });

  it('splits patterns into whole servers, chosen tools and patterns of its own', () => {
    const sel = selectionFromProfile(['notes', 'web', 'web__x'], ['notes__*', 'web__fetch', 'web__search', 'web__x__read', '*secret*', 'web__get_*']);
    expect(sel.tools).toEqual({ notes: 'all', web: ['fetch', 'search'], web__x: ['read'] });
    expect(sel.otherPatterns).toEqual(['*secret*', 'web__get_*']);
  });

  it('gives a server no pattern names an empty choice', () => {
    expect(selectionFromProfile(['notes', 'web'], ['notes__add']).tools).toEqual({ notes: ['add'], web: [] });
  });
});

describe('profileBody', () => {
  it('sends no tool patterns when every chosen server gives all its tools', () => {
    expect(body(selectionFromProfile(['notes', 'web'], []))).toEqual({ name: 'writing', servers: ['notes', 'web'] });
  });

  it('names whole servers with server__* once some tools are chosen, and keeps patterns of its own', () => {
    const sel: ProfileSelection = { servers: ['notes', 'web'], tools: { notes: 'all', web: ['fetch'] }, groups: [], otherPatterns: [' *search* ', ''] };
    expect(body(sel, false)).toEqual({ servers: ['notes', 'web'], tools: ['notes__*', 'web__fetch', '*search*'] });
  });

  it('gives back the profile it read', () => {
    const patterns = ['notes__*', 'web__fetch', '*search*'];
    expect(body(selectionFromProfile(['notes', 'web'], patterns)).tools).toEqual(patterns);
  });

  it('refuses a server with no tool chosen, since no pattern can say that', () => {
    const r = profileBody('w', '', { servers: ['notes'], tools: { notes: [] }, groups: [], otherPatterns: [] }, true);
    expect(r).toEqual({ ok: false, error: expect.stringContaining('No tool of notes is chosen') });
  });

  it('refuses a name that cannot be part of the address', () => {
    const r = profileBody('my profile', '', selectionFromProfile([], []), true);
    expect(r.ok).toBe(false);
  });

  it('sends its groups, and keeps all their tools once some server tools are chosen', () => {
    let sel = toggleGroup(selectionFromProfile(['notes'], []), 'pool', true);
    expect(body(sel)).toEqual({ name: 'writing', servers: ['notes'], groups: ['pool'] });
    sel = toggleTool(sel, 'notes', 'add', false, ['add', 'list']);
    expect(body(sel).tools).toEqual(['notes__list', 'pool__*']);
    // Read back, the group's pattern is the group's, not one of its own.
    const again = selectionFromProfile(['notes'], ['notes__list', 'pool__*'], ['pool']);
    expect(again.otherPatterns).toEqual([]);
    expect(body(again).tools).toEqual(['notes__list', 'pool__*']);
    expect(toggleGroup(again, 'pool', false).groups).toEqual([]);
  });

  it('sends an empty server list for a profile that shows nothing', () => {
    expect(body(selectionFromProfile([], []))).toEqual({ name: 'writing', servers: [] });
  });
});

describe('choosing servers and tools', () => {
  it('starts a newly chosen server with all its tools, and forgets a dropped one', () => {
    let sel = selectionFromProfile([], []);
    sel = toggleServer(sel, 'notes', true);
    expect(sel).toMatchObject({ servers: ['notes'], tools: { notes: 'all' } });
    sel = toggleServer(sel, 'notes', false);
    expect(sel).toMatchObject({ servers: [], tools: {} });
  });

  it('keeps the other tools when one is dropped from all', () => {
    const sel = toggleTool(selectionFromProfile(['notes'], []), 'notes', 'delete', false, ['add', 'delete', 'list']);
    expect(sel.tools.notes).toEqual(['add', 'list']);
    expect(toggleTool(sel, 'notes', 'delete', true, []).tools.notes).toEqual(['add', 'list', 'delete']);
  });
});

describe('urlClientSnippets', () => {
  it('points each client at the given address under the given name', () => {
    const url = 'http://127.0.0.1:7410/mcp/profiles/writing';
    const [cursor, vscode, claudeCode] = urlClientSnippets(url, false, 'switchboard-writing');
    expect(JSON.parse(cursor.snippet).mcpServers['switchboard-writing']).toEqual({ url });
    expect(JSON.parse(vscode.snippet).servers['switchboard-writing']).toEqual({ type: 'http', url });
    expect(new URL(cursor.install!).searchParams.get('name')).toBe('switchboard-writing');
    expect(claudeCode.snippet).toBe(`claude mcp add --transport http switchboard-writing ${url}`);
    const keyed = urlClientSnippets(url, true, 'x');
    expect(keyed[2].snippet).toContain('--header "X-API-Key:');
    expect(keyed[0].install).toBeUndefined();
  });
});
