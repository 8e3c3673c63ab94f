// The server's edge: what happens to a connection before Hono sees a request, and to the
// requests Hono cannot represent. Everything here answers in the one JSON error shape.
import { ServerResponse, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { clientAddress } from './guard/client-address.ts';
import { sendRefusal, writeRefusal, type Refusal } from './guard/errors.ts';
import type { FairUse } from './guard/fair-use.ts';
import { hostRefusal, isAllowedHost, isAllowedOrigin, isValidHostHeader, originRefusal } from './guard/origin.ts';
import { isRefusal, type SocketRoutes } from './transports/socket-routes.ts';
import { holdStreamSlot } from './connections.ts';

export interface EdgeDeps {
  fairUse: FairUse;
  socketRoutes: SocketRoutes;
  trustProxy: boolean;
  allowedHosts: ReadonlySet<string>;
  allowedOrigins: ReadonlySet<string>;
  closing: AbortSignal;
  /** A pipelining connection's next request waits while this many reply bytes are unsent. */
  maxUnsentBytes: number;
  /** …and the connection is cut if they stay unsent this long. */
  slowConsumerMs: number;
}

const isWebSocketUpgrade = (request: IncomingMessage) => /^websocket$/i.test(request.headers.upgrade ?? '');

/** A request target no URL parser accepts (`//[`, `//a%zz`): Hono would guess at it, we refuse it. */
function isParseableTarget(target: string | undefined): boolean {
  try {
    new URL(target ?? '', 'http://target.invalid');
    return /^[^%]*(%[0-9A-Fa-f]{2}[^%]*)*$/.test(target ?? '');
  } catch {
    return false;
  }
}

/**
 * Every request is checked here before it reaches the app: a usable target, then the address's
 * request rate. Requests pipelined on one connection are handled one at a time, each only once
 * the replies before it have left our buffer (see PipelineGate).
 */
export function admitRequests(listener: RequestListener, deps: EdgeDeps): RequestListener {
  const admit = (request: IncomingMessage, response: ServerResponse) => {
    if (!isParseableTarget(request.url)) {
      return sendRefusal(response, { code: 'bad_request', message: 'the request target is not a valid URL' });
    }
    void deps.fairUse.request(clientAddress(request, deps.trustProxy)).then((refusal) => {
      if (refusal) sendRefusal(response, refusal);
      else listener(request, response);
    });
  };
  // Only connections that ever pipelined get a gate; every other request runs at once and
  // costs nothing here (a held long poll would otherwise keep a gate and two listeners).
  const gates = new WeakMap<Socket, PipelineGate>();
  return (request, response) => {
    const socket = request.socket as Socket & { _httpMessage?: ServerResponse | null };
    let gate = gates.get(socket);
    if (!gate) {
      // Node's response being written on this connection: this request's own, unless an
      // earlier reply is still going out (then Node queues this one's behind it).
      const inFlight = socket._httpMessage;
      const earlier = inFlight && inFlight !== response ? inFlight : null;
      if (!earlier && socket.writableLength < deps.maxUnsentBytes) return admit(request, response);
      gates.set(socket, (gate = new PipelineGate(socket, deps, earlier)));
    }
    gate.enqueue(response, () => admit(request, response));
  };
}

/**
 * Pipelined requests of one connection waiting their turn: past the first we stop reading it,
 * past the second we cut it. The pause is only a hint (Node resumes a socket when it finishes
 * a reply), so the cut is what bounds memory; no browser pipelines at all.
 */
const PAUSE_AT_QUEUED = 16;
const MAX_QUEUED_REQUESTS = 256;

/**
 * HTTP/1.1 lets a client send many requests before reading any reply, and Node parses every
 * request in a chunk at once and buffers each reply in memory until the peer reads: 2,000
 * pipelined `after=0` polls that are never read would pin hundreds of MB. So one connection's
 * requests run in order, the next only after the previous reply has finished and the socket
 * holds under `maxUnsentBytes`; a peer that does not read for `slowConsumerMs` is cut.
 */
class PipelineGate {
  private readonly waiting: { response: ServerResponse; start: () => void }[] = [];
  private busy = false;
  /** We stopped reading the connection because too many requests wait. */
  private paused = false;

  /** `earlier`: a reply started before the gate existed, still going out. */
  constructor(
    private readonly socket: Socket,
    private readonly limits: Pick<EdgeDeps, 'maxUnsentBytes' | 'slowConsumerMs'>,
    earlier: ServerResponse | null,
  ) {
    if (earlier) this.waitFor(earlier);
  }

  enqueue(response: ServerResponse, start: () => void): void {
    // Node may still be parsing the rest of a chunk for a connection we already cut.
    if (this.socket.destroyed) return;
    this.waiting.push({ response, start });
    // Stop reading (so Node stops parsing) while requests queue up; one chunk already read can
    // still add some, so a connection that keeps piling on regardless is cut.
    if (this.waiting.length > MAX_QUEUED_REQUESTS) return void this.socket.destroy();
    if (this.waiting.length >= PAUSE_AT_QUEUED && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    if (!this.busy) this.afterReply();
  }

  private next(): void {
    // A connection that is gone has no one to answer: its queued requests are dropped unstarted.
    if (this.socket.destroyed) this.waiting.length = 0;
    const item = this.waiting.shift();
    this.busy = item !== undefined;
    if (this.paused && this.waiting.length < PAUSE_AT_QUEUED / 2) {
      this.paused = false;
      this.socket.resume();
    }
    if (!item) return;
    this.waitFor(item.response);
    item.start();
  }

  /** Busy until `response` has finished (or closed), then the next waits for the socket to drain. */
  private waitFor(response: ServerResponse): void {
    this.busy = true;
    let done = false;
    const onDone = () => {
      if (done) return;
      done = true;
      this.afterReply();
    };
    response.once('finish', onDone);
    response.once('close', onDone);
  }

  private afterReply(): void {
    const socket = this.socket;
    if (this.waiting.length === 0 || socket.destroyed || socket.writableLength < this.limits.maxUnsentBytes) return this.next();
    this.busy = true; // until the socket drains
    const resume = () => {
      clearTimeout(timer);
      socket.off('close', resume);
      this.next();
    };
    const timer = setTimeout(() => {
      socket.off('drain', resume);
      socket.destroy();
    }, this.limits.slowConsumerMs);
    socket.once('drain', resume);
    socket.once('close', resume);
  }
}

/**
 * Node's own parser errors (400 on garbage, 431 on an oversized head, 408 on a head or body that
 * is too slow) get the JSON body too; Node would otherwise send them empty. A socket that is
 * already gone or mid-response is just closed.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const midResponse = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage?.headersSent;
    if (error.code === 'ECONNRESET' || midResponse) return void socket.destroy();
    writeRefusal(socket, refusalForParserError(error));
  });
}

function refusalForParserError(error: NodeJS.ErrnoException): Refusal {
  if (error.code === 'HPE_HEADER_OVERFLOW') return { code: 'headers_too_large', message: 'request head over 16 KiB' };
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { code: 'request_timeout', message: 'the request did not arrive in time' };
  return { code: 'bad_request', message: `malformed HTTP request (${error.code ?? 'parse error'})` };
}

/**
 * Takes over the 'upgrade' event from @hono/node-server. A WebSocket upgrade is admitted here
 * (Host, Origin, rate, stream cap, the endpoint's own query check), so every refusal has a JSON
 * body, and only then handed to the adapter. Any other upgrade (h2c, as `curl --http2` sends)
 * is served as the plain HTTP request it also is (RFC 9110 §7.8 lets a server ignore Upgrade)
 * and its connection closed; without this, Node would leave such sockets hanging forever.
 */
export function routeUpgrades(server: Server, serve: RequestListener, deps: EdgeDeps): void {
  const [adapterUpgrade] = server.listeners('upgrade') as ((request: IncomingMessage, socket: Duplex, head: Buffer) => void)[];
  server.removeAllListeners('upgrade');
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // No 'error' listener of its own: server.ts gives every socket one (an error destroys the
    // socket anyway), and a third listener would cost each WebSocket a grown listener array.
    if (!isWebSocketUpgrade(request)) return servePlain(request, socket as Socket, serve);
    admitWebSocket(request, deps).then(
      (refusal) => {
        if (refusal) writeRefusal(socket, refusal);
        else if (!socket.destroyed) adapterUpgrade?.(request, socket, head);
      },
      (error: unknown) => {
        console.error('BUG: upgrade admission threw:', error);
        writeRefusal(socket, { code: 'internal', message: 'internal server error' });
      },
    );
  });
}

