// Serial polling of a pool's nameservers (Designate's ZonePoller), event-driven: each nameserver is asked for
// the zone's SOA at once and then after 2, 3, 4.5 … ms (at most 100 ms apart), so a secondary that transfers
// in milliseconds is seen in milliseconds; after `poll_delay` seconds of that, every `poll_retry_interval` for `poll_max_retries`
// rounds. The outcome is decided as soon as it is known: SUCCESS the moment threshold_percentage of the
// nameservers serve the serial (RFC 1982: at or past it), ERROR or NO_ZONE the moment too many have given up.
import { Rcode, rcodeToText } from '../../engine/codec/constants.ts';
import { askSoa, type Primary } from '../../engine/xfr/client.ts';
import { serialNewer } from '../../engine/xfr/serial.ts';
import type { WorkerOptions } from './options.ts';

/**
 * What one nameserver last showed: the serial; no zone (REFUSED, NXDOMAIN, NOTAUTH, no SOA); another error
 * (SERVFAIL: NSD answers it for a moment while it reloads); or no answer.
 */
export type Observation =
  | { kind: 'serial'; serial: number }
  | { kind: 'no-zone'; rcode: string }
  | { kind: 'failed'; rcode: string }
  | { kind: 'timeout' };

const NO_ZONE_RCODES = new Set<number>([Rcode.NOERROR, Rcode.NXDOMAIN, Rcode.REFUSED, Rcode.NOTAUTH]);

export interface PollRequest {
  zone: string;
  /** The serial to reach; for a delete, the nameservers must stop serving the zone. */
  serial: number;
  deleting: boolean;
  nameservers: Primary[];
  options: Pick<WorkerOptions, 'thresholdPercentage' | 'pollTimeout' | 'pollRetryInterval' | 'pollMaxRetries' | 'pollDelay'>;
  /** Ends the polls early (a newer change for the zone took over): the outcome is then 'aborted'. */
  signal?: AbortSignal;
  /** A nameserver still lacks the serial after a poll: the caller may NOTIFY it again. */
  onBehind?: (ns: Primary, seen: Observation) => void;
}

export interface PollOutcome {
  status: 'SUCCESS' | 'ERROR' | 'NO_ZONE' | 'aborted';
  /** SUCCESS: the lowest serial at or past the target that the counted nameservers serve (0 for a delete). */
  serial: number;
  /** Each nameserver's last observation, in request order. */
  seen: Observation[];
  ms: number;
}

const FIRST_STEP_MS = 2;
/** The longest wait between quick polls: a nameserver that serves the serial is seen within this. */
const MAX_QUICK_STEP_MS = 100;
/** Designate's worker waits 10 s for any one DNS answer. */
const MAX_QUERY_SECONDS = 10;
/**
 * During the quick polls an answer is waited for four round trips of that nameserver (plus 20 ms), between
 * 50 and 500 ms: a query lost on the way, or one that a nameserver busy reloading never answers (NSD for a
 * second or more after back-to-back transfers), must not hold the next poll long.
 */
const QUICK_QUERY_MIN_MS = 50;
const QUICK_QUERY_MAX_MS = 500;

/** How many of `n` nameservers must succeed for `percentage`. */
export function required(n: number, percentage: number): number {
  return Math.min(n, Math.max(0, Math.ceil((n * percentage) / 100 - 1e-9)));
}

function observe(answer: { rcode: number; serial: number | null }): Observation {
  if (answer.rcode === Rcode.NOERROR && answer.serial !== null) return { kind: 'serial', serial: answer.serial };
  const rcode = answer.rcode === Rcode.NOERROR ? 'NODATA' : rcodeToText(answer.rcode);
  return NO_ZONE_RCODES.has(answer.rcode) ? { kind: 'no-zone', rcode } : { kind: 'failed', rcode };
}

