// One zone change carried to a pool (Designate's ZoneAction, designate.md §2.2), in the order that makes it
// land at once: the masters (mdns) seen serving the new serial, so that neither a new target nor a NOTIFY
// sends a nameserver to fetch the old version; the backend call on every target (create/delete), retried;
// NOTIFY to every address of the pool; the nameservers polled from the first millisecond, the targets asked
// through their control channels to refresh when a nameserver lags (some put a NOTIFY off for a second);
// the outcome as Designate's statuses.
// A change does not wait for a target that keeps failing once threshold_percentage of them have succeeded:
// that target goes on retrying (and is told by NOTIFY when it succeeds) while the others are polled.
import { notifyAll } from '../../engine/notify/fanout.ts';
import { signRequest } from '../../engine/tsig/client.ts';
import type { TsigKey } from '../../engine/tsig/keys.ts';
import { askSoa, type Primary } from '../../engine/xfr/client.ts';
import { serialNewer } from '../../engine/xfr/serial.ts';
import type { Logger } from '../log.ts';
import type { WorkerZone, ZoneStatusReport } from '../messaging/bus.ts';
import { BackendError } from './backend.ts';
import { countBackendError, countZoneChange } from './metrics.ts';
import { countNotifyOutcomes } from '../metrics/notify.ts';
import type { WorkerOptions } from './options.ts';
import { pollNameservers, required, sleep, type Observation } from './poller.ts';
import type { PlannedTarget, PoolPlan } from './pool-plan.ts';

/** How long the masters may take to serve a new serial before the NOTIFY goes out anyway. */
const MASTERS_WAIT_MS = 5000;
/**
 * A nameserver still behind is NOTIFYed again after this long, then after twice that, up to MAX_RENOTIFY_MS,
 * in case it lost track of the first. Not sooner: BIND answers a NOTIFY that arrives while it finishes a
 * transfer with a refresh half a second later, and every further NOTIFY meanwhile costs it another refresh.
 */
const FIRST_RENOTIFY_MS = 1000;
const MAX_RENOTIFY_MS = 5000;
/**
 * A nameserver must answer "no zone" for this long before an update creates the zone on the targets again:
 * a secondary that is adding or reloading the zone says so for a moment.
 */
const ENSURE_AFTER_MS = 500;
/** A nameserver still behind this long after the NOTIFY gets its target nudged through the control channel. */
const NUDGE_AFTER_MS = 30;
const NOTIFY_RETRIES = 3;
const NOTIFY_TIMEOUT_MS = 1000;

export interface ActionContext {
  options: WorkerOptions;
  log: Logger;
  /** Aborted when a newer change of the same zone takes over: the action then reports nothing. */
  signal: AbortSignal;
}