async function admitWebSocket(request: IncomingMessage, deps: EdgeDeps): Promise<Refusal | null> {
  if (deps.closing.aborted) return { code: 'shutting_down', message: 'the server is shutting down' };
  const target = request.url ?? '';
  if (!target.startsWith('/') || target.includes('\\') || !isParseableTarget(target)) {
    return { code: 'bad_request', message: 'the request target is not a valid path' };
  }
  const url = new URL(target, 'http://upgrade.invalid');
  const accept = deps.socketRoutes.get(url.pathname);
  if (!accept) return { code: 'not_found', message: `no WebSocket endpoint at ${url.pathname}` };
  const handshakeRefusal = checkHandshake(request);
  if (handshakeRefusal) return handshakeRefusal;
  const host = request.headers.host;
  if (!isAllowedHost(host, deps.allowedHosts)) return hostRefusal(host);
  const origin = request.headers.origin;
  if (origin !== undefined && !isAllowedOrigin(origin, host, deps.allowedOrigins)) return originRefusal(origin);
  const address = clientAddress(request, deps.trustProxy);
  const rateRefusal = await deps.fairUse.request(address);
  if (rateRefusal) return rateRefusal;
  const accepted = await accept(Object.fromEntries(url.searchParams), request);
  if (request.socket.destroyed) return null;
  if (isRefusal(accepted)) return accepted;
  const streamRefusal = deps.fairUse.holdStream(address);
  if (streamRefusal) return streamRefusal;
  holdStreamSlot(request.socket, address);
  deps.socketRoutes.admit(request, accepted);
  return null;
}

