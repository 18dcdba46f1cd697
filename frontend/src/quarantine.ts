// Where the quarantine page should take a person: the tray and the
// notifications open it at #/quarantine?server=NAME (and &tool=TOOL for a
// changed tool), built with Go's url.Values, so a space may come as '+'.

export interface QuarantineTarget {
  server: string;
  tool?: string;
}

/** The entry a link points at, or null when it names no server. */
export function quarantineTarget(query: URLSearchParams): QuarantineTarget | null {
  const server = query.get('server')?.trim() ?? '';
  if (!server) return null;
  const tool = query.get('tool')?.trim() ?? '';
  return tool ? { server, tool } : { server };
}

/** The key of one entry on the page (a server's, or one tool's), unambiguous for any names. */
export function entryKey(server: string, tool?: string): string {
  return JSON.stringify(tool ? ['tool', server, tool] : ['server', server]);
}

export interface Located {
  /** The entry to scroll to and focus, when it is on the page. */
  key: string | null;
  /** What to tell the person when the entry asked for is not there, as such. */
  note: string | null;
}

/** Finds the entry a link points at among what awaits approval now. */
export function locate(t: QuarantineTarget, servers: { name: string }[], tools: { server: string; name: string }[]): Located {
  const serverHeld = servers.some((s) => s.name === t.server);
  if (t.tool) {
    if (tools.some((x) => x.server === t.server && x.name === t.tool)) return { key: entryKey(t.server, t.tool), note: null };
    if (serverHeld)
      return {
        key: entryKey(t.server),
        note: `The tool “${t.tool}” no longer awaits approval on its own, but its server “${t.server}” does: it is shown below.`,
      };
    return {
      key: null,
      note: `The tool “${t.tool}” of “${t.server}” no longer awaits approval: it was approved or rejected, or it or its server was removed.`,
    };
  }
  if (serverHeld) return { key: entryKey(t.server), note: null };
  return { key: null, note: `The server “${t.server}” no longer awaits approval: it was approved, rejected or removed.` };
}
