import { describe, expect, it } from 'vitest';
import { FormError, extraSettings, pendingSummary, sourceBody, sourceSettings, type DiscoverySource, type SourceForm } from '../../src/discovery';

const form = (f: Partial<SourceForm>): SourceForm => ({ id: '', kind: 'folder', mode: 'additive', interval: '', path: '', extra: '', ...f });

describe('sourceBody', () => {
  it('sends id, kind, mode and path for a new folder source, and no interval when left empty', () => {
    expect(sourceBody(form({ id: ' mine ', path: ' /tmp/configs ' }), false)).toEqual({
      id: 'mine',
      kind: 'folder',
      mode: 'additive',
      path: '/tmp/configs',
    });
  });

  it('leaves id and kind out of an edit, and sends an emptied interval so the default comes back', () => {
    const body = sourceBody(form({ id: 'mine', mode: 'authoritative', path: '/tmp/x' }), true);
    expect(body).toEqual({ mode: 'authoritative', interval: '', path: '/tmp/x' });
  });

  it('sends no path for a clients source', () => {
    expect(sourceBody(form({ id: 'c', kind: 'clients', interval: '1h' }), true)).toEqual({ mode: 'additive', interval: '1h' });
  });

  it('merges the settings of another kind, written as JSON', () => {
    const body = sourceBody(form({ id: 'k8s', kind: 'kubernetes', extra: '{"namespace": "tools", "context": "dev"}' }), false);
    expect(body).toEqual({ id: 'k8s', kind: 'kubernetes', mode: 'additive', namespace: 'tools', context: 'dev' });
  });

  it('names the field when the other settings are not a JSON object', () => {
    expect(() => sourceBody(form({ extra: '{namespace' }), false)).toThrow(FormError);
    try {
      sourceBody(form({ extra: '["a"]' }), false);
      expect.unreachable();
    } catch (e) {
      expect((e as FormError).field).toBe('extra');
      expect((e as FormError).message).toContain('JSON object');
    }
  });
});

describe('sourceSettings', () => {
  const base: DiscoverySource = { id: 'd', kind: 'docker', mode: 'additive', enabled: true, found: 2, last_scan: '2026-01-01T00:00:00Z', problems: [] };

  it('shows a folder path and the settings of a kind the panel does not know, and not the common fields', () => {
    const s = { ...base, path: '/srv/mcp', host: 'unix:///var/run/docker.sock', label_selector: ['mcp=true', 'team=a'], options: { tls: true }, empty: '' };
    expect(sourceSettings(s)).toEqual([
      ['path', '/srv/mcp'],
      ['host', 'unix:///var/run/docker.sock'],
      ['label selector', 'mcp=true, team=a'],
      ['options', '{"tls":true}'],
    ]);
  });

  it('gives the form the other settings without the path', () => {
    expect(extraSettings({ ...base, path: '/x', namespace: 'tools' })).toEqual({ namespace: 'tools' });
  });
});

describe('pendingSummary', () => {
  const entry = { id: 's/n', source: 's', action: 'add', name: 'n', found_at: '' };
  it('says what a found server runs: the command line, or the URL', () => {
    expect(pendingSummary({ ...entry, server: { command: 'npx', args: ['-y', 'pkg'] } })).toBe('npx -y pkg');
    expect(pendingSummary({ ...entry, server: { type: 'http', url: 'https://x/mcp' } })).toBe('http https://x/mcp');
    expect(pendingSummary(entry)).toBe('');
  });
});
