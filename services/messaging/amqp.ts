// The transport over RabbitMQ (amqplib), laid out as oslo.messaging lays out Designate's: a topic exchange
// `designate` (control_exchange); per served topic a durable queue `<topic>` that every instance consumes,
// a queue `<topic>.<host>` for messages to one instance, and a fanout exchange `<topic>_fanout` with an
// exclusive queue per instance. Messages the handlers refuse twice, or cannot read, go to the dead-letter
// exchange `<control_exchange>.dead` and its queue of the same name, where an operator can look at them.
//
// Delivery guarantees:
// - call: published with a TTL equal to its timeout (so nobody executes a request its caller gave up on),
//   reply through RabbitMQ's direct reply-to; acked on receipt, so a call runs at most once and a caller
//   whose central died gets a timeout, never a second execution. No instance serving the topic (asked of
//   the broker again for up to a second, so a momentary gap is waited out), or no broker:
//   MessagingUnavailableError.
// - cast: persistent message, publisher confirm before cast() resolves; acked only after the handler
//   finished, so a message whose consumer dies is redelivered to another; one retry after a failure, then
//   the dead-letter queue. While the broker is away, casts wait (bounded in number and time), then reject.
// - fanout: to the instances connected now; ones away catch up from storage (onReconnect).
import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Message, Options } from 'amqplib';
import { withDeadline } from '../deadline.ts';
import type { Logger } from '../log.ts';
import { AmqpConnection, type AmqpConnectionOptions } from './amqp-connection.ts';
import { PublisherWait } from './publisher-wait.ts';
import { decode, encode, errorFromReply, errorReply, type Reply, type Request } from './codec.ts';
import {
  DEFAULT_CALL_TIMEOUT_MS, MessagingTimeoutError, MessagingUnavailableError, PoisonMessageError,
  targetQueue, type Dispatch, type Listener, type MessageKind, type Target, type Transport,
} from './transport.ts';
import { redactTransportUrl, type TransportUrl } from './transport-url.ts';

export interface AmqpTransportOptions extends AmqpConnectionOptions {
  /** `[DEFAULT] control_exchange`. */
  exchange: string;
  /** Unacknowledged messages one instance takes per topic (`rabbit_qos_prefetch_count`). */
  prefetch: number;
  /** How long a cast waits for a broker connection, and how many may wait. */
  castWaitMs: number;
  maxWaitingCasts: number;
}

export const AMQP_DEFAULTS = {
  exchange: 'designate',
  // oslo's default is 0 (no limit): one instance could then hold every queued message while others idle.
  prefetch: 16,
  castWaitMs: 30_000,
  maxWaitingCasts: 10_000,
};

const REPLY_TO = 'amq.rabbitmq.reply-to';
const KIND_HEADER = 'x-zonecast-kind';
/** How long a topic's consumer count is trusted before a call asks the broker again. */
const CONSUMER_COUNT_TTL_MS = 1000;
/**
 * A count of none is asked again this often, for up to NO_CONSUMER_GRACE_MS, before a call is refused: a
 * count the broker gave while an instance was (re)attaching must not fail a write that a second later would
 * have found its consumer.
 */
const NO_CONSUMER_RECHECK_MS = 200;
const NO_CONSUMER_GRACE_MS = 1000;
/** A `<topic>.<host>` queue nobody consumed for this long is removed by the broker (hosts carry a pid). */
const SERVER_QUEUE_EXPIRES_MS = 600_000;

interface Served {
  topic: string;
  server: string;
  dispatch: Dispatch;
  channel: Channel | null;
  closing: boolean;
}

interface PendingCall {
  resolve: (reply: Reply) => void;
  reject: (err: Error) => void;
}

export class AmqpTransport implements Transport {
  readonly kind = 'amqp';
  readonly description: string;
  readonly #options: AmqpTransportOptions;
  readonly #log: Logger;
  readonly #conn: AmqpConnection;
  readonly #waits: PublisherWait;
  readonly #served = new Set<Served>();
  readonly #pending = new Map<string, PendingCall>();
  readonly #returned = new Set<string>();
  readonly #consumers = new Map<string, { count: number; at: number; refresh: Promise<number> | null }>();
  readonly #reconnectListeners = new Set<() => void>();
  /** Queues and exchanges declared on this connection, so each is declared once per connection. */
  #declared = new Set<string>();
  #pub: ConfirmChannel | null = null;

