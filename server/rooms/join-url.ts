import { networkInterfaces } from 'node:os';
import { joinPath, type RoomLocale } from '../../src/protocol/rooms.ts';

export interface JoinUrls {
  joinUrl: string;
  joinUrls: string[];
  reachable: boolean;
  reason?: string;
}

const ALL_INTERFACES = new Set(['0.0.0.0', '::', '']);
const LOOPBACK = /^(127\.|::1$|localhost$|::ffff:127\.)/i;

/** The machine's non-internal IPv4 addresses: what phones on the same Wi-Fi can reach. */
export function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((info) => info !== undefined && info.family === 'IPv4' && !info.internal)
    .map((info) => info!.address);
}

/**
 * Where phones open a room: PUBLIC_ORIGIN when set (a deployment behind a domain); else, when
 * the server listens on every interface, one URL per LAN address; else the listening address
 * itself, marked unreachable when it is loopback (phones cannot open 127.0.0.1 of the teacher's
 * machine), with the fix in `reason`.
 */
export function joinUrls(options: {
  publicOrigin: string;
  listenHost: string;
  port: number;
  room: string;
  locale: RoomLocale;
  lan?: string[];
}): JoinUrls {
  const path = joinPath(options.locale, options.room);
  if (options.publicOrigin) {
    const url = new URL(path, options.publicOrigin).href;
    return { joinUrl: url, joinUrls: [url], reachable: true };
  }
  const at = (host: string) => `http://${host.includes(':') ? `[${host}]` : host}:${options.port}${path}`;
  if (ALL_INTERFACES.has(options.listenHost)) {
    const lan = options.lan ?? lanAddresses();
    if (lan.length > 0) return { joinUrl: at(lan[0]!), joinUrls: lan.map(at), reachable: true };
    const url = at('127.0.0.1');
    return { joinUrl: url, joinUrls: [url], reachable: false, reason: 'this machine has no network address besides loopback: connect it to the Wi-Fi the phones use' };
  }
  const url = at(options.listenHost);
  if (LOOPBACK.test(options.listenHost)) {
    return { joinUrl: url, joinUrls: [url], reachable: false, reason: 'the server listens on loopback only, which phones cannot reach: restart it with HOST=0.0.0.0 npm start' };
  }
  return { joinUrl: url, joinUrls: [url], reachable: true };
}
