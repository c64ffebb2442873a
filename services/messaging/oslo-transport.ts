// Casts to OpenStack Designate's own services (central, worker) in oslo.messaging's wire format, for
// `zonecast designate-mdns`: the same reconnecting AmqpConnection as AmqpTransport, with a setup of its own,
// publishing what oslo's rabbit driver publishes for a cast (impl_rabbit.py topic_send, 14.0.3 and master):
// - to the topic exchange `control_exchange` (`designate`), routing key `<topic>` or `<topic>.<server>`;
// - the exchange declared as oslo declares it: durable = amqp_durable_queues (or rabbit_quorum_queue),
//   auto_delete = amqp_auto_delete, both false by default. RabbitMQ closes the channel (PRECONDITION_FAILED)
//   on a declaration that differs from the existing exchange's, so these follow Designate's configuration;
// - kombu's defaults for the message: delivery_mode 2 (persistent), content type application/json, utf-8,
//   no expiration, no reply queue.
// Sends only: Designate's services consume their queues themselves, and mdns serves nothing over RPC since Zed.
// Differences from oslo that no receiver sees: a publisher confirm before cast() resolves, and `mandatory`,
// so a cast that no queue takes (central not running) rejects instead of vanishing.
import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import { withDeadline } from '../deadline.ts';
import type { Logger } from '../log.ts';
import { AmqpConnection, type AmqpConnectionOptions } from './amqp-connection.ts';
import { PublisherWait } from './publisher-wait.ts';
import { adminContext, osloEnvelope } from './oslo-codec.ts';
import { MessagingUnavailableError, targetQueue, type Dispatch, type Listener, type Target, type Transport } from './transport.ts';
import { redactTransportUrl, type TransportUrl } from './transport-url.ts';

export interface OsloTransportOptions extends AmqpConnectionOptions {
  /** `[DEFAULT] control_exchange` of the Designate it talks to. */
  exchange: string;
  /** `[oslo_messaging_rabbit] amqp_durable_queues` or `rabbit_quorum_queue`: the exchange's durable flag. */
  durable: boolean;
  /** `[oslo_messaging_rabbit] amqp_auto_delete`. */
  autoDelete: boolean;
  /** How long a cast waits for a broker connection and then for the broker's confirm; how many may wait. */
  castWaitMs: number;
  maxWaitingCasts: number;
  /** The RPC API version a cast to each topic carries (e.g. central → CENTRAL_RPC_VERSION). */
  versions: Readonly<Record<string, string>>;
  /** The request context of a cast that brings none. */
  context: () => Record<string, unknown>;
}

export const OSLO_DEFAULTS = {
  exchange: 'designate',
  durable: false,
  autoDelete: false,
  castWaitMs: 10_000,
  maxWaitingCasts: 1000,
  // RpcEmitter.transmit's get_admin_context(): the heartbeat's; mdns's NOTIFY path passes its request's own.
  context: (): Record<string, unknown> => adminContext({ allTenants: false }),
};

/** Per cast: a version other than the topic's, a context other than the default. */
export interface OsloCastOptions {
  version?: string;
  context?: Record<string, unknown>;
}

export class OsloTransport implements Transport {
  readonly kind = 'oslo';
  readonly description: string;
  readonly #options: OsloTransportOptions;
  readonly #conn: AmqpConnection;
  readonly #waits: PublisherWait;
  readonly #returned = new Set<string>();
  readonly #reconnectListeners = new Set<() => void>();
  #pub: ConfirmChannel | null = null;