const TOKEN_LIST = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:\s*,\s*[!#$%&'*+\-.^_`|~0-9A-Za-z]+)*$/;

/**
 * What `ws` would refuse with an HTML body, refused here in the JSON shape instead
 * (RFC 6455 §4.2.1): a GET, version 13, a 16-byte base64 key, a well-formed subprotocol list,
 * and a Host that names a host and a valid port.
 */
function checkHandshake(request: IncomingMessage): Refusal | null {
  if (request.method !== 'GET') return { code: 'method_not_allowed', message: 'a WebSocket handshake is a GET', headers: { Allow: 'GET' } };
  if (request.headers['sec-websocket-version'] !== '13') {
    return { code: 'upgrade_required', message: 'this server speaks WebSocket version 13 (RFC 6455)', headers: { 'Sec-WebSocket-Version': '13' } };
  }
  if (!/^[+/0-9A-Za-z]{22}==$/.test(request.headers['sec-websocket-key'] ?? '')) {
    return { code: 'bad_request', message: 'Sec-WebSocket-Key must be 16 random bytes in base64' };
  }
  const protocols = request.headers['sec-websocket-protocol'];
  if (protocols !== undefined && !TOKEN_LIST.test(protocols)) return { code: 'bad_request', message: 'Sec-WebSocket-Protocol must be a list of tokens' };
  if (!isValidHostHeader(request.headers.host)) return { code: 'bad_request', message: 'the Host header is missing or not a host[:port]' };
  return null;
}

/** Runs a non-WebSocket upgrade request through the app as plain HTTP, then closes. */
function servePlain(request: IncomingMessage, socket: Socket, serve: RequestListener): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    // Its body would follow the head unparsed; refuse rather than guess where it ends.
    return writeRefusal(socket, { code: 'bad_request', message: `Upgrade to "${request.headers.upgrade}" is not supported; send the request without it` });
  }
  const response = new ServerResponse(request);
  response.shouldKeepAlive = false;
  response.assignSocket(socket);
  response.once('finish', () => {
    response.detachSocket(socket);
    socket.end();
  });
  socket.once('close', () => response.destroy());
  serve(request, response);
}
