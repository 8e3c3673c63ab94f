import type { Hono } from 'hono';

/**
 * `GET /api/time`: the server's clock (epoch ms), for the browser's clock-offset estimate
 * (several round trips, keep the one with the smallest round trip: NTP's idea, RFC 5905 §8).
 */
export function mountTime(app: Hono): void {
  app.get('/api/time', (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json({ now: Date.now() });
  });
}
