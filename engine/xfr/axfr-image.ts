// The AXFR response of one snapshot, rendered once (RFC 5936): SOA, every other RR, SOA, packed into
// messages of at most `maxMessageSize` bytes with names compressed inside each message and never across
// messages. Serving a transfer then only patches each message's ID (and the question's letter case) and adds
// TSIG when the request was signed. Rendered in a pool thread into a SharedArrayBuffer, like the snapshot.
//
//   u32 magic, u32 message count N, u32 offsets[N + 1] (byte offset of each message; the last is the end),
//   then the messages: complete DNS messages with ID 0, flags QR|AA, the question in the first only.
import { Class, Type } from '../codec/constants.ts';
import { growBytes } from '../codec/bytes.ts';
import { nameLength } from '../codec/name.ts';
import type { ZoneSnapshot } from '../snapshot/snapshot.ts';
import { MessageSplitter } from './splitter.ts';
import type { MessageSource } from './transfer-stream.ts';

export const AXFR_IMAGE_MAGIC = 0x7a617831; // "zax1"

export interface AxfrImageOptions {
  /** RFC 5936 §2.2 places no limit below 65535; Designate's `max_message_size` defaults to 65535. */
  maxMessageSize: number;
  /** Bytes left free in every message so a TSIG RR fits when the request was signed. */
  reserve: number;
}

export class AxfrImageError extends Error {
  override name = 'AxfrImageError';
}

export function buildAxfrImage(snap: ZoneSnapshot, options: AxfrImageOptions): SharedArrayBuffer {
  const out = new GrowingMessages();
  const apex = snap.apexName;
  const apexLen = nameLength(snap.bytes, apex);
  const question = new Uint8Array(apexLen + 4);
  question.set(snap.bytes.subarray(apex, apex + apexLen));
  question[apexLen + 1] = Type.AXFR;
  question[apexLen + 3] = Class.IN;
  const splitter = new MessageSplitter(options.maxMessageSize, options.reserve, question, (m, len) => out.append(m, len));
  const rrset = (set: number, node: number) => {
    const b = snap.bytes;
    const owner = snap.nodeName(node);
    const type = snap.rrsetType(set);
    const ttl = snap.rrsetTtl(set);
    let p = snap.rrsetRdata(set);
    for (let i = snap.rrsetCountOf(set); i > 0; i--) {
      const rdlength = (b[p] << 8) | b[p + 1];
      splitter.rr(b, owner, type, ttl, b, p + 2, rdlength);
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
  splitter.end();
  return out.pack();
}

/** Finished messages appended to one buffer, then packed with their offsets into the shared image. */
class GrowingMessages {
  private out: Uint8Array = new Uint8Array(1 << 16);
  private outLen = 0;
  private readonly offsets: number[] = [];

  append(src: Uint8Array, len: number): void {
    this.out = growBytes(this.out, this.outLen, len);
    this.offsets.push(this.outLen);
    this.out.set(src.subarray(0, len), this.outLen);
    this.outLen += len;
  }

  pack(): SharedArrayBuffer {
    const count = this.offsets.length;
    const headerBytes = 8 + (count + 1) * 4;
    const buffer = new SharedArrayBuffer(headerBytes + this.outLen);
    const words = new Uint32Array(buffer, 0, headerBytes >>> 2);
    words[0] = AXFR_IMAGE_MAGIC;
    words[1] = count;
    for (let i = 0; i < count; i++) words[2 + i] = headerBytes + this.offsets[i];
    words[2 + count] = headerBytes + this.outLen;
    new Uint8Array(buffer).set(this.out.subarray(0, this.outLen), headerBytes);
    return buffer;
  }
}

/** Read side of an image: message i is bytes[offset(i), offset(i + 1)). */
export class AxfrImage implements MessageSource {
  readonly buffer: SharedArrayBuffer;
  readonly bytes: Uint8Array;
  readonly count: number;
  private readonly words: Uint32Array;

  constructor(buffer: SharedArrayBuffer) {
    const head = new Uint32Array(buffer, 0, 2);
    if (head[0] !== AXFR_IMAGE_MAGIC) throw new AxfrImageError('not an AXFR image');
    this.buffer = buffer;
    this.count = head[1];
    this.words = new Uint32Array(buffer, 0, 3 + this.count);
    this.bytes = new Uint8Array(buffer);
  }

  message(i: number): Uint8Array {
    return this.bytes.subarray(this.words[2 + i], this.words[3 + i]);
  }

  get byteLength(): number {
    return this.buffer.byteLength;
  }
}
