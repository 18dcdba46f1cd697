import { describe, expect, it } from 'vitest';
import { FormError, extraSettings, pendingSummary, previousSummary, sourceBody, sourceForm, sourceSettings, type DiscoverySource, type SourceForm } from '../../src/discovery';

const form = (f: Partial<SourceForm>): SourceForm => ({ ...sourceForm(), ...f });

describe('sourceBody', () => {
  it('sends id, kind, mode and path for a new folder source, and no interval when left empty', () => {
    expect(sourceBody(form({ id: ' mine ', settings: { path: ' /tmp/configs ' } }), false)).toEqual({
      id: 'mine',
      kind: 'folder',
      mode: 'additive',
      path: '/tmp/configs',
    });
  });

  it('leaves id and kind out of an edit, and sends an emptied interval so the default comes back', () => {
    const body = sourceBody(form({ id: 'mine', mode: 'authoritative', settings: { path: '/tmp/x' } }), true);
    expect(body).toEqual({ mode: 'authoritative', interval: '', path: '/tmp/x' });
  });

  it('sends no path for a clients source', () => {
    expect(sourceBody(form({ id: 'c', kind: 'clients', interval: '1h' }), true)).toEqual({ mode: 'additive', interval: '1h' });
  });

  it("sends a kind's own settings: only those filled in for a new source, every one (emptied to its default) on a change", () => {
    const k8s = form({ id: 'cluster', kind: 'kubernetes', settings: { context: ' kind-dev ', namespace: 'tools', kubeconfig: '' } });
    expect(sourceBody(k8s, false)).toEqual({ id: 'cluster', kind: 'kubernetes', mode: 'additive', context: 'kind-dev', namespace: 'tools' });
    expect(sourceBody(k8s, true)).toEqual({ mode: 'additive', interval: '', kubeconfig: '', context: 'kind-dev', namespace: 'tools', label_selector: '' });
    expect(sourceBody(form({ id: 'd', kind: 'docker', settings: { socket: '/run/docker.sock' } }), false)).toMatchObject({ kind: 'docker', socket: '/run/docker.sock' });
  });

  it('sends a kind the panel does not know with its settings written as JSON', () => {
    const body = sourceBody(form({ id: 'n', kind: 'nomad', extra: '{"address": "http://127.0.0.1:4646", "region": "eu"}' }), false);
    expect(body).toEqual({ id: 'n', kind: 'nomad', mode: 'additive', address: 'http://127.0.0.1:4646', region: 'eu' });
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

  it("opens the form on a source as it is: its kind's fields, and any other setting as JSON", () => {
    const k8s = { ...base, kind: 'kubernetes', interval: '1m', namespace: 'tools', context: 'dev', label_selector: 'a=b' };
    expect(sourceForm(k8s)).toEqual({
      id: 'd', kind: 'kubernetes', mode: 'additive', interval: '1m',
      settings: { kubeconfig: '', context: 'dev', namespace: 'tools', label_selector: 'a=b' }, extra: '',
    });
    const nomad = { ...base, kind: 'nomad', address: 'http://x' };
    expect(extraSettings(nomad)).toEqual({ address: 'http://x' });
    expect(JSON.parse(sourceForm(nomad).extra)).toEqual({ address: 'http://x' });
  });
});

describe('pendingSummary', () => {
  const entry = { id: 's/n', source: 's', action: 'add', name: 'n', found_at: '' };
  it('says what a found server runs: the command line, or the URL', () => {
    expect(pendingSummary({ ...entry, server: { command: 'npx', args: ['-y', 'pkg'] } })).toBe('npx -y pkg');
    expect(pendingSummary({ ...entry, server: { type: 'http', url: 'https://x/mcp' } })).toBe('http https://x/mcp');
    expect(pendingSummary(entry)).toBe('');
  });
  it('says, for an update, how the server is reached now and how it will be', () => {
    const update = { ...entry, action: 'update', server: { type: 'http', url: 'http://127.0.0.1:28080/mcp' }, previous: { type: 'http', url: 'http://127.0.0.1:18080/mcp' } };
    expect(pendingSummary(update)).toBe('http http://127.0.0.1:28080/mcp');
    expect(previousSummary(update)).toBe('http http://127.0.0.1:18080/mcp');
    expect(previousSummary(entry)).toBe('');
  });
});
