// What every bench server child reports about its memory (bench/support/*-server.ts,
// capacity-*.ts), measured the same way so figures compare across benchmarks.

/** Full GCs, twice a turn apart (Buffers' backing stores are only given back by the second). */
export async function fullGc(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
}

export interface MemoryFigures {
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
}

/** This process's memory; after full GCs when `gc`, so what is left is reachable, not garbage. */
export async function memoryFigures(gc = false): Promise<MemoryFigures> {
  if (gc) await fullGc();
  const memory = process.memoryUsage();
  return { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, externalBytes: memory.external };
}
