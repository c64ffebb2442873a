// While the broker is away, a message waits for the connection to come back rather than failing at once:
// bounded in time (then MessagingUnavailableError) and in number (a caller that keeps sending during a long
// outage is told at once instead of piling up waiters). Shared by zonecast's transport and the oslo one.
import type { AmqpConnection } from './amqp-connection.ts';
import { MessagingUnavailableError } from './transport.ts';

export class PublisherWait {
  readonly #conn: AmqpConnection;
  readonly #waitMs: number;
  readonly #max: number;
  #waiting = 0;

  constructor(conn: AmqpConnection, waitMs: number, max: number) {
    this.#conn = conn;
    this.#waitMs = waitMs;
    this.#max = max;
  }

  /** The publishing channel `current()` gives once connected, waiting at most the bound. */
  async channel<T>(current: () => T | null): Promise<T> {
    const now = current();
    if (now !== null) return now;
    if (this.#waiting >= this.#max) throw new MessagingUnavailableError(`not connected to the message broker, and ${this.#waiting} messages already wait`);
    this.#waiting++;
    try {
      await this.#conn.waitUp(this.#waitMs);
    } catch (err) {
      throw new MessagingUnavailableError(`not connected to the message broker: ${(err as Error).message}`);
    } finally {
      this.#waiting--;
    }
    const after = current();
    if (after === null) throw new MessagingUnavailableError('not connected to the message broker');
    return after;
  }
}
