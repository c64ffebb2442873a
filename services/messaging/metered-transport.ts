// A Transport that counts and times what passes through it, for Prometheus: calls, casts and fanouts sent
// (latency to the reply, or to the broker's confirm) and their failures, messages handled per served topic,
// and reconnections to the broker. It wraps either transport, so the service code never sees it.
import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from '../metrics/registry.ts';
import { MessagingTimeoutError, MessagingUnavailableError, type Dispatch, type Listener, type Target, type Transport } from './transport.ts';

const sent = new Histogram({
  name: 'zonecast_bus_sent_duration_seconds',
  help: 'Messages sent on the bus, timed to the reply (call) or to the broker taking it (cast, fanout), by kind, topic, method and result',
  labelNames: ['kind', 'topic', 'method', 'result'] as const, buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5, 30],
  registers: [metricsRegistry],
});
const handled = new Counter({
  name: 'zonecast_bus_handled_total', help: 'Messages this process handled from the bus, by kind, topic, method and result (ok, failed)',
  labelNames: ['kind', 'topic', 'method', 'result'] as const, registers: [metricsRegistry],
});
const reconnects = new Counter({
  name: 'zonecast_bus_reconnects_total', help: 'Reconnections to the message broker after losing it', registers: [metricsRegistry],
});

/** ok; unavailable (no broker, nobody serving); timeout (no reply in time); error (the other side failed). */
function resultOf(err: unknown): string {
  if (err instanceof MessagingTimeoutError) return 'timeout';
  if (err instanceof MessagingUnavailableError) return 'unavailable';
  return 'error';
}

export class MeteredTransport implements Transport {
  readonly #inner: Transport;

  constructor(inner: Transport) {
    this.#inner = inner;
    inner.onReconnect(() => reconnects.inc());
  }

  get kind(): string {
    return this.#inner.kind;
  }

  get description(): string {
    return this.#inner.description;
  }

  call<R = unknown>(target: Target, method: string, args: unknown, timeoutMs?: number): Promise<R> {
    return this.#timed('call', target.topic, method, this.#inner.call<R>(target, method, args, timeoutMs));
  }

  cast(target: Target, method: string, args: unknown): Promise<void> {
    return this.#timed('cast', target.topic, method, this.#inner.cast(target, method, args));
  }

  fanout(topic: string, method: string, args: unknown): Promise<void> {
    return this.#timed('fanout', topic, method, this.#inner.fanout(topic, method, args));
  }

  serve(topic: string, server: string, dispatch: Dispatch): Promise<Listener> {
    return this.#inner.serve(topic, server, async (method, args, kind) => {
      try {
        const reply = await dispatch(method, args, kind);
        handled.inc({ kind, topic, method, result: 'ok' });
        return reply;
      } catch (err) {
        handled.inc({ kind, topic, method, result: 'failed' });
        throw err;
      }
    });
  }

  onReconnect(listener: () => void): () => void {
    return this.#inner.onReconnect(listener);
  }

  ready(timeoutMs: number): Promise<void> {
    return this.#inner.ready(timeoutMs);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async #timed<R>(kind: string, topic: string, method: string, sending: Promise<R>): Promise<R> {
    const started = performance.now();
    try {
      const result = await sending;
      sent.observe({ kind, topic, method, result: 'ok' }, (performance.now() - started) / 1000);
      return result;
    } catch (err) {
      sent.observe({ kind, topic, method, result: resultOf(err) }, (performance.now() - started) / 1000);
      throw err;
    }
  }
}
