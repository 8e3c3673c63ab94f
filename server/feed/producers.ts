// What writes into channels: the always-on `ticker` (a simulated stock quote, the articles'
// classic push use case) and the fixed-size payloads of private race channels.

const SYMBOLS = ['AAPL', 'MSFT', 'TSLA', 'BABA', 'NVDA'] as const;

export interface Quote {
  symbol: string;
  price: number;
  change: number;
  volume: number;
}

/** A random walk per symbol, so consecutive quotes look like a real ticker. */
export function createQuoteSource(random: () => number = Math.random): () => Quote {
  const prices = new Map<string, number>(SYMBOLS.map((symbol, index) => [symbol, 100 + index * 37.5]));
  let turn = 0;
  return () => {
    const symbol = SYMBOLS[turn++ % SYMBOLS.length]!;
    const previous = prices.get(symbol)!;
    const price = Math.max(1, Math.round(previous * (1 + (random() - 0.5) * 0.01) * 100) / 100);
    prices.set(symbol, price);
    return { symbol, price, change: Math.round((price - previous) * 100) / 100, volume: 100 * Math.ceil(random() * 50) };
  };
}

const EMPTY_PAD_JSON = '{"pad":""}'.length;

/**
 * Data whose JSON is exactly `payloadBytes` long (for payloadBytes ≥ 10; smaller sizes give the
 * smallest object we can send, `{"pad":""}`), so a race measures the size the reader chose.
 */
export function paddedPayload(payloadBytes: number): { pad: string } {
  return { pad: 'x'.repeat(Math.max(0, payloadBytes - EMPTY_PAD_JSON)) };
}
