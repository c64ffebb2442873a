// The zones this instance has compiled from Designate's database, one zone table per pool (a question sees
// only its pool's zones). Nothing here decides when to look: the router hands over what a check found for
// a question's candidate names, and this brings the pool's table in line. A zone gone from the database
// (or moved to another pool, or deleted and created again under a new id) leaves the table at once; the
// deepest live zone is compiled again when its (id, serial, version) differs from the version compiled,
// from one consistent snapshot of its records. Nothing is remembered about names that matched no zone.
import { nameFromText } from '../../engine/codec/name.ts';
import { HostedZone, ZoneTable } from '../../engine/answer/zone-table.ts';
import type { Route } from '../../engine/net/router.ts';
import type { PendingTransfer, TransferService } from '../../engine/xfr/service.ts';
import type { CompilePool } from '../../engine/pool/compile-pool.ts';
import type { AxfrImageOptions } from '../../engine/xfr/axfr-image.ts';
import { Journal, type JournalLimits } from '../../engine/xfr/journal.ts';
import { serialNewer } from '../../engine/xfr/serial.ts';
import type { Logger } from '../log.ts';
import { openJournal, recordJournalStep, type JournalPlace } from '../mdns/journal-step.ts';
import { publishSnapshot } from '../mdns/publish.ts';
import { rowKey, type ZoneReader, type ZoneRow } from './reader.ts';
import { ZoneRead } from './zone-read.ts';

/** A pool's route: its query handler and the transfer service an AXFR of a version being read goes through. */
export type PoolRoute = Route & { readonly transfers: TransferService };

/** One pool's zones: what questions scoped to it are answered from. */
export interface PoolScope {
  readonly poolId: string;
  readonly table: ZoneTable;
  readonly route: PoolRoute;
  readonly byName: Map<string, ServedZone>;
}

class ServedZone {
  readonly id: string;
  readonly scope: PoolScope;
  readonly hosted: HostedZone;
  /** The key of the version serving, and of one that failed to compile (not tried again until the row changes). */
  compiled = '';
  failed = '';
  building: Promise<void> | null = null;
  /** The read of the build running, until its version is published or the build ends without one. */
  reading: ZoneRead | null = null;
  removed = false;
  /**
   * The serving serial's records changed without a new serial: secondaries at that serial may hold either
   * version, so no increment may start from it.
   */
  ambiguous = false;

  constructor(row: ZoneRow, scope: PoolScope) {
    this.id = row.id;
    this.scope = scope;
    this.hosted = new HostedZone(nameFromText(row.name));
  }

  current(key: string): boolean {
    return key === this.compiled || key === this.failed;
  }
}

export interface ServedZonesOptions {
  xfr: AxfrImageOptions;
  journal: JournalLimits;
  /** The route of a pool's table: its query handler and transfers. */
  routeFor: (table: ZoneTable) => PoolRoute;
}

export class ServedZones {
  readonly #scopes = new Map<string, PoolScope>();
  readonly #byId = new Map<string, ServedZone>();
  readonly #reader: ZoneReader;
  readonly #pool: CompilePool;
  readonly #options: ServedZonesOptions;
  readonly #place: JournalPlace;
  readonly #log: Logger;

  constructor(reader: ZoneReader, pool: CompilePool, options: ServedZonesOptions, log: Logger) {
    this.#reader = reader;
    this.#pool = pool;
    this.#options = options;
    this.#place = { dir: null, limits: options.journal };
    this.#log = log;
  }

  scope(poolId: string): PoolScope {
    let scope = this.#scopes.get(poolId);
    if (scope === undefined) {
      const table = new ZoneTable();
      scope = { poolId, table, route: this.#options.routeFor(table), byName: new Map() };
      this.#scopes.set(poolId, scope);
    }
    return scope;
  }

  get size(): number {
    return this.#byId.size;
  }

  /**
   * What a check found for `candidates` (a question's name and its ancestors) in `scope`: `rows`, the live
   * zones among them. Zones of the table no longer there leave it; the deepest one found is brought up to
   * date, and the promise (when there is one) settles once it is.
   */
  reconcile(scope: PoolScope, candidates: readonly string[], rows: readonly ZoneRow[]): Promise<void> | null {
    let deepest: ZoneRow | null = null;
    for (const name of candidates) {
      const row = rows.find((r) => r.name === name && r.poolId === scope.poolId);
      const served = scope.byName.get(name);
      if (served !== undefined && (row === undefined || row.id !== served.id)) this.#remove(served, row === undefined ? 'no longer in the database' : 'replaced by a zone of another id');
      if (row !== undefined && (deepest === null || row.name.length > deepest.name.length)) deepest = row;
    }
    return deepest === null ? null : this.#ensure(scope, deepest);
  }

  #ensure(scope: PoolScope, row: ZoneRow): Promise<void> | null {
    let zone = this.#byId.get(row.id);
    if (zone !== undefined && zone.scope !== scope) {
      this.#remove(zone, 'moved to another pool');
      zone = undefined;
    }
    if (zone === undefined) {
      zone = new ServedZone(row, scope);
      scope.table.add(zone.hosted);
      scope.byName.set(row.name, zone);
      this.#byId.set(row.id, zone);
    }
    if (row.type === 'CATALOG') return this.#refreshCatalog(zone, row);
    const key = rowKey(row);
    return zone.current(key) ? null : this.#refresh(zone, key);
  }

