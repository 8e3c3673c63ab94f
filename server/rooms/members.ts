import { TRANSPORTS, type TransportName } from '../../src/protocol/transports.ts';

/**
 * Who joined a room, by client id, and on which transport. A client id is one member however
 * often it joins (a phone that sleeps or reloads), so no phone is counted twice. Ids stay
 * inside the server: the projector only ever sees counts.
 */
export class RoomMembers {
  private readonly transportByClient = new Map<string, TransportName>();

  constructor(private readonly maxMembers: number) {}

  get size(): number {
    return this.transportByClient.size;
  }

  clients(): IterableIterator<string> {
    return this.transportByClient.keys();
  }

  transportOf(client: string): TransportName | undefined {
    return this.transportByClient.get(client);
  }

  /**
   * Joins (or rejoins) `client`: the transport it asks for, else everyone's transport when the
   * teacher set one, else its earlier one, else the least used (catalog order breaks ties).
   * Null when the room is full and `client` is new.
   */
  join(client: string, requested: TransportName | undefined, everyone: TransportName | null): TransportName | null {
    const earlier = this.transportByClient.get(client);
    if (earlier === undefined && this.transportByClient.size >= this.maxMembers) return null;
    const transport = requested ?? everyone ?? earlier ?? this.leastUsed();
    this.transportByClient.set(client, transport);
    return transport;
  }

  /** The teacher's switch: everyone on `transport`, or (null) spread evenly again in join order. */
  switchAll(transport: TransportName | null): void {
    let index = 0;
    for (const client of this.transportByClient.keys()) {
      this.transportByClient.set(client, transport ?? TRANSPORTS[index++ % TRANSPORTS.length]!);
    }
  }

  counts(): Record<TransportName, number> {
    const counts = Object.fromEntries(TRANSPORTS.map((name) => [name, 0])) as Record<TransportName, number>;
    for (const transport of this.transportByClient.values()) counts[transport]++;
    return counts;
  }

  private leastUsed(): TransportName {
    const counts = this.counts();
    return TRANSPORTS.reduce((best, name) => (counts[name] < counts[best] ? name : best));
  }
}