export function pollNameservers(request: PollRequest): Promise<PollOutcome> {
  const { nameservers, options, deleting, serial: target } = request;
  const started = performance.now();
  const seen: Observation[] = nameservers.map(() => ({ kind: 'timeout' }));
  const need = required(nameservers.length, options.thresholdPercentage);
  const reached = (o: Observation) =>
    deleting ? o.kind === 'no-zone' : o.kind === 'serial' && !serialNewer(target, o.serial);
  const stop = new AbortController();
  const abort = () => stop.abort();
  request.signal?.addEventListener('abort', abort, { once: true });

  return new Promise<PollOutcome>((resolve) => {
    let succeeded = 0;
    let gaveUp = 0;
    let done = false;
    const finish = (status: PollOutcome['status']) => {
      if (done) return;
      done = true;
      stop.abort();
      request.signal?.removeEventListener('abort', abort);
      const serials = seen.filter(reached).map((o) => (o.kind === 'serial' ? o.serial : 0));
      const consensus = status === 'SUCCESS' && !deleting ? serials.reduce((lo, s) => (serialNewer(lo, s) ? s : lo), serials[0] ?? target) : deleting ? 0 : target;
      resolve({ status, serial: consensus, seen, ms: performance.now() - started });
    };
    if (need === 0 || nameservers.length === 0) return finish('SUCCESS');
    stop.signal.addEventListener('abort', () => finish('aborted'), { once: true });

    const settle = (ok: boolean) => {
      if (ok) succeeded++;
      else gaveUp++;
      if (succeeded >= need) return finish('SUCCESS');
      if (nameservers.length - gaveUp < need) {
        // Designate: too many nameservers without the zone at all means NO_ZONE, else ERROR.
        const noZone = seen.filter((o) => o.kind === 'no-zone').length;
        finish(!deleting && noZone > nameservers.length - need ? 'NO_ZONE' : 'ERROR');
      }
    };

    nameservers.forEach((ns, i) => {
      void pollOne(ns, request, stop.signal, (o) => {
        seen[i] = o;
        const ok = reached(o);
        if (!ok) request.onBehind?.(ns, o);
        return ok;
      }).then((ok) => {
        if (!done && ok !== null) settle(ok);
      });
    });
  });
}

/** Polls one nameserver on the schedule; true once it reached the goal, false when out of retries, null if stopped. */
async function pollOne(ns: Primary, request: PollRequest, signal: AbortSignal, saw: (o: Observation) => boolean): Promise<boolean | null> {
  const { options } = request;
  const timeoutMs = Math.min(options.pollTimeout, MAX_QUERY_SECONDS) * 1000;
  const quickUntil = performance.now() + options.pollDelay * 1000;
  let step = FIRST_STEP_MS;
  let rounds = 0;
  let quickTimeoutMs = QUICK_QUERY_MAX_MS;
  for (;;) {
    if (signal.aborted) return null;
    const quick = performance.now() < quickUntil;
    const asked = performance.now();
    const observed = await askSoa(ns, request.zone, quick ? Math.min(quickTimeoutMs, timeoutMs) : timeoutMs)
      .then(observe, (): Observation => ({ kind: 'timeout' }));
    if (observed.kind !== 'timeout') {
      const rtt = performance.now() - asked;
      quickTimeoutMs = Math.min(QUICK_QUERY_MAX_MS, Math.max(QUICK_QUERY_MIN_MS, 4 * rtt + 20));
    }
    if (signal.aborted) return null;
    if (saw(observed)) return true;
    let wait: number;
    if (performance.now() + step < quickUntil) {
      wait = step;
      step = Math.min(step * 1.5, MAX_QUICK_STEP_MS);
    } else {
      if (rounds++ >= options.pollMaxRetries) return false;
      wait = options.pollRetryInterval * 1000;
    }
    if (!(await sleep(wait, signal))) return null;
  }
}

/** Resolves true after `ms`, false at once when `signal` aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
