import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { transportSpec } from '../../src/protocol/transports.ts';
import { errorResponse, refusalResponse } from '../guard/errors.ts';
import { resolveFeed } from '../guard/query.ts';
import { httpStreams, type ServeStream, type StreamFraming } from './http-stream.ts';
import type { Transport, TransportDeps } from './types.ts';

const MAX_BODY_BYTES = 1024;

/**
 * Fetch streaming: one chunked `application/x-ndjson` response, one JSON message per line, the
 * same messages as the WebSocket feed: `{"type":"start","cursor","resync"}` first, then
 * `{"type":"event","event":…}`. An idle stream gets an empty line (NDJSON readers may skip
 * them). The only transport that can also be a POST, as streamed LLM answers are: the body is a
 * JSON object with the same parameters as the query (`channel`, `after`), and wins over it.
 */
const framing: StreamFraming = {
  name: 'fetch-stream',
  contentType: 'application/x-ndjson; charset=utf-8',
  start: (cursor, resync) => `{"type":"start","cursor":"${cursor}","resync":${resync}}\n`,
  event: (stored) => `{"type":"event","event":${stored.json}}\n`,
  heartbeat: '\n',
};

async function serve(c: Context, deps: TransportDeps, stream: ServeStream, values: Record<string, string>) {
  const resolved = await resolveFeed(values, deps.feed);
  if (!resolved.ok) return refusalResponse(c, resolved.refusal);
  return stream(c, resolved.channel, resolved.from);
}

/** A POST body: a flat JSON object of strings (numbers are taken as their text). */
function bodyValues(text: string): Record<string, string> | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== 'string' && typeof value !== 'number') return null;
    values[key] = String(value);
  }
  return values;
}

export const fetchStream: Transport = {
  name: 'fetch-stream',
  path: transportSpec('fetch-stream').path,
  mount(app, deps) {
    const stream = httpStreams(deps, framing);
    app.get(this.path, (c) => serve(c, deps, stream, c.req.query()));
    if (!transportSpec('fetch-stream').post) return;
    const limit = bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => errorResponse(c, 'payload_too_large', `body over ${MAX_BODY_BYTES} bytes`),
    });
    app.post(this.path, limit, async (c) => {
      const values = bodyValues(await c.req.text());
      if (!values) return errorResponse(c, 'bad_body', 'body must be a JSON object of strings, e.g. {"channel":"ticker","after":"0"}');
      return serve(c, deps, stream, { ...c.req.query(), ...values });
    });
  },
};
