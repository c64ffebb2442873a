// Reads the RRs of a received message (a zone transfer from a primary): names decompressed (pointers must
// point backwards, 255-byte cap), and the embedded names of the types whose rdata senders may compress
// (RFC 3597 §4: the RFC 1035 types, plus SRV and DNAME from senders that compress them anyway) rewritten
// uncompressed, so records can go straight into a RecordSink.
import { MAX_NAME_LENGTH, Type } from './constants.ts';

export class MessageError extends Error {
  override name = 'MessageError';
}

export class RRReader {
  readonly owner = new Uint8Array(MAX_NAME_LENGTH + 1);
  ownerLen = 0;
  type = 0;
  klass = 0;
  ttl = 0;
  readonly rdata = new Uint8Array(65535 + 2 * MAX_NAME_LENGTH);
  rdataLen = 0;
  private msg: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private remaining = 0;

  /** Positions the reader at the first answer RR of `msg`; returns the answer count. */
  answers(msg: Uint8Array): number {
    if (msg.length < 12) throw new MessageError('message shorter than a header');
    this.msg = msg;
    const qd = (msg[4] << 8) | msg[5];
    let p = 12;
    for (let i = 0; i < qd; i++) p = skipName(msg, p) + 4;
    if (p > msg.length) throw new MessageError('question runs past the message');
    this.pos = p;
    this.remaining = (msg[6] << 8) | msg[7];
    return this.remaining;
  }

  /** Reads the next answer RR into the fields; false when none is left. */
  next(): boolean {
    if (this.remaining === 0) return false;
    this.remaining--;
    const msg = this.msg;
    let p = this.pos;
    p = this.readName(p, this.owner, 0);
    this.ownerLen = this.lastLength;
    if (p + 10 > msg.length) throw new MessageError('RR header runs past the message');
    this.type = (msg[p] << 8) | msg[p + 1];
    this.klass = (msg[p + 2] << 8) | msg[p + 3];
    this.ttl = ((msg[p + 4] << 24) | (msg[p + 5] << 16) | (msg[p + 6] << 8) | msg[p + 7]) >>> 0;
    const rdlength = (msg[p + 8] << 8) | msg[p + 9];
    const start = p + 10;
    const end = start + rdlength;
    if (end > msg.length) throw new MessageError('rdata runs past the message');
    this.rdataLen = this.readRdata(start, end);
    this.pos = end;
    return true;
  }

  /** The serial of an SOA just read. */
  get soaSerial(): number {
    const b = this.rdata;
    const p = nameEnd(b, nameEnd(b, 0));
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  private lastLength = 0;

  private readRdata(start: number, end: number): number {
    const out = this.rdata;
    switch (this.type) {
      case Type.NS: case Type.CNAME: case Type.PTR: case Type.DNAME:
        return this.fixedThenName(start, end, 0);
      case Type.MX:
        return this.fixedThenName(start, end, 2);
      case Type.SRV:
        return this.fixedThenName(start, end, 6);
      case Type.SOA: {
        let p = this.readName(start, out, 0);
        const q = this.lastLength;
        p = this.readName(p, out, q);
        const r = q + this.lastLength;
        if (end - p !== 20) throw new MessageError('SOA rdata length mismatch');
        out.set(this.msg.subarray(p, end), r);
        return r + 20;
      }
      default:
        out.set(this.msg.subarray(start, end), 0);
        return end - start;
    }
  }

  /** `fixed` bytes copied as they are, then one (possibly compressed) name ending the rdata. */
  private fixedThenName(start: number, end: number, fixed: number): number {
    if (start + fixed > end) throw new MessageError(`rdata too short for type ${this.type}`);
    this.rdata.set(this.msg.subarray(start, start + fixed), 0);
    const p = this.readName(start + fixed, this.rdata, fixed);
    if (p !== end) throw new MessageError(`rdata length mismatch for type ${this.type}`);
    return fixed + this.lastLength;
  }

  /** Decompresses the name at msg[p] into out[at...]; returns the offset after it in the message. */
  private readName(p: number, out: Uint8Array, at: number): number {
    const msg = this.msg;
    let next = -1;
    let q = at;
    let hops = 0;
    for (;;) {
      if (p >= msg.length) throw new MessageError('name runs past the message');
      const len = msg[p];
      if ((len & 0xc0) === 0xc0) {
        if (p + 1 >= msg.length) throw new MessageError('truncated compression pointer');
        const target = ((len & 0x3f) << 8) | msg[p + 1];
        if (target >= p || ++hops > 127) throw new MessageError('compression pointer does not point backwards');
        if (next < 0) next = p + 2;
        p = target;
        continue;
      }
      if (len > 63) throw new MessageError('reserved label type');
      if (q - at + len + 1 > MAX_NAME_LENGTH) throw new MessageError('name longer than 255 bytes');
      if (p + 1 + len > msg.length) throw new MessageError('label runs past the message');
      out.set(msg.subarray(p, p + 1 + len), q);
      q += len + 1;
      p += len + 1;
      if (len === 0) break;
    }
    this.lastLength = q - at;
    return next < 0 ? p : next;
  }
}

/** The offset after the (possibly compressed) name at msg[p]; pointers are not followed. */
export function skipName(msg: Uint8Array, p: number): number {
  for (;;) {
    if (p >= msg.length) throw new MessageError('name runs past the message');
    const len = msg[p];
    if ((len & 0xc0) === 0xc0) return p + 2;
    if (len === 0) return p + 1;
    p += len + 1;
  }
}

function nameEnd(b: Uint8Array, p: number): number {
  while (b[p] !== 0) p += b[p] + 1;
  return p + 1;
}
