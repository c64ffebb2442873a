// Finished responses keyed by the normalised question, so that a repeated question costs a hash, a
// compare and a copy. The copy gets the requester's ID, RD/CD bits and question letter case (0x20).
// Entries are valid only while their zone still serves the snapshot they were built from, and while the
// set of zones is unchanged (a new child zone could take the name over).
import { LRUCache } from 'lru-cache';
import { HEADER_SIZE, Type } from '../codec/constants.ts';
import { LOWER, nameHash } from '../codec/name.ts';
import type { Query } from '../codec/query.ts';
import type { ZoneSnapshot } from '../snapshot/snapshot.ts';
import type { HostedZone, ZoneTable } from './zone-table.ts';

const V_EDNS = 1;
const V_DO = 2;
const V_TCP = 4; // only ANY answers differ between transports (RFC 8482)

interface Entry {
  readonly question: Uint8Array; // lower-cased qname, then qtype and qclass as on the wire
  readonly variant: number;
  readonly response: Uint8Array;
  readonly zone: HostedZone;
  readonly snapshot: ZoneSnapshot;
  readonly generation: number;
}

/** A cache of finished responses as the query handler uses it: this thread's (below) or shared by threads. */
export interface AnswerCache {
  hits: number;
  misses: number;
  lookup(msg: Uint8Array, q: Query, tcp: boolean, limit: number, prefix: number): Buffer | null;
  store(msg: Uint8Array, q: Query, tcp: boolean, response: Uint8Array, zone: HostedZone, snapshot: ZoneSnapshot): void;
}

export class ResponseCache implements AnswerCache {
  private readonly entries: LRUCache<number, Entry>;
  private readonly zones: ZoneTable;
  hits = 0;
  misses = 0;

  constructor(zones: ZoneTable, maxEntries: number) {
    this.zones = zones;
    this.entries = new LRUCache({ max: Math.max(1, maxEntries) });
  }

  /**
   * Copies a cached response for this question into a fresh buffer of `prefix` + length bytes (a TCP
   * length prefix, or none), or returns null. `limit` is the most the requester can take.
   */
  lookup(msg: Uint8Array, q: Query, tcp: boolean, limit: number, prefix: number): Buffer | null {
    const variant = variantOf(q, tcp);
    const entry = this.entries.get(keyOf(msg, q, variant));
    if (
      entry === undefined || entry.variant !== variant || entry.response.length > limit ||
      entry.generation !== this.zones.generation || entry.zone.snapshot !== entry.snapshot ||
      !sameQuestion(entry.question, msg, q)
    ) {
      this.misses++;
      return null;
    }
    this.hits++;
    return answerFrom(entry.response, msg, q, prefix);
  }

  store(msg: Uint8Array, q: Query, tcp: boolean, response: Uint8Array, zone: HostedZone, snapshot: ZoneSnapshot): void {
    const variant = variantOf(q, tcp);
    // A copy, never a view: on a Buffer `slice` shares memory, which would lower-case the request in place
    // and pin the whole read buffer (or a reused batch slot) for as long as the entry lives.
    const question = Uint8Array.prototype.slice.call(msg, HEADER_SIZE, q.questionEnd);
    for (let i = 0; i < q.qnameEnd - HEADER_SIZE; i++) question[i] = LOWER[question[i]];
    this.entries.set(keyOf(msg, q, variant), { question, variant, response, zone, snapshot, generation: this.zones.generation });
  }

}

/**
 * A fresh buffer of `prefix` + the cached response's length: the response with the requester's ID, RD and
 * CD bits and question letter case.
 */
export function answerFrom(src: Uint8Array, msg: Uint8Array, q: Query, prefix: number): Buffer {
  const out = Buffer.allocUnsafe(prefix + src.length);
  out.set(src, prefix);
  out[prefix] = msg[0];
  out[prefix + 1] = msg[1];
  // RD (byte 2, bit 0) and CD (byte 3, 0x10) are copied from each request.
  out[prefix + 2] = (src[2] & 0xfe) | (msg[2] & 0x01);
  out[prefix + 3] = (src[3] & 0xef) | (msg[3] & 0x10);
  out.set(msg.subarray(HEADER_SIZE, q.qnameEnd), prefix + HEADER_SIZE);
  return out;
}

/** Which shape of answer a question gets besides its name and type: EDNS, DO, and ANY over TCP. */
export function variantOf(q: Query, tcp: boolean): number {
  let v = 0;
  if (q.hasEdns) v |= V_EDNS | (q.ednsFlags & 0x8000 ? V_DO : 0);
  if (tcp && q.qtype === Type.ANY) v |= V_TCP;
  return v;
}

export function keyOf(msg: Uint8Array, q: Query, variant: number): number {
  const h = nameHash(msg, HEADER_SIZE, q.qnameEnd);
  return (Math.imul(h ^ ((q.qtype << 16) | q.qclass), 0x01000193) ^ variant) >>> 0;
}

function sameQuestion(question: Uint8Array, msg: Uint8Array, q: Query): boolean {
  if (question.length !== q.questionEnd - HEADER_SIZE) return false;
  const nameLen = q.qnameEnd - HEADER_SIZE;
  for (let i = 0; i < nameLen; i++) if (question[i] !== LOWER[msg[HEADER_SIZE + i]]) return false;
  for (let i = nameLen; i < question.length; i++) if (question[i] !== msg[HEADER_SIZE + i]) return false;
  return true;
}
