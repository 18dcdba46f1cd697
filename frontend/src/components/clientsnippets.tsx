import type { ComponentChildren } from 'preact';
import { urlClientSnippets } from '../snippets';
import { CopyButton } from '../ui';

/**
 * "Connect a client to this ...": the snippet of each URL-speaking client
 * for one MCP address (a profile's, a group's), with its install link
 * where the client has one.
 */
export function ClientSnippets({ what, url, requireKey, name, testid, children }: {
  what: string;
  url: string;
  requireKey: boolean;
  name: string;
  testid: string;
  children?: ComponentChildren;
}) {
  return (
    <details>
      <summary>Connect a client to this {what}</summary>
      {urlClientSnippets(url, requireKey, name).map((s) => (
        <div key={s.id} class="snippet" data-testid={`${testid}-${s.id}`}>
          <div class="tool-head">
            <h3>{s.client}</h3>
            <div class="row tight">
              {s.install && (
                <a class="btn small primary" href={s.install}>
                  Add to {s.client}
                </a>
              )}
              <CopyButton text={s.snippet} label={`Copy for ${s.client}`} />
            </div>
          </div>
          <p class="muted small">{s.where}</p>
          <pre class="json">{s.snippet}</pre>
        </div>
      ))}
      {children}
    </details>
  );
}
