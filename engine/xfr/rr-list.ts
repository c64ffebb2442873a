// A packed list of uncompressed RRs (owner, type, class, TTL, rdlength, rdata, as on the wire): the unit
// journal entries are made of. Writing grows one buffer; reading walks offsets without allocating.
import { growBytes } from '../codec/bytes.ts';
import { nameLength } from '../codec/name.ts';

export class RRListWriter {
  bytes: Uint8Array = new Uint8Array(1 << 12);
  length = 0;
  count = 0;

  /** Copies one RR: `owner` uncompressed at src[ownerOff], rdata at src[rdataOff, +rdlength). */
  add(src: Uint8Array, ownerOff: number, type: number, ttl: number, rdataSrc: Uint8Array, rdataOff: number, rdlength: number): void {
    const ownerLen = nameLength(src, ownerOff);
    this.reserve(ownerLen + 10 + rdlength);
    const b = this.bytes;
    let p = this.length;
    b.set(src.subarray(ownerOff, ownerOff + ownerLen), p);
    p += ownerLen;
    b[p++] = type >>> 8; b[p++] = type & 0xff;
    b[p++] = 0; b[p++] = 1; // class IN
    b[p++] = ttl >>> 24; b[p++] = (ttl >>> 16) & 0xff; b[p++] = (ttl >>> 8) & 0xff; b[p++] = ttl & 0xff;
    b[p++] = rdlength >>> 8; b[p++] = rdlength & 0xff;
    b.set(rdataSrc.subarray(rdataOff, rdataOff + rdlength), p);
    this.length = p + rdlength;
    this.count++;
  }

  /** Appends RRs already in list form. */
  addRaw(src: Uint8Array, off: number, len: number, count: number): void {
    this.reserve(len);
    this.bytes.set(src.subarray(off, off + len), this.length);
    this.length += len;
    this.count += count;
  }

  private reserve(n: number): void {
    this.bytes = growBytes(this.bytes, this.length, n);
  }
}

/** Cursor over a packed RR list; `next()` positions the fields on the following RR. */
export class RRListReader {
  readonly bytes: Uint8Array;
  owner = 0;
  type = 0;
  ttl = 0;
  rdata = 0;
  rdlength = 0;
  private pos: number;
  private readonly end: number;

  constructor(bytes: Uint8Array, start: number, end: number) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  next(): boolean {
    if (this.pos >= this.end) return false;
    const b = this.bytes;
    this.owner = this.pos;
    let p = this.pos + nameLength(b, this.pos);
    this.type = (b[p] << 8) | b[p + 1];
    this.ttl = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
    this.rdlength = (b[p + 8] << 8) | b[p + 9];
    this.rdata = p + 10;
    p = this.rdata + this.rdlength;
    this.pos = p;
    return true;
  }
}
