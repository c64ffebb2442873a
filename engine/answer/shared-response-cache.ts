// Finished responses in shared memory, one table for every answering thread: an answer one thread built is
// a hit for all of them, and the table's memory does not grow with the number of threads. Buckets of four
// fixed-size slots (a question may sit in any of its bucket's four; a new one takes an empty slot, else
// the one stored longest ago), each slot guarded by a sequence word (a seqlock): a writer takes a slot by
// moving its sequence from even to odd and back, a reader copies the response out and keeps it only if
// the sequence did not move meanwhile. Nobody waits: a slot being written is a miss, a slot taken is not
// stored into. (Direct-mapped, a table as large as the working set kept only about 70% of it.)
//
// An entry is valid while its zone still serves the version it was built from and the set of zones is the
// one it was built in: both are counters in a second shared array (ZoneVersions), bumped by the thread
// that owns the zone table.
import { HEADER_SIZE } from '../codec/constants.ts';
import { LOWER } from '../codec/name.ts';
import type { Query } from '../codec/query.ts';
import { answerFrom, keyOf, variantOf, type AnswerCache } from './response-cache.ts';
import type { HostedZone } from './zone-table.ts';

// One slot: eight Int32 words, then the lower-cased question and the response, back to back.
const SLOT_BYTES = 256;
const SLOT_WORDS = SLOT_BYTES / 4;
const W_SEQ = 0; // even: stable; odd: being written
const W_KEY = 1; // keyOf(): name, type, class and variant hashed
const W_VARIANT = 2;
const W_ZONE = 3; // the zone's slot in ZoneVersions
const W_VERSION = 4; // the zone's version the answer was built from
const W_GENERATION = 5; // the zone set's generation then
const W_QUESTION_BYTES = 6;
const W_RESPONSE_BYTES = 7; // 0: an empty slot
const DATA = 32;
/** Question and response together must fit here; larger answers are not cached (most fit, unsigned). */
const DATA_BYTES = SLOT_BYTES - DATA;
const WAYS = 4;
// W_KEY's low bits pick the bucket; a stamp of when each slot was stored sits in W_VARIANT's upper bits.
const STAMP_SHIFT = 8;

// ZoneVersions: Int32 [0] the zone set's generation, [1 + slot] the version of the zone in that slot.
const V_GENERATION = 0;
/** Zones beyond this many are answered, just not cached in shared memory. */
export const MAX_VERSIONED_ZONES = 1 << 20;

/**
 * The table's memory for `entries` responses: twice as many slots (a power of two), so that the buckets of
 * a working set that size rarely overflow. Only the slots ever written take memory.
 */
export function allocateSharedResponses(entries: number): SharedArrayBuffer {
  const slots = 2 ** Math.ceil(Math.log2(Math.max(2 * WAYS, 2 * entries)));
  return new SharedArrayBuffer(slots * SLOT_BYTES);
}

/**
 * The versions an entry is checked against. The owner of the zone table gives each zone a slot, bumps its
 * version whenever it serves another snapshot, and bumps the generation whenever a zone comes or goes.
 */
export class ZoneVersions {
  readonly buffer = new SharedArrayBuffer((1 + MAX_VERSIONED_ZONES) * 4);
  private readonly words = new Int32Array(this.buffer);
  private readonly free: number[] = [];
  private next = 0;

  /** A slot for a zone now hosted, or -1 when there are none left. */
  assign(zone: HostedZone): void {
    const slot = this.free.pop() ?? (this.next < MAX_VERSIONED_ZONES ? this.next++ : -1);
    zone.cacheSlot = slot;
    this.bump(zone);
    Atomics.add(this.words, V_GENERATION, 1);
  }

  /** The zone serves something else: entries built from what it served before are stale. */
  bump(zone: HostedZone): void {
    if (zone.cacheSlot >= 0) zone.cacheVersion = Atomics.add(this.words, 1 + zone.cacheSlot, 1) + 1;
  }

  release(zone: HostedZone): void {
    Atomics.add(this.words, V_GENERATION, 1);
    if (zone.cacheSlot < 0) return;
    this.bump(zone);
    this.free.push(zone.cacheSlot);
    zone.cacheSlot = -1;
  }

  get generation(): number {
    return Atomics.load(this.words, V_GENERATION);
  }
}

export class SharedResponseCache implements AnswerCache {
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly versions: Int32Array;
  /** Buckets are picked by the top bits of the key times the golden ratio (Fibonacci hashing). */
  private readonly bucketShift: number;
  /** Orders this thread's stores, so that a full bucket gives up its oldest slot. */
  private clock = 0;
  /** The zone set's generation as this thread's zone table has it (what it stores entries under). */
  generation = 0;
  hits = 0;
  misses = 0;

  constructor(table: SharedArrayBuffer, versions: SharedArrayBuffer) {
    this.words = new Int32Array(table);
    this.bytes = new Uint8Array(table);
    this.versions = new Int32Array(versions);
    this.bucketShift = 32 - Math.log2(table.byteLength / SLOT_BYTES / WAYS);
  }

