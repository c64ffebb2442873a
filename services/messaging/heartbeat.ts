// Every instance of every service tells central it is alive (Designate's heartbeat_emitter): a cast of
// `update_service_status` every `[heartbeat_emitter] heartbeat_interval` seconds, and STOPPED when it shuts
// down cleanly. A heartbeat that cannot be sent (broker away) is logged once per outage; the next one
// retries, and central turns an instance silent for three intervals DOWN.
import type { Logger } from '../log.ts';
import type { Transport } from './transport.ts';

/** Central's method for heartbeats, named as Designate's. */
export const HEARTBEAT_METHOD = 'update_service_status';

export interface HeartbeatOptions {
  /** Designate's service name: api, central, mdns, worker, producer, sink. */
  serviceName: string;
  hostname: string;
  /** Seconds between heartbeats. */
  interval: number;
  centralTopic: string;
  /** Sent with each heartbeat: what the instance reports about itself (listen addresses, zones served, …). */
  stats?: () => Record<string, unknown>;
}

export class HeartbeatEmitter {
  readonly #transport: Transport;
  readonly #options: HeartbeatOptions;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | null = null;
  #failing = false;

  constructor(transport: Transport, options: HeartbeatOptions, log: Logger) {
    this.#transport = transport;
    this.#options = options;
    this.#log = log;
  }

  start(): void {
    void this.#beat('UP');
    this.#timer = setInterval(() => void this.#beat('UP'), this.#options.interval * 1000);
    this.#timer.unref();
  }

  /** Stops beating and reports STOPPED (bounded: a dead broker does not hold up the shutdown). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await Promise.race([this.#beat('STOPPED'), new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  async #beat(status: 'UP' | 'STOPPED'): Promise<void> {
    const { serviceName, hostname, centralTopic, stats } = this.#options;
    try {
      await this.#transport.cast({ topic: centralTopic }, HEARTBEAT_METHOD, { serviceName, hostname, status, stats: stats?.() ?? {}, capabilities: {} });
      if (this.#failing) this.#log.info({ service: serviceName }, 'heartbeats reach central again');
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) this.#log.warn({ service: serviceName, err: (err as Error).message }, 'heartbeat not sent');
      this.#failing = true;
    }
  }
}
