// The notifications that tie the services together. Central publishes a zone change after it commits;
// mdns publishes the serial it now serves (or that it failed), and central turns that into the zone's
// ACTIVE (or ERROR) status. Each notification travels on a transport (in-process or AMQP) to the service
// that follows it: zone and key changes fan out to every mdns instance (each keeps its own copy of the
// zones); served and failed reports are cast to central, where one instance records each.
import { Endpoints } from './endpoints.ts';
import { InProcessTransport } from './in-process.ts';
import type { Logger } from '../log.ts';

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
  delta?: {
    previousSerial: number;
    recordsetIds: string[];
    /**
     * The recordsets named, and the zone's SOA, as the change's transaction left them, read in that
     * transaction: a reader holding `previousSerial` patches from these without reading storage. A deleted
     * recordset comes with its name and type and no records (null: deleted, name unknown).
     */
    rrsets?: Record<string, AnnouncedRRset | null>;
  };
}

/** One recordset's content as announced: absolute names, presentation-format rdata, null TTL = the zone's. */
export interface AnnouncedRRset {
  name: string;
  type: string;
  ttl: number | null;
  records: string[];
}

export interface ZoneServed {
  zoneId: string;
  serial: number;
  /** The reporting mdns instance (`[DEFAULT] host`): a zone is ACTIVE once every live instance serves it. */
  host?: string;
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

/** A zone change for the worker (Designate's worker create_zone/update_zone/delete_zone casts). */
export interface WorkerZone {
  zoneId: string;
  name: string;
  poolId: string;
  /** The serial the change committed; the pool's nameservers must serve it (or a newer one). */
  serial: number;
  action: 'CREATE' | 'UPDATE' | 'DELETE';
  /** When central announced the committed change (ms since the epoch): where propagation time counts from. */
  announcedAt?: number;
}

/** What the worker saw of a change on the pool (Designate's central update_status cast). */
export interface ZoneStatusReport {
  zoneId: string;
  /** SUCCESS: threshold_percentage of the nameservers serve `serial` (DELETE: no longer serve the zone). */
  status: 'SUCCESS' | 'ERROR' | 'NO_ZONE';
  serial: number;
  action: 'CREATE' | 'UPDATE' | 'DELETE';
}

/** Designate's worker recover_shard cast: carry again the stuck zones of these shards (from the producer). */
export interface RecoverShard {
  first: number;
  last: number;
}

export interface Topics {
  'zone.changed': ZoneChanged;
  'zone.served': ZoneServed;
  'zone.failed': ZoneFailed;
  'tsigkeys.changed': TsigKeysChanged;
  create_zone: WorkerZone;
  update_zone: WorkerZone;
  delete_zone: WorkerZone;
  update_status: ZoneStatusReport;
  recover_shard: RecoverShard;
}

export type Handler<T> = (message: T) => void | Promise<void>;

export interface Bus {
  /** This instance's name, as reports carry it. */
  readonly host: string;
  /** Resolves once the transport has taken the message (a broker confirm for casts); rejects otherwise. */
  publish<K extends keyof Topics>(topic: K, message: Topics[K]): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe<K extends keyof Topics>(topic: K, handler: Handler<Topics[K]>): () => void;
}

/** Which service follows each notification, and whether every instance (fanout) or one (cast) gets it. */
const ROUTES: { readonly [K in keyof Topics]: { service: ServiceName; delivery: 'fanout' | 'cast' } } = {
  'zone.changed': { service: 'mdns', delivery: 'fanout' },
  'tsigkeys.changed': { service: 'mdns', delivery: 'fanout' },
  'zone.served': { service: 'central', delivery: 'cast' },
  'zone.failed': { service: 'central', delivery: 'cast' },
  create_zone: { service: 'worker', delivery: 'cast' },
  update_zone: { service: 'worker', delivery: 'cast' },
  delete_zone: { service: 'worker', delivery: 'cast' },
  recover_shard: { service: 'worker', delivery: 'cast' },
  update_status: { service: 'central', delivery: 'cast' },
};

export type ServiceName = 'central' | 'mdns' | 'worker';

/** The topic each service serves (`[service:central] topic`, `[service:mdns] topic`, `[service:worker] topic`). */
export type ServiceTopics = Record<ServiceName, string>;

export const DEFAULT_TOPICS: ServiceTopics = { central: 'central', mdns: 'mdns', worker: 'worker' };

export class MessagingBus implements Bus {
  readonly #endpoints: Endpoints;
  readonly #topics: ServiceTopics;

  constructor(endpoints: Endpoints, topics: ServiceTopics = DEFAULT_TOPICS) {
    this.#endpoints = endpoints;
    this.#topics = topics;
  }

  get host(): string {
    return this.#endpoints.host;
  }

  publish<K extends keyof Topics>(topic: K, message: Topics[K]): Promise<void> {
    const route = ROUTES[topic];
    const target = this.#topics[route.service];
    const { transport } = this.#endpoints;
    return route.delivery === 'fanout' ? transport.fanout(target, topic, message) : transport.cast({ topic: target }, topic, message);
  }

  subscribe<K extends keyof Topics>(topic: K, handler: Handler<Topics[K]>): () => void {
    return this.#endpoints.add(this.#topics[ROUTES[topic].service], topic, (args) => handler(args as Topics[K]));
  }
}

/** A bus of its own inside one process (tests, one service embedded alone), closed with it. */
export interface LocalBus extends Bus {
  close(): Promise<void>;
}

export function inProcessBus(log: Logger): LocalBus {
  const transport = new InProcessTransport({
    onDeadLetter: (topic, method, err) => log.error({ topic, method, err: (err as Error).message }, 'message handler failed'),
  });
  const endpoints = new Endpoints(transport, 'local', log);
  const bus = new MessagingBus(endpoints);
  return {
    host: bus.host,
    publish: (topic, message) => bus.publish(topic, message),
    subscribe: (topic, handler) => bus.subscribe(topic, handler),
    close: async () => {
      await endpoints.close();
      await transport.close();
    },
  };
}
