// Serves the primary zones kept in the database. A zone is read from storage as keyset pages of its records,
// rendered as master-file text (zone-export.ts) and compiled in the pool, the same parser and rules as zone
// files; then it serves like a zone file does (publish.ts). Central announces each committed change on the
// bus ('zone.changed'); the zone is then read again and, once its new serial serves, mdns answers with
// 'zone.served'. Reloads of one zone never overlap: changes arriving meanwhile make exactly one more reload,
// of whatever is stored by then. A serial that is not newer (RFC 1982) than the one serving is never served.
//
// Each new serial adds a step to the zone's IXFR journal, kept in storage's zone_journal, so that any mdns
// instance, including this one after a restart, answers IXFR for changes made before it started.
import { nameFromText } from '../../engine/codec/name.ts';
import { HostedZone, type ZoneTable } from '../../engine/answer/zone-table.ts';
import type { TransferPolicy } from '../../engine/net/acl.ts';
import type { CompilePool } from '../../engine/pool/compile-pool.ts';
import type { PatchTextResult } from '../../engine/pool/compile-worker.ts';
import type { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import type { AxfrImageOptions } from '../../engine/xfr/axfr-image.ts';
import { JournalEntry } from '../../engine/xfr/journal-entry.ts';
import { Journal, type JournalLimits } from '../../engine/xfr/journal.ts';
import { serialNewer } from '../../engine/xfr/serial.ts';
import { exportZone, type ExportRecordSet } from '../../engine/zonefile/writer.ts';
import type { Bus, ZoneChanged } from '../messaging/bus.ts';
import { NotFoundError, type Storage, type Tx, type Zone, type ZoneRecordRow } from '../storage/storage.ts';
import type { Logger } from '../log.ts';
import { recordJournalStep, type JournalPlace } from './journal-step.ts';
import type { AnswerThreads, MirrorMark } from './answer-threads.ts';
import { publishSnapshot, reusable } from './publish.ts';
import { readStoredChain, StorageJournalStore } from './stored-journal.ts';
import type { ZoneImage, ZoneImages } from './zone-images.ts';
import { storedZonesOfType } from './zone-listing.ts';
import { applyChange, chainFrom, type RecordsetChange, type ZoneModel } from './zone-model.ts';

export interface StoredZonesOptions {
  xfr: AxfrImageOptions;
  journal: JournalLimits;
  /** Called when a zone starts serving a new serial (first load or reload): the place to send NOTIFY. */
  onServing?: (zone: HostedZone, snapshot: ZoneSnapshot) => void;
  /** Called when a zone stops being served (deleted in storage). */
  onRemoved?: (zone: HostedZone) => void;
  /** Records per keyset page (default 2000): SQLite runs on this thread, so a page is also the longest stall. */
  pageSize?: number;
  /** Zones loaded at once by start() (default 4): bounds the rows and text held in memory. */
  concurrency?: number;
  /** Who may transfer a zone out (stored-tsigkeys.ts); absent: the server's allow_transfer. */
  transferPolicy?: (stored: Zone) => TransferPolicy;
  /** Each zone's image on local disk: a start serves a zone from it when storage still has its serial. */
  images?: ZoneImages;
  /** The answering threads, which may still read a retired version until they have caught up. */
  threads?: Pick<AnswerThreads, 'mark' | 'passed'> | null;
}

export interface StoredLoadSummary {
  loaded: number;
  failed: number;
}

interface StoredZone {
  readonly id: string;
  /** Created (and added to the zone table) by the first load. */
  zone: HostedZone | null;
  /** The reload in progress, including the one more it owes when `again` is set. */
  running: Promise<boolean> | null;
  again: boolean;
  removed: boolean;
  /** The recordsets last read and the serial they make up: what a delta read updates. */
  model: ZoneModel | null;
  /** Announced changes not read yet, oldest first. */
  pending: ZoneChanged[];
  /** The buffer of a version no longer served nor read, for the next patch to write into (patch.ts). */
  spare: SharedArrayBuffer | null;
  /** When `spare` was retired (ms): a zone that stops changing does not keep a second image's memory. */
  spareSince: number;
  /** Where the answering threads stood when `spare` was retired: it is written over only once they passed it. */
  spareMark: MirrorMark | null;
  /** The stored serial that last failed to compile: the periodic sync does not retry it. */
  failedSerial: number | null;
}

/** A zone first read from storage has its image written this soon, for the next start (and the fleet). */
const FIRST_IMAGE_SAVE_MS = 1000;

/** The longest a start waits for another instance's image of a version before reading it itself. */
const CLAIM_WAIT_MS = 120_000;

/** How long a retired image's buffer is kept for the zone's next change. */
const SPARE_KEEP_MS = 30_000;

/** Changes waiting beyond this many mean the announcements are not being read: the next read is whole. */
const MAX_PENDING = 1000;

/** One read of a zone: its row, and the stored SOA serial (null: no usable SOA). */
interface ZoneHead {
  zone: Zone;
  serial: number | null;
  /** The id of the SOA recordset, when there is exactly one. */
  soaRecordsetId: string | null;
}

/** A version of a zone as read from storage (or from the announcements of its changes), ready to render. */
interface ZoneRead {
  zone: { name: string; ttl: number };
  /** The zones row's serial this version is (what a failure is reported against). */
  storedSerial: number;
  /** The SOA serial read (null: no usable SOA). */
  soaSerial: number | null;
  /** Null for a change to a zone served from its image: what it replaces is known, the rest is not. */
  recordsets: Iterable<ExportRecordSet> | null;
  /** 2 when a change landed during a paged read and the zone was read again in one transaction. */
  attempts: number;
  /** For a delta read: what changed since the version `from`, to patch that version with when it serves. */
  change?: RecordsetChange;
  /** The change came with its announcements: storage was not read at all. */
  announced?: boolean;
}

const DEFAULT_PAGE_SIZE = 2000;

export class StoredZones {
  private readonly zones: ZoneTable;
  private readonly pool: CompilePool;
  private readonly storage: Storage;
  private readonly bus: Bus;
  private readonly options: StoredZonesOptions;
  private readonly log: Logger;
  private readonly stored = new Map<string, StoredZone>();
  /** Reloads in progress, also of zones removed meanwhile: close() waits for them. */
  private readonly running = new Set<Promise<boolean>>();
  private unsubscribe: (() => void) | null = null;
  private closed = false;
  private readonly spareSweep: NodeJS.Timeout;

  constructor(zones: ZoneTable, pool: CompilePool, storage: Storage, bus: Bus, options: StoredZonesOptions, log: Logger) {
    this.zones = zones;
    this.pool = pool;
    this.storage = storage;
    this.bus = bus;
    this.options = options;
    this.log = log;
    this.spareSweep = setInterval(() => this.dropIdleSpares(), SPARE_KEEP_MS).unref();
  }

  /**
   * Follows 'zone.changed', then loads every live primary zone; resolves once each has served or failed.
   * Subscribing first means a change committed during the start-up is not missed.
   */
  async start(): Promise<StoredLoadSummary> {
    this.unsubscribe = this.bus.subscribe('zone.changed', (change) => this.changed(change));
    const ids: string[] = [];
    for await (const z of storedZonesOfType(this.storage, 'PRIMARY')) if (z.status !== 'DELETED') ids.push(z.id);
    if (ids.length === 0) this.log.warn('no primary zones in storage to serve');
    const summary: StoredLoadSummary = { loaded: 0, failed: 0 };
    let next = 0;
    const worker = async () => {
      while (next < ids.length && !this.closed) {
        if (await this.reload(ids[next++])) summary.loaded++;
        else summary.failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency ?? 4) }, worker));
    this.log.info({ zones: ids.length, ...summary, uptimeMs: Math.round(performance.now()) }, 'stored zones loaded');
    const pruned = await this.options.images?.prune(new Set(this.stored.keys()));
    if (pruned) this.log.info({ images: pruned }, 'zone images of zones no longer stored removed');
    return summary;
  }

  /** Stops following changes; resolves when the reloads in progress have ended. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.spareSweep);
    this.unsubscribe?.();
    this.unsubscribe = null;
    await Promise.all(this.running);
    await this.options.images?.flush();
  }

  /** The hosted zone for a stored zone id, once its first load has started. */
  hosted(zoneId: string): HostedZone | null {
    return this.stored.get(zoneId)?.zone ?? null;
  }

  /**
   * Reads the zone from storage and serves it if its serial is newer than the one serving. While a reload of
   * the zone runs, calls coalesce into one more reload after it. Resolves to whether the zone serves its
   * stored serial in the end (false: failed, refused, or gone).
   */
  reload(zoneId: string): Promise<boolean> {
    let entry = this.stored.get(zoneId);
    if (entry === undefined) {
      entry = {
        id: zoneId, zone: null, running: null, again: false, removed: false, model: null, pending: [], spare: null, spareSince: 0, spareMark: null, failedSerial: null,
      };
      this.stored.set(zoneId, entry);
    }
    if (entry.running !== null) {
      entry.again = true;
      return entry.running;
    }
    const stored = entry;
    stored.running = (async () => {
      let ok = false;
      do {
        stored.again = false;
        try {
          ok = await this.load(stored);
        } catch (err) {
          // A failed load (storage unreachable, a pool task that died) leaves the previous version serving.
          this.log.error({ zone: stored.zone?.text, zoneId: stored.id, err: (err as Error).message }, 'zone load from storage failed');
          ok = false;
        }
      } while (stored.again && !stored.removed && !this.closed);
      stored.running = null;
      return ok;
    })();
    const running = stored.running;
    this.running.add(running);
    void running.finally(() => this.running.delete(running));
    return running;
  }

  /**
   * For the periodic sync with storage (stored-sync.ts): loads a zone this instance does not serve, or whose
   * stored serial is newer than the one serving (its announcement was lost), and reports a served serial
   * again while storage still says PENDING (the report was lost). A load in progress reads afresh anyway.
   * A zone flagged delayed_notify waits for its announcement, unless this instance does not serve it at all.
   */
  catchUp(stored: Zone): boolean {
    if (this.closed) return false;
    const entry = this.stored.get(stored.id);
    if (entry?.running || entry?.failedSerial === stored.serial) return false;
    const serving = entry?.zone?.snapshot?.serial ?? null;
    // A delayed NOTIFY (the pool's ns_records changed) is the producer's to announce, batch_size at a time.
    if (serving !== null && stored.delayedNotify) return false;
    if (serving === null || serialNewer(stored.serial, serving)) {
      void this.reload(stored.id);
      return true;
    }
    if (serving !== stored.serial || stored.status !== 'PENDING' || stored.incrementSerial) return false;
    void this.served(stored.id, serving);
    return true;
  }

  heldIds(): Iterable<string> {
    return this.stored.keys();
  }

  drop(zoneId: string): void {
    this.remove(zoneId);
  }

  /** Stops serving the zone. A reload in progress notices and does not publish. */
  remove(zoneId: string): void {
    const entry = this.stored.get(zoneId);
    if (entry === undefined) return;
    entry.removed = true;
    this.stored.delete(zoneId);
    this.options.images?.forget(zoneId);
    if (entry.zone === null) return;
    this.zones.remove(entry.zone);
    this.options.onRemoved?.(entry.zone);
    this.log.info({ zone: entry.zone.text, zoneId }, 'zone deleted: no longer served');
  }

  private async changed(change: ZoneChanged): Promise<void> {
    if (this.closed) return;
    if (change.action === 'DELETE') return this.remove(change.zoneId);
    const entry = this.stored.get(change.zoneId);
    if (entry?.model && change.delta) {
      entry.pending.push(change);
      if (entry.pending.length > MAX_PENDING) entry.model = null;
    }
    await this.reload(change.zoneId);
  }

  private async load(entry: StoredZone): Promise<boolean> {
    const started = performance.now();
    const announced = this.readAnnounced(entry);
    if (announced !== null) return this.serve(entry, entry.zone!, announced, started);
    const head = await this.storage.transaction((tx) => readHead(tx, entry.id));
    if (entry.removed) return false;
    if (head === null || head.zone.type !== 'PRIMARY' || head.zone.status === 'DELETED') {
      if (entry.zone !== null) {
        this.remove(entry.id);
      } else {
        // Never served: just forgotten, so ids of zones that do not exist are not kept.
        entry.removed = true;
        this.stored.delete(entry.id);
      }
      return false;
    }
    const zone = entry.zone ?? this.host(entry, head.zone);
    if (zone === null) return false;
    if (zone.snapshot === null && head.serial !== null && this.options.images) {
      const fromImage = await this.serveImage(entry, zone, head.zone, head.serial, started);
      if (fromImage !== null) return fromImage;
      if (await this.builtElsewhere(entry, zone, head.serial)) {
        const waited = await this.serveImage(entry, zone, head.zone, head.serial, started);
        if (waited !== null) return waited;
      }
    }
    // The stored SOA says whether there is anything new, without reading the records.
    const serving = zone.snapshot;
    if (serving !== null && head.serial !== null && !this.isNewer(entry, zone, head.serial, serving.serial)) return head.serial === serving.serial;

    const read = (await this.readDelta(entry, head)) ?? (await this.readZone(entry, head));
    if (read === null) return false;
    return this.serve(entry, zone, read, started);
  }

  /** Compiles (or patches) a version read and serves it, unless it fails or is not newer. */
  private async serve(entry: StoredZone, zone: HostedZone, read: ZoneRead, started: number): Promise<boolean> {
    const readMs = performance.now() - started;
    const result = await this.compile(entry, zone, read);
    if (entry.removed) return false;
    if (result === null) {
      const head = await this.storage.transaction((tx) => readHead(tx, entry.id));
      const whole = head === null || entry.removed ? null : await this.readZone(entry, head);
      return whole === null ? false : this.serve(entry, zone, whole, started);
    }
    const old = zone.snapshot;
    if (result.buffer === null) {
      for (const problem of result.errors.slice(0, 20)) this.log.error({ zone: zone.text, zoneId: entry.id, problem }, 'stored zone error');
      const what = old === null ? 'stored zone not served: fix the errors above' : `reload from storage failed: serial ${old.serial} keeps serving`;
      this.log.error({ zone: zone.text, zoneId: entry.id, errors: result.errors.length }, what);
      entry.failedSerial = read.storedSerial;
      await this.bus.publish('zone.failed', { zoneId: entry.id, serial: read.soaSerial, reason: result.errors[0] ?? 'the zone did not compile' })
        .catch((err: Error) => this.log.error({ zoneId: entry.id, err: err.message }, 'zone.failed not published'));
      return false;
    }
    if (old !== null && !this.isNewer(entry, zone, result.serial, old.serial)) return result.serial === old.serial;
    if (old === null) {
      // Before the first version serves, so that IXFR from older serials works from its first answer.
      zone.journal = await this.restoreJournal(entry, zone, result.serial);
      if (entry.removed) return false;
    }
    const snapshot = publishSnapshot(zone, result.buffer, this.pool, this.options.xfr, this.log);
    this.log.info({
      zone: zone.text,
      zoneId: entry.id,
      serial: snapshot.serial,
      ...(old === null ? {} : { previous: old.serial }),
      records: result.records,
      ms: Math.round(performance.now() - started),
      readMs: Math.round(readMs),
      parseMs: Math.round(result.parseMs),
      buildMs: Math.round(result.buildMs),
      ...(read.attempts > 1 ? { attempts: read.attempts } : {}),
      ...(read.change ? { changed: read.change.replaced.length, patched: result.journal !== null, announced: read.announced === true } : {}),
    }, 'zone loaded from storage');
    if (old !== null) {
      await recordJournalStep(zone, old, snapshot, this.pool, this.journalPlace(entry.id), this.log, result.journal);
      // Queries take the serving snapshot afresh each time and the step is recorded: only a transfer's AXFR
      // rendering could still read the old version.
      if (reusable(old)) {
        entry.spare = old.buffer;
        entry.spareSince = performance.now();
        entry.spareMark = this.options.threads?.mark() ?? null;
      }
    }
    if (entry.removed) return false;
    entry.failedSerial = null;
    this.options.images?.schedule(entry.id, snapshot, old === null ? FIRST_IMAGE_SAVE_MS : undefined);
    this.options.onServing?.(zone, snapshot);
    await this.served(entry.id, snapshot.serial);
    return true;
  }

  /**
   * A first load from the zone's image, when it is of the stored serial (or the stored journal leads there
   * from it): nothing read but the image, nothing compiled. Its recordsets are never read: the changes
   * announced from now on name every RRset they replace and are patched onto the image as they come. Null
   * when there is no usable image of that serial.
   */
  private async serveImage(entry: StoredZone, zone: HostedZone, stored: Zone, serial: number, started: number): Promise<boolean | null> {
    for (const store of this.options.images!.stores) {
      const image = await store.load(entry.id).catch((err: Error) => {
        this.log.warn({ zone: zone.text, zoneId: entry.id, store: store.name, err: err.message }, 'zone image not read');
        return null;
      });
      if (image === null || entry.removed) continue;
      let { buffer } = image;
      let steps = 0;
      if (image.serial !== serial) {
        const caught = serialNewer(serial, image.serial) ? await this.catchUpImage(entry, image, serial) : null;
        if (caught === null || entry.removed) {
          this.log.info({ zone: zone.text, zoneId: entry.id, store: store.name, image: image.serial, stored: serial }, 'zone image is of another serial: not used');
          continue;
        }
        ({ buffer, steps } = caught);
      }
      zone.journal = await this.restoreJournal(entry, zone, serial);
      if (entry.removed) return false;
      const snapshot = publishSnapshot(zone, buffer, this.pool, this.options.xfr, this.log);
      this.log.info({
        zone: zone.text, zoneId: entry.id, serial, from: store.name, records: snapshot.rrCount, bytes: snapshot.byteLength, ms: Math.round(performance.now() - started),
        ...(steps > 0 ? { image: image.serial, journalSteps: steps } : {}),
      }, 'zone loaded from its image');
      // The other stores get this version too (the local file after a fetch from the fleet); its own store too when caught up.
      if (this.options.images!.stores.length > 1 || steps > 0) this.options.images!.schedule(entry.id, snapshot, FIRST_IMAGE_SAVE_MS, steps > 0 ? null : store);
      entry.failedSerial = null;
      this.options.onServing?.(zone, snapshot);
      entry.model = { serial, name: stored.name, ttl: stored.ttl, recordsets: null };
      await this.served(entry.id, serial);
      return true;
    }
    return null;
  }

  /**
   * Whether another instance that claimed this version in a shared store has put its image there meanwhile
   * (instances starting together read and compile each version once). False: read it here.
   */
  private async builtElsewhere(entry: StoredZone, zone: HostedZone, serial: number): Promise<boolean> {
    for (const store of this.options.images!.stores) {
      if (store.claim === undefined || store.waitFor === undefined || (await store.claim(entry.id, serial))) continue;
      this.log.info({ zone: zone.text, zoneId: entry.id, serial, store: store.name }, 'another instance is reading and compiling the zone: waiting for its image');
      return store.waitFor(entry.id, serial, CLAIM_WAIT_MS);
    }
    return false;
  }

  /**
   * An image saved at an older serial, brought to `serial` with the journal steps storage kept meanwhile (other
   * instances served them). Null when storage has no chain from the image's serial, or a step needs a whole
   * build.
   */
  private async catchUpImage(entry: StoredZone, image: ZoneImage, serial: number): Promise<{ buffer: SharedArrayBuffer; steps: number } | null> {
    const chain = await this.storage.transaction((tx) => readStoredChain(tx, entry.id, serial));
    const first = chain.findIndex((e) => e.from === image.serial);
    if (first < 0) return null;
    const steps = chain.slice(first);
    const result = await this.pool.applyJournal({ base: image.buffer, entries: steps.map((e) => e.bytes) });
    if (result.buffer === null || result.serial !== serial) {
      this.log.info({ zoneId: entry.id, image: image.serial, stored: serial, reason: result.rebuild ?? result.errors[0] }, 'journal steps did not apply to the zone image');
      return null;
    }
    return { buffer: result.buffer, steps: steps.length };
  }

  /**
   * The version read, compiled: patched onto the serving version when it is the one the change starts from
   * (milliseconds, whatever the zone's size), else rendered and compiled whole.
   */
  private async compile(entry: StoredZone, zone: HostedZone, read: ZoneRead): Promise<PatchTextResult | null> {
    const name = read.zone.name;
    const serving = zone.snapshot;
    if (read.change !== undefined && serving !== null && serving.serial === read.change.from) {
      const text = exportZone(name, read.zone.ttl, read.change.recordsets);
      // A thread still answering from the old version (it applies changes between requests) keeps it unwritten.
      const spare = entry.spareMark === null || this.options.threads?.passed(entry.spareMark) !== false ? entry.spare : null;
      entry.spare = null; // the pool thread's now, whether or not the result fits in it
      const patched = await this.pool.patchText({
        base: serving.buffer, origin: name, text, source: `change to stored zone ${name}`, replaced: read.change.replaced, spare,
      });
      if (patched.rebuild === null) return patched;
      this.log.info({ zone: zone.text, reason: patched.rebuild }, 'change needs a whole build of the zone');
    }
    // A zone served from its image knows only the change: the whole zone has to be read for a build.
    if (read.recordsets === null) return null;
    const text = exportZone(name, read.zone.ttl, read.recordsets);
    const whole = await this.pool.compileText({ origin: name, text, source: `stored zone ${name}` });
    return { ...whole, journal: null, rebuild: null };
  }

  private dropIdleSpares(): void {
    const now = performance.now();
    for (const entry of this.stored.values()) {
      if (entry.spare !== null && now - entry.spareSince >= SPARE_KEEP_MS) entry.spare = null;
    }
  }

  /** Adds the zone to the table on its first load: until a version compiles, it answers SERVFAIL. */
  private host(entry: StoredZone, stored: Zone): HostedZone | null {
    try {
      const zone = new HostedZone(nameFromText(stored.name));
      zone.transferAcl = this.options.transferPolicy?.(stored) ?? null;
      this.zones.add(zone);
      entry.zone = zone;
      return zone;
    } catch (err) {
      this.log.error({ zone: stored.name, zoneId: entry.id, err: (err as Error).message }, 'stored zone not served');
      return null;
    }
  }

  /**
   * Whether `serial` may replace the serving one. The same serial is already served, and central hears so
   * again; an older one (a stale read, a serial set back by hand) is refused.
   */
  private isNewer(entry: StoredZone, zone: HostedZone, serial: number, serving: number): boolean {
    if (serialNewer(serial, serving)) return true;
    if (serial === serving) {
      this.log.debug({ zone: zone.text, zoneId: entry.id, serial }, 'stored serial already serving');
      void this.served(entry.id, serial);
    } else {
      this.log.warn({ zone: zone.text, zoneId: entry.id, serial, serving }, 'stored serial is not newer than the one serving: not served');
    }
    return false;
  }

  private async served(zoneId: string, serial: number): Promise<void> {
    try {
      await this.bus.publish('zone.served', { zoneId, serial, host: this.bus.host });
    } catch (err) {
      this.log.error({ zoneId, serial, err: (err as Error).message }, 'zone.served not published');
    }
  }

  /**
   * The zone's records as keyset pages, each its own short transaction so that writers are not held up by a
   * large zone, and yielding to the event loop between pages (node:sqlite reads on this thread). A change
   * committed between pages would mix two versions: the stored SOA serial is read before and after, and must
   * match the one SOA record among the rows; otherwise the zone is read once more in a single transaction.
   */
  private async readZone(entry: StoredZone, head: ZoneHead): Promise<ZoneRead | null> {
    const read = await this.readWhole(entry, head);
    if (read === null) return null;
    const serial = read.rows.soaSerial();
    entry.model = serial === null ? null : { serial, name: read.zone.name, ttl: read.zone.ttl, recordsets: read.rows.recordsets };
    // Announcements of changes the whole read already holds are done with.
    if (serial !== null) entry.pending = entry.pending.filter((c) => serialNewer(c.serial, serial));
    return {
      zone: read.zone, storedSerial: read.zone.serial, soaSerial: serial, recordsets: [...read.rows.recordsets.values()], attempts: read.attempts,
    };
  }

  /**
   * The next version straight from the announcements, when every pending one chains from the model's serial
   * and carries its recordsets as its transaction left them: no storage read at all. Null otherwise.
   */
  private readAnnounced(entry: StoredZone): ZoneRead | null {
    const { model } = entry;
    if (model === null || entry.zone === null || entry.pending.length === 0) return null;
    const { used, serial } = chainFrom(model, entry.pending);
    if (used !== entry.pending.length || entry.pending.some((c) => c.delta?.rrsets === undefined)) return null;
    const changed = new Map<string, ExportRecordSet | null>();
    for (const c of entry.pending) for (const [id, rs] of Object.entries(c.delta!.rrsets!)) changed.set(id, rs);
    const change = applyChange(model, changed, serial);
    if (change === null) return null;
    entry.pending = [];
    return {
      zone: { name: model.name, ttl: model.ttl }, storedSerial: serial, soaSerial: serial, recordsets: model.recordsets?.values() ?? null, attempts: 1, change, announced: true,
    };
  }

  /**
   * The zone as the model plus the recordsets the pending announcements name, when they chain from the
   * model's serial to the stored one; read with the SOA in one transaction, so the result is exactly the
   * stored version. Null when a whole read is needed.
   */
  private async readDelta(entry: StoredZone, head: ZoneHead): Promise<ZoneRead | null> {
    const model = entry.model;
    if (model === null || head.serial === null) return null;
    const { used, serial } = chainFrom(model, entry.pending);
    if (serial !== head.serial) return null;
    const ids = new Set(entry.pending.slice(0, used).flatMap((c) => c.delta!.recordsetIds));
    const read = await this.storage.transaction(async (tx) => {
      const now = await readHead(tx, entry.id);
      if (now === null || now.serial !== head.serial) return null;
      const changed = new Map<string, ExportRecordSet | null>();
      for (const id of [...ids, now.soaRecordsetId!]) {
        try {
          const rs = await tx.getRecordset(id);
          const records = await tx.listRecords(id);
          changed.set(id, records.length === 0 ? null : { name: rs.name, type: rs.type, ttl: rs.ttl, records: records.map((r) => r.data) });
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
          changed.set(id, null); // deleted
        }
      }
      return { zone: now.zone, changed };
    });
    if (read === null || entry.removed) return null;
    const change = applyChange(model, read.changed, serial);
    if (change === null) return null;
    model.ttl = read.zone.ttl;
    entry.pending = entry.pending.slice(used);
    return { zone: read.zone, storedSerial: read.zone.serial, soaSerial: serial, recordsets: model.recordsets?.values() ?? null, attempts: 1, change };
  }

  private async readWhole(entry: StoredZone, head: ZoneHead): Promise<{ zone: Zone; rows: Rows; attempts: number } | null> {
    const pageSize = this.options.pageSize ?? DEFAULT_PAGE_SIZE;
    const rows = new Rows();
    for await (const page of this.storage.streamZoneRecords(entry.id, pageSize)) {
      rows.add(page);
      if (entry.removed || this.closed) return null;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const after = await this.storage.transaction((tx) => readHead(tx, entry.id));
    if (entry.removed || after === null) return null;
    if (head.serial !== null && after.serial === head.serial && rows.soaSerial() === head.serial) {
      return { zone: after.zone, rows, attempts: 1 };
    }
    this.log.info({ zone: head.zone.name, zoneId: entry.id, before: head.serial, after: after.serial }, 'zone changed while it was read: reading it again in one transaction');
    const again = await this.storage.transaction(async (tx) => {
      const zone = await readHead(tx, entry.id);
      const all = new Rows();
      for (let afterId = ''; ;) {
        const page = await tx.zoneRecords(entry.id, afterId, pageSize);
        all.add(page);
        if (page.length < pageSize) break;
        afterId = page[page.length - 1].id;
        // Other transactions wait for this one, but queries keep being answered.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return zone === null ? null : { zone: zone.zone, rows: all, attempts: 2 };
    });
    return entry.removed ? null : again;
  }

  private journalPlace(zoneId: string): JournalPlace {
    return { dir: null, limits: this.options.journal, store: new StorageJournalStore(this.storage, zoneId, this.log) };
  }

  /** The zone's journal as stored, kept when it leads to `serial`, the version about to serve. */
  private async restoreJournal(entry: StoredZone, zone: HostedZone, serial: number): Promise<Journal> {
    const store = new StorageJournalStore(this.storage, entry.id, this.log);
    let entries: JournalEntry[];
    try {
      entries = await this.storage.transaction((tx) => readStoredChain(tx, entry.id, serial));
    } catch (err) {
      this.log.warn({ zone: zone.text, zoneId: entry.id, err: (err as Error).message }, 'stored IXFR journal unreadable: IXFR from older serials falls back to AXFR');
      return new Journal(store, this.options.journal);
    }
    const { journal, dropped } = Journal.restore(entries, store, this.options.journal, serial);
    if (dropped !== null) this.log.warn({ zone: zone.text, zoneId: entry.id, reason: dropped }, 'stored IXFR journal dropped');
    else if (entries.length > 0) this.log.info({ zone: zone.text, zoneId: entry.id, from: journal.oldest, to: serial, steps: journal.size }, 'IXFR journal restored from storage');
    return journal;
  }
}

/** The zone row and its stored SOA serial, or null when the zone is gone. */
async function readHead(tx: Tx, zoneId: string): Promise<ZoneHead | null> {
  let zone: Zone;
  try {
    zone = await tx.getZone(zoneId);
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
  const soa = await tx.findRecordsets(zoneId, { name: zone.name, type: 'SOA' }, { limit: 2 });
  if (soa.items.length !== 1) return { zone, serial: null, soaRecordsetId: null };
  const records = await tx.listRecords(soa.items[0].id);
  return { zone, serial: records.length === 1 ? soaSerial(records[0].data) : null, soaRecordsetId: soa.items[0].id };
}

/** The serial field of SOA presentation text (mname rname serial refresh retry expire minimum), or null. */
export function soaSerial(data: string): number | null {
  const fields = data.trim().split(/\s+/);
  if (fields.length < 3 || !/^\d{1,10}$/.test(fields[2])) return null;
  const serial = Number(fields[2]);
  return serial <= 0xffffffff ? serial : null;
}

/** Rows as they come, grouped into their recordsets (the model a delta read updates). */
class Rows {
  readonly recordsets = new Map<string, ExportRecordSet>();
  private soas: string[] = [];

  add(page: readonly ZoneRecordRow[]): void {
    for (const r of page) {
      if (r.type === 'SOA') this.soas.push(r.data);
      const rs = this.recordsets.get(r.recordsetId);
      if (rs) rs.records.push(r.data);
      else this.recordsets.set(r.recordsetId, { name: r.name, type: r.type, ttl: r.ttl, records: [r.data] });
    }
  }

  /** The serial of the one SOA record read, or null when there were none or several. */
  soaSerial(): number | null {
    return this.soas.length === 1 ? soaSerial(this.soas[0]) : null;
  }
}

// ---------------------------------------------------------------------------------------------- journal
