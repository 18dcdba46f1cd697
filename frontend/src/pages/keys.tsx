import { useState } from 'preact/hooks';
import { errorText, seg } from '../api';
import { ActionButton, CopyButton, Dialog, ErrorBox, Loading, PageHead, ago, when, useApp, useLoad } from '../ui';

interface KeyInfo {
  id: string;
  name: string;
  prefix: string;
  principal: string;
  role: string;
  scope?: unknown;
  created_at: string;
  created_by?: string;
  expires_at?: string | null;
  last_used_at?: string | null;
  revoked: boolean;
  revoked_reason?: string;
}

interface Role {
  name: string;
  description: string;
  permissions: string[];
  built_in: boolean;
}

function CreateKey({ roles, onClose, onCreated }: { roles: Role[]; onClose: () => void; onCreated: () => void }) {
  const { api } = useApp();
  const [name, setName] = useState('');
  const [role, setRole] = useState('operator');
  const [expires, setExpires] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ key: string; warning?: string } | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api.post<{ key: string; warning?: string }>('/api/v1/auth/keys', { name, role, expires_in: expires || undefined });
      setCreated(r);
      onCreated();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <Dialog title="New API key" onClose={onClose}>
      {created ? (
        <div>
          <p>
            <strong>Copy the key now:</strong> it is shown this once (Switchboard keeps only its hash).
          </p>
          <pre class="json" data-testid="new-key">
            {created.key}
          </pre>
          {created.warning && <p class="muted">{created.warning}</p>}
          <CopyButton text={created.key} label="Copy the key" />
        </div>
      ) : (
        <form onSubmit={submit}>
          <div class="field">
            <label for="k-name">Name (what uses it)</label>
            <input id="k-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="ci-script" />
          </div>
          <div class="field">
            <label for="k-role">Role</label>
            <select id="k-role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
              {roles.map((r) => (
                <option key={r.name} value={r.name}>
                  {r.name}: {r.description}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="k-exp">Expires in (such as 720h; empty: never)</label>
            <input id="k-exp" value={expires} onInput={(e) => setExpires((e.target as HTMLInputElement).value)} />
          </div>
          <ErrorBox error={error} />
          <button class="btn primary" type="submit">
            Create
          </button>
        </form>
      )}
    </Dialog>
  );
}

export function Keys() {
  const { api } = useApp();
  const keys = useLoad(() => api.get<{ keys: KeyInfo[] | null }>('/api/v1/auth/keys'));
  const roles = useLoad(() => api.get<{ roles: Role[]; permissions: string[] }>('/api/v1/auth/roles'));
  const me = useLoad(() => api.get<{ name: string; role: string; via: string }>('/api/v1/system/me'));
  const [creating, setCreating] = useState(false);
  const list = keys.data?.keys ?? [];
  return (
    <div>
      <PageHead title="API keys and roles">
        <button class="btn primary" onClick={() => setCreating(true)} disabled={!roles.data}>
          New key
        </button>
      </PageHead>
      {me.data && (
        <p class="muted">
          You are <strong>{me.data.name}</strong> ({me.data.role}), recognised by {me.data.via.replace('_', ' ')}. The key in the config file is the
          owner's key; the keys below are for scripts, agents and other people.
        </p>
      )}
      <ErrorBox error={keys.error} onRetry={keys.reload} />
      {!keys.data && !keys.error && <Loading />}
      {keys.data && list.length === 0 && <p class="card empty">No extra keys yet.</p>}
      {list.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Key starts</th>
              <th>Role</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Expires</th>
              <th>
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((k) => (
              <tr key={k.id} class={k.revoked ? 'revoked' : ''}>
                <td>{k.name || k.id}</td>
                <td class="mono">{k.prefix}…</td>
                <td>{k.role}</td>
                <td title={when(k.created_at)}>{ago(k.created_at)}</td>
                <td>{ago(k.last_used_at)}</td>
                <td>{k.expires_at ? when(k.expires_at) : 'never'}</td>
                <td>
                  {k.revoked ? (
                    <span class="badge state-dead" title={k.revoked_reason}>
                      revoked
                    </span>
                  ) : (
                    <ActionButton
                      small
                      kind="danger"
                      confirm={`Revoke the key "${k.name}"? Whatever uses it is refused from now on.`}
                      onClick={async () => {
                        await api.post(`/api/v1/auth/keys/${seg(k.id)}/revoke`, { reason: 'revoked in the control panel' });
                        keys.reload();
                      }}
                      done="Key revoked."
                    >
                      Revoke
                    </ActionButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Roles</h2>
      <ErrorBox error={roles.error} onRetry={roles.reload} />
      {roles.data && (
        <table class="table">
          <thead>
            <tr>
              <th>Role</th>
              <th>What it may do</th>
              <th>Permissions</th>
            </tr>
          </thead>
          <tbody>
            {roles.data.roles.map((r) => (
              <tr key={r.name}>
                <td class="nowrap">
                  {r.name} {r.built_in && <span class="muted small">built in</span>}
                </td>
                <td>{r.description}</td>
                <td class="small mono">{r.permissions.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && roles.data && <CreateKey roles={roles.data.roles} onClose={() => setCreating(false)} onCreated={keys.reload} />}
    </div>
  );
}
