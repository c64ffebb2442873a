// The IXFR journal of stored zones kept in storage's zone_journal, shared by every mdns instance serving the
// zone (and read again after a restart): how steps and markers are laid out, how a chain is read back, and
// the JournalStore that saves each new step once.
import { JournalEntry } from '../../engine/xfr/journal-entry.ts';
import type { JournalStore } from '../../engine/xfr/journal.ts';
import type { Logger } from '../log.ts';
import { NotFoundError, type JournalEntry as StoredJournalEntry, type Storage, type Tx } from '../storage/storage.ts';

// zone_journal holds each step (from → to, the bytes of the journal entry as journal-entry.ts encodes them)
// followed by a marker row to → to whose data lists the serials the steps of the zone's journal start from,
// oldest first. readJournal only finds a chain from a known serial: the marker of the serial being served is
// the way in, and the chain from the oldest listed serial still stored runs through the steps (a marker is a
// step that changes nothing, so the chain stays unbroken). Readers of zone_journal skip rows whose two
// serials are equal.
//
//   u32 magic "zjm1", u32 count, count × u32 serial
const MARKER_MAGIC = 0x7a6a6d31;

export function encodeJournalMarker(starts: readonly number[]): Uint8Array {
  const out = new Uint8Array(8 + 4 * starts.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MARKER_MAGIC);
  view.setUint32(4, starts.length);
  starts.forEach((serial, i) => view.setUint32(8 + 4 * i, serial));
  return out;
}

/** The serials a marker row lists, or null when the row is not a marker. */
export function journalMarkerStarts(row: StoredJournalEntry): number[] | null {
  if (row.fromSerial !== row.toSerial || row.data.length < 8) return null;
  const view = new DataView(row.data.buffer, row.data.byteOffset, row.data.length);
  const count = view.getUint32(4);
  if (view.getUint32(0) !== MARKER_MAGIC || row.data.length !== 8 + 4 * count) return null;
  return Array.from({ length: count }, (_, i) => view.getUint32(8 + 4 * i));
}

/**
 * The stored steps leading to `serial`, oldest first, from the oldest start its marker lists that is still
 * stored and chains; [] when there are none. Steps stored beyond `serial` (another instance already serves a
 * newer version) are left out.
 */
export async function readStoredChain(tx: Tx, zoneId: string, serial: number): Promise<JournalEntry[]> {
  const [marker] = await tx.readJournal(zoneId, serial);
  const starts = marker === undefined ? null : journalMarkerStarts(marker);
  for (const start of starts ?? []) {
    const entries: JournalEntry[] = [];
    for (const row of await tx.readJournal(zoneId, start)) {
      if (row.fromSerial === row.toSerial) {
        if (row.toSerial === serial) break;
        continue;
      }
      entries.push(new JournalEntry(new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.length)));
    }
    if (entries.length > 0 && entries[0].from === start && entries.at(-1)!.to === serial) return entries;
  }
  return [];
}

/**
 * A zone's journal in storage, shared by the mdns instances serving the zone. A step is stored by the first
 * instance to save it; the others find rows from its new serial on and leave them. A step that does not follow
 * the stored journal (this instance missed a version the others served) starts the stored journal over, so
 * that it always chains. Failures are logged, not thrown: this instance still has the step in memory, only
 * other instances fall back to AXFR for it.
 */
export class StorageJournalStore implements JournalStore {
  private readonly storage: Storage;
  private readonly zoneId: string;
  private readonly log: Logger;

  constructor(storage: Storage, zoneId: string, log: Logger) {
    this.storage = storage;
    this.zoneId = zoneId;
    this.log = log;
  }

  async save(entries: readonly JournalEntry[], appended: JournalEntry | null): Promise<void> {
    // A journal cut on loading is not applied: other instances may still serve the serial those rows lead
    // to. They go with the trim after the next step.
    if (appended === null) return;
    const zoneId = this.zoneId;
    try {
      await this.storage.transaction(async (tx) => {
        // The zone row lock makes instances saving the same step at once take turns (MySQL; SQLite
        // transactions are serialized anyway), so it is stored once.
        await tx.getZone(zoneId, { includeDeleted: true, forUpdate: true });
        if ((await tx.readJournal(zoneId, appended.to)).length > 0) return;
        const tail = await tx.readJournal(zoneId, appended.from);
        const follows = tail.length === 1 && journalMarkerStarts(tail[0]) !== null;
        if (!follows) await tx.trimJournal(zoneId, 0);
        await tx.appendJournal(zoneId, appended.from, appended.to, appended.bytes);
        await tx.appendJournal(zoneId, appended.to, appended.to, encodeJournalMarker(follows ? entries.map((e) => e.from) : [appended.from]));
        // Two rows a step: the journal in memory, its limits applied, says how many steps to keep.
        if (follows) await tx.trimJournal(zoneId, 2 * entries.length);
      });
    } catch (err) {
      if (err instanceof NotFoundError) return; // the zone is gone, and its journal with it
      this.log.error({ zoneId, from: appended.from, to: appended.to, err: (err as Error).message }, 'journal step not stored: other instances answer IXFR with the full zone');
    }
  }
}
