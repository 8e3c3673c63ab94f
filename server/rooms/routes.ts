import type { Context, Hono } from 'hono';
import type { z } from 'zod';
import { bodyLimit } from 'hono/body-limit';
import type { FairUse } from '../guard/fair-use.ts';
import type { ReportReply, RoomCreated } from '../../src/protocol/rooms.ts';
import type { Config } from '../config.ts';
import { errorResponse, refusalResponse } from '../guard/errors.ts';
import { addressOf, incomingOf } from '../transports/types.ts';
import type { LedgerStats } from '../wire/ledger-sync.ts';
import { createRoomBody, emptyBody, joinBody, MAX_ROOM_BODY_BYTES, questionBody, readBody, reportBody, streamBody, switchBody } from './bodies.ts';
import { joinUrls } from './join-url.ts';
import type { RoomRegistry } from './registry.ts';
import { Room } from './room.ts';
import { RoomEndedError } from './room-log.ts';
import { isTeacher } from './secrets.ts';

export interface RoomsDeps {
  rooms: RoomRegistry;
  /** The ledger behind the aggregate's `ledger` (the cluster's, when there is one). */
  ledgerStats: LedgerStats;
  /** Rates reports per client across the cluster (ROOM_REPORTS_PER_SECOND_PER_CLIENT). */
  fairUse: FairUse;
  config: Config;
}

/** The teacher's actions: each needs `Authorization: Bearer <teacherKey>`. */
const teacherActions = {
  buzz: async (c: Context, room: Room) => {
    const body = await readBody(c, emptyBody);
    return body.ok ? c.json(await room.buzz()) : body.response;
  },
  stream: async (c: Context, room: Room) => {
    const body = await readBody(c, streamBody);
    return body.ok ? c.json(await room.startStream(body.value.perSecond, body.value.seconds)) : body.response;
  },
  switch: async (c: Context, room: Room) => {
    const body = await readBody(c, switchBody);
    return body.ok ? c.json(await room.switchTo(body.value)) : body.response;
  },
  cut: async (c: Context, room: Room) => {
    const body = await readBody(c, emptyBody);
    return body.ok ? c.json(await room.cut()) : body.response;
  },
  question: async (c: Context, room: Room) => {
    const body = await readBody(c, questionBody);
    return body.ok ? c.json(await room.question(body.value)) : body.response;
  },
};

/** `/api/rooms/*`: classroom mode (issue #10; README "Rooms (classroom mode)"). */
export function mountRooms(app: Hono, { rooms, ledgerStats, fairUse, config }: RoomsDeps): void {
  const limit = bodyLimit({
    maxSize: MAX_ROOM_BODY_BYTES,
    onError: (c) => errorResponse(c, 'payload_too_large', `body over ${MAX_ROOM_BODY_BYTES} bytes`),
  });
  const noStore = (c: Context) => c.header('Cache-Control', 'no-store');
  const unknownRoom = (c: Context) => errorResponse(c, 'not_found', `no room "${c.req.param('code')}" (rooms end after ${config.roomIdleMs} ms idle)`);

  app.post('/api/rooms', limit, async (c) => {
    const body = await readBody(c, createRoomBody);
    if (!body.ok) return body.response;
    const room = await rooms.create(addressOf(c, config));
    if (!(room instanceof Room)) return refusalResponse(c, room);
    const urls = joinUrls({
      publicOrigin: config.publicOrigin,
      listenHost: config.host,
      // The port this request came in on: the one phones must use too (config.port may be 0).
      port: incomingOf(c).socket.localPort ?? config.port,
      room: room.code,
      locale: body.value.locale,
    });
    noStore(c);
    const reply: RoomCreated = { room: room.code, teacherKey: room.teacherKey, channel: room.channel.id, ...urls, idleTimeoutMs: rooms.idleTimeoutMs };
    return c.json(reply, 201);
  });

  /** A route about one room: 404 when there is no such room, or when it ended while the request ran. */
  const aboutRoom = (handler: (c: Context, room: Room) => Promise<Response>) => async (c: Context) => {
    const room = await rooms.get(c.req.param('code')!);
    if (!room) return unknownRoom(c);
    try {
      return await handler(c, room);
    } catch (error) {
      if (error instanceof RoomEndedError) return unknownRoom(c);
      throw error;
    }
  };

  /** `aboutRoom` for a POST with a JSON body: its 400 or 413 is answered before the handler runs. */
  const aboutRoomWithBody = <S extends z.ZodTypeAny>(schema: S, handler: (c: Context, room: Room, body: z.infer<S>) => Promise<Response>) =>
    aboutRoom(async (c, room) => {
      const body = await readBody(c, schema);
      return body.ok ? handler(c, room, body.value) : body.response;
    });

  app.get(
    '/api/rooms/:code',
    aboutRoom(async (c, room) => {
      await room.caughtUp();
      noStore(c);
      return c.json(await room.aggregate(ledgerStats, rooms.idleTimeoutMs));
    }),
  );

  app.post(
    '/api/rooms/:code/join',
    limit,
    aboutRoomWithBody(joinBody, async (c, room, body) => {
      const joined = await room.join(body.client, body.transport);
      if (!joined) return errorResponse(c, 'room_full', `this room is full (${config.roomMaxMembers} phones)`, { 'Retry-After': '60' });
      noStore(c);
      return c.json(joined);
    }),
  );

  app.post(
    '/api/rooms/:code/reports',
    limit,
    aboutRoomWithBody(reportBody, async (c, room, report) => {
      const refusal = await fairUse.roomReport(room.code, report.client);
      if (refusal) return refusalResponse(c, refusal);
      const outcome = await room.report(report);
      if (outcome === 'not_member') return errorResponse(c, 'not_found', `client "${report.client}" has not joined this room`);
      if (outcome === 'unknown') {
        const what = 'seq' in report ? `no buzz with seq ${report.seq}` : 'cut' in report ? `no cut ${report.cut}` : `no question "${report.question}"`;
        return errorResponse(c, 'not_found', `${what} in this room (it keeps the latest ones)`);
      }
      if (outcome === 'out_of_range') return errorResponse(c, 'bad_body', 'answer must be the index of one of the choices');
      const reply: ReportReply = { counted: outcome === 'counted' };
      return c.json(reply);
    }),
  );

  for (const [action, run] of Object.entries(teacherActions)) {
    app.post(
      `/api/rooms/:code/${action}`,
      limit,
      aboutRoom(async (c, room) => {
        if (!isTeacher(room.teacherKey, c.req.header('authorization'))) {
          return errorResponse(c, 'unauthorized', 'this needs the room\'s teacher key: "Authorization: Bearer <teacherKey>"', { 'WWW-Authenticate': 'Bearer' });
        }
        noStore(c);
        return run(c, room);
      }),
    );
  }
}
