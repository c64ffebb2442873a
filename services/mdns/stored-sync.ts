// Messages make mdns fast; storage makes it certain. Every `[service:mdns] sync_interval` seconds, and at
// once after the broker connection comes back, mdns compares every stored zone with what it serves: a zone
// it does not hold, or whose stored serial is newer, is loaded; one it holds that storage no longer has is
// dropped; one that serves the stored serial while storage still says PENDING is reported served again.
// So a change whose announcement was lost (central killed between commit and publish, the broker down, this
// instance disconnected) serves within one interval, and a lost served report is sent again.
import type { Logger } from '../log.ts';
import type { Storage, Zone } from '../storage/storage.ts';
import { allStoredZones } from './zone-listing.ts';

export const STORED_SYNC_DEFAULT = 5;

/** One kind of stored zone this mdns follows (primaries, secondaries). */
export interface StoredZoneFollower {
  /** Brings a stored zone up to date if it is behind; returns whether it had to act. */
  catchUp(zone: Zone): boolean;
  /** The ids of the zones it holds. */
  heldIds(): Iterable<string>;
  /** Storage no longer has the zone. */
  drop(zoneId: string): void;
}

export interface SyncSummary {
  zones: number;
  caughtUp: number;
  dropped: number;
}

export class StoredSync {
  readonly #storage: Storage;
  readonly #followers: Map<Zone['type'], StoredZoneFollower>;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<SyncSummary> | null = null;
  #again = false;

  constructor(storage: Storage, followers: Map<Zone['type'], StoredZoneFollower>, log: Logger) {
    this.#storage = storage;
    this.#followers = followers;
    this.#log = log;
  }

  /** Syncs every `intervalSeconds` (0: only when asked). */
  start(intervalSeconds: number): void {
    if (intervalSeconds > 0) {
      this.#timer = setInterval(() => void this.sync('interval'), intervalSeconds * 1000);
      this.#timer.unref();
    }
  }

  close(): Promise<unknown> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    return this.#running ?? Promise.resolve();
  }

  /** One pass; a pass asked for while one runs makes one more after it (it may have read too early). */
  sync(reason: string): Promise<SyncSummary> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      let summary: SyncSummary;
      do {
        this.#again = false;
        summary = await this.#pass(reason).catch((err: Error) => {
          this.#log.warn({ reason, err: err.message }, 'stored zones not compared: storage unreachable; mdns keeps serving what it holds');
          return { zones: 0, caughtUp: 0, dropped: 0 };
        });
      } while (this.#again);
      this.#running = null;
      return summary;
    })();
    return this.#running;
  }

  async #pass(reason: string): Promise<SyncSummary> {
    // Only zones held before the listing started can be missing from it: one created since is new, not gone.
    const heldBefore = new Map([...this.#followers.values()].map((f) => [f, [...f.heldIds()]]));
    const seen = new Set<string>();
    const summary: SyncSummary = { zones: 0, caughtUp: 0, dropped: 0 };
    for await (const zone of allStoredZones(this.#storage)) {
      if (zone.status === 'DELETED') continue;
      summary.zones++;
      seen.add(zone.id);
      if (this.#followers.get(zone.type)?.catchUp(zone)) summary.caughtUp++;
    }
    for (const [follower, held] of heldBefore) {
      for (const id of held) {
        if (seen.has(id)) continue;
        follower.drop(id);
        summary.dropped++;
      }
    }
    if (summary.caughtUp > 0 || summary.dropped > 0) this.#log.info({ reason, ...summary }, 'stored zones caught up');
    return summary;
  }
}
