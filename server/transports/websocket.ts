import type { Socket } from 'node:net';
import { transportSpec } from '../../src/protocol/transports.ts';
import { CLOSE_CODES } from '../../src/protocol/errors.ts';
import { follow, type FeedSink } from '../feed/follow.ts';
import { resolveFeed, startPosition } from '../guard/query.ts';
import { closeTooSlow, mountSocket, rawSocket } from './socket-helpers.ts';
import type { Transport } from './types.ts';

/**
 * The feed over one WebSocket: `{"type":"start","cursor","resync"}`, then the replay from the
 * cursor and live events, as text messages. The socket only sends: a client message closes it
 * with 1008. A reader that stays at the unsent-bytes cap is closed with 1013 and resumes.
 */
export const websocket: Transport = {
  name: 'websocket',
  path: transportSpec('websocket').path,
  mount(app, deps) {
    mountSocket(app, this.path, deps, (query) => {
      const resolved = resolveFeed(query, deps.feed);
      if (!resolved.ok) return resolved.refusal;
      const { channel } = resolved;
      let stop = () => {};
      return {
        onOpen(_event, ws) {
          const socket = rawSocket(ws);
          const tcp = (socket as unknown as { _socket: Socket })._socket;
          const sink: FeedSink = {
            get unsentBytes() {
              return socket.bufferedAmount;
            },
            start(cursor, resync) {
              socket.send(`{"type":"start","cursor":"${cursor}","resync":${resync}}`);
            },
            event(stored) {
              socket.send((stored.framed.websocket ??= Buffer.from(`{"type":"event","event":${stored.json}}`)), { binary: false });
            },
            onDrain(callback) {
              tcp.once('drain', callback);
              return () => tcp.off('drain', callback);
            },
            tooSlow: () => closeTooSlow(socket),
          };
          stop = follow(channel, startPosition(resolved.query), sink, {
            maxUnsentBytes: deps.config.sendBufferMaxBytes,
            slowConsumerMs: deps.config.slowConsumerMs,
          });
        },
        onMessage(_event, ws) {
          ws.close(CLOSE_CODES.policyViolation, 'this socket only sends');
        },
        onClose() {
          stop();
        },
      };
    });
  },
};
