// The Piscina pool for NOTIFY fan-outs, one task per zone change. A fan-out mostly waits on the network, and
// one whose secondary never answers runs through its whole retry schedule (a minute or more at §3.6's
// defaults), so one thread runs many tasks at once rather than queueing zones behind a silent secondary.
import { Piscina } from 'piscina';
import type { NotifyOutcome, NotifyRequest } from './fanout.ts';

/** A request as it crosses to the pool thread: plain data, so a TSIG key as `[ALG:]NAME:SECRET` text. */
export interface PoolNotifyRequest extends Omit<NotifyRequest, 'sign'> {
  tsig?: string;
}

export interface NotifyPoolOptions {
  threads?: number;
  /** Fan-outs running at once per thread. */
  concurrency?: number;
}

export class NotifyPool {
  private readonly pool: Piscina;
  private closing = false;

  constructor({ threads = 1, concurrency = 32 }: NotifyPoolOptions = {}) {
    this.pool = new Piscina({
      filename: new URL('./notify-worker.ts', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      // With atomics 'sync' a thread blocks between tasks, but not while another of its tasks is running:
      // concurrent fan-outs keep their sockets and timers alive until the last one returns.
      concurrentTasksPerWorker: concurrency,
      // Idle threads linger so a burst of zone changes does not pay thread start-up each time.
      idleTimeout: 60_000,
    });
    // A worker's answer to a task that destroy() already settled arrives as an 'error' event; only then is it
    // expected. Any other is a bug, and stays fatal.
    this.pool.on('error', (err: Error) => {
      if (!this.closing) throw err;
    });
  }

  notify(request: PoolNotifyRequest): Promise<NotifyOutcome[]> {
    return this.pool.run(request);
  }

  close(): Promise<void> {
    this.closing = true;
    return this.pool.destroy();
  }
}

/** The fields of the one log line per zone change. */
export interface NotifySummary {
  zone: string;
  serial: number | null;
  targets: number;
  acknowledged: number;
  timedOut: number;
  errors: number;
  /** Stopped because a newer serial was being announced. */
  superseded: number;
  /** From the start of the fan-out to its last outcome. */
  ms: number;
}

export function notifySummary(request: Pick<NotifyRequest, 'zone' | 'soa'>, outcomes: NotifyOutcome[]): NotifySummary {
  const summary: NotifySummary = {
    zone: request.zone, serial: request.soa?.serial ?? null, targets: outcomes.length, acknowledged: 0, timedOut: 0, errors: 0, superseded: 0, ms: 0,
  };
  for (const outcome of outcomes) {
    if (outcome.status === 'acknowledged') summary.acknowledged++;
    else if (outcome.status === 'timeout') summary.timedOut++;
    else if (outcome.status === 'superseded') summary.superseded++;
    else summary.errors++;
    summary.ms = Math.max(summary.ms, outcome.ms);
  }
  return summary;
}
