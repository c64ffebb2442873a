// A DNS message writer over one preallocated buffer, with name compression (RFC 1035 §4.1.4) and
// mark/rollback so a record that does not fit is undone cleanly, compression entries included.
//
// Compression keeps a small open-addressing table from the hash of every name suffix written so far to
// its offset in the message; a hit is confirmed by comparing labels, so hash collisions cost a compare
// and never a wrong pointer. Resetting touches only the slots used by this message. Matching ignores ASCII
// case (names are equal regardless of case), so a data name that shares a suffix with the question reads in
// the question's case; cached responses, which get each requester's question case, therefore agree with
// freshly built ones.
import { HEADER_SIZE, Type } from './constants.ts';
import { LOWER, nameLength } from './name.ts';

const SLOTS = 4096; // power of two; a 64 KiB message holds at most ~5000 distinct suffixes
const MAX_ENTRIES = SLOTS >>> 1; // keep the load factor at or below one half
const POINTER_LIMIT = 0x3fff; // 14-bit pointer offsets

export class MessageWriter {
  readonly buf: Uint8Array;
  pos = 0;
  private readonly slotHash = new Int32Array(SLOTS);
  private readonly slotOffset = new Int32Array(SLOTS); // offset + 1; 0 = empty
  private readonly used = new Int32Array(MAX_ENTRIES);
  private usedCount = 0;
  private readonly labelAt = new Int32Array(128);
  private readonly suffixHash = new Int32Array(128);

  constructor(capacity = 65535) {
    this.buf = new Uint8Array(capacity);
  }

  get capacity(): number {
    return this.buf.length;
  }

  /** Starts a new message: clears compression and places the cursor after the header. */
  begin(): void {
    for (let i = 0; i < this.usedCount; i++) this.slotOffset[this.used[i]] = 0;
    this.usedCount = 0;
    this.pos = HEADER_SIZE;
  }

  mark(): number {
    return this.pos;
  }

  /** Undoes everything written since `mark`, forgetting compression targets that pointed into it. */
  rollback(mark: number): void {
    this.pos = mark;
    while (this.usedCount > 0) {
      const slot = this.used[this.usedCount - 1];
      if (this.slotOffset[slot] - 1 < mark) break;
      this.slotOffset[slot] = 0;
      this.usedCount--;
    }
  }

  u16(v: number): void {
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
  }

  u32(v: number): void {
    const b = this.buf;
    b[this.pos++] = v >>> 24; b[this.pos++] = (v >>> 16) & 0xff; b[this.pos++] = (v >>> 8) & 0xff; b[this.pos++] = v & 0xff;
  }

  bytes(src: Uint8Array, off: number, len: number): void {
    this.buf.set(src.subarray(off, off + len), this.pos);
    this.pos += len;
  }

  setU16(at: number, v: number): void {
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v & 0xff;
  }

  /** Offers the (uncompressed) name already written at `at` as a compression target, e.g. the question. */
  remember(at: number): void {
    this.hashSuffixes(this.buf, at);
    let p = at;
    for (let k = 0; this.buf[p] !== 0; k++) {
      this.insert(this.suffixHash[k], p);
      p += this.buf[p] + 1;
    }
  }

  /** Writes the uncompressed name at src[off], compressed against the message. */
  name(src: Uint8Array, off: number): void {
    const labels = this.hashSuffixes(src, off);
    let k = 0;
    let target = -1;
    for (; k < labels; k++) {
      target = this.lookup(this.suffixHash[k], src, this.labelAt[k]);
      if (target >= 0) break;
    }
    const b = this.buf;
    for (let i = 0; i < k; i++) {
      const at = this.labelAt[i];
      const len = src[at];
      if (this.pos <= POINTER_LIMIT) this.insert(this.suffixHash[i], this.pos);
      b.set(src.subarray(at, at + len + 1), this.pos);
      this.pos += len + 1;
    }
    if (target >= 0) {
      b[this.pos++] = 0xc0 | (target >>> 8);
      b[this.pos++] = target & 0xff;
    } else {
      b[this.pos++] = 0;
    }
  }

  /** Writes rdata, compressing the embedded names of the RFC 1035 types that allow it (RFC 3597 §4). */
  rdata(type: number, src: Uint8Array, off: number, len: number): void {
    const lengthAt = this.pos;
    this.pos += 2;
    switch (type) {
      case Type.NS: case Type.CNAME: case Type.PTR:
        this.name(src, off);
        break;
      case Type.MX:
        this.bytes(src, off, 2);
        this.name(src, off + 2);
        break;
      case Type.SOA: {
        this.name(src, off);
        this.name(src, off + nameLength(src, off));
        this.bytes(src, off + len - 20, 20);
        break;
      }
      default:
        this.bytes(src, off, len);
    }
    this.setU16(lengthAt, this.pos - lengthAt - 2);
  }

  /** Suffix hashes from the right, so suffixHash[k] covers labels k.. of the name. Returns the label count. */
  private hashSuffixes(src: Uint8Array, off: number): number {
    let n = 0;
    for (let p = off; src[p] !== 0; p += src[p] + 1) this.labelAt[n++] = p;
    let h = 0x811c9dc5;
    for (let k = n - 1; k >= 0; k--) {
      const at = this.labelAt[k];
      const end = at + src[at] + 1;
      for (let i = at; i < end; i++) h = Math.imul(h ^ LOWER[src[i]], 0x01000193);
      this.suffixHash[k] = h;
    }
    return n;
  }

  private insert(hash: number, offset: number): void {
    if (this.usedCount === MAX_ENTRIES) return; // table full: later names just compress less
    let slot = hash & (SLOTS - 1);
    while (this.slotOffset[slot] !== 0) slot = (slot + 1) & (SLOTS - 1);
    this.slotHash[slot] = hash;
    this.slotOffset[slot] = offset + 1;
    this.used[this.usedCount++] = slot;
  }

  private lookup(hash: number, src: Uint8Array, off: number): number {
    for (let slot = hash & (SLOTS - 1); this.slotOffset[slot] !== 0; slot = (slot + 1) & (SLOTS - 1)) {
      if (this.slotHash[slot] === hash && this.sameAt(this.slotOffset[slot] - 1, src, off)) return this.slotOffset[slot] - 1;
    }
    return -1;
  }

  /** Compares the message name at `at` (which may end in a pointer) with the uncompressed src name. */
  private sameAt(at: number, src: Uint8Array, off: number): boolean {
    const b = this.buf;
    for (;;) {
      let len = b[at];
      if ((len & 0xc0) === 0xc0) { at = ((len & 0x3f) << 8) | b[at + 1]; len = b[at]; }
      if (len !== src[off]) return false;
      if (len === 0) return true;
      for (let i = 1; i <= len; i++) if (LOWER[b[at + i]] !== LOWER[src[off + i]]) return false;
      at += len + 1;
      off += len + 1;
    }
  }
}
