// oslo.messaging notifications, consumed (the sink) and published (central's, the producer's). Nova and
// Neutron publish `{event_type, payload, …}` to their exchange (`nova`, `neutron`) with routing key
// `<topic>.<priority>` (`notifications.info`), wrapped in the 2.0 envelope `{"oslo.version": "2.0",
// "oslo.message": "<JSON>"}`; older publishers send the message as plain JSON. A listener declares the queue
// `<topic>.info` bound to each exchange, as oslo's listener does, and acknowledges each message after its
// handler ran. A message that cannot be read, or that its handler refuses, is logged and dropped; one whose
// handler failed for a passing reason (central unreachable) goes back to the queue a second later.
import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../log.ts';
import { AMQP_CONNECTION_DEFAULTS, AmqpConnection } from './amqp-connection.ts';
import { parseTransportUrl } from './transport-url.ts';

export interface Notification {
  eventType: string;
  payload: Record<string, unknown>;
  publisherId: string | null;
}

export class NotificationFormatError extends Error {
  override name = 'NotificationFormatError';
}

/** The notification in an oslo message body (enveloped or plain); throws NotificationFormatError. */
export function parseNotification(body: Buffer | string): Notification {
  let message: unknown;
  try {
    message = JSON.parse(body.toString());
    const wrapped = (message as Record<string, unknown>)?.['oslo.message'];
    if (typeof wrapped === 'string') message = JSON.parse(wrapped);
  } catch (err) {
    throw new NotificationFormatError(`not JSON: ${(err as Error).message}`);
  }
  const m = message as Record<string, unknown> | null;
  if (m === null || typeof m !== 'object' || typeof m.event_type !== 'string') throw new NotificationFormatError('no event_type');
  if (m.payload === null || typeof m.payload !== 'object' || Array.isArray(m.payload)) throw new NotificationFormatError(`${m.event_type}: no payload object`);
  return { eventType: m.event_type, payload: m.payload as Record<string, unknown>, publisherId: typeof m.publisher_id === 'string' ? m.publisher_id : null };
}

export type NotificationHandler = (n: Notification) => Promise<void>;

/**
 * Makes sure topic exchange `name` exists, declaring it (with `durable`) only when it does not: Nova's and
 * our own RPC exchange may already exist with either durability, and redeclaring it otherwise is an error.
 */
async function ensureExchange(model: ChannelModel, name: string, durable: boolean): Promise<void> {
  const probe = await model.createChannel();
  probe.on('error', () => {});
  try {
    await probe.checkExchange(name);
    await probe.close();
    return;
  } catch {
    // The broker closed the probe's channel: the exchange does not exist.
  }
  const ch = await model.createChannel();
  await ch.assertExchange(name, 'topic', { durable });
  await ch.close();
}

/** Where to listen: an exchange and the notification topics on it (`notification_topics`). */
export interface Subscription {
  exchange: string;
  topics: string[];
}

/** How long a notification whose handler failed for a passing reason waits before going back to the queue. */
const RETRY_DELAY_MS = 1000;

export class NotificationListener {
  readonly #conn: AmqpConnection;

  /** `transient(err)`: whether a handler's failure may pass (the message is tried again) or is final (dropped). */
  constructor(transportUrl: string, subscriptions: Subscription[], handler: NotificationHandler, transient: (err: unknown) => boolean, log: Logger) {
    const setup = async (model: ChannelModel) => {
      const ch = await model.createChannel();
      await ch.prefetch(16);
      const queues = new Set<string>();
      for (const { exchange, topics } of subscriptions) {
        await ensureExchange(model, exchange, false);
        for (const topic of topics) {
          const queue = `${topic}.info`;
          await ch.assertQueue(queue, { durable: false });
          await ch.bindQueue(queue, exchange, queue);
          queues.add(queue);
        }
      }
      for (const queue of queues) {
        await ch.consume(queue, (msg: ConsumeMessage | null) => {
          if (msg === null) return;
          void (async () => {
            let again = false;
            try {
              await handler(parseNotification(msg.content));
            } catch (err) {
              again = !(err instanceof NotificationFormatError) && transient(err);
              log.error({ queue, exchange: msg.fields.exchange, err: (err as Error).message }, again ? 'notification not handled yet: tried again' : 'notification dropped');
              if (again) await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
            }
            try {
              if (again) ch.nack(msg, false, true);
              else ch.ack(msg);
            } catch {
              // The channel closed meanwhile: the broker redelivers, and handlers are idempotent.
            }
          })();
        });
      }
    };
    this.#conn = new AmqpConnection(parseTransportUrl(transportUrl), AMQP_CONNECTION_DEFAULTS, setup, log);
    this.#conn.start();
  }

  ready(timeoutMs: number): Promise<unknown> {
    return this.#conn.waitUp(timeoutMs);
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}

/** Notifications out (Designate's `dns.zone.create` …), for billing and audit consumers; best effort, never awaited. */
export interface Notifier {
  info(eventType: string, payload: Record<string, unknown>): void;
}

/**
 * Publishes as oslo.messaging's messagingv2 driver: to `exchange` (control_exchange) with routing key
 * `<topic>.info` per topic, in the 2.0 envelope. A notification that cannot be published (the broker away)
 * is logged and lost, as oslo's notifier does after its retries: notifications are not changes.
 */
export class NotificationPublisher implements Notifier {
  readonly #conn: AmqpConnection;
  readonly #exchange: string;
  readonly #topics: string[];
  readonly #publisherId: string;
  readonly #log: Logger;
  #channel: ConfirmChannel | null = null;

  constructor(transportUrl: string, exchange: string, topics: string[], publisherId: string, log: Logger) {
    this.#exchange = exchange;
    this.#topics = topics;
    this.#publisherId = publisherId;
    this.#log = log;
    this.#conn = new AmqpConnection(parseTransportUrl(transportUrl), AMQP_CONNECTION_DEFAULTS, async (model) => {
      // The control exchange is also the RPC exchange, declared durable by the services' transport.
      await ensureExchange(model, exchange, true);
      this.#channel = await model.createConfirmChannel();
    }, log);
    this.#conn.onDown(() => {
      this.#channel = null;
    });
    this.#conn.start();
  }

  info(eventType: string, payload: Record<string, unknown>): void {
    const ch = this.#channel;
    if (ch === null) {
      this.#log.warn({ event_type: eventType }, 'notification not sent: the message broker is away');
      return;
    }
    const message = { message_id: randomUUID(), publisher_id: this.#publisherId, event_type: eventType, priority: 'INFO', payload, timestamp: new Date().toISOString().replace('T', ' ').replace('Z', '') };
    const body = Buffer.from(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) }));
    for (const topic of this.#topics) {
      try {
        ch.publish(this.#exchange, `${topic}.info`, body, { contentType: 'application/json' });
      } catch (err) {
        this.#log.warn({ event_type: eventType, err: (err as Error).message }, 'notification not sent');
      }
    }
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}
