import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRANSPORT_CATALOG, TRANSPORTS, transportCss, transportSpec } from '../../src/protocol/transports.ts';
import { transports as serverTransports } from '../../server/transports/index.ts';

const CATALOG_FILE = join('src', 'protocol', 'transports.ts');
/** This file quotes forbidden lists as examples. */
const THIS_FILE = join('tests', 'unit', 'catalog.test.ts');
const SCANNED = ['src', 'server', 'tests', 'bench', 'scripts'];
const TEXT_FILE = /\.(ts|mts|mjs|js|svelte|astro|css)$/;

function* sourceFiles(folder: string): Generator<string> {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (TEXT_FILE.test(entry.name) && path !== CATALOG_FILE && path !== THIS_FILE) yield path;
  }
}

/**
 * Hand-written lists of transports: three or more of their names as elements of one array or
 * union on a line (`'sse', 'websocket']`, `'sse' | 'websocket'`), or one per line down a
 * multi-line array. Such a list silently skips a new transport; the catalog's derived lists do
 * not. Maps keyed by name (the two registries, the label tables) are the sanctioned places a
 * transport is named, one line each, and are not lists in this sense.
 */
function handLists(text: string): number[] {
  const alternatives = TRANSPORTS.join('|');
  const element = new RegExp(`['"\`](${alternatives})['"\`]\\s*[,|;)\\]]`, 'g');
  const aloneOnLine = new RegExp(`^\\s*['"\`](${alternatives})['"\`],?\\s*$`);
  const lines = text.split('\n');
  const found: number[] = [];
  lines.forEach((line, index) => {
    const onLine = new Set([...line.matchAll(element)].map((match) => match[1]));
    const down = lines.slice(index, index + 3).filter((next) => aloneOnLine.test(next)).length;
    if (onLine.size >= 3 || (down === 3 && aloneOnLine.test(line) && !aloneOnLine.test(lines[index - 1] ?? ''))) found.push(index + 1);
  });
  return found;
}

describe('the transport catalog', () => {
  it('is the only place that lists the transports by name', () => {
    const offenders: string[] = [];
    for (const folder of SCANNED) {
      for (const file of sourceFiles(folder)) {
        for (const line of handLists(readFileSync(file, 'utf8'))) offenders.push(`${file}:${line}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('recognises the hand-written lists it forbids, and leaves name-keyed maps alone', () => {
    expect(handLists("const lanes = ['short-poll', 'long-poll', 'sse', 'websocket'] as const;")).toEqual([1]);
    expect(handLists("type Mode = 'full' | 'short-poll' | 'long-poll' | 'sse';")).toEqual([1]);
    expect(handLists("const xs = [\n  'short-poll',\n  'long-poll',\n  'sse',\n];")).toEqual([2]);
    expect(handLists("const registry = {\n  'short-poll': shortPoll,\n  'long-poll': longPoll,\n  sse,\n  websocket,\n};")).toEqual([]);
    expect(handLists("lane('short-poll', 61), lane('long-poll', 21)")).toEqual([]);
  });

  it('gives every transport a server transport on its path, in catalog order', () => {
    expect(serverTransports.map((transport) => [transport.name, transport.path])).toEqual(TRANSPORT_CATALOG.map((spec) => [spec.name, spec.path]));
  });

  it('gives every transport its own colour in both modes and its own chart marker', () => {
    for (const mode of ['light', 'dark'] as const) expect(new Set(TRANSPORTS.map((name) => transportSpec(name).color[mode])).size).toBe(TRANSPORTS.length);
    expect(new Set(TRANSPORTS.map((name) => transportSpec(name).marker)).size).toBe(TRANSPORTS.length);
    const css = transportCss();
    for (const name of TRANSPORTS) {
      expect(css).toContain(`--c-${name}:${transportSpec(name).color.light}`);
      expect(css).toContain(`[data-transport='${name}']{--transport-color:var(--c-${name})}`);
    }
  });
});
