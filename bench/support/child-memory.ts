// What every bench server child reports about its memory (bench/support/*-server.ts,
// capacity-*.ts), measured the same way so figures compare across benchmarks.
import { getHeapSpaceStatistics } from 'node:v8';

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
  /**
   * Resident pages of V8's young generation (new space). After full GCs it holds no live
   * object; V8 grows it with the allocation rate (opening 1,000 connections fast takes it from
   * ~3.5 to ~8 MB), so an RSS delta that includes it is not memory the connections hold.
   */
  youngGenBytes: number;
  /** CPU time this process has used so far (user + system), for CPU over a phase. */
  cpuMs: number;
}

/**
 * How long RSS is read after the full GCs. V8 gives the pages a GC freed back to the system from
 * background threads, a little later: read at once, the capacity bench's RSS per WebSocket swung
 * from 4.8 to 6.4 KiB between identical runs of the project server (the more garbage a server
 * makes per connection, the more pages are still on their way back); read a second later, within
 * ±0.3 KiB. Both servers of a comparison are read the same way.
 */
const SETTLE_AFTER_GC_MS = 1000;

/** This process's memory; after full GCs when `gc`, so what is left is reachable, not garbage. */
export async function memoryFigures(gc = false): Promise<MemoryFigures> {
  if (gc) {
    await fullGc();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_AFTER_GC_MS));
  }
  const memory = process.memoryUsage();
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  const cpu = process.cpuUsage();
  return { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, externalBytes: memory.external, youngGenBytes: young?.physical_space_size ?? 0, cpuMs: (cpu.user + cpu.system) / 1000 };
}
