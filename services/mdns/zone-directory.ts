// Serves every `*.zone` master file of a directory. Each compiles in the pool and answers as soon as its
// snapshot is ready, independently of the others. A file with errors is logged and not served (SERVFAIL,
// as BIND answers for a zone that failed to load). Reloads (SIGHUP, or a watched file changing) recompile
// changed files only. A reload whose serial is not newer (RFC 1982) is refused and the old version keeps
// serving. Each accepted reload adds a step to the zone's IXFR journal.
import { existsSync, mkdirSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { nameFromText } from '../../engine/codec/name.ts';
import { HostedZone, type ZoneTable } from '../../engine/answer/zone-table.ts';
import type { CompilePool } from '../../engine/pool/compile-pool.ts';
import type { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import type { AxfrImageOptions } from '../../engine/xfr/axfr-image.ts';
import { JournalEntry } from '../../engine/xfr/journal-entry.ts';
import { Journal, type JournalLimits } from '../../engine/xfr/journal.ts';
import { serialNewer } from '../../engine/xfr/serial.ts';
import { zoneOriginOf } from '../../engine/zonefile/origin.ts';
import type { Logger } from '../log.ts';
import { publishSnapshot } from './publish.ts';

export interface ZoneDirectoryOptions {
  dir: string;
  /** Where IXFR journals are kept, one file per zone; null keeps them in memory only. */
  journalDir: string | null;
  journal: JournalLimits;
  xfr: AxfrImageOptions;
  /** Called when a zone starts serving a new serial (first load or reload): the place to send NOTIFY. */
  onServing?: (zone: HostedZone, snapshot: ZoneSnapshot) => void;
}

export interface LoadSummary {
  loaded: number;
  failed: number;
}

interface ZoneFile {
  zone: HostedZone;
  mtimeMs: number;
  size: number;
  // Loads of one file run one after another, so a burst of changes cannot publish out of order.
  busy: Promise<boolean>;
}

const WATCH_DEBOUNCE_MS = 300;

export class ZoneDirectory {
  private readonly zones: ZoneTable;
  private readonly pool: CompilePool;
  private readonly options: ZoneDirectoryOptions;
  private readonly log: Logger;
  private readonly files = new Map<string, ZoneFile>();
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;

  constructor(zones: ZoneTable, pool: CompilePool, options: ZoneDirectoryOptions, log: Logger) {
    this.zones = zones;
    this.pool = pool;
    this.options = options;
    this.log = log;
    if (options.journalDir !== null) mkdirSync(options.journalDir, { recursive: true });
  }

  /** Loads new files, reloads changed ones and stops serving removed ones; the first call loads everything. */
  async sync(): Promise<LoadSummary> {
    const present = this.scan();
    for (const [file, entry] of this.files) {
      if (present.includes(file)) continue;
      this.zones.remove(entry.zone);
      this.files.delete(file);
      this.log.warn({ zone: entry.zone.text, file }, 'zone file removed: zone no longer served');
    }
    if (present.length === 0) this.log.warn({ dir: this.options.dir }, 'no *.zone files to serve');
    const summary: LoadSummary = { loaded: 0, failed: 0 };
    await Promise.all(present.map(async (file) => {
      const ok = await this.refresh(file);
      if (ok === true) summary.loaded++;
      else if (ok === false) summary.failed++;
    }));
    return summary;
  }

  /** Reloads on changes to the directory, debounced so an editor's several writes make one reload. */
  watch(): void {
    this.watcher = watch(this.options.dir, () => {
      if (this.debounce) clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.sync(), WATCH_DEBOUNCE_MS);
    });
  }

  close(): void {
    this.watcher?.close();
    if (this.debounce) clearTimeout(this.debounce);
  }

  /** Zone files, smallest first: with few compile threads a huge zone would hold up every zone behind it. */
  private scan(): string[] {
    return readdirSync(this.options.dir).filter((f) => f.endsWith('.zone')).map((f) => join(this.options.dir, f))
      .map((file) => ({ file, size: statSync(file).size }))
      .sort((a, b) => a.size - b.size || a.file.localeCompare(b.file))
      .map((f) => f.file);
  }

  /** true: (re)loaded; false: failed; null: nothing to do. */
  private refresh(file: string): Promise<boolean | null> {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (stat === undefined) return Promise.resolve(null);
    let entry = this.files.get(file);
    if (entry === undefined) {
      let zone: HostedZone;
      try {
        zone = new HostedZone(nameFromText(zoneOriginOf(file)));
        this.zones.add(zone);
      } catch (err) {
        this.log.error({ file, err: (err as Error).message }, 'zone not served');
        return Promise.resolve(false);
      }
      entry = { zone, mtimeMs: -1, size: -1, busy: Promise.resolve(true) };
      this.files.set(file, entry);
    }
    if (entry.mtimeMs === stat.mtimeMs && entry.size === stat.size) return Promise.resolve(null);
    entry.mtimeMs = stat.mtimeMs;
    entry.size = stat.size;
    const zoneFile = entry;
    entry.busy = entry.busy.then(() => this.load(file, zoneFile.zone));
    return entry.busy;
  }

  private async load(file: string, zone: HostedZone): Promise<boolean> {
    const started = performance.now();
    const old = zone.snapshot;
    const result = await this.pool.compile({ file, origin: zone.text });
    if (result.buffer === null) {
      for (const problem of result.errors) this.log.error({ zone: zone.text, file, problem }, 'zone file error');
      const what = old === null ? 'zone not served: fix the errors above' : `reload failed: serial ${old.serial} keeps serving`;
      this.log.error({ zone: zone.text, file, errors: result.errors.length }, what);
      return false;
    }
    if (old !== null && !serialNewer(result.serial, old.serial)) {
      this.log.warn({ zone: zone.text, file, serial: result.serial, serving: old.serial }, 'reload refused: the serial did not increase');
      return false;
    }
    const snapshot = publishSnapshot(zone, result.buffer, this.pool, this.options.xfr, this.log);
    this.log.info({
      zone: zone.text,
      serial: result.serial,
      ...(old === null ? {} : { previous: old.serial }),
      records: result.records,
      compileMs: Math.round(performance.now() - started),
      parseMs: Math.round(result.parseMs),
      buildMs: Math.round(result.buildMs),
      snapshotBytes: result.buffer.byteLength,
    }, old === null ? 'zone loaded' : 'zone reloaded');
    if (old === null) this.openJournal(zone, snapshot.serial);
    else await this.journalStep(zone, old, snapshot);
    this.options.onServing?.(zone, snapshot);
    return true;
  }

  private journalFile(zone: HostedZone): string | null {
    const dir = this.options.journalDir;
    return dir === null ? null : join(dir, `${zone.text === '.' ? 'root.' : zone.text}journal`);
  }

  private openJournal(zone: HostedZone, serial: number): void {
    const file = this.journalFile(zone);
    if (file === null || !existsSync(file)) {
      zone.journal = new Journal(file, this.options.journal);
      return;
    }
    const { journal, dropped } = Journal.load(file, this.options.journal, serial);
    if (dropped !== null) this.log.warn({ zone: zone.text, file, reason: dropped }, 'IXFR journal dropped');
    zone.journal = journal;
  }

  /** The diff runs after the new serial already serves: until it lands, IXFR falls back to the full zone. */
  private async journalStep(zone: HostedZone, old: ZoneSnapshot, snapshot: ZoneSnapshot): Promise<void> {
    try {
      const entry = new JournalEntry(await this.pool.diff({ older: old.buffer, newer: snapshot.buffer }));
      zone.journal ??= new Journal(this.journalFile(zone), this.options.journal);
      await zone.journal.append(entry);
      this.log.info({ zone: zone.text, from: entry.from, to: entry.to, deleted: entry.deletedCount, added: entry.addedCount }, 'journal step recorded');
    } catch (err) {
      this.log.error({ zone: zone.text, err: (err as Error).message }, 'journal step failed: IXFR falls back to AXFR');
    }
  }
}
