// One IXFR journal entry: the step from one serial to the next (RFC 1995 §4), as a self-contained byte
// image that can cross threads and be appended to a journal file as it is.
//
//   u32 magic, u32 from serial, u32 to serial,
//   u32 bytes and u32 count of: the old SOA RR, the new SOA RR, the deleted RRs, the added RRs; then those four
//   packed RR lists (rr-list.ts) in that order.
import { RRListReader, type RRListWriter } from './rr-list.ts';

const MAGIC = 0x7a6a6e31; // "zjn1"
const HEAD_WORDS = 11;
export const JOURNAL_ENTRY_HEAD = HEAD_WORDS * 4;

export class JournalEntryError extends Error {
  override name = 'JournalEntryError';
}

export function encodeJournalEntry(
  oldSoa: RRListWriter, newSoa: RRListWriter, from: number, to: number, deleted: RRListWriter, added: RRListWriter,
): Uint8Array {
  const parts = [oldSoa, newSoa, deleted, added];
  const total = JOURNAL_ENTRY_HEAD + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC);
  view.setUint32(4, from);
  view.setUint32(8, to);
  let p = JOURNAL_ENTRY_HEAD;
  parts.forEach((part, i) => {
    view.setUint32(12 + i * 8, part.length);
    view.setUint32(16 + i * 8, part.count);
    out.set(part.bytes.subarray(0, part.length), p);
    p += part.length;
  });
  return out;
}

/** Read side: section offsets into `bytes` for the SOAs and the two RR lists. */
export class JournalEntry {
  readonly bytes: Uint8Array;
  readonly from: number;
  readonly to: number;
  private readonly starts: number[] = [];
  private readonly counts: number[] = [];

  constructor(bytes: Uint8Array) {
    if (bytes.length < JOURNAL_ENTRY_HEAD) throw new JournalEntryError('journal entry shorter than its header');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    if (view.getUint32(0) !== MAGIC) throw new JournalEntryError('not a journal entry');
    this.bytes = bytes;
    this.from = view.getUint32(4);
    this.to = view.getUint32(8);
    let p = JOURNAL_ENTRY_HEAD;
    for (let i = 0; i < 4; i++) {
      this.starts.push(p);
      this.counts.push(view.getUint32(16 + i * 8));
      p += view.getUint32(12 + i * 8);
    }
    this.starts.push(p);
    if (p !== bytes.length) throw new JournalEntryError('journal entry length mismatch');
  }

  get oldSoa(): RRListReader { return this.section(0); }
  get newSoa(): RRListReader { return this.section(1); }
  get deleted(): RRListReader { return this.section(2); }
  get added(): RRListReader { return this.section(3); }
  get deletedCount(): number { return this.counts[2]; }
  get addedCount(): number { return this.counts[3]; }

  private section(i: number): RRListReader {
    return new RRListReader(this.bytes, this.starts[i], this.starts[i + 1]);
  }
}
