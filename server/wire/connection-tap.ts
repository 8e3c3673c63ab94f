import type { Socket } from 'node:net';
import type { Ledger, LedgerAccount, LedgerCategory } from './ledger.ts';
import { BodyMeter, bodyKindOf, FrameMeter, HeadReader, type ByteCounts, type ParsedHead } from './meters.ts';
import { keepFrame, record, wireRecordOf, type RecordBudget } from './recording.ts';
import { hookSocketBytes, replaceTap, tapOf, type ByteTap } from './socket-hooks.ts';

/** Where a request's bytes belong, decided from its request line alone. */
export interface Route {
  category: LedgerCategory;
  client: string | null;
  /** Keep the raw frames of this connection (the frame inspector's endpoint). */
  recordFrames: boolean;
}
export type Classify = (method: string, target: string) => Route;

/** No request waiting for its response (one array shared by every tap). */
const NONE_PENDING: readonly Exchange[] = [];

/** A socket's tap: the HTTP one, or the frames-only one it becomes after an upgrade. */
const tapOfSocket = (socket: Socket) => tapOf(socket) as ConnectionTap | FramesTap | undefined;

/** When the frame a client is sending began (epoch ms), or 0: the server cuts frames dripped too slowly. */
export function incomingFrameStartedAt(socket: Socket): number {
  return tapOfSocket(socket)?.inFrames?.frameStartedAt ?? 0;
}

interface Exchange {
  account: LedgerAccount;
  method: string;
  /** Keep this connection's frames (the frame inspector's endpoint). */
  recordFrames: boolean;
  /** Kept only for a connection whose frames are recorded (the handshake viewer shows it). */
  requestHead: Buffer | null;
  /** Its response has not finished: it counts as an open connection. */
  open: boolean;
}

/** What the next bytes in one direction are: an HTTP head, a body, or WebSocket frames. */
type StreamState = 'head' | 'body' | 'frames';

/**
 * Watches every byte a server socket reads and writes, and files each one in exactly one
 * bucket of the ledger: request head, response head, payload, or framing. It reads the raw
 * stream itself, so the figures are the wire's, not an estimate from parsed headers.
 */
export function tapConnection(socket: Socket, ledger: Ledger, classify: Classify, budget: RecordBudget): void {
  hookSocketBytes(socket, new ConnectionTap(socket, ledger, classify, budget));
}

/**
 * One socket's metering state. Held for the connection's whole life (10,000 WebSockets mean
 * 10,000 of these), so it is one object with prototype methods, and its meters are made only
 * when their bytes come.
 */
class ConnectionTap implements ByteTap {
  private readonly other: LedgerAccount;
  /** An HTTP head split across chunks, while it is read: between heads (a held poll, an idle keep-alive) there is none. */
  private inHead: HeadReader | null = null;
  private outHead: HeadReader | null = null;
  /**
   * Requests whose response has not started, in order. Almost always none or one, so it is
   * replaced rather than pushed to: a pushed-to array grows to 17 slots and keeps them.
   */
  private pending: readonly Exchange[] = NONE_PENDING;
  private inState: StreamState = 'head';
  private outState: StreamState = 'head';
  private inExchange: Exchange | null = null;
  private outExchange: Exchange | null = null;
  private inBody: BodyMeter | null = null;
  private outBody: BodyMeter | null = null;
  inFrames: FrameMeter | null = null;
  private outFrames: FrameMeter | null = null;
  /** A meter met bytes it cannot make sense of: this socket is no longer counted (see `guarded`). */
  broken = false;

  constructor(
    private readonly socket: Socket,
    private readonly ledger: Ledger,
    private readonly classify: Classify,
    private readonly budget: RecordBudget,
  ) {
    this.other = ledger.account(null, 'other');
  }

  private onRequestHead(head: ParsedHead): void {
    const [method = '', target = '/'] = head.startLine.split(' ');
    const route = this.classify(method, target);
    const account = this.ledger.account(route.client, route.category);
    const upgrade = /websocket/i.test(head.headers.get('upgrade') ?? '');
    const exchange: Exchange = { account, method, recordFrames: route.recordFrames, requestHead: route.recordFrames ? head.raw : null, open: true };
    account.add('requests', 1);
    account.add('requestHeaderBytes', head.raw.length);
    account.add('openConnections', 1);
    this.pending = this.pending.length === 0 ? [exchange] : [...this.pending, exchange];
    this.inExchange = exchange;
    if (upgrade) {
      // After an upgrade request the client's next bytes are frames (RFC 6455 §4.1).
      this.inState = 'frames';
      this.inFrames = new FrameMeter(route.recordFrames ? (raw) => keepFrame(record(this.socket), this.budget, 'in', raw) : undefined);
      return;
    }
    const body = new BodyMeter(bodyKindOf(head.headers, 'none'));
    // A request without a body (every GET) keeps no meter while its response is awaited.
    this.inBody = body.done ? null : body;
    this.inState = body.done ? 'head' : 'body';
  }

  private onResponseHead(head: ParsedHead): void {
    const status = Number(head.startLine.split(' ')[1]);
    if (status >= 100 && status < 200 && status !== 101) {
      (this.pending[0]?.account ?? this.other).add('responseHeaderBytes', head.raw.length);
      return; // informational: the real response follows
    }
    const exchange = this.pending[0] ?? null;
    this.pending = this.pending.length > 1 ? this.pending.slice(1) : NONE_PENDING;
    this.outExchange = exchange;
    (exchange?.account ?? this.other).add('responseHeaderBytes', head.raw.length);
    if (status === 101 && exchange) {
      this.outState = 'frames';
      // Only the frame inspector's connections keep their handshake and frames.
      if (!exchange.recordFrames) return void (this.outFrames = new FrameMeter());
      const wire = record(this.socket);
      wire.requestHead = exchange.requestHead ?? undefined;
      wire.responseHead = head.raw;
      this.outFrames = new FrameMeter((raw) => keepFrame(wire, this.budget, 'out', raw));
      return;
    }
    const noBody = exchange?.method === 'HEAD' || status === 204 || status === 304;
    this.outBody = new BodyMeter(noBody ? { kind: 'none' } : bodyKindOf(head.headers, 'until-close'));
    this.outState = 'body';
    if (this.outBody.done) this.responseDone();
  }

