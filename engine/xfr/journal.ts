// The IXFR journal of one zone: consecutive journal entries from older serials to the serving one, bounded
// by entry count and bytes, kept on disk (one file per zone, each entry framed by its u32 length) so that a
// restarted server, or any instance reading the file, can still answer IXFR.
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { JournalEntry } from './journal-entry.ts';

export interface JournalLimits {
  maxEntries: number;
  maxBytes: number;
}

export const JOURNAL_DEFAULTS: JournalLimits = { maxEntries: 100, maxBytes: 64 * 1024 * 1024 };

export class Journal {
  private entries: JournalEntry[] = [];
  private bytes = 0;
  private readonly file: string | null;
  private readonly limits: JournalLimits;
  // Writes are chained so the file sees appends and rewrites in the order they were made.
  private writing: Promise<void> = Promise.resolve();

  constructor(file: string | null, limits: JournalLimits) {
    this.file = file;
    this.limits = limits;
  }

  /**
   * Loads the journal file and keeps it only when it leads to `serial`, the version being served: a file
   * left from before the zone was edited by hand would describe changes that never happened to it.
   */
  static load(file: string, limits: JournalLimits, serial: number): { journal: Journal; dropped: string | null } {
    const journal = new Journal(file, limits);
    if (!existsSync(file)) return { journal, dropped: null };
    try {
      const data = readFileSync(file);
      const entries: JournalEntry[] = [];
      for (let p = 0; p < data.length;) {
        const len = data.readUInt32BE(p);
        entries.push(new JournalEntry(new Uint8Array(data.buffer, data.byteOffset + p + 4, len)));
        p += 4 + len;
      }
      for (let i = 1; i < entries.length; i++) if (entries[i].from !== entries[i - 1].to) throw new Error('entries do not chain');
      if (entries.length > 0 && entries.at(-1)!.to !== serial) throw new Error(`it ends at serial ${entries.at(-1)!.to}, not ${serial}`);
      for (const e of entries) journal.keep(e);
      return { journal, dropped: null };
    } catch (err) {
      journal.rewrite();
      return { journal, dropped: (err as Error).message };
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /** Records the step to a new serial; a step that does not follow the last one starts the journal over. */
  append(entry: JournalEntry): Promise<void> {
    if (this.entries.length > 0 && this.entries.at(-1)!.to !== entry.from) {
      this.entries = [];
      this.bytes = 0;
    }
    const trimmed = this.keep(entry);
    if (trimmed || this.entries.length === 1) return this.rewrite();
    return this.persist(() => appendFile(this.file!, frame(entry.bytes)));
  }

  /** The entries leading from `serial` to the newest, or null when the journal does not reach back to it. */
  from(serial: number): JournalEntry[] | null {
    const start = this.entries.findIndex((e) => e.from === serial);
    return start < 0 ? null : this.entries.slice(start);
  }

  /** Waits for pending file writes (tests, shutdown). */
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

  private rewrite(): Promise<void> {
    return this.persist(async () => {
      const tmp = `${this.file}.tmp`;
      await writeFile(tmp, Buffer.concat(this.entries.map((e) => frame(e.bytes))));
      await rename(tmp, this.file!);
    });
  }

  private persist(write: () => Promise<void>): Promise<void> {
    if (this.file === null) return Promise.resolve();
    this.writing = this.writing.then(write);
    return this.writing;
  }
}

function frame(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + bytes.length);
  out.writeUInt32BE(bytes.length, 0);
  out.set(bytes, 4);
  return out;
}
