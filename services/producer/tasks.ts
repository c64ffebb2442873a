// The producer's periodic tasks (designate.md §3.1), each working the shards this producer holds:
// increment_serial, delayed_notify, zone_purge, worker_periodic_recovery, periodic_exists and
// periodic_secondary_refresh, with Designate's names and options.
import type { Caller } from '../central/context.ts';
import type { CentralApi } from '../central/rpcapi.ts';
import type { Config } from '../config/options.ts';
import type { Logger } from '../log.ts';
import type { Bus } from '../messaging/bus.ts';
import type { Notifier } from '../messaging/notifications.ts';
import { zonePayload } from '../central/event-payloads.ts';
import type { Storage } from '../storage/storage.ts';
import type { ShardRange } from '../coordination/coordination.ts';

export interface TaskContext {
  storage: Storage;
  /** Central in this process, or over the bus: what central decides (serials) is asked of it. */
  central: CentralApi;
  bus: Bus;
  log: Logger;
  config: Config;
  /** Notifications out; periodic_exists has nothing to do without. */
  notifier?: Notifier;
}

export interface ProducerTask {
  /** Designate's plugin name: `[producer_task:<name>]` holds its options. */
  name: string;
  /** What a run did, for its log line. */
  run(ctx: TaskContext, shards: ShardRange): Promise<Record<string, number>>;
}

const option = <T extends number>(ctx: TaskContext, task: string, name: string) => ctx.config.get<T>(`producer_task:${task}`, name);

/** Designate's producer acts with an elevated context. */
const PRODUCER_CALLER: Caller = { projectId: null, isAdmin: true, allProjects: true, editManagedRecords: false, hardDelete: false, deleteShares: false };

/** Zones whose changes wait for a batched serial get one now (`[producer_task:increment_serial] interval`). */
const incrementSerial: ProducerTask = {
  name: 'increment_serial',
  async run(ctx, shards) {
    return { zones: await ctx.central.zoneBatches.incrementSerials(PRODUCER_CALLER, shards) };
  },
};

/**
 * Zones flagged delayed_notify (their pool's ns_records changed) are announced, `batch_size` per run: mdns
 * serves and NOTIFYs them, the worker carries them to the pool's targets.
 */
const delayedNotify: ProducerTask = {
  name: 'delayed_notify',
  async run(ctx, shards) {
    return { zones: await ctx.central.zoneBatches.notifyDelayed(PRODUCER_CALLER, shards, option(ctx, 'delayed_notify', 'batch_size')) };
  },
};

/** Hard-deletes zones soft-deleted longer than `time_threshold` seconds ago, `batch_size` per run. */
const zonePurge: ProducerTask = {
  name: 'zone_purge',
  async run(ctx, shards) {
    const threshold = option(ctx, 'zone_purge', 'time_threshold');
    const batch = option(ctx, 'zone_purge', 'batch_size');
    const deletedBefore = new Date(Date.now() - threshold * 1000);
    const page = await ctx.storage.transaction((tx) => tx.findZones({ deletedBefore, shards }, { limit: batch }));
    for (const zone of page.items) await ctx.storage.transaction((tx) => tx.purgeZone(zone.id));
    if (page.items.length > 0) ctx.log.info({ zones: page.items.map((z) => z.name) }, 'zone_purge: purged zones deleted long ago');
    return { purged: page.items.length };
  },
};

/**
 * Casts the worker's recover_shard for this producer's shards (the worker finds and carries the zones). Only
 * while some pool has targets: otherwise no worker need run, and the casts would pile up in its queue.
 */
const workerPeriodicRecovery: ProducerTask = {
  name: 'worker_periodic_recovery',
  async run(ctx, shards) {
    const pools = await ctx.storage.transaction((tx) => tx.findPools());
    if (!pools.some((p) => p.targets.length > 0)) return { cast: 0 };
    await ctx.bus.publish('recover_shard', shards);
    return { cast: 1 };
  },
};

/**
 * Designate's PeriodicExistsTask: `dns.zone.exists` and `dns.domain.exists` for every live zone of the
 * shards, with the audit period (the last interval), for billing.
 */
const periodicExists: ProducerTask = {
  name: 'periodic_exists',
  async run(ctx, shards) {
    const notifier = ctx.notifier;
    if (notifier === undefined) return { zones: 0 };
    const interval = option(ctx, 'periodic_exists', 'interval');
    const perPage = option(ctx, 'periodic_exists', 'per_page');
    const end = new Date();
    const audit = { audit_period_beginning: new Date(end.getTime() - interval * 1000).toISOString(), audit_period_ending: end.toISOString() };
    let zones = 0;
    for (let marker: string | undefined; ;) {
      const page = await ctx.storage.transaction((tx) => tx.findZones({ shards }, { limit: perPage, marker }));
      for (const zone of page.items) {
        const payload = { ...zonePayload(zone), ...audit };
        notifier.info('dns.domain.exists', payload);
        notifier.info('dns.zone.exists', payload);
        zones++;
      }
      if (page.next === undefined) return { zones };
      marker = page.next;
    }
  },
};

/**
 * Designate's PeriodicSecondaryRefreshTask: SECONDARY zones not transferred for longer than their SOA refresh
 * are asked to transfer now (central's xfr: mdns checks the masters and transfers what is newer). mdns also
 * keeps each secondary's SOA timers itself; this catches a zone whose timers an mdns lost with a restart.
 */
const periodicSecondaryRefresh: ProducerTask = {
  name: 'periodic_secondary_refresh',
  async run(ctx, shards) {
    const perPage = option(ctx, 'periodic_secondary_refresh', 'per_page');
    const now = Date.now();
    let asked = 0;
    for (let marker: string | undefined; ;) {
      const page = await ctx.storage.transaction((tx) => tx.findZones({ type: 'SECONDARY', shards }, { limit: perPage, marker }));
      for (const zone of page.items) {
        const last = (zone.transferredAt ?? zone.createdAt).getTime();
        if (now - last < zone.refresh * 1000) continue;
        await ctx.central.zones.xfr(PRODUCER_CALLER, zone.id);
        asked++;
      }
      if (page.next === undefined) return { refreshed: asked };
      marker = page.next;
    }
  },
};

export const PRODUCER_TASKS: readonly ProducerTask[] = [incrementSerial, delayedNotify, zonePurge, workerPeriodicRecovery, periodicExists, periodicSecondaryRefresh];

/** Default options of each task, with Designate's values. */
export const TASK_DEFAULTS = {
  delayed_notify: { interval: 5, batch_size: 100 },
  zone_purge: { interval: 3600, time_threshold: 604800, batch_size: 100 },
  worker_periodic_recovery: { interval: 120 },
  periodic_exists: { interval: 3600, per_page: 100 },
  periodic_secondary_refresh: { interval: 3600, per_page: 100 },
} as const;