  constructor(url: TransportUrl, rawUrl: string, options: OsloTransportOptions, log: Logger) {
    this.description = redactTransportUrl(rawUrl);
    this.#options = options;
    this.#conn = new AmqpConnection(url, options, (model, broken) => this.#setup(model, broken), log);
    this.#waits = new PublisherWait(this.#conn, options.castWaitMs, options.maxWaitingCasts);
    this.#conn.onDown(() => (this.#pub = null));
    this.#conn.onUp((_model, reconnected) => {
      if (reconnected) for (const l of this.#reconnectListeners) l();
    });
    this.#conn.start();
  }

  async ready(timeoutMs: number): Promise<void> {
    await this.#conn.waitUp(timeoutMs);
  }

  /**
   * `args` are the method's keyword arguments already in oslo form (DesignateObject primitives from
   * oslo-codec.ts). Resolves once the broker confirmed the message; rejects with MessagingUnavailableError
   * when no broker takes it within castWaitMs, or no queue is bound to the routing key.
   */
  async cast(target: Target, method: string, args: unknown, options: OsloCastOptions = {}): Promise<void> {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new TypeError('oslo.messaging arguments are keyword arguments: an object');
    const version = options.version ?? this.#options.versions[target.topic];
    if (version === undefined) throw new Error(`no RPC API version known for topic ${target.topic}`);
    const envelope = osloEnvelope(method, args as Record<string, unknown>, version, options.context ?? this.#options.context());
    const key = targetQueue(target);
    const pub = await this.#publisher();
    await withDeadline(this.#confirmed(pub, key, Buffer.from(JSON.stringify(envelope))), this.#options.castWaitMs,
      () => new MessagingUnavailableError(`the broker did not confirm ${key}.${method} within ${this.#options.castWaitMs} ms`));
  }

  call<R>(_target: Target, _method: string, _args: unknown): Promise<R> {
    return Promise.reject(new Error('call is not supported by the oslo transport (it only casts to Designate)'));
  }

  fanout(_topic: string, _method: string, _args: unknown): Promise<void> {
    return Promise.reject(new Error('fanout is not supported by the oslo transport (it only casts to Designate)'));
  }

  serve(_topic: string, _server: string, _dispatch: Dispatch): Promise<Listener> {
    return Promise.reject(new Error('serve is not supported by the oslo transport (designate-mdns has no RPC server since Zed)'));
  }

  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#pub = null;
    await this.#conn.close();
  }

  async #setup(model: ChannelModel, broken: (err: Error) => void): Promise<void> {
    const pub = await model.createConfirmChannel();
    pub.on('error', () => {}); // 'close' follows
    pub.on('close', () => broken(new Error('publishing channel closed')));
    pub.on('return', (msg: Message) => {
      if (typeof msg.properties.messageId === 'string') this.#returned.add(msg.properties.messageId);
    });
    const { exchange, durable, autoDelete } = this.#options;
    try {
      await pub.assertExchange(exchange, 'topic', { durable, autoDelete });
    } catch (err) {
      // The connection is retried with backoff; the log line says what to set.
      throw new Error(`exchange ${exchange} exists with other flags than durable=${durable}, auto_delete=${autoDelete} `
        + `(set amqp_durable_queues/amqp_auto_delete as Designate has them): ${(err as Error).message}`);
    }
    this.#pub = pub;
  }

  /** The publishing channel, waiting (bounded) for the broker when disconnected. */
  #publisher(): Promise<ConfirmChannel> {
    return this.#waits.channel(() => this.#pub);
  }

  #confirmed(pub: ConfirmChannel, key: string, body: Buffer): Promise<void> {
    const messageId = randomUUID();
    return new Promise((resolve, reject) => {
      try {
        pub.publish(this.#options.exchange, key, body, {
          persistent: true, mandatory: true, contentType: 'application/json', contentEncoding: 'utf-8', messageId,
        }, (err) => {
          if (this.#returned.delete(messageId)) reject(new MessagingUnavailableError(`no queue is bound to ${key} on exchange ${this.#options.exchange}`));
          else if (err) reject(new MessagingUnavailableError(`the broker did not take the message for ${key}`));
          else resolve();
        });
      } catch (err) {
        reject(new MessagingUnavailableError(`message for ${key} not sent: ${(err as Error).message}`));
      }
    });
  }
}
