import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { isAllowedOrigin } from '../../server/guard/origin.ts';
import { Backoff } from '../../src/lib/transport/backoff.ts';

describe('config', () => {
  it('has safe defaults', () => {
    expect(loadConfig()).toMatchObject({ host: '127.0.0.1', port: 8080, longPollDefaultTimeoutMs: 25_000, wsMaxMessageBytes: 65_536 });
  });

  it('lets environment variables override, and splits ALLOWED_ORIGINS', () => {
    const config = loadConfig({ port: 1 }, { PORT: '9000', ALLOWED_ORIGINS: 'https://a.example, https://b.example' });
    expect(config.port).toBe(9000);
    expect(config.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('rejects values out of bounds, naming the variable', () => {
    expect(() => loadConfig({}, { PORT: '70000' })).toThrow(/port \(PORT\)/);
    expect(() => loadConfig({}, { TICKER_INTERVAL_MS: 'fast' })).toThrow(/TICKER_INTERVAL_MS/);
    expect(() => loadConfig({ longPollDefaultTimeoutMs: 50_000, longPollMaxTimeoutMs: 10_000 })).toThrow(/must not exceed/);
  });
});

describe('origin allowlist', () => {
  const allowed = new Set(['https://teach.example']);
  it.each([
    ['http://127.0.0.1:8080', 'example.org', true],
    ['http://localhost:4321', 'example.org', true],
    ['https://site.example', 'site.example', true],
    ['https://teach.example', 'site.example', true],
    ['https://evil.example', 'site.example', false],
    ['null', 'site.example', false],
    ['file://', 'site.example', false],
  ])('%s on host %s → %s', (origin, host, expected) => {
    expect(isAllowedOrigin(origin, host, allowed)).toBe(expected);
  });
});

describe('Backoff', () => {
  it('waits a random time below a ceiling that doubles up to the cap (full jitter)', () => {
    const top = new Backoff(100, 1000, () => 0.999_999);
    expect([1, 2, 3, 4, 5, 6].map(() => top.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    const bottom = new Backoff(100, 1000, () => 0);
    expect(bottom.next()).toBe(0);
    top.reset();
    expect(top.next()).toBe(100);
  });
});
