// Compiled zone images kept outside the process, so that a restarted or newly started mdns serves a zone from
// an image once storage confirms its serial, instead of reading and compiling every record again (20 s for a
// 1,000,000-record zone on SQLite). Stores are tried in order: this instance's own files (local-images.ts),
// then the fleet's shared copies in memcached (shared-images.ts). Writes wait until a zone has been quiet
// for `saveDelayMs`, so a busy zone is written once per quiet spell and not once per change; close() writes
// what is still waiting. An image is only ever a faster way to the stored version: every check failing means
// the zone is read from storage as before.
import type { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import type { Logger } from '../log.ts';
import { holdBuffer } from './publish.ts';

export interface ZoneImage {
  serial: number;
  buffer: SharedArrayBuffer;
}

/** One place images are kept. */
export interface ImageStore {
  /** How logs name it: 'local image', 'fleet cache'. */
  readonly name: string;
  /** The zone's newest image there, checked whole; null when there is none or it fails a check. */
  load(zoneId: string): Promise<ZoneImage | null>;
  write(zoneId: string, snapshot: ZoneSnapshot): Promise<void>;
  remove(zoneId: string): Promise<void>;
  /** Removes the images of zones not in `keep` (deleted while this instance was down); returns how many. */
  prune?(keep: (zoneId: string) => boolean): Promise<number>;
  /**
   * For a store shared by instances: whether this instance should read and compile the zone's `serial`
   * itself (the first to ask), or another one is doing it and will put the image here.
   */
  claim?(zoneId: string, serial: number): Promise<boolean>;
  /** Waits (at most `timeoutMs`) for the image of `serial` another instance claimed; whether it arrived. */
  waitFor?(zoneId: string, serial: number, timeoutMs: number): Promise<boolean>;
}

export interface ZoneImagesOptions {
  /** Quiet time before a changed zone's image is written (default 5 s). */
  saveDelayMs?: number;
}

export class ZoneImages {
  /** In the order a start tries them. */
  readonly stores: readonly ImageStore[];
  readonly #delayMs: number;
  readonly #log: Logger;
  readonly #pending = new Map<string, { snapshot: ZoneSnapshot; timer: NodeJS.Timeout; except: ImageStore | null }>();
  /** File operations in progress by zone id: a later one waits for the earlier, so a save and a delete never cross. */
  readonly #busy = new Map<string, Promise<void>>();

  constructor(stores: readonly ImageStore[], options: ZoneImagesOptions, log: Logger) {
    this.stores = stores;
    this.#delayMs = options.saveDelayMs ?? 5000;
    this.#log = log;
  }

  /**
   * Writes the zone's image once it has been quiet for the save delay (a newer snapshot replaces this one), to
   * every store but `except` (the one it was just read from).
   */
  schedule(zoneId: string, snapshot: ZoneSnapshot, delayMs = this.#delayMs, except: ImageStore | null = null): void {
    const waiting = this.#pending.get(zoneId);
    if (waiting !== undefined) clearTimeout(waiting.timer);
    const timer = setTimeout(() => void this.#save(zoneId), delayMs);
    timer.unref();
    this.#pending.set(zoneId, { snapshot, timer, except });
  }

  /** The zone is no longer served: its images go. */
  forget(zoneId: string): void {
    const waiting = this.#pending.get(zoneId);
    if (waiting !== undefined) clearTimeout(waiting.timer);
    this.#pending.delete(zoneId);
    void this.#after(zoneId, async () => {
      for (const store of this.stores) await store.remove(zoneId);
    }).catch((err: Error) => this.#log.warn({ zoneId, err: err.message }, 'zone image not removed'));
  }

  /** Images of zones not in `keep` are removed from the stores that can list theirs. */
  async prune(keep: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    for (const store of this.stores) {
      removed += await store.prune?.((id) => keep.has(id) || this.#pending.has(id) || this.#busy.has(id)) ?? 0;
    }
    return removed;
  }

  /** Writes every image still waiting (on close: the next start then serves every zone from its image). */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending.keys()].map((id) => this.#save(id)));
    await Promise.all(this.#busy.values());
  }

  async #save(zoneId: string): Promise<void> {
    const waiting = this.#pending.get(zoneId);
    if (waiting === undefined) return;
    clearTimeout(waiting.timer);
    this.#pending.delete(zoneId);
    const { snapshot, except } = waiting;
    // A retired snapshot's buffer may be written over by a later patch (stored-zones.ts spare): not while saved.
    const release = holdBuffer(snapshot.buffer);
    await this.#after(zoneId, async () => {
      for (const store of this.stores) {
        if (store === except) continue;
        const started = performance.now();
        await store.write(zoneId, snapshot).then(
          () => this.#log.info({ zoneId, serial: snapshot.serial, store: store.name, ms: Math.round(performance.now() - started) }, 'zone image saved'),
          (err: Error) => this.#log.warn({ zoneId, serial: snapshot.serial, store: store.name, err: err.message }, 'zone image not saved: the zone is read from storage where it is missing'),
        );
      }
    }).finally(release);
  }

  #after(zoneId: string, step: () => Promise<void>): Promise<void> {
    const next = (this.#busy.get(zoneId) ?? Promise.resolve()).then(step);
    const settled = next.catch(() => {});
    this.#busy.set(zoneId, settled);
    void settled.then(() => {
      if (this.#busy.get(zoneId) === settled) this.#busy.delete(zoneId);
    });
    return next;
  }
}
