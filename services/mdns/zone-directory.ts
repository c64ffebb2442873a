// Serves every `*.zone` master file of a directory. Each compiles in the pool and answers as soon as its
// snapshot is ready, independently of the others. A file with errors is logged and not served (SERVFAIL,
// as BIND answers for a zone that failed to load). Reloads (SIGHUP, or a watched file changing) recompile
// changed files only. A reload whose serial is not newer (RFC 1982) is refused and the old version keeps
// serving. Each accepted reload adds a step to the zone's IXFR journal.
import { mkdirSync, readdirSync, statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { join } from 'node:path';
import { nameFromText } from '../../engine/codec/name.ts';
import { HostedZone, type ZoneTable } from '../../engine/answer/zone-table.ts';
import type { CompilePool } from '../../engine/pool/compile-pool.ts';
import type { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import type { AxfrImageOptions } from '../../engine/xfr/axfr-image.ts';
import type { JournalLimits } from '../../engine/xfr/journal.ts';
import { serialNewer } from '../../engine/xfr/serial.ts';
import { zoneOriginOf } from '../../engine/zonefile/origin.ts';
import type { Logger } from '../log.ts';
import { openJournal, recordJournalStep } from './journal-step.ts';
import { publishSnapshot } from './publish.ts';
import type { NotifyTargetSpec } from './notifier.ts';
import { SecondaryZone } from './secondary.ts';
import { loadZoneConfig, type ZoneConfig } from './zone-config.ts';
import type { TsigKeyring } from '../../engine/tsig/keys.ts';

export interface ZoneDirectoryOptions {
  dir: string;
  /** Keys that zones.yaml may name for primaries and NOTIFY targets. */
  keyring: TsigKeyring;
  /** Where IXFR journals are kept, one file per zone; null keeps them in memory only. */
  journalDir: string | null;
  journal: JournalLimits;
  xfr: AxfrImageOptions;
  /** Called when a zone starts serving a new serial (first load or reload): the place to send NOTIFY. */
  onServing?: (zone: HostedZone, snapshot: ZoneSnapshot) => void;
  /** Called when a zone stops being served (its file or its zones.yaml entry went away). */
  onRemoved?: (zone: HostedZone) => void;
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
/** Per-zone settings beside the master files (zone-config.ts). */
export const ZONE_CONFIG_FILE = 'zones.yaml';

export class ZoneDirectory {
  private readonly zones: ZoneTable;
  private readonly pool: CompilePool;
  private readonly options: ZoneDirectoryOptions;
  private readonly log: Logger;
  private readonly files = new Map<string, ZoneFile>();
  private readonly secondaries = new Map<string, SecondaryZone>();
  private config = new Map<string, ZoneConfig>();
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
    this.readConfig();
    const present = this.scan();
    const names = new Set(present.map((p) => p.file));
    for (const [file, entry] of this.files) {
      if (names.has(file)) continue;
      this.zones.remove(entry.zone);
      this.files.delete(file);
      this.options.onRemoved?.(entry.zone);
      this.log.warn({ zone: entry.zone.text, file }, 'zone file removed: zone no longer served');
    }
    if (present.length === 0) this.log.warn({ dir: this.options.dir }, 'no *.zone files to serve');
    const summary: LoadSummary = { loaded: 0, failed: 0 };
    await Promise.all(present.map(async ({ file, stat }) => {
      const ok = await this.refresh(file, stat);
      if (ok === true) summary.loaded++;
      else if (ok === false) summary.failed++;
    }));
    for (const entry of this.files.values()) entry.zone.transferAcl = this.config.get(entry.zone.text)?.allowTransfer ?? null;
    this.syncSecondaries();
    return summary;
  }

  /** The zone's own NOTIFY targets from zones.yaml, or null for the defaults. */
  alsoNotifyOf(zone: HostedZone): NotifyTargetSpec[] | null {
    return this.config.get(zone.text)?.alsoNotify ?? null;
  }

  /** A broken zones.yaml is logged and the settings in force stay: a typo must not stop serving. */
  private readConfig(): void {
    try {
      this.config = loadZoneConfig(join(this.options.dir, ZONE_CONFIG_FILE), this.options.keyring);
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'zone settings not reloaded');
    }
  }

  /** Starts secondary zones newly listed with `masters` and stops those no longer listed. */
  private syncSecondaries(): void {
    const fileZones = new Set([...this.files.values()].map((f) => f.zone.text));
    for (const [name, secondary] of this.secondaries) {
      if (this.config.get(name)?.masters) continue;
      secondary.stop();
      this.zones.remove(secondary.zone);
      this.secondaries.delete(name);
      this.options.onRemoved?.(secondary.zone);
      this.log.warn({ zone: name }, 'secondary zone removed from zones.yaml: no longer served');
    }
    for (const [name, cfg] of this.config) {
      if (cfg.masters === null || this.secondaries.has(name)) continue;
      if (fileZones.has(name)) {
        this.log.error({ zone: name }, 'zones.yaml lists masters for a zone that has a master file: the file wins');
        continue;
      }
      const zone = new HostedZone(nameFromText(name));
      zone.transferAcl = cfg.allowTransfer;
      this.zones.add(zone);
      const secondary = new SecondaryZone(zone, this.pool, {
        primaries: cfg.masters, xfr: this.options.xfr,
        journal: { dir: this.options.journalDir, limits: this.options.journal }, onServing: this.options.onServing,
      }, this.log);
      this.secondaries.set(name, secondary);
      void secondary.start();
    }
  }

  /** Reloads on changes to the directory, debounced so an editor's several writes make one reload. */
  watch(): void {
    this.watcher = watch(this.options.dir, () => {
      if (this.debounce) clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.sync(), WATCH_DEBOUNCE_MS);
    });
  }

  close(): void {
    for (const secondary of this.secondaries.values()) secondary.stop();
    this.watcher?.close();
    if (this.debounce) clearTimeout(this.debounce);
  }

  /**
   * Zone files with their stats, smallest first: with few compile threads a huge zone would hold up every zone
   * behind it. A file removed between listing and stat is simply not there (the watcher calls sync unawaited,
   * so it must not throw for that).
   */
  private scan(): { file: string; stat: Stats }[] {
    return readdirSync(this.options.dir).filter((f) => f.endsWith('.zone')).map((f) => join(this.options.dir, f))
      .map((file) => ({ file, stat: statSync(file, { throwIfNoEntry: false }) }))
      .filter((f): f is { file: string; stat: Stats } => f.stat !== undefined)
      .sort((a, b) => a.stat.size - b.stat.size || a.file.localeCompare(b.file));
  }

  /** true: (re)loaded; false: failed; null: nothing to do. */
  private refresh(file: string, stat: Stats): Promise<boolean | null> {
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
    // A failed load (a pool task that died, say) is logged and leaves the chain usable for the next change.
    entry.busy = entry.busy.then(() => this.load(file, zoneFile.zone)).catch((err: Error) => {
      this.log.error({ zone: zoneFile.zone.text, file, err: err.message }, 'zone load failed');
      return false;
    });
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
    const place = { dir: this.options.journalDir, limits: this.options.journal };
    if (old === null) openJournal(zone, snapshot.serial, place, this.log);
    else await recordJournalStep(zone, old, snapshot, this.pool, place, this.log);
    this.options.onServing?.(zone, snapshot);
    return true;
  }
}