  constructor(url: TransportUrl, rawUrl: string, options: AmqpTransportOptions, log: Logger) {
    this.description = redactTransportUrl(rawUrl);
    this.#options = options;
    this.#log = log;
    this.#conn = new AmqpConnection(url, options, (model, broken) => this.#setup(model, broken), log);
    this.#waits = new PublisherWait(this.#conn, options.castWaitMs, options.maxWaitingCasts);
    this.#conn.onDown((err) => this.#lost(err));
    this.#conn.onUp((_model, reconnected) => {
      if (reconnected) for (const l of this.#reconnectListeners) l();
    });
    this.#conn.start();
  }

  /** Resolves once connected (at most `timeoutMs`); services run before it, answering 503 meanwhile. */
  async ready(timeoutMs: number): Promise<void> {
    await this.#conn.waitUp(timeoutMs);
  }

  async call<R>(target: Target, method: string, args: unknown, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<R> {
    const pub = this.#pub;
    if (pub === null) throw new MessagingUnavailableError('not connected to the message broker');
    const deadline = performance.now() + timeoutMs;
    if (target.server === undefined && !(await this.#anyConsumer(pub, target.topic, deadline))) {
      throw new MessagingUnavailableError(`no ${target.topic} service is running`);
    }
    const correlationId = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const reply = await new Promise<Reply>((resolve, reject) => {
      // One budget for the whole call, the broker's answer about consumers included.
      timer = setTimeout(() => {
        this.#pending.delete(correlationId);
        reject(new MessagingTimeoutError(`no reply to ${target.topic}.${method} within ${timeoutMs} ms`));
      }, Math.max(1, deadline - performance.now()));
      this.#pending.set(correlationId, { resolve, reject });
      const request: Request = { method, args };
      const options: Options.Publish = {
        replyTo: REPLY_TO, correlationId, expiration: String(timeoutMs), mandatory: true, type: method,
        contentType: 'application/json', headers: { [KIND_HEADER]: 'call' },
      };
      try {
        pub.publish(this.#options.exchange, targetQueue(target), encode(request), options, (err) => {
          if (err) this.#failCall(correlationId, new MessagingUnavailableError(`call ${target.topic}.${method} not accepted by the broker`));
          else if (this.#returned.delete(correlationId)) this.#failCall(correlationId, new MessagingUnavailableError(`no queue for ${targetQueue(target)}`));
        });
      } catch (err) {
        this.#failCall(correlationId, new MessagingUnavailableError(`call ${target.topic}.${method} not sent: ${(err as Error).message}`));
      }
    }).finally(() => clearTimeout(timer));
    if (reply.error) throw errorFromReply(reply.error);
    return reply.result as R;
  }

  async cast(target: Target, method: string, args: unknown): Promise<void> {
    const body = encode({ method, args } satisfies Request);
    const pub = await this.#publisher();
    if (target.server === undefined) await this.#declareTopicQueue(pub, target.topic);
    await this.#confirmed(pub, this.#options.exchange, targetQueue(target), body, {
      persistent: true, mandatory: target.server !== undefined, type: method, headers: { [KIND_HEADER]: 'cast' },
    });
  }

  async fanout(topic: string, method: string, args: unknown): Promise<void> {
    const body = encode({ method, args } satisfies Request);
    const pub = await this.#publisher();
    await this.#declareOnce(`exchange ${topic}_fanout`, () => pub.assertExchange(`${topic}_fanout`, 'fanout', { durable: false }));
    await this.#confirmed(pub, `${topic}_fanout`, '', body, { type: method, headers: { [KIND_HEADER]: 'fanout' } });
  }

  async serve(topic: string, server: string, dispatch: Dispatch): Promise<Listener> {
    const served: Served = { topic, server, dispatch, channel: null, closing: false };
    this.#served.add(served);
    const model = this.#conn.connected;
    if (model !== null) await this.#consume(model, served).catch((err: Error) => this.#conn.broken(err));
    return {
      close: async () => {
        served.closing = true;
        this.#served.delete(served);
        await served.channel?.close().catch(() => {});
        served.channel = null;
      },
    };
  }

  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const s of this.#served) s.closing = true;
    await Promise.all([...this.#served].map((s) => s.channel?.close().catch(() => {})));
    this.#served.clear();
    this.#lost(new Error('transport closed'));
    await this.#conn.close();
  }

  async #setup(model: ChannelModel, broken: (err: Error) => void): Promise<void> {
    this.#declared = new Set();
    try {
      this.#pub = await this.#openPublisher(model, broken);
      for (const served of this.#served) await this.#consume(model, served);
    } catch (err) {
      this.#pub = null;
      throw err;
    }
  }

  /** The channel that publishes everything and takes call replies (direct reply-to needs them on one channel). */
  async #openPublisher(model: ChannelModel, broken: (err: Error) => void): Promise<ConfirmChannel> {
    const pub = await model.createConfirmChannel();
    pub.on('error', () => {});
    pub.on('close', () => broken(new Error('publishing channel closed')));
    pub.on('return', (msg: Message) => {
      const id = msg.properties.correlationId ?? msg.properties.messageId;
      if (typeof id === 'string') this.#returned.add(id);
    });
    const { exchange } = this.#options;
    await pub.assertExchange(exchange, 'topic', { durable: true });
    await pub.assertExchange(`${exchange}.dead`, 'fanout', { durable: true });
    await pub.assertQueue(`${exchange}.dead`, { durable: true });
    await pub.bindQueue(`${exchange}.dead`, `${exchange}.dead`, '');
    await pub.consume(REPLY_TO, (msg) => msg && this.#onReply(msg), { noAck: true });
    return pub;
  }

  /** Consumes the three queues of a served topic on a channel of its own (its own prefetch). */
  async #consume(model: ChannelModel, served: Served): Promise<void> {
    const { topic, server } = served;
    const ch = await model.createChannel();
    ch.on('error', () => {});
    ch.on('close', () => {
      if (served.channel === ch) served.channel = null;
      if (!served.closing) this.#conn.broken(new Error(`channel of topic ${topic} closed`));
    });
    await ch.prefetch(this.#options.prefetch);
    const { exchange } = this.#options;
    await ch.assertQueue(topic, this.#topicQueueOptions());
    await ch.bindQueue(topic, exchange, topic);
    const direct = targetQueue({ topic, server });
    await ch.assertQueue(direct, { durable: false, arguments: { 'x-expires': SERVER_QUEUE_EXPIRES_MS } });
    await ch.bindQueue(direct, exchange, direct);
    await ch.assertExchange(`${topic}_fanout`, 'fanout', { durable: false });
    const { queue: fanoutQueue } = await ch.assertQueue(`${topic}_fanout_${randomUUID().replace(/-/g, '')}`, { exclusive: true, autoDelete: true });
    await ch.bindQueue(fanoutQueue, `${topic}_fanout`, '');
    for (const queue of [topic, direct, fanoutQueue]) {
      await ch.consume(queue, (msg) => msg && void this.#handle(ch, served, msg, queue === fanoutQueue ? 'fanout' : null));
    }
    served.channel = ch;
  }

  async #handle(ch: Channel, served: Served, msg: ConsumeMessage, fanout: 'fanout' | null): Promise<void> {
    const kind: MessageKind = fanout ?? (msg.properties.headers?.[KIND_HEADER] === 'call' || msg.properties.replyTo ? 'call' : 'cast');
    let request: Request;
    try {
      request = decode<Request>(msg.content);
      if (typeof request?.method !== 'string') throw new Error('no method');
    } catch (err) {
      this.#log.error({ topic: served.topic, kind, err: (err as Error).message }, 'unreadable message dead-lettered');
      return settle(ch, msg, 'dead');
    }
    if (kind === 'call') {
      settle(ch, msg, 'ack');
      let reply: Reply;
      try {
        reply = { result: await served.dispatch(request.method, request.args, kind) };
      } catch (err) {
        reply = errorReply(err);
      }
      return this.#reply(msg, reply);
    }
    try {
      await served.dispatch(request.method, request.args, kind);
      settle(ch, msg, 'ack');
    } catch (err) {
      const dead = kind === 'fanout' || err instanceof PoisonMessageError || msg.fields.redelivered;
      this.#log.error({ topic: served.topic, method: request.method, kind, err: (err as Error).message, ...(kind === 'cast' ? { outcome: dead ? 'dead-lettered' : 'requeued' } : {}) },
        'message handler failed');
      settle(ch, msg, kind === 'fanout' ? 'ack' : dead ? 'dead' : 'requeue');
    }
  }

  #reply(request: ConsumeMessage, reply: Reply): void {
    const { replyTo, correlationId } = request.properties;
    let body: Buffer;
    try {
      body = encode(reply);
    } catch (err) {
      body = encode(errorReply(err));
    }
    try {
      this.#pub?.sendToQueue(replyTo, body, { correlationId, contentType: 'application/json' });
    } catch {
      // The caller's reply is lost with our channel; it times out.
    }
  }

  #onReply(msg: ConsumeMessage): void {
    const id = msg.properties.correlationId;
    const pending = this.#pending.get(id);
    if (pending === undefined) return; // timed out already
    this.#pending.delete(id);
    try {
      pending.resolve(decode<Reply>(msg.content));
    } catch (err) {
      pending.reject(new Error(`unreadable reply: ${(err as Error).message}`));
    }
  }

  #failCall(correlationId: string, err: Error): void {
    const pending = this.#pending.get(correlationId);
    this.#pending.delete(correlationId);
    pending?.reject(err);
  }

  /** The connection went away: replies to calls in flight are lost with it. */
  #lost(err: Error): void {
    this.#pub = null;
    this.#consumers.clear();
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      pending.reject(new MessagingUnavailableError(`message broker connection lost: ${err.message}`));
    }
  }

  /** The publishing channel, waiting (bounded) for the broker when disconnected. */
  #publisher(): Promise<ConfirmChannel> {
    return this.#waits.channel(() => this.#pub);
  }

  #confirmed(pub: ConfirmChannel, exchange: string, key: string, body: Buffer, options: Options.Publish): Promise<void> {
    const messageId = randomUUID();
    return new Promise((resolve, reject) => {
      try {
        pub.publish(exchange, key, body, { ...options, messageId, contentType: 'application/json' }, (err) => {
          if (this.#returned.delete(messageId)) reject(new MessagingUnavailableError(`no queue for ${key}`));
          else if (err) reject(new MessagingUnavailableError(`the broker did not take the message for ${key || exchange}`));
          else resolve();
        });
      } catch (err) {
        reject(new MessagingUnavailableError(`message for ${key || exchange} not sent: ${(err as Error).message}`));
      }
    });
  }

  #topicQueueOptions(): Options.AssertQueue {
    return { durable: true, arguments: { 'x-dead-letter-exchange': `${this.#options.exchange}.dead` } };
  }

  /** The topic's queue exists before the first cast to it, so a cast made before any instance started is kept. */
  async #declareTopicQueue(pub: ConfirmChannel, topic: string): Promise<void> {
    await this.#declareOnce(`queue ${topic}`, async () => {
      await pub.assertQueue(topic, this.#topicQueueOptions());
      await pub.bindQueue(topic, this.#options.exchange, topic);
    });
  }

  async #declareOnce(what: string, declare: () => Promise<unknown>): Promise<void> {
    if (this.#declared.has(what)) return;
    await declare();
    this.#declared.add(what);
  }

  /**
   * Whether an instance consumes the topic's queue; a count of none is asked again before it is believed, and
   * no ask waits past the call's own deadline for a broker that does not answer.
   */
  async #anyConsumer(pub: ConfirmChannel, topic: string, deadline: number): Promise<boolean> {
    // The last ask leaves the broker a recheck's time to answer within the call's budget.
    const giveUp = Math.min(deadline - NO_CONSUMER_RECHECK_MS, performance.now() + NO_CONSUMER_GRACE_MS);
    for (let maxAge = CONSUMER_COUNT_TTL_MS; ; maxAge = NO_CONSUMER_RECHECK_MS) {
      const left = deadline - performance.now();
      const count = await withDeadline(this.#consumerCount(pub, topic, maxAge), left,
        () => new MessagingTimeoutError(`the broker did not say within ${Math.round(left)} ms who serves ${topic}`));
      if (count > 0) return true;
      if (performance.now() + NO_CONSUMER_RECHECK_MS > giveUp) return false;
      await new Promise((r) => setTimeout(r, NO_CONSUMER_RECHECK_MS));
    }
  }

  /** How many instances consume the topic's queue: a count at most `maxAge` ms old, shared by concurrent calls. */
  async #consumerCount(pub: ConfirmChannel, topic: string, maxAge: number): Promise<number> {
    const known = this.#consumers.get(topic);
    const now = performance.now();
    if (known && now - known.at < maxAge) return known.count;
    if (known?.refresh) return known.refresh;
    const refresh = (async () => {
      await this.#declareTopicQueue(pub, topic);
      const { consumerCount } = await pub.assertQueue(topic, this.#topicQueueOptions());
      this.#consumers.set(topic, { count: consumerCount, at: performance.now(), refresh: null });
      return consumerCount;
    })();
    this.#consumers.set(topic, { count: known?.count ?? 0, at: known?.at ?? 0, refresh });
    try {
      return await refresh;
    } catch (err) {
      this.#consumers.delete(topic);
      throw new MessagingUnavailableError(`cannot ask the broker about ${topic}: ${(err as Error).message}`);
    }
  }
}

/** Ack, requeue or dead-letter; on a channel closed meanwhile the broker has requeued the message already. */
function settle(ch: Channel, msg: ConsumeMessage, how: 'ack' | 'requeue' | 'dead'): void {
  try {
    if (how === 'ack') ch.ack(msg);
    else ch.nack(msg, false, how === 'requeue');
  } catch {
    // channel closed
  }
}
