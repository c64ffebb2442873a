// The AXFR response of one snapshot, rendered once (RFC 5936): SOA, every other RR, SOA, packed into
// messages of at most `maxMessageSize` bytes with names compressed inside each message and never across
// messages. Serving a transfer then only patches each message's ID (and the question's letter case) and adds
// TSIG when the request was signed.
//
// The image is a SharedArrayBuffer sized up front for the most the messages can take (every owner name
// uncompressed), which a pool thread fills while transfers already send the messages it has finished: the
// first AXFR of a new serial starts at once instead of waiting for the whole rendering (1.75 s for
// 1,000,000 records). Pages the rendering never reaches are never touched, so the size reserved costs no
// memory. Layout (u32 words):
//
//   magic, messages published N, state (0 rendering, 1 complete, 2 failed), capacity C,
//   offsets[C + 1] (byte offset of each message; offset N is the end of the last one), then the messages:
//   complete DNS messages with ID 0, flags QR|AA, the question in the first only.
//
// The renderer writes a message, then its end offset, then publishes the count (Atomics.store, then
// notify); readers load the count first, so every message they see is whole.
import { Class, Type } from '../codec/constants.ts';
import { nameLength } from '../codec/name.ts';
import type { ZoneSnapshot } from '../snapshot/snapshot.ts';
import { MessageSplitter } from './splitter.ts';
import type { MessageSource } from './transfer-stream.ts';

export const AXFR_IMAGE_MAGIC = 0x7a617832; // "zax2"

export interface AxfrImageOptions {
  /** RFC 5936 §2.2 places no limit below 65535; Designate's `max_message_size` defaults to 65535. */
  maxMessageSize: number;
  /** Bytes left free in every message so a TSIG RR fits when the request was signed. */
  reserve: number;
}

export class AxfrImageError extends Error {
  override name = 'AxfrImageError';
}

const W_MAGIC = 0;
const W_COUNT = 1;
const W_STATE = 2;
const W_CAPACITY = 3;
const W_OFFSETS = 4;
const RENDERING = 0;
const COMPLETE = 1;
const FAILED = 2;

/** The wire question of an AXFR of the zone whose apex is the wire name `apex` (apex name, AXFR, IN). */
export function axfrQuestionOf(apex: Uint8Array): Uint8Array {
  const question = new Uint8Array(apex.length + 4);
  question.set(apex);
  question[apex.length + 1] = Type.AXFR;
  question[apex.length + 3] = Class.IN;
  return question;
}

function axfrQuestion(snap: ZoneSnapshot): Uint8Array {
  const apex = snap.apexName;
  return axfrQuestionOf(snap.bytes.subarray(apex, apex + nameLength(snap.bytes, apex)));
}

/** Calls `rr` with every RR of the transfer in order: the SOA, every other RR, the SOA again. */
function walkTransfer(snap: ZoneSnapshot, rr: (owner: number, type: number, ttl: number, rdata: number, rdlength: number) => void): void {
  const b = snap.bytes;
  const rrset = (set: number, node: number) => {
    const owner = snap.nodeName(node);
    const type = snap.rrsetType(set);
    const ttl = snap.rrsetTtl(set);
    let p = snap.rrsetRdata(set);
    for (let i = snap.rrsetCountOf(set); i > 0; i--) {
      const rdlength = (b[p] << 8) | b[p + 1];
      rr(owner, type, ttl, p + 2, rdlength);
      p += 2 + rdlength;
    }
  };
  const soa = snap.soaRRset;
  rrset(soa, 0);
  for (let node = 0; node < snap.nodeCount; node++) {
    const first = snap.nodeFirstRRset(node);
    const end = first + snap.nodeRRsetCount(node);
    for (let set = first; set < end; set++) if (set !== soa) rrset(set, node);
  }
  rrset(soa, 0); // RFC 5936 §2.2: the same SOA ends the transfer
}

/**
 * An empty image for the snapshot's transfer, sized for the most it can take: every RR with its owner
 * uncompressed, one RR a message. Walks the snapshot (a few milliseconds for 1,000,000 records).
 */
