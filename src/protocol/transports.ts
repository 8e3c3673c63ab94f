// The transport catalog: the one place that lists the ways of receiving the feed. Everything
// else that needs "every transport" (server and browser registries, the ledger, charts, lane
// colours, sequence-diagram markers, label key sets, test matrices) derives from it, so a new
// transport is one entry here, one file per side, and its labels.

/** How a transport carries events, which decides its test readers and its ledger shape. */
export type TransportKind = 'poll' | 'stream' | 'socket';

export interface TransportSpec {
  name: string;
  /** The request path whose bytes the ledger files under this transport. */
  path: string;
  kind: TransportKind;
  /** Lane colour: `--c-<name>` in light and dark mode (chosen for contrast on both). */
  color: { light: string; dark: string };
  /** Chart point shape, so the charts never rely on colour alone. */
  marker: 'circle' | 'rect' | 'triangle' | 'rectRot' | 'star' | 'crossRot';
  /**
   * Also answers a POST whose JSON body carries the query's parameters (`{"channel","after"}`),
   * the shape of streamed LLM answers. Only a fetch can send a body and read a stream back.
   */
  post?: true;
}

export const TRANSPORT_CATALOG = [
  { name: 'short-poll', path: '/api/short-poll', kind: 'poll', color: { light: '#e07b00', dark: '#ffa23a' }, marker: 'circle' },
  { name: 'long-poll', path: '/api/long-poll', kind: 'poll', color: { light: '#8e44ad', dark: '#c08ae0' }, marker: 'triangle' },
  { name: 'sse', path: '/api/sse', kind: 'stream', color: { light: '#138a7e', dark: '#3cc9b8' }, marker: 'rect' },
  { name: 'websocket', path: '/ws/feed', kind: 'socket', color: { light: '#2f5bd3', dark: '#7d9cff' }, marker: 'rectRot' },
  { name: 'fetch-stream', path: '/api/stream', kind: 'stream', color: { light: '#c2255c', dark: '#f783ac' }, marker: 'star', post: true },
] as const satisfies readonly TransportSpec[];

export type TransportName = (typeof TRANSPORT_CATALOG)[number]['name'];
export const TRANSPORTS: readonly TransportName[] = TRANSPORT_CATALOG.map((spec) => spec.name);

const byName = new Map<string, TransportSpec>(TRANSPORT_CATALOG.map((spec) => [spec.name, spec]));
export const transportSpec = (name: TransportName): TransportSpec => byName.get(name)!;
export const transportsOfKind = (kind: TransportKind): TransportName[] => TRANSPORTS.filter((name) => transportSpec(name).kind === kind);

/**
 * The lane colours as CSS, for the page head: the `--c-<name>` tokens in light and dark, the
 * `--transport-color` of any element marked `data-transport`, and the sequence diagram's
 * `stroke-<name>` / `fill-<name>` classes.
 */
export function transportCss(): string {
  const tokens = (mode: 'light' | 'dark') => TRANSPORT_CATALOG.map((spec) => `--c-${spec.name}:${spec.color[mode]};`).join('');
  const rules = TRANSPORT_CATALOG.map(
    ({ name }) =>
      `[data-transport='${name}']{--transport-color:var(--c-${name})}` +
      `.stroke-${name}{stroke:var(--c-${name})}.fill-${name}{fill:var(--c-${name})}`,
  ).join('');
  // Dark colours follow the system unless the reader chose a theme (html[data-theme], global.css).
  return `:root{${tokens('light')}}@media (prefers-color-scheme: dark){:root:not([data-theme='light']){${tokens('dark')}}}:root[data-theme='dark']{${tokens('dark')}}${rules}`;
}