/** Runs `change` on the pool of `plan`; resolves with the report for central, or null when superseded. */
export async function runZoneAction(change: WorkerZone, plan: PoolPlan, ctx: ActionContext): Promise<ZoneStatusReport | null> {
  const started = performance.now();
  const { log, options, signal } = ctx;
  // Central's announcement when it says when (a recovery does not): the propagation the API's caller waits for.
  const since = change.announcedAt ?? Date.now();
  const report = (status: ZoneStatusReport['status'], serial: number): ZoneStatusReport => {
    countZoneChange(change.action, status, (Date.now() - since) / 1000);
    return { zoneId: change.zoneId, status, serial, action: change.action };
  };
  const notifier = new Renotifier(change.name, log);

  const deleting = change.action === 'DELETE';
  // A target created before mdns serves the zone would ask for it in vain and wait for its retry timer.
  if (!deleting) await mastersServe(change, plan.masters, signal);
  if (signal.aborted) return null;
  if (change.action !== 'UPDATE') {
    // A target that succeeds after the others went ahead is told at once (NOTIFY to the pool again).
    const phase = await backendPhase(change, plan.targets, ctx, () => {
      if (change.action === 'CREATE') notifier.send(plan.notify);
    });
    if (signal.aborted) return null;
    if (!phase.enough) {
      log.error({ zone: change.name, zone_id: change.zoneId, action: change.action, serial: change.serial, failed: phase.failures },
        `zone in ERROR: too few targets took the ${change.action.toLowerCase()} (threshold ${options.thresholdPercentage}%)`);
      return report('ERROR', change.serial);
    }
  }

  if (!deleting) notifier.send(plan.notify);
  const notifiedAt = performance.now();
  let ensured = false;
  let nudged = false;
  const noZoneSince = new Map<Primary, number>();
  const outcome = await pollNameservers({
    zone: change.name, serial: change.serial, deleting, nameservers: plan.nameservers, options, signal,
    onBehind: (ns, seen) => {
      if (deleting) return;
      // A target without the zone at all on an update (its create failed, or it lost the zone): create it again.
      if (seen.kind === 'no-zone') {
        const since = noZoneSince.get(ns) ?? performance.now();
        noZoneSince.set(ns, since);
        if (change.action === 'UPDATE' && !ensured && performance.now() - since >= ENSURE_AFTER_MS) {
          ensured = true;
          void ensureOnTargets(change, plan.targets, log).then(() => notifier.send(plan.notify));
        }
      } else noZoneSince.delete(ns);
      // Which target a lagging nameserver is, the pool does not say: every target that can be asked to
      // refresh is, once per change.
      if (seen.kind === 'serial' && !nudged && performance.now() - notifiedAt >= NUDGE_AFTER_MS) {
        nudged = true;
        void nudgeTargets(change, plan.targets, log);
      }
      notifier.again(ns);
    },
  });
  if (outcome.status === 'aborted') return null;
  const ms = Math.round(performance.now() - started);
  const polled = plan.nameservers.map((ns, i) => `${ns.host}:${ns.port} ${describe(outcome.seen[i])}`);
  if (outcome.status === 'SUCCESS') {
    log.info({ zone: change.name, zone_id: change.zoneId, action: change.action, serial: change.serial, ms }, `zone ${deleting ? 'deleted from' : 'served by'} the pool`);
  } else {
    log.error({ zone: change.name, zone_id: change.zoneId, action: change.action, serial: change.serial, ms, nameservers: polled },
      `zone in ${outcome.status === 'NO_ZONE' ? 'ERROR (no zone)' : 'ERROR'}: too few nameservers ${deleting ? 'dropped the zone' : 'serve the serial'} (threshold ${options.thresholdPercentage}%)`);
  }
  return report(outcome.status, outcome.status === 'SUCCESS' ? outcome.serial : change.serial);
}

function describe(o: Observation): string {
  if (o.kind === 'serial') return `serial ${o.serial}`;
  if (o.kind === 'no-zone') return `no zone (${o.rcode})`;
  return o.kind === 'failed' ? `answered ${o.rcode}` : 'no answer';
}

interface BackendPhase {
  enough: boolean;
  failures: string[];
}

/**
 * The backend call on every target, each retried `poll_max_retries` times `poll_retry_interval` apart.
 * Resolves once enough targets succeeded for the threshold (the rest go on in the background, calling
 * `onLate` when they succeed), or once so many failed that the threshold cannot be met.
 */
function backendPhase(change: WorkerZone, targets: PlannedTarget[], ctx: ActionContext, onLate: () => void): Promise<BackendPhase> {
  const need = required(targets.length, ctx.options.thresholdPercentage);
  const failures: string[] = [];
  let succeeded = 0;
  let settled = false;
  return new Promise((resolve) => {
    const decide = () => {
      if (settled) return;
      if (succeeded >= need) settled = true;
      else if (targets.length - failures.length < need) settled = true;
      if (settled) resolve({ enough: succeeded >= need, failures });
    };
    decide();
    for (const t of targets) {
      void callWithRetries(change, t, ctx).then((err) => {
        if (err === null) {
          succeeded++;
          if (settled && !ctx.signal.aborted) onLate();
        } else {
          failures.push(`${t.label}: ${err.message}`);
          if (settled && !ctx.signal.aborted) ctx.log.error({ zone: change.name, target: t.label, err: err.message }, `target did not take the ${change.action.toLowerCase()}`);
        }
        decide();
      });
    }
  });
}

/** null on success, else the last error; gives up early (with an error) when the action is superseded. */
async function callWithRetries(change: WorkerZone, t: PlannedTarget, ctx: ActionContext): Promise<Error | null> {
  let last: Error = new BackendError('not tried');
  for (let attempt = 0; attempt <= ctx.options.pollMaxRetries; attempt++) {
    if (attempt > 0 && !(await sleep(ctx.options.pollRetryInterval * 1000, ctx.signal))) return last;
    if (t.backend instanceof BackendError) return t.backend;
    try {
      await (change.action === 'DELETE' ? t.backend.deleteZone(change.name) : t.backend.createZone(change.name));
      return null;
    } catch (err) {
      last = err as Error;
      countBackendError(t.type, change.action === 'DELETE' ? 'delete' : 'create');
      ctx.log.warn({ zone: change.name, target: t.label, attempt: attempt + 1, err: last.message }, `target ${change.action.toLowerCase()} failed; retrying`);
    }
  }
  return last;
}

