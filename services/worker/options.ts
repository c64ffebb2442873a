// `[service:worker]` options, with Designate's names and defaults (designate.md §2.4), as the worker reads
// them. Designate waits `poll_delay` seconds before its first poll; zonecast polls at once after the NOTIFY
// and backs off, so `poll_delay` is the time spent in quick polls before the `poll_retry_interval` rounds.
import type { Config } from '../config/options.ts';

export interface WorkerOptions {
  /** Share of a pool's targets (backend calls) and nameservers (serial polls) that must succeed, 0–100. */
  thresholdPercentage: number;
  /** Seconds one SOA poll may take (Designate hard-codes 10 and uses poll_timeout only in max_prop_time). */
  pollTimeout: number;
  /** Seconds between retry rounds of backend calls and of polls. */
  pollRetryInterval: number;
  /** Retry rounds after the first, for backend calls and for polls. */
  pollMaxRetries: number;
  /** Seconds of quick polls (backing off from a few milliseconds) before the retry rounds start. */
  pollDelay: number;
  /** Zone actions one worker runs at once (Designate: threads). */
  threads: number;
}

export const WORKER_DEFAULTS: WorkerOptions = {
  thresholdPercentage: 100,
  pollTimeout: 30,
  pollRetryInterval: 15,
  pollMaxRetries: 10,
  pollDelay: 5,
  threads: 200,
};

export function workerOptions(config: Config): WorkerOptions {
  const worker = (name: string) => config.get<number>('service:worker', name);
  return {
    thresholdPercentage: worker('threshold_percentage'),
    pollTimeout: worker('poll_timeout'),
    pollRetryInterval: worker('poll_retry_interval'),
    pollMaxRetries: worker('poll_max_retries'),
    pollDelay: worker('poll_delay'),
    threads: worker('threads'),
  };
}

/**
 * Designate's max_prop_time: how long a change may take to reach the pool before recovery treats the zone
 * as stuck (30·10 + 10·15 + 5 = 455 s with the defaults).
 */
export function maxPropagationSeconds(o: WorkerOptions): number {
  return o.pollTimeout * o.pollMaxRetries + o.pollMaxRetries * o.pollRetryInterval + o.pollDelay;
}
