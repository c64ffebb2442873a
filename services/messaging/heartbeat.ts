// Every instance of every service tells central it is alive (Designate's heartbeat_emitter): a cast of
// `update_service_status` every `[heartbeat_emitter] heartbeat_interval` seconds, and STOPPED when it shuts
// down cleanly. A heartbeat that cannot be sent (broker away) is logged once per outage; the next one
// retries, and central turns an instance silent for three intervals DOWN.
import type { Logger } from '../log.ts';
import type { Transport } from './transport.ts';

/** Central's method for heartbeats, named as Designate's. */
export const HEARTBEAT_METHOD = 'update_service_status';

/** What one heartbeat reports. */
export interface Heartbeat {
  serviceName: string;
  hostname: string;
  status: 'UP' | 'STOPPED';
  stats: Record<string, unknown>;
  capabilities: Record<string, unknown>;
}

export interface HeartbeatOptions {
  /** Designate's service name: api, central, mdns, worker, producer, sink. */
  serviceName: string;
  hostname: string;
  /** Seconds between heartbeats. */
  interval: number;
  centralTopic: string;
  /** Sent with each heartbeat: what the instance reports about itself (listen addresses, zones served, …). */
  stats?: () => Record<string, unknown>;
  /**
   * The cast's arguments for a heartbeat; zonecast's central takes the Heartbeat itself (the default), a
   * Designate central `{service_status: <ServiceStatus primitive>}`.
   */
  args?: (beat: Heartbeat) => unknown;
  /** Whether stop() reports STOPPED (default true); Designate's centrals before 2026.2 have no such status. */
  sendStopped?: boolean;
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

  /** Stops beating and reports STOPPED unless told not to (bounded: a dead broker does not hold up the shutdown). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#options.sendStopped === false) return;
    await Promise.race([this.#beat('STOPPED'), new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  async #beat(status: Heartbeat['status']): Promise<void> {
    const { serviceName, hostname, centralTopic, stats, args } = this.#options;
    const beat: Heartbeat = { serviceName, hostname, status, stats: stats?.() ?? {}, capabilities: {} };
    try {
      await this.#transport.cast({ topic: centralTopic }, HEARTBEAT_METHOD, args ? args(beat) : beat);
      if (this.#failing) this.#log.info({ service: serviceName }, 'heartbeats reach central again');
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) this.#log.warn({ service: serviceName, err: (err as Error).message }, 'heartbeat not sent');
      this.#failing = true;
    }
  }
}
