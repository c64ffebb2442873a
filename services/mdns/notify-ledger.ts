// The serial each NOTIFY target last acknowledged, per zone, kept in `state_path`/notified.json: after a
// restart mdns announces every zone it loads, and a secondary that already acknowledged that serial need
// not hear of it again (NSD, BIND and Knot each answer it with an SOA query for nothing). A target that
// never acknowledged the serial being served is still NOTIFYed, so nothing acknowledged is skipped.
// Acknowledgements are recorded when their fan-out ends (every target answered or given up on): a restart
// before that NOTIFYs them once more, which costs the secondary one SOA query.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../log.ts';

/** Saves are gathered: a burst of acknowledgements is one write. */
const SAVE_DELAY_MS = 1000;

type Acknowledged = Record<string, Record<string, number>>;

export class NotifyLedger {
  private readonly file: string;
  private readonly log: Logger;
  private readonly zones: Acknowledged;
  private timer: NodeJS.Timeout | null = null;

  private constructor(file: string, zones: Acknowledged, log: Logger) {
    this.file = file;
    this.zones = zones;
    this.log = log;
  }

  /** The ledger in `file`; a missing one is empty, an unreadable one is logged and started afresh. */
  static open(file: string, log: Logger): NotifyLedger {
    let zones: Acknowledged = {};
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) zones = parsed as Acknowledged;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ file, err: (err as Error).message }, 'NOTIFY ledger unreadable: every target is NOTIFYed again');
    }
    return new NotifyLedger(file, zones, log);
  }

  /** The serial `target` last acknowledged for `zone`, if any. */
  acknowledged(zone: string, target: string): number | undefined {
    const serial = this.zones[zone]?.[target];
    return typeof serial === 'number' ? serial : undefined;
  }

  record(zone: string, target: string, serial: number): void {
    (this.zones[zone] ??= {})[target] = serial;
    this.timer ??= setTimeout(() => this.save(), SAVE_DELAY_MS).unref();
  }

  /** The zone is no longer served: a zone of that name created later starts with no acknowledgements. */
  forget(zone: string): void {
    if (!(zone in this.zones)) return;
    delete this.zones[zone];
    this.timer ??= setTimeout(() => this.save(), SAVE_DELAY_MS).unref();
  }

  /** Writes what is pending now (a clean stop). */
  close(): void {
    if (this.timer !== null) this.save();
  }

  private save(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(`${this.file}.tmp`, JSON.stringify(this.zones));
      renameSync(`${this.file}.tmp`, this.file);
    } catch (err) {
      this.log.warn({ file: this.file, err: (err as Error).message }, 'NOTIFY ledger not saved: a restart NOTIFYs these targets again');
    }
  }
}
