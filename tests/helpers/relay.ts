import net from 'node:net';

/**
 * A TCP relay between a client and the server that counts every byte in each direction: the
 * independent witness the ledger is held against. It forwards half-closes and keeps reading
 * the server side until it closes, so it counts everything the server wrote.
 */
export interface Relay {
  port: number;
  url: string;
  bytesFromClient: number;
  bytesFromServer: number;
  readonly total: number;
  /** Resolves when every relayed connection has closed on both sides. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number): Promise<Relay> {
  let open = 0;
  let onDrained: (() => void)[] = [];
  const settle = () => {
    if (open === 0) for (const resolve of onDrained.splice(0)) resolve();
  };
  const relay: Relay = {
    port: 0,
    url: '',
    bytesFromClient: 0,
    bytesFromServer: 0,
    get total() {
      return this.bytesFromClient + this.bytesFromServer;
    },
    drained: () => new Promise<void>((resolve) => (open === 0 ? resolve() : onDrained.push(resolve))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = net.createServer((client) => {
    open++;
    let sides = 2;
    const closed = () => {
      if (--sides === 0) {
        open--;
        settle();
      }
    };
    const upstream = net.connect(targetPort, '127.0.0.1');
    client.on('data', (chunk) => {
      relay.bytesFromClient += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      relay.bytesFromServer += chunk.length;
      if (client.writable) client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.end());
    upstream.on('error', () => client.destroy());
    client.on('close', closed);
    upstream.on('close', () => {
      client.destroy();
      closed();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.port = (server.address() as net.AddressInfo).port;
  relay.url = `http://127.0.0.1:${relay.port}`;
  return relay;
}