  /**
   * The AXFR of `row`'s version while a build is reading it, for a transfer that is not to wait for the
   * compile; null when no read of that version is running (then the transfer waits for the build).
   */
  async pendingTransfer(scope: PoolScope, row: ZoneRow): Promise<PendingTransfer | null> {
    const zone = this.#byId.get(row.id);
    if (zone === undefined || zone.scope !== scope) return null;
    let read = zone.reading;
    // The build running may be of an older version (its compile not done when the change came): the build
    // after it reads this one, and starts as soon as it ends.
    if (read !== null && (await read.begun) !== rowKey(row) && zone.building !== null) {
      await zone.building.catch(() => undefined);
      read = zone.reading;
    }
    if (read === null || (await read.begun) !== rowKey(row) || zone.removed) return null;
    const axfr = read.axfr();
    if (axfr === null) return null;
    this.#log.info({ zone: zone.hosted.text, serial: row.serial }, 'AXFR sent as the zone is read');
    return { zone: zone.hosted, serial: row.serial, source: () => axfr };
  }

  /** A catalog lists the pool's zones, which change without its row: their fingerprint is part of its key. */
  async #refreshCatalog(zone: ServedZone, row: ZoneRow): Promise<void> {
    const key = `${rowKey(row)}/${await this.#reader.catalogFingerprint(row.poolId)}`;
    if (!zone.current(key)) await this.#refresh(zone, key);
  }

  /**
   * Waits for a build that began after the check: a build already running may have read before the commit
   * the check saw, so after it one more runs unless it turned out current.
   */
  async #refresh(zone: ServedZone, key: string): Promise<void> {
    if (zone.building !== null) await zone.building;
    if (zone.current(key) || zone.removed) return;
    zone.building ??= this.#build(zone).finally(() => {
      zone.building = null;
      zone.reading = null;
    });
    await zone.building;
  }

  async #build(zone: ServedZone): Promise<void> {
    const started = performance.now();
    const { hosted } = zone;
    const read = zone.reading = new ZoneRead(hosted.text, this.#options.xfr, this.#log);
    let content;
    try {
      content = await this.#reader.content(zone.id, read);
    } catch (err) {
      read.finish(false);
      this.#log.warn({ zone: hosted.text, err: (err as Error).message }, 'zone not read: answering from the version compiled');
      return;
    }
    read.finish(content !== null);
    if (zone.removed) return;
    if (content === null || content.zone.poolId !== zone.scope.poolId) {
      this.#remove(zone, content === null ? 'no longer in the database' : 'moved to another pool');
      return;
    }
    const { key } = content;
    const readMs = performance.now() - started;
    // Designate stores a SECONDARY zone's SOA (serial 1) before the worker's first transfer, and nothing else:
    // no zone to serve yet, which is normal rather than an error.
    if (content.zone.type === 'SECONDARY' && content.records <= 1) {
      zone.failed = key;
      this.#log.info({ zone: hosted.text, id: zone.id }, 'SECONDARY zone not transferred from its masters yet: SERVFAIL until the worker has');
      return;
    }
    let result;
    try {
      result = await this.#pool.compileText({ origin: hosted.text, text: content.text, source: `Designate zone ${hosted.text} (${zone.id})` });
    } catch (err) {
      // One cut short by shutdown is not a failure to report.
      if (!this.#pool.closed) this.#log.error({ zone: hosted.text, id: zone.id, err: (err as Error).message }, 'zone not compiled: the version compiled keeps answering');
      return;
    }
    if (zone.removed) return;
    if (result.buffer === null) {
      zone.failed = key;
      for (const problem of result.errors.slice(0, 5)) this.#log.error({ zone: hosted.text, problem }, 'zone record not understood');
      const keeps = hosted.snapshot === null ? 'zone not served (SERVFAIL) until it changes' : `serial ${hosted.snapshot.serial} keeps serving`;
      this.#log.error({ zone: hosted.text, id: zone.id, serial: content.zone.serial, errors: result.errors.length }, `zone did not compile: ${keeps}`);
      return;
    }
    const old = hosted.snapshot;
    zone.compiled = key;
    // A status-only update bumps version and changes nothing served: the version serving stays.
    if (old !== null && Buffer.compare(new Uint8Array(old.buffer), new Uint8Array(result.buffer)) === 0) return;
    const snapshot = publishSnapshot(hosted, result.buffer, this.#pool, this.#options.xfr, this.#log);
    this.#log.info({
      zone: hosted.text, id: zone.id, serial: snapshot.serial, ...(old === null ? {} : { previous: old.serial }), records: content.records,
      readMs: Math.round(readMs), compileMs: Math.round(performance.now() - started - readMs),
    }, old === null ? 'zone compiled' : 'zone recompiled');
    if (old === null) return openJournal(hosted, snapshot.serial, this.#place, this.#log);
    const newer = serialNewer(snapshot.serial, old.serial);
    if (newer && !zone.ambiguous) return recordJournalStep(hosted, old, snapshot, this.#pool, this.#place, this.#log);
    // Same or older serial with other records (2023.2+ changes records before the serial; external masters
    // go back), or a new serial after such a change: IXFR starts over from this version.
    zone.ambiguous = !newer;
    hosted.journal = new Journal(null, this.#options.journal);
  }

  #remove(zone: ServedZone, why: string): void {
    if (zone.removed) return;
    zone.removed = true;
    zone.scope.table.remove(zone.hosted);
    if (zone.scope.byName.get(zone.hosted.text) === zone) zone.scope.byName.delete(zone.hosted.text);
    this.#byId.delete(zone.id);
    zone.hosted.journal = null;
    this.#log.info({ zone: zone.hosted.text, id: zone.id, pool: zone.scope.poolId }, `zone no longer served: ${why}`);
  }
}
