// The IXFR journal of one zone: consecutive journal entries from older serials to the serving one, bounded
// by entry count and bytes. Where it is persisted is pluggable (JournalStore): by default on disk, one file
// per zone, each entry framed by its u32 length; or, for zones served from the database, in storage's
// zone_journal (services/mdns/stored-zones.ts). Either way a restarted server, or any instance reading the
// same place, can still answer IXFR.
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { JournalEntry } from './journal-entry.ts';

export interface JournalLimits {
  maxEntries: number;
  maxBytes: number;
}

export const JOURNAL_DEFAULTS: JournalLimits = { maxEntries: 100, maxBytes: 64 * 1024 * 1024 };

/** Where a journal is kept. Saves are called one at a time, in the order the journal changed. */
export interface JournalStore {
  /**
   * `entries` is the journal now, oldest first. `appended` is the entry just added (the last of `entries`),
   * or null when the journal was only cut. `dropped` is true when entries that were saved before are gone
   * (trimmed by the limits, or the journal started over because `appended` did not follow its last entry).
   */
  save(entries: readonly JournalEntry[], appended: JournalEntry | null, dropped: boolean): Promise<void>;
}

/** The journal file: appends for a new step, a rewrite (to a temporary file, then renamed) otherwise. */
export class FileJournalStore implements JournalStore {
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  async save(entries: readonly JournalEntry[], appended: JournalEntry | null, dropped: boolean): Promise<void> {
    if (appended !== null && !dropped && entries.length > 1) {
      await appendFile(this.file, frame(appended.bytes));
      return;
    }
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, Buffer.concat(entries.map((e) => frame(e.bytes))));
    await rename(tmp, this.file);
  }
}

export class Journal {
  private entries: JournalEntry[] = [];
  private bytes = 0;
  private readonly store: JournalStore | null;
  private readonly limits: JournalLimits;
  // Saves are chained so the store sees the changes in the order they were made.
  private writing: Promise<void> = Promise.resolve();

  /** `store`: a file path, any JournalStore, or null to keep the journal in memory only. */
  constructor(store: string | JournalStore | null, limits: JournalLimits) {
    this.store = typeof store === 'string' ? new FileJournalStore(store) : store;
    this.limits = limits;
  }

  /**
   * Loads the journal file and keeps it only when it leads to `serial`, the version being served: a file
   * left from before the zone was edited by hand would describe changes that never happened to it.
   */
  static load(file: string, limits: JournalLimits, serial: number): { journal: Journal; dropped: string | null } {
    if (!existsSync(file)) return { journal: new Journal(file, limits), dropped: null };
    let entries: JournalEntry[];
    try {
      const data = readFileSync(file);
      entries = [];
      for (let p = 0; p < data.length;) {
        const len = data.readUInt32BE(p);
        entries.push(new JournalEntry(new Uint8Array(data.buffer, data.byteOffset + p + 4, len)));
        p += 4 + len;
      }
    } catch (err) {
      const journal = new Journal(file, limits);
      journal.cut();
      return { journal, dropped: (err as Error).message };
    }
    return Journal.restore(entries, file, limits, serial);
  }

  /**
   * A journal from entries read back from its store (oldest first), kept only when they chain and end at
   * `serial`; otherwise an empty journal, the store is cut to match, and `dropped` says why.
   */
  static restore(
    entries: readonly JournalEntry[], store: string | JournalStore | null, limits: JournalLimits, serial: number,
  ): { journal: Journal; dropped: string | null } {
    const journal = new Journal(store, limits);
    const problem = chainProblem(entries, serial);
    if (problem !== null) {
      journal.cut();
      return { journal, dropped: problem };
    }
    for (const e of entries) journal.keep(e);
    return { journal, dropped: null };
  }

  get size(): number {
    return this.entries.length;
  }

  /** The serial the oldest step starts from, or null when the journal is empty. */
  get oldest(): number | null {
    return this.entries.length === 0 ? null : this.entries[0].from;
  }

  /** Records the step to a new serial; a step that does not follow the last one starts the journal over. */
  append(entry: JournalEntry): Promise<void> {
    let dropped = false;
    if (this.entries.length > 0 && this.entries.at(-1)!.to !== entry.from) {
      this.entries = [];
      this.bytes = 0;
      dropped = true;
    }
    if (this.keep(entry)) dropped = true;
    return this.persist(this.entries.slice(), entry, dropped);
  }

  /** The entries leading from `serial` to the newest, or null when the journal does not reach back to it. */
  from(serial: number): JournalEntry[] | null {
    const start = this.entries.findIndex((e) => e.from === serial);
    return start < 0 ? null : this.entries.slice(start);
  }

  /** Waits for pending saves (tests, shutdown). Never rejects: a failed save has already been reported to its caller. */
  flush(): Promise<void> {
    return this.writing;
  }

  private keep(entry: JournalEntry): boolean {
    this.entries.push(entry);
    this.bytes += entry.bytes.length;
    let trimmed = false;
    while (this.entries.length > 1 && (this.entries.length > this.limits.maxEntries || this.bytes > this.limits.maxBytes)) {
      this.bytes -= this.entries.shift()!.bytes.length;
      trimmed = true;
    }
    return trimmed;
  }

  /**
   * Saves the empty journal after stored entries were found unusable. Not awaited: should it fail, the
   * unusable entries are dropped again on the next load, and the next append rewrites them anyway.
   */
  private cut(): void {
    this.persist([], null, true).catch(() => undefined);
  }

  // `entries` is a copy taken when the journal changed: a save that runs later must not see later changes,
  // or a rewrite followed by a queued append would write the newest entry twice.
  private persist(entries: readonly JournalEntry[], appended: JournalEntry | null, dropped: boolean): Promise<void> {
    const store = this.store;
    if (store === null) return Promise.resolve();
    // A failed save rejects for its caller but does not stop the saves after it.
    const saved = this.writing.then(() => store.save(entries, appended, dropped));
    this.writing = saved.catch(() => undefined);
    return saved;
  }
}

/** Why `entries` cannot serve as the journal of a zone at `serial`, or null when they can. */
export function chainProblem(entries: readonly JournalEntry[], serial: number): string | null {
  for (let i = 1; i < entries.length; i++) if (entries[i].from !== entries[i - 1].to) return 'entries do not chain';
  if (entries.length > 0 && entries.at(-1)!.to !== serial) return `it ends at serial ${entries.at(-1)!.to}, not ${serial}`;
  return null;
}

function frame(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + bytes.length);
  out.writeUInt32BE(bytes.length, 0);
  out.set(bytes, 4);
  return out;
}
