// One connection to a RabbitMQ cluster that keeps itself up: it tries the transport_url's hosts in turn
// (oslo's kombu_failover_strategy round-robin), waits rabbit_retry_interval, growing by
// rabbit_retry_backoff up to rabbit_interval_max between rounds, and after every (re)connection runs the
// owner's setup (channels, queues, consumers) before anyone may use it. Any channel or connection failure
// tears the whole connection down and starts over: one recovery path, so no half-set-up state survives.
import { connect, type ChannelModel } from 'amqplib';
import type { Logger } from '../log.ts';
import type { TransportUrl } from './transport-url.ts';

export interface AmqpConnectionOptions {
  /** Seconds without a heartbeat after which the broker connection counts as dead (oslo's heartbeat_timeout_threshold). */
  heartbeatTimeoutThreshold: number;
  /** Seconds before the first reconnect attempt, its growth per failed round and its ceiling. */
  retryInterval: number;
  retryBackoff: number;
  intervalMax: number;
  /** Seconds a TCP connect to one broker may take. */
  connectTimeout: number;
}

export const AMQP_CONNECTION_DEFAULTS: AmqpConnectionOptions = {
  heartbeatTimeoutThreshold: 60,
  retryInterval: 1,
  retryBackoff: 2,
  intervalMax: 30,
  connectTimeout: 5,
};

/** Runs on every new connection; a rejection fails that connection and another attempt follows. */
export type Setup = (model: ChannelModel, broken: (err: Error) => void) => Promise<void>;

export class AmqpConnection {
  readonly #url: TransportUrl;
  readonly #options: AmqpConnectionOptions;
  readonly #setup: Setup;
  readonly #log: Logger;
  #model: ChannelModel | null = null;
  #next = 0;
  #failedRounds = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #connecting = false;
  #everConnected = false;
  #waiters: { resolve: (m: ChannelModel) => void; reject: (err: Error) => void }[] = [];
  readonly #onUp: ((model: ChannelModel, reconnected: boolean) => void)[] = [];
  readonly #onDown: ((err: Error) => void)[] = [];

  constructor(url: TransportUrl, options: AmqpConnectionOptions, setup: Setup, log: Logger) {
    this.#url = url;
    this.#options = options;
    this.#setup = setup;
    this.#log = log;
  }

  /** Starts connecting in the background; `up` tells when it is usable. */
  start(): void {
    void this.#attempt();
  }

  get connected(): ChannelModel | null {
    return this.#model;
  }

  onUp(listener: (model: ChannelModel, reconnected: boolean) => void): void {
    this.#onUp.push(listener);
  }

  onDown(listener: (err: Error) => void): void {
    this.#onDown.push(listener);
  }

  /** The connection once it is up, waiting at most `timeoutMs`. */
  waitUp(timeoutMs: number): Promise<ChannelModel> {
    if (this.#model) return Promise.resolve(this.#model);
    if (this.#closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`no broker connection within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        resolve: (m: ChannelModel) => (clearTimeout(timer), resolve(m)),
        reject: (err: Error) => (clearTimeout(timer), reject(err)),
      };
      this.#waiters.push(waiter);
    });
  }

  /** Tears the connection down and reconnects (a channel failed, or a test closed the socket). */
  broken(err: Error): void {
    const model = this.#model;
    if (model === null) return;
    this.#down(model, err);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    for (const w of this.#waiters.splice(0)) w.reject(new Error('connection closed'));
    const model = this.#model;
    this.#model = null;
    await model?.close().catch(() => {});
  }

  async #attempt(): Promise<void> {
    if (this.#closed || this.#connecting || this.#model) return;
    this.#connecting = true;
    const host = this.#url.hosts[this.#next % this.#url.hosts.length];
    this.#next++;
    let model: ChannelModel | null = null;
    try {
      model = await connect({
        protocol: 'amqp', hostname: host.hostname, port: host.port, username: host.username, password: host.password,
        vhost: this.#url.vhost, heartbeat: Math.max(1, Math.round(this.#options.heartbeatTimeoutThreshold / 2)),
      }, { timeout: this.#options.connectTimeout * 1000 });
      const current = model;
      current.on('error', () => {}); // 'close' follows with the reason
      current.on('close', (err?: Error) => this.#down(current, err ?? new Error('connection closed by the broker')));
      await this.#setup(current, (err) => this.#down(current, err));
      if (this.#closed) {
        await current.close().catch(() => {});
        return;
      }
      const reconnected = this.#everConnected;
      this.#model = current;
      this.#everConnected = true;
      this.#failedRounds = 0;
      this.#log.info({ broker: `${host.hostname}:${host.port}`, vhost: this.#url.vhost, reconnected }, 'connected to the message broker');
      for (const w of this.#waiters.splice(0)) w.resolve(current);
      for (const l of this.#onUp) l(current, reconnected);
    } catch (err) {
      this.#log.warn({ broker: `${host.hostname}:${host.port}`, err: (err as Error).message }, 'message broker connection failed');
      await model?.close().catch(() => {});
      this.#schedule();
    } finally {
      this.#connecting = false;
    }
  }

  #down(model: ChannelModel, err: Error): void {
    if (this.#model !== model) return;
    this.#model = null;
    void model.close().catch(() => {});
    if (this.#closed) return;
    this.#log.warn({ err: err.message }, 'message broker connection lost: reconnecting');
    for (const l of this.#onDown) l(err);
    // #next already names the host after the one lost, so a dead broker is not retried first.
    void this.#attempt();
  }

  #schedule(): void {
    if (this.#closed || this.#timer) return;
    // A delay only once every host of the round has failed: failing over to the next broker is immediate.
    const roundDone = this.#next % this.#url.hosts.length === 0;
    if (roundDone) this.#failedRounds++;
    const o = this.#options;
    const delay = roundDone ? Math.min(o.intervalMax, o.retryInterval * o.retryBackoff ** Math.max(0, this.#failedRounds - 1)) * 1000 : 0;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#attempt();
    }, delay);
    this.#timer.unref();
  }
}
