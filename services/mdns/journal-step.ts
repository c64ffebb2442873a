// The IXFR journal of a zone across versions, whatever the versions come from (master files, transfers from a
// primary, the catalog): opened when a zone first serves, extended by one diffed step per new serial.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { HostedZone } from '../../engine/answer/zone-table.ts';
import type { CompilePool } from '../../engine/pool/compile-pool.ts';
import type { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import { JournalEntry } from '../../engine/xfr/journal-entry.ts';
import { Journal, type JournalLimits, type JournalStore } from '../../engine/xfr/journal.ts';
import type { Logger } from '../log.ts';

export interface JournalPlace {
  /** One file per zone in this directory; null keeps journals in memory only. */
  dir: string | null;
  limits: JournalLimits;
  /** Keeps the journal here instead of in `dir` (a zone served from the database keeps it in storage). */
  store?: JournalStore;
}

export function journalFile(place: JournalPlace, zone: HostedZone): string | null {
  return place.dir === null ? null : join(place.dir, `${zone.text === '.' ? 'root.' : zone.text}journal`);
}

/** Attaches the zone's journal, keeping a persisted one only when it leads to the serial now served. */
export function openJournal(zone: HostedZone, serial: number, place: JournalPlace, log: Logger): void {
  const file = journalFile(place, zone);
  if (file === null || !existsSync(file)) {
    zone.journal = new Journal(file, place.limits);
    return;
  }
  const { journal, dropped } = Journal.load(file, place.limits, serial);
  if (dropped !== null) log.warn({ zone: zone.text, file, reason: dropped }, 'IXFR journal dropped');
  zone.journal = journal;
}

/**
 * The diff runs after the new serial already serves: until it lands, IXFR falls back to the full zone. A
 * patched version comes with its step (`step`), and is not diffed again.
 */
export async function recordJournalStep(
  zone: HostedZone, old: ZoneSnapshot, snapshot: ZoneSnapshot, pool: CompilePool, place: JournalPlace, log: Logger,
  step: Uint8Array | null = null,
): Promise<void> {
  try {
    const entry = new JournalEntry(step ?? await pool.diff({ older: old.buffer, newer: snapshot.buffer }));
    zone.journal ??= new Journal(place.store ?? journalFile(place, zone), place.limits);
    await zone.journal.append(entry);
    log.info({ zone: zone.text, from: entry.from, to: entry.to, deleted: entry.deletedCount, added: entry.addedCount }, 'journal step recorded');
  } catch (err) {
    log.error({ zone: zone.text, err: (err as Error).message }, 'journal step failed: IXFR falls back to AXFR');
  }
}
