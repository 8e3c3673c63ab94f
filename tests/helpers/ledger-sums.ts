import type { StatsReply, TransportFigures } from '../../src/protocol/feed.ts';

/** Bytes a figure set accounts for: every byte on the wire lands in exactly one of these. */
export const wireBytes = (f: TransportFigures) => f.requestHeaderBytes + f.responseHeaderBytes + f.payloadBytes + f.framingBytes;

/** All bytes of a stats reply, every transport and `other`. */
export const allWireBytes = (stats: StatsReply) =>
  Object.values(stats.transports).reduce((sum, f) => sum + wireBytes(f), wireBytes(stats.other));