  lookup(msg: Uint8Array, q: Query, tcp: boolean, limit: number, prefix: number): Buffer | null {
    const variant = variantOf(q, tcp);
    const key = keyOf(msg, q, variant) | 0;
    const w = this.words;
    const first = this.bucket(key);
    for (let base = first; base < first + WAYS * SLOT_WORDS; base += SLOT_WORDS) {
      if (w[base + W_KEY] !== key) continue;
      const out = this.take(base, key, variant, msg, q, limit, prefix);
      if (out !== null) {
        this.hits++;
        return out;
      }
    }
    this.misses++;
    return null;
  }

  /** The answer in the slot at `base`, if it is this question's, still valid, and was not written over meanwhile. */
  private take(base: number, key: number, variant: number, msg: Uint8Array, q: Query, limit: number, prefix: number): Buffer | null {
    const w = this.words;
    const seq = Atomics.load(w, base + W_SEQ);
    const questionBytes = w[base + W_QUESTION_BYTES];
    const responseBytes = w[base + W_RESPONSE_BYTES];
    // Fields read while a writer is at work may be anything: each is range-checked before it is used.
    const zoneSlot = w[base + W_ZONE];
    if (
      (seq & 1) !== 0 || responseBytes <= 0 || w[base + W_KEY] !== key || (w[base + W_VARIANT] & 0xff) !== variant ||
      responseBytes > limit || questionBytes !== q.questionEnd - HEADER_SIZE || questionBytes + responseBytes > DATA_BYTES ||
      zoneSlot < 0 || zoneSlot >= MAX_VERSIONED_ZONES || Atomics.load(this.versions, 1 + zoneSlot) !== w[base + W_VERSION] ||
      Atomics.load(this.versions, V_GENERATION) !== w[base + W_GENERATION] ||
      !this.sameQuestion(base * 4 + DATA, msg, q)
    ) return null;
    const from = base * 4 + DATA + questionBytes;
    const out = answerFrom(this.bytes.subarray(from, from + responseBytes), msg, q, prefix);
    // Written over while we copied: what we have may be torn.
    return Atomics.load(w, base + W_SEQ) === seq ? out : null;
  }

  store(msg: Uint8Array, q: Query, tcp: boolean, response: Uint8Array, zone: HostedZone): void {
    const questionBytes = q.questionEnd - HEADER_SIZE;
    if (zone.cacheSlot < 0 || questionBytes + response.length > DATA_BYTES) return;
    const variant = variantOf(q, tcp);
    const key = keyOf(msg, q, variant) | 0;
    const w = this.words;
    const base = this.victim(this.bucket(key), key);
    const seq = Atomics.load(w, base + W_SEQ);
    if ((seq & 1) !== 0 || Atomics.compareExchange(w, base + W_SEQ, seq, seq + 1) !== seq) return; // another thread writes it
    w[base + W_KEY] = key;
    w[base + W_VARIANT] = variant | (++this.clock << STAMP_SHIFT);
    w[base + W_ZONE] = zone.cacheSlot;
    w[base + W_VERSION] = zone.cacheVersion;
    w[base + W_GENERATION] = this.generation;
    w[base + W_QUESTION_BYTES] = questionBytes;
    w[base + W_RESPONSE_BYTES] = response.length;
    const at = base * 4 + DATA;
    const b = this.bytes;
    const nameBytes = q.qnameEnd - HEADER_SIZE;
    for (let i = 0; i < nameBytes; i++) b[at + i] = LOWER[msg[HEADER_SIZE + i]];
    for (let i = nameBytes; i < questionBytes; i++) b[at + i] = msg[HEADER_SIZE + i];
    b.set(response, at + questionBytes);
    Atomics.store(w, base + W_SEQ, seq + 2);
  }

  /** The first word of `key`'s bucket. */
  private bucket(key: number): number {
    return (Math.imul(key, 0x9e3779b1) >>> this.bucketShift) * WAYS * SLOT_WORDS;
  }

  /** The slot of the bucket at `first` to store `key` in: its own (a stale copy), an empty one, else the oldest. */
  private victim(first: number, key: number): number {
    const w = this.words;
    let oldest = first;
    for (let base = first; base < first + WAYS * SLOT_WORDS; base += SLOT_WORDS) {
      if (w[base + W_KEY] === key || w[base + W_RESPONSE_BYTES] === 0) return base;
      // Stamps wrap: compared as distances from now, the largest distance is the oldest.
      if (((this.clock - (w[base + W_VARIANT] >> STAMP_SHIFT)) & 0xffffff) > ((this.clock - (w[oldest + W_VARIANT] >> STAMP_SHIFT)) & 0xffffff)) oldest = base;
    }
    return oldest;
  }

  private sameQuestion(at: number, msg: Uint8Array, q: Query): boolean {
    const b = this.bytes;
    const nameBytes = q.qnameEnd - HEADER_SIZE;
    for (let i = 0; i < nameBytes; i++) if (b[at + i] !== LOWER[msg[HEADER_SIZE + i]]) return false;
    for (let i = nameBytes; i < q.questionEnd - HEADER_SIZE; i++) if (b[at + i] !== msg[HEADER_SIZE + i]) return false;
    return true;
  }
}
