// Serves a catalog zone (RFC 9432) listing every zone zonecast serves, so that secondaries consuming it
// add and drop member zones by themselves. The catalog is a HostedZone like any other: answered,
// transferred (AXFR, and IXFR from its journal) and announced by NOTIFY. It is rebuilt whenever the set of
// serving zones changes, with a newer serial (nextSerial, engine/xfr/serial.ts).
//
// Consumers drop every zone a new catalog version no longer lists (RFC 9432 §5.3), and transfer afresh
// the zones it lists again, so the catalog publishes nothing until start(), called once the zones present
// at startup have loaded: a catalog of the first few zones to compile would tell every consumer to drop all
// the others. Rebuilds are also spaced out (minIntervalMs), so a burst of new zones makes one new version,
// not one version, NOTIFY and transfer per zone.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CatalogOptions } from '../../engine/catalog/catalog.ts';
import { nextSerial } from '../../engine/xfr/serial.ts';
import { nameFromText, ROOT_NAME } from '../../engine/codec/name.ts';
import { HostedZone, type ZoneTable } from '../../engine/answer/zone-table.ts';
import type { CompilePool } from '../../engine/pool/compile-pool.ts';
import type { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import type { AxfrImageOptions } from '../../engine/xfr/axfr-image.ts';
import { JOURNAL_DEFAULTS, type JournalLimits } from '../../engine/xfr/journal.ts';
import type { Logger } from '../log.ts';
import { recordJournalStep } from './journal-step.ts';
import { publishSnapshot } from './publish.ts';

export interface CatalogServiceOptions {
  /** The catalog zone's name (`catalog.example.`, the final dot optional); it must not be hosted already. */
  name: string;
  xfr: AxfrImageOptions;
  /**
   * Bounds of the catalog's IXFR journal. It is kept in memory only: a restart publishes a new serial
   * whose predecessor is gone, so a persisted journal could not chain to it anyway.
   */
  journal?: JournalLimits;
  /** SOA fields, TTL and label length (engine/catalog/catalog.ts). */
  catalog?: Partial<CatalogOptions>;
  /** Called when the catalog starts serving a new serial: the place to send NOTIFY. */
  onServing?: (zone: HostedZone, snapshot: ZoneSnapshot) => void;
  /** Least time between the starts of two rebuilds (default 1000 ms); changes in between wait and merge. */
  minIntervalMs?: number;
  /** Seconds since the Unix epoch, for the serial; tests set a clock. */
  now?: () => number;
}

const MIN_INTERVAL_MS = 1000;

export class CatalogService {
  readonly zone: HostedZone;
  private readonly zones: ZoneTable;
  private readonly pool: CompilePool;
  private readonly options: CatalogServiceOptions;
  private readonly log: Logger;
  /** The members the serving catalog lists, sorted; null until the first version serves. */
  private listed: string[] | null = null;
  private started = false;
  // Rebuilds run one after another; calls made while one waits to start share it.
  private running: Promise<void> = Promise.resolve();
  private queued = false;
  private lastRebuild = -Infinity;

  constructor(zones: ZoneTable, pool: CompilePool, options: CatalogServiceOptions, log: Logger) {
    this.zones = zones;
    this.pool = pool;
    this.options = options;
    this.log = log;
    this.zone = new HostedZone(nameFromText(options.name, ROOT_NAME));
    zones.add(this.zone);
  }

  /** Publishes the first version. Call it once the zones present at startup are loaded (see above). */
  start(): Promise<void> {
    this.started = true;
    return this.update();
  }

  /** No rebuild starts after this; the catalog keeps serving its last version. */
  close(): void {
    this.started = false;
  }

  /**
   * Recomputes the membership from the zone table and, if it changed (or no catalog serves yet), publishes a
   * new version. Call it whenever a zone starts serving or leaves the table; before start() it does nothing.
   * The promise settles once the catalog reflects this call. It never rejects (failures are logged), so
   * callers may ignore it.
   */
  update(): Promise<void> {
    if (!this.started) return Promise.resolve();
    if (!this.queued) {
      this.queued = true;
      this.running = this.running.then(async () => {
        const wait = this.lastRebuild + (this.options.minIntervalMs ?? MIN_INTERVAL_MS) - performance.now();
        if (wait > 0) await sleep(wait);
        this.queued = false;
        this.lastRebuild = performance.now();
        if (this.started) await this.rebuild();
      });
    }
    return this.running;
  }

  /** Every serving zone except the catalog: a zone whose first load failed is not (yet) a member. */
  private members(): string[] {
    const names: string[] = [];
    for (const zone of this.zones) if (zone !== this.zone && zone.snapshot !== null) names.push(zone.text);
    return names.sort();
  }

  private async rebuild(): Promise<void> {
    const members = this.members();
    if (this.listed !== null && sameList(this.listed, members)) return;
    try {
      await this.publish(members);
    } catch (err) {
      this.log.error({ zone: this.zone.text, err: (err as Error).message }, 'catalog update failed: the previous version keeps serving');
    }
  }

  private async publish(members: string[]): Promise<void> {
    const old = this.zone.snapshot;
    const serial = nextSerial(old?.serial ?? null, this.options.now?.() ?? Date.now() / 1000);
    const result = await this.pool.catalog({ catalog: this.zone.text, members, serial, options: this.options.catalog });
    if (result.buffer === null) throw new Error(result.errors.join('; '));
    const snapshot = publishSnapshot(this.zone, result.buffer, this.pool, this.options.xfr, this.log);
    const previous = this.listed ?? [];
    this.listed = members;
    this.log.info({
      zone: this.zone.text, serial, ...(old === null ? {} : { previous: old.serial }), members: members.length,
      added: countMissing(members, previous), removed: countMissing(previous, members),
    }, 'catalog updated');
    // As for a reloaded zone file, but in memory only (see CatalogServiceOptions.journal).
    const journal = { dir: null, limits: this.options.journal ?? JOURNAL_DEFAULTS };
    if (old !== null) await recordJournalStep(this.zone, old, snapshot, this.pool, journal, this.log);
    this.options.onServing?.(this.zone, snapshot);
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** How many of `list` are not in `other`. */
function countMissing(list: readonly string[], other: readonly string[]): number {
  const set = new Set(other);
  return list.filter((x) => !set.has(x)).length;
}
