import type { Hono } from 'hono';

export interface HealthReply {
  status: 'ok' | 'shutting_down';
  uptimeS: number;
  /** Open TCP connections, WebSockets, and the ledger's open requests/streams per transport. */
  connections: { tcp: number; websockets: number; byTransport: Record<string, number> };
  memory: { rssBytes: number; heapUsedBytes: number; externalBytes: number };
  /** Where the feed lives: this process, or Redis (with its connection's state and the channels this instance reads). */
  feed: FeedHealth;
}

export type FeedHealth = { backend: 'memory' } | { backend: 'redis'; redis: string; channels: number };

/** `GET /api/health`: 200 while serving (for load balancers and the hostile bench), 503 while shutting down. */
export function mountHealth(app: Hono, health: () => HealthReply): void {
  app.get('/api/health', (c) => {
    const reply = health();
    c.header('Cache-Control', 'no-store');
    return c.json(reply, reply.status === 'ok' ? 200 : 503);
  });
}
