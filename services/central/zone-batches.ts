// What the producer's increment_serial and delayed_notify tasks ask of central (Designate's
// increment_zone_serial and the delayed NOTIFY): zones marked by earlier changes, a shard range at a time,
// each locked and checked again so that producers working the same shards at once do no harm.
//
// increment_serial gives every change batched on a zone one serial and announces it, unless the zone is
// flagged delayed_notify (a pool's ns_records changed: pool-update.ts). delayed_notify then announces such
// zones, `batch_size` per run and only once no batched serial is pending, so that rewriting every zone of a
// pool does not NOTIFY every secondary (and start every transfer) at the same moment.
import { NotFoundError, type Tx, type Zone } from '../storage/storage.ts';
import { requireAdmin, type Caller, type CentralDeps } from './context.ts';
import { bumpSerial } from './soa.ts';
import type { Zones } from './zones.ts';

interface Shards {
  first: number;
  last: number;
}

/** The zone, locked for the rest of the transaction; null when it is gone. */
async function locked(tx: Tx, id: string): Promise<Zone | null> {
  return tx.getZone(id, { forUpdate: true }).catch((err: unknown) => {
    if (err instanceof NotFoundError) return null;
    throw err;
  });
}

export class ZoneBatches {
  readonly #deps: CentralDeps;
  readonly #zones: Zones;

  constructor(deps: CentralDeps, zones: Zones) {
    this.#deps = deps;
    this.#zones = zones;
  }

  /**
   * Every zone of `shards` marked by changes gets one new serial and is announced (a delayed_notify zone is
   * left to notifyDelayed). Returns how many zones got a serial.
   */
  async incrementSerials(caller: Caller, shards?: Shards): Promise<number> {
    requireAdmin(caller);
    const { storage, options } = this.#deps;
    let moved = 0;
    for (let marker: string | undefined; ;) {
      const page = await storage.transaction((tx) => tx.findZones({ incrementSerial: true, shards }, { limit: 100, marker }));
      for (const candidate of page.items) {
        const zone = await storage.transaction(async (tx) => {
          const zone = await locked(tx, candidate.id);
          if (!zone?.incrementSerial) return null;
          return bumpSerial(tx, zone, { incrementSerial: false }, this.#now(), options.managedResourceEmail);
        });
        if (zone === null) continue;
        moved++;
        if (!zone.delayedNotify) await this.#zones.announce(zone, 'UPDATE');
      }
      if (page.next === undefined) return moved;
      marker = page.next;
    }
  }

  /**
   * Announces (to mdns, and to the worker for a pool with targets) up to `limit` zones of `shards` flagged
   * delayed_notify whose serial is final, then clears the flag; the flag goes only after the announcement,
   * so a producer dying in between leaves it for the next run (announcing twice is harmless). Returns how many zones were announced.
   */
  async notifyDelayed(caller: Caller, shards?: Shards, limit = 100): Promise<number> {
    requireAdmin(caller);
    const { storage } = this.#deps;
    const page = await storage.transaction((tx) => tx.findZones({ delayedNotify: true, incrementSerial: false, shards }, { limit }));
    let announced = 0;
    for (const candidate of page.items) {
      const zone = await storage.transaction(async (tx) => {
        const zone = await locked(tx, candidate.id);
        if (zone === null || !zone.delayedNotify || zone.incrementSerial) return null;
        if (zone.action === 'DELETE') {
          // Being deleted: nothing to NOTIFY about, and Designate would skip it on every run.
          await tx.updateZone(zone.id, { delayedNotify: false });
          return null;
        }
        // Served and reported meanwhile: PENDING again, so that the announcement's report makes it ACTIVE.
        return zone.action === 'NONE' ? tx.updateZone(zone.id, { status: 'PENDING', action: 'UPDATE' }) : zone;
      });
      if (zone === null) continue;
      await this.#zones.announce(zone, zone.action === 'CREATE' ? 'CREATE' : 'UPDATE');
      await storage.transaction(async (tx) => {
        // A serial given meanwhile (pool-update again) keeps the flag: the next run announces it.
        const now = await locked(tx, zone.id);
        if (now?.delayedNotify && now.serial === zone.serial) await tx.updateZone(zone.id, { delayedNotify: false });
      });
      announced++;
    }
    return announced;
  }

  #now(): number {
    return this.#deps.now?.() ?? Date.now() / 1000;
  }
}