export function allocateAxfrImage(snap: ZoneSnapshot): SharedArrayBuffer {
  let bytes = axfrQuestion(snap).length;
  let rrs = 0;
  walkTransfer(snap, (owner, _type, _ttl, _rdata, rdlength) => {
    bytes += nameLength(snap.bytes, owner) + 10 + rdlength + 12;
    rrs++;
  });
  const capacity = rrs;
  const buffer = new SharedArrayBuffer(4 * (W_OFFSETS + capacity + 1) + bytes);
  const words = new Int32Array(buffer, 0, W_OFFSETS + capacity + 1);
  words[W_MAGIC] = AXFR_IMAGE_MAGIC;
  words[W_CAPACITY] = capacity;
  words[W_OFFSETS] = 4 * (W_OFFSETS + capacity + 1);
  return buffer;
}

/** Renders the transfer into `target` (from allocateAxfrImage), publishing each message as it is finished. */
export function renderAxfrImage(snap: ZoneSnapshot, options: AxfrImageOptions, target: SharedArrayBuffer): number {
  const words = new Int32Array(target, 0, W_OFFSETS);
  if (words[W_MAGIC] !== AXFR_IMAGE_MAGIC) throw new AxfrImageError('not an AXFR image');
  const capacity = words[W_CAPACITY];
  const offsets = new Int32Array(target, 4 * W_OFFSETS, capacity + 1);
  const bytes = new Uint8Array(target);
  let count = 0;
  try {
    const splitter = new MessageSplitter(options.maxMessageSize, options.reserve, axfrQuestion(snap), (m, len) => {
      const at = offsets[count];
      if (count >= capacity || at + len > bytes.length) throw new AxfrImageError('AXFR image larger than its bound');
      bytes.set(m.subarray(0, len), at);
      offsets[count + 1] = at + len;
      Atomics.store(words, W_COUNT, ++count);
      Atomics.notify(words, W_COUNT);
    });
    const b = snap.bytes;
    walkTransfer(snap, (owner, type, ttl, rdata, rdlength) => splitter.rr(b, owner, type, ttl, b, rdata, rdlength));
    splitter.end();
  } catch (err) {
    Atomics.store(words, W_STATE, FAILED);
    Atomics.notify(words, W_COUNT);
    throw err;
  }
  Atomics.store(words, W_STATE, COMPLETE);
  Atomics.notify(words, W_COUNT);
  return count;
}

/** The whole image at once, on this thread (tests; small zones). */
export function buildAxfrImage(snap: ZoneSnapshot, options: AxfrImageOptions): SharedArrayBuffer {
  const buffer = allocateAxfrImage(snap);
  renderAxfrImage(snap, options, buffer);
  return buffer;
}

/** Read side of an image, complete or still rendering: message i is bytes[offset(i), offset(i + 1)). */
export class AxfrImage implements MessageSource {
  readonly buffer: SharedArrayBuffer;
  readonly bytes: Uint8Array;
  private readonly words: Int32Array;
  private readonly offsets: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    const words = new Int32Array(buffer, 0, W_OFFSETS);
    if (words[W_MAGIC] !== AXFR_IMAGE_MAGIC) throw new AxfrImageError('not an AXFR image');
    this.buffer = buffer;
    this.words = words;
    this.offsets = new Int32Array(buffer, 4 * W_OFFSETS, words[W_CAPACITY] + 1);
    this.bytes = new Uint8Array(buffer);
  }

  /** Messages finished so far. */
  get count(): number {
    return Atomics.load(this.words, W_COUNT);
  }

  /** Every message is there. */
  get complete(): boolean {
    return Atomics.load(this.words, W_STATE) === COMPLETE;
  }

  /** The rendering stopped short: the messages there are not the whole transfer. */
  get failed(): boolean {
    return Atomics.load(this.words, W_STATE) === FAILED;
  }

  message(i: number): Uint8Array {
    return this.bytes.subarray(this.offsets[i], this.offsets[i + 1]);
  }

  /** The renderer is gone without saying how it ended (its thread died): the image counts as failed. */
  abandon(): void {
    if (Atomics.compareExchange(this.words, W_STATE, RENDERING, FAILED) === RENDERING) Atomics.notify(this.words, W_COUNT);
  }

  /** Resolves once message i is finished, or the rendering ended (complete or failed) without it. */
  async whenAvailable(i: number): Promise<void> {
    for (;;) {
      const count = this.count;
      if (i < count || Atomics.load(this.words, W_STATE) !== RENDERING) return;
      const wait = Atomics.waitAsync(this.words, W_COUNT, count, 1000);
      if (wait.async) await wait.value;
    }
  }

  /** Bytes the messages take so far (not the bound reserved). */
  get byteLength(): number {
    return this.offsets[this.count] - this.offsets[0];
  }
}
