import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ToolInfo } from '../api';
import { href } from '../router';
import { ErrorBox, Json, Loading, PageHead, useApp, useDebounced, useEvents, useLoad } from '../ui';

/** Every server's tools, searched the way retrieve_tools ranks them for a model. */
export function Tools() {
  const { api } = useApp();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [onlyExposed, setOnlyExposed] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  // Searches as the person types, a moment after they stop.
  useEffect(() => {
    const t = setTimeout(() => setQuery(q.trim()), 250);
    return () => clearTimeout(t);
  }, [q]);
  // The answer keeps the words it answers, so the list is never labelled
  // with words typed since.
  const tools = useLoad(
    async () => ({ q: query, ...(await api.get<{ tools: ToolInfo[]; total: number }>('/api/v1/tools', { q: query, limit: query ? 50 : undefined })) }),
    [query],
  );
  const refresh = useDebounced(tools.reload, 500);
  useEvents(['tools.changed'], refresh);
  const list = (tools.data?.tools ?? []).filter((t) => !onlyExposed || t.exposed);
  return (
    <div>
      <PageHead title="Tools" />
      <div class="row">
        <input
          type="search"
          class="grow"
          aria-label="Search tools"
          placeholder="Search in words, as a model would ask: “read a file”, “remember this”…"
          value={q}
          onInput={(e) => setQ((e.target as HTMLInputElement).value)}
          data-testid="tool-search"
        />
        <label>
          <input type="checkbox" checked={onlyExposed} onChange={(e) => setOnlyExposed((e.target as HTMLInputElement).checked)} /> Only what clients see
        </label>
      </div>
      <ErrorBox error={tools.error} onRetry={tools.reload} />
      {!tools.data && !tools.error && <Loading what="tools" />}
      {tools.data && (
        <p class="muted small" role="status">
          {tools.data.q ? `${list.length} tools match “${tools.data.q}”, best first.` : `${list.length} tools.`}
        </p>
      )}
      {list.length > 0 && (
        <table class="table">
          <thead>
            <tr>
              <th>Name clients see</th>
              <th>Server</th>
              <th>Description</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {list.map((t) => (
              <Fragment key={t.name}>
                <tr>
                  <td>
                    <button class="linklike mono" aria-expanded={open === t.name} onClick={() => setOpen(open === t.name ? null : t.name)}>
                      {t.name}
                    </button>
                  </td>
                  <td>
                    <a href={href('servers', t.server)}>{t.server}</a>
                  </td>
                  <td class="desc">{t.description}</td>
                  <td>
                    {!t.enabled ? (
                      <span class="badge state-disabled">disabled</span>
                    ) : t.exposed ? (
                      <span class="badge state-ready">exposed</span>
                    ) : (
                      <span class="badge state-quarantined" title={t.hidden_reason}>
                        hidden
                      </span>
                    )}
                  </td>
                </tr>
                {open === t.name && (
                  <tr>
                    <td colSpan={4}>
                      {t.hidden_reason && <p class="muted small">{t.hidden_reason}</p>}
                      <Json value={t.input_schema ?? {}} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
