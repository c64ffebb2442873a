// The notifications that tie the services together. Central publishes a zone change after it commits;
// mdns publishes the serial it now serves (or that it failed), and central turns that into the zone's
// ACTIVE (or ERROR) status.
// In one process the bus is an in-process dispatcher (this file); across processes it is AMQP.

export interface ZoneChanged {
  zoneId: string;
  name: string;
  /** The serial the change committed; mdns serves it once compiled. */
  serial: number;
  /** DELETE: stop serving the zone. CREATE/UPDATE: (re)load it from storage. */
  action: 'CREATE' | 'UPDATE' | 'DELETE';
  /**
   * For a change confined to some recordsets: the serial it was made on and the recordsets it created,
   * changed or deleted (besides the SOA). A reader holding exactly `previousSerial` re-reads only those;
   * absent, the whole zone must be read (its TTL changed, it was imported, …).
   */
  delta?: { previousSerial: number; recordsetIds: string[] };
}

export interface ZoneServed {
  zoneId: string;
  serial: number;
}

/** mdns could not serve the stored version of a zone (it did not compile): the zone is in ERROR. */
export interface ZoneFailed {
  zoneId: string;
  /** The stored serial that failed; null when the stored SOA itself is unusable. */
  serial: number | null;
  reason: string;
}

/** A TSIG key was created, changed or deleted through the API: mdns reads the keys again. */
export interface TsigKeysChanged {
  tsigkeyId: string;
  action: 'CREATE' | 'UPDATE' | 'DELETE';
}

export interface Topics {
  'zone.changed': ZoneChanged;
  'zone.served': ZoneServed;
  'zone.failed': ZoneFailed;
  'tsigkeys.changed': TsigKeysChanged;
}

export type Handler<T> = (message: T) => void | Promise<void>;

export interface Bus {
  publish<K extends keyof Topics>(topic: K, message: Topics[K]): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe<K extends keyof Topics>(topic: K, handler: Handler<Topics[K]>): () => void;
  close(): Promise<void>;
}

/**
 * Delivers in publish order, after the publisher's current turn (as a broker would), each message to every
 * subscriber. A handler's failure is reported to `onError` and does not stop delivery to the others.
 */
export class InProcessBus implements Bus {
  readonly #handlers = new Map<keyof Topics, Set<Handler<never>>>();
  readonly #onError: (topic: string, err: unknown) => void;

  constructor(onError: (topic: string, err: unknown) => void) {
    this.#onError = onError;
  }

  async publish<K extends keyof Topics>(topic: K, message: Topics[K]): Promise<void> {
    const handlers = [...(this.#handlers.get(topic) ?? [])] as Handler<Topics[K]>[];
    queueMicrotask(() => {
      for (const handler of handlers) {
        try {
          Promise.resolve(handler(message)).catch((err: unknown) => this.#onError(topic, err));
        } catch (err) {
          this.#onError(topic, err);
        }
      }
    });
  }

  subscribe<K extends keyof Topics>(topic: K, handler: Handler<Topics[K]>): () => void {
    let set = this.#handlers.get(topic);
    if (!set) this.#handlers.set(topic, (set = new Set()));
    set.add(handler as Handler<never>);
    return () => set.delete(handler as Handler<never>);
  }

  async close(): Promise<void> {
    this.#handlers.clear();
  }
}
