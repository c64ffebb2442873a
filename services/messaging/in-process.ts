// The transport inside one process (`zonecast start`): the same semantics as over RabbitMQ, without a broker.
// Messages go through the wire codec here too, so a handler never shares objects with its sender and a
// payload that would not survive AMQP fails the same way in tests. Delivery is after the sender's current
// turn, as a broker's would be; casts to a topic nobody serves yet wait (as in a durable queue) until it is.
import { withDeadline } from '../deadline.ts';
import { decode, encode, errorFromReply, errorReply, type Reply } from './codec.ts';
import {
  DEFAULT_CALL_TIMEOUT_MS, MessagingTimeoutError, MessagingUnavailableError, PoisonMessageError,
  targetQueue, type Dispatch, type Listener, type MessageKind, type Target, type Transport,
} from './transport.ts';

interface Served {
  topic: string;
  server: string;
  dispatch: Dispatch;
}

interface Queued {
  target: Target;
  method: string;
  body: Buffer;
  redelivered: boolean;
}

export interface InProcessOptions {
  /** A cast whose handler failed twice, or is poison: the dead letter, logged by the caller. */
  onDeadLetter?: (topic: string, method: string, err: unknown) => void;
  /** Casts kept for a topic nobody serves yet (default 10,000); past that a cast rejects. */
  maxQueued?: number;
}

export class InProcessTransport implements Transport {
  readonly kind = 'in-process';
  readonly description = 'in-process';
  readonly #served: Served[] = [];
  readonly #waiting = new Map<string, Queued[]>();
  readonly #options: InProcessOptions;
  #turn = 0;
  #closed = false;

  constructor(options: InProcessOptions = {}) {
    this.#options = options;
  }

  async call<R>(target: Target, method: string, args: unknown, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<R> {
    const served = this.#pick(target);
    if (served === null) throw new MessagingUnavailableError(`no instance serves topic '${target.topic}'${target.server ? ` as ${target.server}` : ''}`);
    const body = encode(args);
    const reply = (async (): Promise<Reply> => {
      await Promise.resolve();
      try {
        return { result: await served.dispatch(method, decode(body), 'call') };
      } catch (err) {
        return errorReply(err);
      }
    })();
    const answered = await withDeadline(reply, timeoutMs, () => new MessagingTimeoutError(`no reply to ${target.topic}.${method} within ${timeoutMs} ms`));
    const answer = decode<Reply>(encode(answered));
    if (answer.error) throw errorFromReply(answer.error);
    return answer.result as R;
  }

  async cast(target: Target, method: string, args: unknown): Promise<void> {
    if (this.#closed) throw new MessagingUnavailableError('transport closed');
    const queued: Queued = { target, method, body: encode(args), redelivered: false };
    if (this.#pick(target, false) === null) return this.#wait(queued);
    setImmediate(() => this.#deliver(queued));
  }

  /** Keeps a cast until an instance serves its target, as a durable queue would. */
  #wait(queued: Queued): void {
    const key = targetQueue(queued.target);
    const waiting = this.#waiting.get(key) ?? [];
    if (waiting.length >= (this.#options.maxQueued ?? 10_000)) throw new MessagingUnavailableError(`${key}: ${waiting.length} casts already wait for an instance`);
    waiting.push(queued);
    this.#waiting.set(key, waiting);
  }

  async fanout(topic: string, method: string, args: unknown): Promise<void> {
    if (this.#closed) throw new MessagingUnavailableError('transport closed');
    const body = encode(args);
    const listeners = this.#served.filter((s) => s.topic === topic);
    setImmediate(() => {
      for (const s of listeners) this.#run(s, topic, method, body, 'fanout').catch(() => {});
    });
  }

  async serve(topic: string, server: string, dispatch: Dispatch): Promise<Listener> {
    const served: Served = { topic, server, dispatch };
    this.#served.push(served);
    for (const key of [targetQueue({ topic }), targetQueue({ topic, server })]) {
      const waiting = this.#waiting.get(key);
      this.#waiting.delete(key);
      for (const queued of waiting ?? []) setImmediate(() => this.#deliver(queued));
    }
    return {
      close: async () => {
        const i = this.#served.indexOf(served);
        if (i >= 0) this.#served.splice(i, 1);
      },
    };
  }

  async ready(): Promise<void> {}

  onReconnect(): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#served.length = 0;
    this.#waiting.clear();
  }

  /** Round-robin over the instances serving the target; with `advance` false it only asks whether one exists. */
  #pick(target: Target, advance = true): Served | null {
    const candidates = this.#served.filter((s) => s.topic === target.topic && (target.server === undefined || s.server === target.server));
    if (candidates.length === 0) return null;
    const served = candidates[this.#turn % candidates.length];
    if (advance) this.#turn++;
    return served;
  }

  /** A cast: ack after the handler; a failure is retried once (maybe elsewhere), then dead-lettered. */
  #deliver(queued: Queued): void {
    const served = this.#pick(queued.target);
    if (served === null) {
      // The instance went away since: the cast waits for the next one.
      if (this.#closed) return;
      try {
        this.#wait(queued);
      } catch (err) {
        this.#dead(queued, err);
      }
      return;
    }
    this.#run(served, queued.target.topic, queued.method, queued.body, 'cast').catch((err: unknown) => {
      if (err instanceof PoisonMessageError || queued.redelivered || this.#closed) return this.#dead(queued, err);
      queued.redelivered = true;
      setImmediate(() => this.#deliver(queued));
    });
  }

  async #run(served: Served, topic: string, method: string, body: Buffer, kind: MessageKind): Promise<unknown> {
    let args: unknown;
    try {
      args = decode(body);
    } catch (err) {
      throw new PoisonMessageError(`unreadable payload on ${topic}: ${(err as Error).message}`);
    }
    try {
      return await served.dispatch(method, args, kind);
    } catch (err) {
      if (kind === 'fanout') this.#options.onDeadLetter?.(topic, method, err);
      throw err;
    }
  }

  #dead(queued: Queued, err: unknown): void {
    this.#options.onDeadLetter?.(queued.target.topic, queued.method, err);
  }
}
