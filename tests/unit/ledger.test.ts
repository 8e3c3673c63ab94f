import { describe, expect, it } from 'vitest';
import { Ledger } from '../../server/wire/ledger.ts';

describe('Ledger', () => {
  it('counts into the client and the totals at once', () => {
    const ledger = new Ledger(10);
    ledger.account('a', 'sse').add('payloadBytes', 100);
    ledger.account('b', 'sse').add('payloadBytes', 50);
    ledger.account(null, 'other').add('requests', 1);
    expect(ledger.stats('a').transports.sse.payloadBytes).toBe(100);
    expect(ledger.stats(null).transports.sse.payloadBytes).toBe(150);
    expect(ledger.stats(null).other.requests).toBe(1);
  });

  it('answers zeros for a client it has never seen', () => {
    expect(new Ledger(10).stats('nobody').transports.websocket).toMatchObject({ requests: 0, payloadBytes: 0 });
  });

  it('forgets the least recently active client past its capacity, but never the totals', () => {
    const ledger = new Ledger(2);
    ledger.account('old', 'short-poll').add('requests', 1);
    ledger.account('mid', 'short-poll').add('requests', 1);
    ledger.account('old', 'short-poll').add('requests', 1); // "old" is active again
    ledger.account('new', 'short-poll').add('requests', 1); // so "mid" is forgotten
    expect(ledger.stats('old').transports['short-poll'].requests).toBe(2);
    expect(ledger.stats('mid').transports['short-poll'].requests).toBe(0);
    expect(ledger.stats(null).transports['short-poll'].requests).toBe(4);
  });
});
