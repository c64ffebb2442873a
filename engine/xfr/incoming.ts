// Zone transfers received from a primary: RFC 5936 AXFR and RFC 1995 IXFR responses. TransferScanner follows
// the stream as it arrives and tells when it is complete; applyTransfer turns the finished response into
// the records of the new version (for IXFR by applying each difference sequence to the previous version),
// which then compile into a snapshot like any zone. incrementalChange gives just the RRsets an IXFR changes,
// as they are after it, for patching the previous version instead (snapshot/patch.ts); journalChange does
// the same for steps of a stored IXFR journal.
import { nameKey, nameLength } from '../codec/name.ts';
import { MessageError, RRReader } from '../codec/message-reader.ts';
import { Type } from '../codec/constants.ts';
import type { RecordSink } from '../zonefile/sink.ts';
import type { JournalEntry } from './journal-entry.ts';
import type { RRListReader } from './rr-list.ts';
import type { ReplacedRRset } from '../snapshot/patch.ts';
import type { ZoneSnapshot } from '../snapshot/snapshot.ts';

export type IncomingKind = 'axfr' | 'ixfr' | 'current';

/**
 * The shape of a transfer response: the first RR is the new SOA. An AXFR-style body ends at the next SOA of
 * that serial. An incremental body alternates deletion sequences (opened by an older SOA) and addition
 * sequences (opened by a newer SOA), and ends where a deletion sequence would open with the new serial.
 */
export class TransferScanner {
  kind: IncomingKind | null = null;
  serial = -1;
  done = false;
  private count = 0;
  private adding = false;
  private readonly rr = new RRReader();
  private readonly ixfrRequested: boolean;

  /** `ixfrRequested`: a lone SOA in the first message then means "you are current" (RFC 1995 §2). */
  constructor(ixfrRequested: boolean) {
    this.ixfrRequested = ixfrRequested;
  }

  feed(msg: Uint8Array): void {
    if (this.done) throw new MessageError('data after the end of the transfer');
    const rr = this.rr;
    rr.answers(msg);
    const first = this.count === 0;
    while (rr.next()) this.step();
    if (first && this.count === 1 && this.ixfrRequested) {
      this.kind = 'current';
      this.done = true;
    }
  }

  private step(): void {
    const rr = this.rr;
    const soa = rr.type === Type.SOA;
    if (this.done) throw new MessageError('records after the closing SOA');
    if (++this.count === 1) {
      if (!soa) throw new MessageError('a transfer must open with the SOA');
      this.serial = rr.soaSerial;
      return;
    }
    if (this.count === 2) {
      this.kind = soa && rr.soaSerial !== this.serial && this.ixfrRequested ? 'ixfr' : 'axfr';
      if (this.kind === 'ixfr') return; // the older SOA that opens the first deletion sequence
    }
    if (!soa) return;
    if (this.kind === 'axfr') {
      if (rr.soaSerial !== this.serial) throw new MessageError('AXFR closed by an SOA with another serial');
      this.done = true;
    } else if (this.adding && rr.soaSerial === this.serial) {
      this.done = true;
    } else {
      this.adding = !this.adding;
    }
  }
}

export interface AppliedTransfer {
  kind: IncomingKind;
  serial: number;
  records: number;
}

/**
 * Writes the records of the version a complete response leads to into `sink`. For an incremental response
 * `base` is the version the client asked from; every deletion must match one of its records, or the
 * difference does not apply and the caller should fall back to AXFR.
 */
export function applyTransfer(messages: Uint8Array[], ixfrRequested: boolean, base: ZoneSnapshot | null, sink: RecordSink): AppliedTransfer {
  const { kind, serial } = scanTransfer(messages, ixfrRequested);
  if (kind === 'current') return { kind, serial, records: 0 };
  if (kind === 'axfr') return { kind, serial, records: copyAxfr(messages, sink) };
  if (base === null) throw new MessageError('an incremental transfer needs the previous version');
  return { kind, serial, records: applyIncrements(messages, base, sink) };
}

/** What a complete response is: AXFR, IXFR or "current", and the serial it leads to. */
export function scanTransfer(messages: Uint8Array[], ixfrRequested: boolean): { kind: IncomingKind; serial: number } {
  const scanner = new TransferScanner(ixfrRequested);
  for (const m of messages) scanner.feed(m);
  if (!scanner.done || scanner.kind === null) throw new MessageError('the transfer ended before its closing SOA');
  return { kind: scanner.kind, serial: scanner.serial };
}

