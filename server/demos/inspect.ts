import { randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import { z } from 'zod';
import { errorResponse } from '../guard/errors.ts';
import { parseQuery } from '../guard/query.ts';
import { sendOrShed } from '../transports/socket-helpers.ts';
import { mountSocket } from '../transports/socket-session.ts';
import type { TransportDeps } from '../transports/types.ts';
import { wireRecordOf, type RecordBudget, type WireRecord } from '../wire/recording.ts';
import type { InspectReply } from '../../src/protocol/inspect.ts';

/** Connections remembered for the inspectors, and for how long after they close. */
const MAX_INSPECTED = 200;
const KEEP_AFTER_CLOSE_MS = 120_000;

const sinceSchema = z.object({
  since: z.string().regex(/^\d{1,9}$/, 'must be a frame index ≥ 0').transform(Number).optional(),
});

interface Inspected {
  /** The tap's record: the frames stay there as raw bytes (base64 only in a reply), within the budget. */
  wire: WireRecord;
  closedAt: number | null;
  ping: () => void;
}

/**
 * `/ws/inspect`: an echo server whose every byte the server's socket tap records. The first
 * message tells the page its id; `GET /api/inspect/:id` then returns the raw upgrade request,
 * the 101 response and every frame both ways, exactly as they crossed the wire;
 * `POST /api/inspect/:id/ping` makes the server send a ping (browsers can't send one).
 */
export function mountInspect(app: Hono, deps: TransportDeps, budget: RecordBudget): void {
  const inspected = new Map<string, Inspected>();

  // Forgotten connections stop recording and give their bytes back to the server-wide budget.
  const forget = (id: string, entry: Inspected) => {
    inspected.delete(id);
    budget.release(entry.wire);
  };
  const forgetOld = () => {
    const now = Date.now();
    for (const [id, entry] of inspected) {
      if (inspected.size >= MAX_INSPECTED || (entry.closedAt !== null && now - entry.closedAt > KEEP_AFTER_CLOSE_MS)) forget(id, entry);
    }
  };

  mountSocket(app, '/ws/inspect', deps, () => {
    const id = randomBytes(8).toString('hex');
    return {
      onOpen(socket) {
        const wire = wireRecordOf((socket as unknown as { _socket: import('node:net').Socket })._socket);
        if (!wire) return socket.close(1011, 'no wire record');
        wire.adopted = true;
        forgetOld();
        const entry: Inspected = { wire, closedAt: null, ping: () => socket.ping(Buffer.from('are you there?')) };
        inspected.set(id, entry);
        socket.send(JSON.stringify({ type: 'inspect', id }));
      },
      onMessage(message, socket) {
        sendOrShed(socket, typeof message === 'string' ? `Echo: ${message}` : message, deps.config.sendBufferMaxBytes);
      },
      onClose() {
        const entry = inspected.get(id);
        if (entry) entry.closedAt = Date.now();
      },
    };
  });

  app.get('/api/inspect/:id', (c) => {
    const query = parseQuery(c, sinceSchema);
    if (!query.ok) return query.response;
    const entry = inspected.get(c.req.param('id'));
    if (!entry) return errorResponse(c, 'not_found', 'no inspected connection with that id (they are kept 2 minutes after closing)');
    const since = query.value.since ?? 0;
    const reply: InspectReply = {
      request: entry.wire.requestHead?.toString('base64') ?? '',
      response: entry.wire.responseHead?.toString('base64') ?? '',
      frames: entry.wire.frames.slice(since).map(({ direction, raw }, offset) => ({ index: since + offset, direction, base64: raw.toString('base64') })),
      droppedFrames: entry.wire.droppedFrames,
      closed: entry.closedAt !== null,
    };
    c.header('Cache-Control', 'no-store');
    return c.json(reply);
  });

  app.post('/api/inspect/:id/ping', (c) => {
    const entry = inspected.get(c.req.param('id'));
    if (!entry || entry.closedAt !== null) return errorResponse(c, 'not_found', 'no open inspected connection with that id');
    entry.ping();
    return c.json({ ok: true });
  });
}
