// Is our server behind this page, or is the site served by a static host? Asked once per page
// (every demo shares the answer) so each can say so plainly instead of retrying forever.

/** What answered /api/health: our JSON API, or nothing / a static host's HTML page. */
export type ServerVerdict = 'present' | 'absent';

/** Only our API speaks JSON: a static host answers /api/… with its HTML 404 page (or nothing). */
export function verdictOf(response: { headers: { get(name: string): string | null } } | null): ServerVerdict {
  if (!response) return 'absent';
  return (response.headers.get('content-type') ?? '').includes('application/json') ? 'present' : 'absent';
}

let probe: Promise<ServerVerdict> | null = null;

/**
 * One probe of /api/health per page. A 503 (shutting down) is JSON too: the server exists, the
 * demos retry as usual. A network error or non-JSON answer means there is no server.
 */
export function serverVerdict(fetcher: typeof fetch = fetch): Promise<ServerVerdict> {
  probe ??= fetcher('/api/health', { cache: 'no-store' }).then(
    (response) => verdictOf(response),
    () => verdictOf(null),
  );
  return probe;
}

/** For tests: forget the page's answer. */
export function resetServerProbe(): void {
  probe = null;
}