/**
 * For an incremental response to `base`: the RRsets it changes, written to `sink` as they are after it (RRs in
 * the order applyIncrements leaves them, so the first one's TTL stands for the set as in a whole build),
 * together with the newest SOA; returns every RRset replaced, the apex SOA among them. Throws as applyTransfer
 * does when a deletion does not match.
 */
export function incrementalChange(messages: Uint8Array[], base: ZoneSnapshot, sink: RecordSink): ReplacedRRset[] {
  return changedRRsets((visit) => walkIncrements(messages, visit), base, sink);
}

/**
 * The same for a chain of journal entries leading from `base` (the first entry's `from`) to the last entry's
 * `to`: how a zone image saved at an older serial catches up with the steps storage kept meanwhile.
 */
export function journalChange(entries: readonly JournalEntry[], base: ZoneSnapshot, sink: RecordSink): ReplacedRRset[] {
  if (entries.length === 0) throw new MessageError('no journal entries to apply');
  return changedRRsets((visit) => {
    for (const entry of entries) {
      walkList(entry.deleted, false, visit);
      walkList(entry.added, true, visit);
    }
    let soa: Held | null = null;
    walkList(entries[entries.length - 1].newSoa, true, (rr) => void (soa = held(rr)));
    if (soa === null) throw new MessageError('journal entry without its new SOA');
    return soa;
  }, base, sink);
}

/** An RR handed over by a walk of differences: views of its wire owner and rdata, with their lengths. */
interface ChangedRR {
  owner: Uint8Array;
  ownerLen: number;
  type: number;
  klass: number;
  ttl: number;
  rdata: Uint8Array;
  rdataLen: number;
}

/** What incrementalChange and journalChange share: the RRsets a walk of differences touches, as they are after it. */
function changedRRsets(walk: (visit: (rr: ChangedRR, adding: boolean) => void) => Held, base: ZoneSnapshot, sink: RecordSink): ReplacedRRset[] {
  const sets = new Map<string, { owner: Uint8Array; type: number; rrs: Map<string, Held> }>();
  const soa = walk((rr, adding) => {
    const key = setKey(rr.owner, rr.type);
    let set = sets.get(key);
    if (set === undefined) {
      const owner = rr.owner.slice(0, rr.ownerLen);
      sets.set(key, set = { owner, type: rr.type, rrs: rrsetOf(base, owner, rr.type) });
    }
    const rdata = Buffer.from(rr.rdata.buffer, rr.rdata.byteOffset, rr.rdataLen).toString('latin1');
    if (adding) set.rrs.set(rdata, held(rr));
    else if (!set.rrs.delete(rdata)) throw new MessageError('IXFR deletes a record this version does not have');
  });
  const replaced: ReplacedRRset[] = [{ owner: soa.owner, type: Type.SOA }];
  for (const set of sets.values()) {
    replaced.push({ owner: set.owner, type: set.type });
    for (const r of set.rrs.values()) sink.add(r.owner, r.owner.length, r.type, r.klass, r.ttl, r.rdata, r.rdata.length);
  }
  sink.add(soa.owner, soa.owner.length, soa.type, soa.klass, soa.ttl, soa.rdata, soa.rdata.length);
  return replaced;
}

/** Each RR of a journal entry's packed list (rr-list.ts: uncompressed owner, type, TTL, rdata), as a ChangedRR. */
function walkList(list: RRListReader, adding: boolean, visit: (rr: ChangedRR, adding: boolean) => void): void {
  const b = list.bytes;
  while (list.next()) {
    visit({
      owner: b.subarray(list.owner), ownerLen: nameLength(b, list.owner), type: list.type, klass: 1, ttl: list.ttl,
      rdata: b.subarray(list.rdata), rdataLen: list.rdlength,
    }, adding);
  }
}

/** Every RR but the closing SOA (the scanner has checked that the last RR is that SOA). */
function copyAxfr(messages: Uint8Array[], sink: RecordSink): number {
  const rr = new RRReader();
  let n = 0;
  for (const [i, m] of messages.entries()) {
    const count = rr.answers(m);
    const keep = i === messages.length - 1 ? count - 1 : count;
    for (let k = 0; k < keep && rr.next(); k++, n++) sink.add(rr.owner, rr.ownerLen, rr.type, rr.klass, rr.ttl, rr.rdata, rr.rdataLen);
  }
  return n;
}

interface Held {
  owner: Uint8Array;
  type: number;
  klass: number;
  ttl: number;
  rdata: Uint8Array;
}

