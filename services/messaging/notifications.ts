// oslo.messaging notifications, consumed (the sink): Nova and Neutron publish `{event_type, payload, …}` to
// their exchange (`nova`, `neutron`) with routing key `<topic>.<priority>` (`notifications.info`), wrapped in
// the 2.0 envelope `{"oslo.version": "2.0", "oslo.message": "<JSON>"}`; older publishers send the message
// as plain JSON. A listener declares the queue `<topic>.info` bound to each exchange, as oslo's listener
// does, and acknowledges each message after its handler ran: a handler that fails, or a message that cannot
// be read, is logged and dropped, never retried forever.
import type { ChannelModel, ConsumeMessage } from 'amqplib';
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

/** Where to listen: an exchange and the notification topics on it (`notification_topics`). */
export interface Subscription {
  exchange: string;
  topics: string[];
}

export class NotificationListener {
  readonly #conn: AmqpConnection;

  constructor(transportUrl: string, subscriptions: Subscription[], handler: NotificationHandler, log: Logger) {
    const setup = async (model: ChannelModel) => {
      const ch = await model.createChannel();
      await ch.prefetch(16);
      const queues = new Set<string>();
      for (const { exchange, topics } of subscriptions) {
        await ch.assertExchange(exchange, 'topic', { durable: false });
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
            try {
              await handler(parseNotification(msg.content));
            } catch (err) {
              log.error({ queue, exchange: msg.fields.exchange, err: (err as Error).message }, 'notification dropped');
            }
            try {
              ch.ack(msg);
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