  /** The response has ended: its exchange is no longer open, and an idle connection keeps no meter. */
  private responseDone(): void {
    if (this.outExchange) finishExchange(this.outExchange);
    this.outBody = null;
    this.outState = 'head';
  }

  /** Reads a head; its reader lives only while a head is split across chunks (an overflowed one stays: its bytes are filed at close). */
  private takeHead(side: 'inHead' | 'outHead', chunk: Buffer, offset: number): ReturnType<HeadReader['take']> {
    const taken = (this[side] ??= new HeadReader()).take(chunk, offset);
    if (taken.head) this[side] = null;
    return taken;
  }

  incoming(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const counts: ByteCounts = { payload: 0, framing: 0, frames: 0 };
      if (this.inState === 'head') {
        const { used, head, overflow } = this.takeHead('inHead', chunk, offset);
        offset += used;
        if (head) this.onRequestHead(head);
        if (overflow) {
          // Node answers 431 and closes; what follows belongs to no request.
          this.inState = 'body';
          this.inExchange = null;
          this.inBody = null;
        }
        continue;
      }
      const account = this.inExchange?.account ?? this.other;
      if (this.inState === 'frames') offset += this.inFrames!.take(chunk, offset, counts);
      else if (this.inBody && !this.inBody.done) {
        offset += this.inBody.take(chunk, offset, counts);
        if (this.inBody.done) {
          this.inBody = null;
          this.inState = 'head';
        }
      } else {
        counts.payload += chunk.length - offset; // bytes Node will reject anyway
        offset = chunk.length;
      }
      fileCounts(account, counts, 'framesIn');
    }
    this.settleIfUpgraded();
  }

  outgoing(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const counts: ByteCounts = { payload: 0, framing: 0, frames: 0 };
      if (this.outState === 'head') {
        const { used, head } = this.takeHead('outHead', chunk, offset);
        offset += used;
        if (head) this.onResponseHead(head);
        continue;
      }
      const account = this.outExchange?.account ?? this.other;
      if (this.outState === 'frames') offset += this.outFrames!.take(chunk, offset, counts);
      else {
        offset += this.outBody!.take(chunk, offset, counts);
        if (this.outBody!.done) this.responseDone();
      }
      fileCounts(account, counts, 'framesOut');
    }
    this.settleIfUpgraded();
  }

  closed(): void {
    // A head cut off by the close still crossed the wire.
    this.other.add('requestHeaderBytes', this.inHead?.pendingBytes ?? 0);
    this.other.add('responseHeaderBytes', this.outHead?.pendingBytes ?? 0);
    // Still open: requests not yet answered, and the response under way (an upgraded one never ends).
    for (const exchange of this.pending) finishExchange(exchange);
    if (this.outExchange) finishExchange(this.outExchange);
    releaseRecord(this.socket, this.budget);
  }

  /** Once both directions speak frames for good, the socket keeps only a `FramesTap`. */
  private settleIfUpgraded(): void {
    if (this.inState !== 'frames' || this.outState !== 'frames' || !this.outExchange) return;
    replaceTap(this.socket, new FramesTap(this.socket, this.outExchange, this.inFrames!, this.outFrames!, this.budget));
  }
}

/**
 * An upgraded connection's tap. After the 101 both directions are WebSocket frames for the rest
 * of the connection, so the HTTP reading state (heads, bodies, the request queue, the ledger's
 * lookups) is let go and only the frame meters and the exchange stay, for every socket's life.
 */
class FramesTap implements ByteTap {
  broken = false;

  constructor(
    private readonly socket: Socket,
    private readonly exchange: Exchange,
    readonly inFrames: FrameMeter,
    private readonly outFrames: FrameMeter,
    private readonly budget: RecordBudget,
  ) {}

  incoming(chunk: Buffer): void {
    const counts: ByteCounts = { payload: 0, framing: 0, frames: 0 };
    this.inFrames.take(chunk, 0, counts);
    fileCounts(this.exchange.account, counts, 'framesIn');
  }

  outgoing(chunk: Buffer): void {
    const counts: ByteCounts = { payload: 0, framing: 0, frames: 0 };
    this.outFrames.take(chunk, 0, counts);
    fileCounts(this.exchange.account, counts, 'framesOut');
  }

  closed(): void {
    finishExchange(this.exchange);
    releaseRecord(this.socket, this.budget);
  }
}

function fileCounts(account: LedgerAccount, counts: ByteCounts, framesField: 'framesIn' | 'framesOut'): void {
  account.add('payloadBytes', counts.payload);
  account.add('framingBytes', counts.framing);
  account.add(framesField, counts.frames);
}

function finishExchange(exchange: Exchange): void {
  if (!exchange.open) return;
  exchange.open = false;
  exchange.account.add('openConnections', -1);
}

/** A closed socket's frame record goes back to the budget, unless the inspector adopted it. */
function releaseRecord(socket: Socket, budget: RecordBudget): void {
  const wire = wireRecordOf(socket);
  if (wire && !wire.adopted) budget.release(wire);
}

/** Files what a closed socket left open or unfinished (server/connections.ts calls this as the socket ends). */
export function untap(socket: Socket): void {
  tapOfSocket(socket)?.closed();
}
