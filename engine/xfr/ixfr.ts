// Incremental transfer responses (RFC 1995 §4): the serving SOA, then the client's SOA, the RRs to delete,
// the serving SOA, the RRs to add, and the serving SOA again. A client several versions behind gets one
// condensed difference (RFC 1995 §5): an RR added and later deleted, or deleted and re-added, cancels out.
import { nameKey } from '../codec/name.ts';
import type { JournalEntry } from './journal-entry.ts';
import type { RRListReader } from './rr-list.ts';
import { MessageSplitter } from './splitter.ts';

interface RRRef {
  bytes: Uint8Array;
  owner: number;
  type: number;
  ttl: number;
  rdata: number;
  rdlength: number;
}

/** Renders the IXFR response for a journal path into finished messages (ID 0; the sender patches it). */
export function renderIxfr(chain: JournalEntry[], question: Uint8Array, maxMessageSize: number, reserve: number): Uint8Array[] {
  const messages: Uint8Array[] = [];
  const splitter = new MessageSplitter(maxMessageSize, reserve, question, (m, len) => messages.push(m.slice(0, len)));
  const put = (r: RRRef) => splitter.rr(r.bytes, r.owner, r.type, r.ttl, r.bytes, r.rdata, r.rdlength);
  const current = first(chain.at(-1)!.newSoa);
  const { deleted, added } = chain.length === 1 ? listsOf(chain[0]) : condense(chain);
  put(current);
  put(first(chain[0].oldSoa));
  deleted.forEach(put);
  put(current);
  added.forEach(put);
  put(current);
  splitter.end();
  return messages;
}

function first(list: RRListReader): RRRef {
  list.next();
  return refOf(list);
}

function refOf(r: RRListReader): RRRef {
  return { bytes: r.bytes, owner: r.owner, type: r.type, ttl: r.ttl, rdata: r.rdata, rdlength: r.rdlength };
}

function listsOf(entry: JournalEntry): { deleted: RRRef[]; added: RRRef[] } {
  const collect = (r: RRListReader) => {
    const out: RRRef[] = [];
    while (r.next()) out.push(refOf(r));
    return out;
  };
  return { deleted: collect(entry.deleted), added: collect(entry.added) };
}

function condense(chain: JournalEntry[]): { deleted: RRRef[]; added: RRRef[] } {
  const deleted = new Map<string, RRRef>();
  const added = new Map<string, RRRef>();
  for (const entry of chain) {
    for (const r = entry.deleted; r.next();) {
      const key = keyOf(r);
      if (!added.delete(key)) deleted.set(key, refOf(r));
    }
    for (const r = entry.added; r.next();) {
      const key = keyOf(r);
      if (!deleted.delete(key)) added.set(key, refOf(r));
    }
  }
  return { deleted: [...deleted.values()], added: [...added.values()] };
}

/** Identity of an RR across versions: owner (case-insensitive), type, TTL and rdata. */
function keyOf(r: RRListReader): string {
  const b = r.bytes;
  return nameKey(b, r.owner) + String.fromCharCode(r.type, r.ttl >>> 16, r.ttl & 0xffff) + Buffer.from(b.buffer, b.byteOffset + r.rdata, r.rdlength).toString('latin1');
}
