import { useState } from 'preact/hooks';
import { errorText, seg } from '../api';
import { ActionButton, Dialog, ErrorBox, Loading, PageHead, ago, useApp, useLoad } from '../ui';

interface SecretInfo {
  name: string;
  created?: string;
  updated?: string;
  used_by?: string[] | null;
}

/** Secrets by name; values go in and never come back out. */
function SetSecret({ name: initial, onClose, onSaved }: { name?: string; onClose: () => void; onSaved: () => void }) {
  const { api, notify } = useApp();
  const [name, setName] = useState(initial ?? '');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog title={initial ? `New value for ${initial}` : 'New secret'} onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await api.put(`/api/v1/secrets/${seg(name.trim())}`, { value });
            notify('ok', `Secret ${name} saved. Servers that use it were restarted.`);
            onSaved();
            onClose();
          } catch (err) {
            setError(errorText(err));
          }
        }}
      >
        <div class="field">
          <label for="s-name">Name (write it in a server's config as ${'{'}keyring:NAME{'}'})</label>
          <input id="s-name" value={name} disabled={!!initial} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="s-value">Value (never shown again)</label>
          <input id="s-value" type="password" autocomplete="off" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        </div>
        <ErrorBox error={error} />
        <button class="btn primary" type="submit" disabled={!name.trim()}>
          Save
        </button>
      </form>
    </Dialog>
  );
}

export function Secrets() {
  const { api } = useApp();
  const s = useLoad(() => api.get<{ backend: string; secrets: SecretInfo[] | null; missing: { name: string; used_by?: string[] }[] | null }>('/api/v1/secrets'));
  const [editing, setEditing] = useState<string | null | undefined>(undefined);
  const list = s.data?.secrets ?? [];
  const missing = s.data?.missing ?? [];
  return (
    <div>
      <PageHead title="Secrets">
        <button class="btn primary" onClick={() => setEditing(null)}>
          New secret
        </button>
        <ActionButton onClick={async () => { await api.post('/api/v1/secrets/migrate', {}); s.reload(); }} done="Literal values moved into the secret store." confirm="Move every literal secret value in the config's env and headers into the secret store?">
          Move secrets out of the config
        </ActionButton>
      </PageHead>
      <ErrorBox error={s.error} onRetry={s.reload} />
      {!s.data && !s.error && <Loading />}
      {s.data && (
        <p class="muted">
          Kept in: {s.data.backend === 'keyring' ? 'the system keychain' : s.data.backend === 'file' ? 'an encrypted file in Switchboard\'s home' : s.data.backend}. Only
          names are shown here.
        </p>
      )}
      {missing.length > 0 && (
        <div class="banner warn" role="status">
          The config refers to secrets that do not exist: {missing.map((m) => m.name).join(', ')}.
        </div>
      )}
      {s.data && list.length === 0 && <p class="card empty">No secrets stored.</p>}
      {list.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Used by</th>
              <th>Updated</th>
              <th>
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((x) => (
              <tr key={x.name}>
                <td class="mono">{x.name}</td>
                <td>{x.used_by?.join(', ') || <span class="muted">nothing</span>}</td>
                <td>{ago(x.updated || x.created)}</td>
                <td class="row tight">
                  <button class="btn small" onClick={() => setEditing(x.name)}>
                    Change value
                  </button>
                  <ActionButton
                    small
                    kind="danger"
                    confirm={`Delete the secret ${x.name}?`}
                    onClick={async () => {
                      await api.del(`/api/v1/secrets/${seg(x.name)}`);
                      s.reload();
                    }}
                    done="Secret deleted."
                  >
                    Delete
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing !== undefined && <SetSecret name={editing ?? undefined} onClose={() => setEditing(undefined)} onSaved={s.reload} />}
    </div>
  );
}