function applyIncrements(messages: Uint8Array[], base: ZoneSnapshot, sink: RecordSink): number {
  const records = recordsOf(base);
  const soa = walkIncrements(messages, (rr, adding) => {
    const key = keyOf(rr.owner, rr.type, rr.rdata, rr.rdataLen);
    if (adding) records.set(key, held(rr));
    else if (!records.delete(key)) throw new MessageError('IXFR deletes a record this version does not have');
  });
  // IXFR carries SOAs only as delimiters: the previous version's SOA gives way to the newest one.
  let n = 1;
  for (const r of records.values()) {
    if (r.type === Type.SOA) continue;
    sink.add(r.owner, r.owner.length, r.type, r.klass, r.ttl, r.rdata, r.rdata.length);
    n++;
  }
  sink.add(soa.owner, soa.owner.length, soa.type, soa.klass, soa.ttl, soa.rdata, soa.rdata.length);
  return n;
}

/**
 * Calls `visit` with each RR of the difference sequences in order, saying whether it is added or deleted;
 * returns the newest SOA (the one opening the last addition sequence).
 */
function walkIncrements(messages: Uint8Array[], visit: (rr: RRReader, adding: boolean) => void): Held {
  const rr = new RRReader();
  let soa: Held | null = null;
  let count = 0;
  // As if an addition sequence had just ended: the next SOA either closes the response (the newest serial)
  // or opens a deletion sequence.
  let adding = true;
  let newest = -1;
  for (const m of messages) {
    rr.answers(m);
    while (rr.next()) {
      count++;
      if (count === 1) { newest = rr.soaSerial; continue; }
      if (rr.type === Type.SOA) {
        if (adding && rr.soaSerial === newest) break; // the closing SOA
        adding = !adding;
        if (adding) soa = held(rr);
        continue;
      }
      visit(rr, adding);
    }
  }
  if (soa === null) throw new MessageError('IXFR without an addition sequence');
  return soa;
}

/** The RRs of one RRset of a snapshot, keyed by rdata, in stored order; empty when it has none. */
function rrsetOf(snap: ZoneSnapshot, owner: Uint8Array, type: number): Map<string, Held> {
  const out = new Map<string, Held>();
  const node = snap.findNode(owner, 0, owner.length);
  const set = node < 0 ? -1 : snap.findRRset(node, type);
  if (set < 0) return out;
  const b = snap.bytes;
  let p = snap.rrsetRdata(set);
  for (let i = snap.rrsetCountOf(set); i > 0; i--) {
    const len = (b[p] << 8) | b[p + 1];
    const rdata = b.slice(p + 2, p + 2 + len);
    out.set(Buffer.from(rdata.buffer, rdata.byteOffset, len).toString('latin1'), { owner, type, klass: 1, ttl: snap.rrsetTtl(set), rdata });
    p += 2 + len;
  }
  return out;
}

function held(rr: ChangedRR): Held {
  return { owner: rr.owner.slice(0, rr.ownerLen), type: rr.type, klass: rr.klass, ttl: rr.ttl, rdata: rr.rdata.slice(0, rr.rdataLen) };
}

/** Identity of an RRset within a zone: owner (case-insensitive) and type. */
function setKey(owner: Uint8Array, type: number): string {
  return nameKey(owner, 0) + String.fromCharCode(type);
}

/** Identity of an RR within a zone: its RRset and its rdata; the TTL is an attribute. */
function keyOf(owner: Uint8Array, type: number, rdata: Uint8Array, rdataLen: number): string {
  return setKey(owner, type) + Buffer.from(rdata.buffer, rdata.byteOffset, rdataLen).toString('latin1');
}

/** The records of a snapshot keyed for applying differences. */
function recordsOf(snap: ZoneSnapshot): Map<string, Held> {
  const out = new Map<string, Held>();
  const b = snap.bytes;
  for (let node = 0; node < snap.nodeCount; node++) {
    const nameAt = snap.nodeName(node);
    const owner = b.slice(nameAt, nameAt + nameLength(b, nameAt));
    const first = snap.nodeFirstRRset(node);
    for (let set = first; set < first + snap.nodeRRsetCount(node); set++) {
      const type = snap.rrsetType(set);
      const ttl = snap.rrsetTtl(set);
      let p = snap.rrsetRdata(set);
      for (let i = snap.rrsetCountOf(set); i > 0; i--) {
        const len = (b[p] << 8) | b[p + 1];
        const rdata = b.slice(p + 2, p + 2 + len);
        out.set(keyOf(owner, type, rdata, len), { owner, type, klass: 1, ttl, rdata });
        p += 2 + len;
      }
    }
  }
  return out;
}
