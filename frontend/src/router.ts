// Hash routes (#/servers/name): the panel is static files under /ui/, so the
// server needs no knowledge of the panel's pages.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  page: string;
  params: string[];
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  // Split at the first '?' only: the query keeps any later one.
  const at = raw.indexOf('?');
  const [path, q] = at < 0 ? [raw, ''] : [raw.slice(0, at), raw.slice(at + 1)];
  const parts = path.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  return { page: parts[0] ?? '', params: parts.slice(1), query: new URLSearchParams(q) };
}

export function href(...parts: string[]): string {
  return '#/' + parts.map(encodeURIComponent).join('/');
}

export function navigate(to: string) {
  location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