/** Asks every target whose backend can to refresh the zone now; failures are logged, the polls decide. */
async function nudgeTargets(change: WorkerZone, targets: PlannedTarget[], log: Logger): Promise<void> {
  await Promise.all(targets.map(async (t) => {
    if (t.backend instanceof BackendError || !t.backend.refreshZone) return;
    await t.backend.refreshZone(change.name).catch((err: Error) => {
      countBackendError(t.type, 'refresh');
      log.warn({ zone: change.name, target: t.label, err: err.message }, 'target refresh failed');
    });
  }));
}

/** Creates the zone on every target again (idempotent); failures are logged, the polls decide the outcome. */
async function ensureOnTargets(change: WorkerZone, targets: PlannedTarget[], log: Logger): Promise<void> {
  await Promise.all(targets.map(async (t) => {
    if (t.backend instanceof BackendError) return;
    await t.backend.createZone(change.name).then(
      () => log.warn({ zone: change.name, target: t.label }, 'a nameserver lacked the zone on an update: created it on the target again'),
      (err: Error) => {
        countBackendError(t.type, 'create');
        log.error({ zone: change.name, target: t.label, err: err.message }, 'could not create the zone on the target again');
      },
    );
  }));
}

/**
 * Waits until every master answers with `change.serial` or newer, or fails to answer (a dead mdns must not
 * hold the change), or MASTERS_WAIT_MS passes: mdns compiles a change in milliseconds after central commits.
 */
async function mastersServe(change: WorkerZone, masters: Primary[], signal: AbortSignal): Promise<void> {
  const deadline = performance.now() + MASTERS_WAIT_MS;
  await Promise.all(masters.map(async (m) => {
    for (let step = 1; performance.now() < deadline; step = Math.min(step * 2, 100)) {
      const answer = await askSoa(m, change.name, 500).catch(() => null);
      if (answer === null || (answer.serial !== null && !serialNewer(change.serial, answer.serial))) return;
      if (!(await sleep(step, signal))) return;
    }
  }));
}

/** NOTIFY for one zone: grouped by key (one fan-out per key), and repeated to a lagging nameserver with backoff. */
class Renotifier {
  readonly #zone: string;
  readonly #log: Logger;
  /** Per address: when it was last told, and how long to wait before telling it again. */
  readonly #told = new Map<string, { at: number; wait: number }>();

  constructor(zone: string, log: Logger) {
    this.#zone = zone;
    this.#log = log;
  }

  send(addresses: Primary[]): void {
    const now = performance.now();
    const groups = new Map<TsigKey | null, Primary[]>();
    for (const a of addresses) {
      const key = `${a.host}#${a.port}`;
      const wait = this.#told.get(key)?.wait;
      this.#told.set(key, { at: now, wait: wait === undefined ? FIRST_RENOTIFY_MS : Math.min(wait * 2, MAX_RENOTIFY_MS) });
      groups.set(a.key, [...(groups.get(a.key) ?? []), a]);
    }
    for (const [key, group] of groups) {
      const sign = key === null ? undefined : (buf: Uint8Array, len: number, capacity: number) =>
        signRequest(buf, len, capacity, key, Math.floor(Date.now() / 1000)).len;
      void notifyAll({ zone: this.#zone, targets: group, retries: NOTIFY_RETRIES, initialTimeoutMs: NOTIFY_TIMEOUT_MS, sign }).then((outcomes) => {
        countNotifyOutcomes('worker', outcomes);
        for (const o of outcomes) {
          if (o.status !== 'acknowledged') this.#log.warn({ zone: this.#zone, to: `${o.host}:${o.port}`, status: o.status, rcode: o.rcode, tsigError: o.tsigError, reason: o.reason }, 'NOTIFY not acknowledged');
        }
      }, (err: Error) => this.#log.error({ zone: this.#zone, err: err.message }, 'NOTIFY failed'));
    }
  }

  /** NOTIFY `ns` again once its backoff since the last NOTIFY has passed. */
  again(ns: Primary): void {
    const told = this.#told.get(`${ns.host}#${ns.port}`);
    if (told !== undefined && performance.now() - told.at < told.wait) return;
    this.send([ns]);
  }
}
