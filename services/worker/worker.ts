// The worker service (Designate's designate-worker): takes create_zone/update_zone/delete_zone casts from
// central, carries each change to the zone's pool (zone-action.ts) and casts the outcome back to central
// (update_status); and the producer's recover_shard casts, which carry again the zones of some shards that are
// stuck. Any number of instances: each cast goes to one of them, and is acknowledged only when its action
// has ended, so a worker killed mid-action leaves its changes to another.
// Within one instance a zone has one action at a time: a newer change takes over from an older one still
// polling (the newer serial covers it), and an older or repeated change is dropped.
import { serialNewer } from '../../engine/xfr/serial.ts';
import type { Logger } from '../log.ts';
import type { Bus, RecoverShard, WorkerZone } from '../messaging/bus.ts';
import { NotFoundError, type Storage } from '../storage/storage.ts';
import { maxPropagationSeconds, type WorkerOptions } from './options.ts';
import { readPoolPlan } from './pool-plan.ts';
import { runZoneAction } from './zone-action.ts';

interface Slot {
  change: WorkerZone;
  controller: AbortController;
  /** true: carried to the end; false: taken over by a newer change, or stopped by close(). */
  done: Promise<boolean>;
}

/** What handle() returns for an action close() stopped: never settled, so its cast is not acknowledged. */
const UNACKNOWLEDGED = new Promise<void>(() => {});

export interface WorkerDeps {
  storage: Storage;
  bus: Bus;
  options: WorkerOptions;
  log: Logger;
}

/** Whether `next` replaces `current` for the same zone: a delete replaces anything else, else a newer serial. */
function supersedes(next: WorkerZone, current: WorkerZone): boolean {
  if (current.action === 'DELETE') return false;
  return next.action === 'DELETE' || serialNewer(next.serial, current.serial);
}

export class Worker {
  readonly #deps: WorkerDeps;
  readonly #slots = new Map<string, Slot>();
  readonly #queue: (() => void)[] = [];
  #running = 0;
  #unsubscribe: (() => void) | null = null;
  #recovering = new Set<Promise<void>>();
  #closing = false;

  constructor(deps: WorkerDeps) {
    this.#deps = deps;
  }

  start(): void {
    const { bus } = this.#deps;
    const unsubscribes = (['create_zone', 'update_zone', 'delete_zone'] as const).map((method) => bus.subscribe(method, (change) => this.handle(change)));
    // Acknowledged once the stuck zones are found: carrying them is each zone's own business from there.
    unsubscribes.push(bus.subscribe('recover_shard', (range) => this.recover(range)));
    this.#unsubscribe = () => unsubscribes.forEach((u) => u());
  }

  /**
   * Resolves when the change has been carried (or handed over to a newer one); rejects when storage fails.
   * An action stopped by close() never resolves: its cast stays unacknowledged and goes to another worker.
   */
  async handle(change: WorkerZone): Promise<void> {
    const current = this.#slots.get(change.zoneId);
    if (current) {
      if (!supersedes(change, current.change)) {
        // The same change again (recovery, a redelivery) waits for the running one; an older one is moot.
        const same = current.change.serial === change.serial && current.change.action === change.action;
        return same ? this.#outcome(current) : undefined;
      }
      current.controller.abort();
    }
    const controller = new AbortController();
    const slot: Slot = { change, controller, done: Promise.resolve(false) };
    this.#slots.set(change.zoneId, slot);
    slot.done = (async () => {
      await current?.done.catch(() => {});
      if (controller.signal.aborted) return false;
      return this.#limited(() => this.#carry(change, controller.signal));
    })().finally(() => {
      if (this.#slots.get(change.zoneId) === slot) this.#slots.delete(change.zoneId);
    });
    return this.#outcome(slot);
  }

  async #outcome(slot: Slot): Promise<void> {
    const finished = await slot.done;
    if (!finished && this.#closing) return UNACKNOWLEDGED;
  }

  async #carry(change: WorkerZone, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false;
    const { storage, bus, options, log } = this.#deps;
    let plan;
    try {
      plan = await readPoolPlan(storage, change.poolId);
    } catch (err) {
      if (err instanceof NotFoundError) {
        log.error({ zone: change.name, pool_id: change.poolId }, 'zone change for a pool that does not exist: dropped');
        return true;
      }
      throw err;
    }
    if (plan.targets.length === 0) return true; // the pool lost its targets meanwhile: mdns serving makes it ACTIVE
    const report = await runZoneAction(change, plan, { options, log, signal });
    if (report === null) return false;
    await bus.publish('update_status', report);
    return true;
  }

  /** At most `threads` actions at once; the rest wait in arrival order. */
  async #limited<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#deps.options.threads) await new Promise<void>((resolve) => this.#queue.push(resolve));
    this.#running++;
    try {
      return await fn();
    } finally {
      this.#running--;
      this.#queue.shift()?.();
    }
  }

  /**
   * Designate's RecoverShard: zones of pools with targets in shards [first, last] that are in ERROR, or
   * PENDING for longer than a change may take (max_prop_time), are carried again according to their action.
   */
  async recover(range: RecoverShard): Promise<void> {
    const run = this.#recoverShard(range);
    this.#recovering.add(run);
    try {
      await run;
    } finally {
      this.#recovering.delete(run);
    }
  }

  async #recoverShard(shards: RecoverShard): Promise<void> {
    const { storage, log, options } = this.#deps;
    const stuckBefore = Date.now() - maxPropagationSeconds(options) * 1000;
    const pools = (await storage.transaction((tx) => tx.findPools())).filter((p) => p.targets.length > 0);
    let count = 0;
    for (const pool of pools) {
      for (const status of ['ERROR', 'PENDING'] as const) {
        for (let marker: string | undefined; ;) {
          const page = await storage.transaction((tx) => tx.findZones({ poolId: pool.id, status, shards }, { limit: 100, marker }));
          for (const zone of page.items) {
            // A batched serial or a delayed NOTIFY is still to come from the producer, which casts it then.
            if (zone.action === 'NONE' || zone.incrementSerial || zone.delayedNotify) continue;
            if (status === 'PENDING' && (zone.updatedAt ?? zone.createdAt).getTime() > stuckBefore) continue;
            count++;
            void this.handle({ zoneId: zone.id, name: zone.name, poolId: pool.id, serial: zone.serial, action: zone.action }).catch((err: Error) =>
              log.error({ zone: zone.name, err: err.message }, 'recovery of the zone failed'));
          }
          if (page.next === undefined) break;
          marker = page.next;
        }
      }
    }
    if (count > 0) log.info({ zones: count, shards: `${shards.first}-${shards.last}` }, 'recovery: zones in ERROR or stuck PENDING carried again');
  }

  /** Stops taking changes and ends running actions without reports: their casts go to another worker. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    for (const slot of this.#slots.values()) slot.controller.abort();
    await Promise.all([...this.#slots.values()].map((s) => s.done.catch(() => {})));
    await Promise.allSettled(this.#recovering);
  }
}
