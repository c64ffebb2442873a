// Field-level building blocks shared by the rdata codecs: reading presentation fields from the tokens of
// one record, and reading wire fields back with bounds checks (wire may come from the network).
import { nameFromBytes, NameError, nameLength, nameToText } from '../name.ts';
import { MAX_LABEL_LENGTH, MAX_NAME_LENGTH } from '../constants.ts';
import { QUOTED, type Tokens } from '../../zonefile/lexer.ts';

export class RdataError extends Error {
  override name = 'RdataError';
}

/** RDLENGTH is 16 bits (RFC 1035 §3.2.1). */
export const MAX_RDATA = 65535;

export function tooLong(): RdataError {
  return new RdataError(`rdata longer than ${MAX_RDATA} bytes`);
}

/** Where writing must stop: the smaller of the scratch buffer and RDLENGTH's reach. */
export function capacity(out: Uint8Array): number {
  return Math.min(out.length, MAX_RDATA);
}

// ---- presentation side --------------------------------------------------------------------------

/** Index of the next token, which the field requires. */
export function take(t: Tokens, field: string): number {
  if (t.pos >= t.count) throw new RdataError(`missing ${field}`);
  return t.pos++;
}

export function more(t: Tokens): boolean {
  return t.pos < t.count;
}

/** Every token must have been consumed by the record's fields. */
export function done(t: Tokens): void {
  if (t.pos < t.count) throw new RdataError(`unexpected '${t.text(t.pos++)}' after the rdata`);
}

/** Plain decimal below 2^32, or -1. */
export function decimal(src: Uint8Array, s: number, e: number): number {
  if (s === e || e - s > 10) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = src[i] - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v <= 0xffffffff ? v : -1;
}

function uint(t: Tokens, field: string, max: number, what: string): number {
  const i = take(t, field);
  const v = decimal(t.src, t.start[i], t.end[i]);
  if (v < 0 || v > max) throw new RdataError(`${field} '${t.text(i)}' is not ${what}`);
  return v;
}

export function u8(t: Tokens, field: string): number {
  return uint(t, field, 0xff, 'an 8-bit number');
}

export function u16(t: Tokens, field: string): number {
  return uint(t, field, 0xffff, 'a 16-bit number');
}

export function u32(t: Tokens, field: string): number {
  return uint(t, field, 0xffffffff, 'a 32-bit number');
}

function unitSeconds(c: number): number {
  switch (c | 0x20) {
    case 0x73: return 1; // s
    case 0x6d: return 60; // m
    case 0x68: return 3600; // h
    case 0x64: return 86400; // d
    case 0x77: return 604800; // w
    default: return 0;
  }
}

/**
 * A time value as BIND writes it: plain seconds, or number-unit groups such as `1h30m` or `2D` (units
 * w d h m s, any case, each group needing its unit). -1 when malformed or above `max`.
 */
export function durationFromBytes(src: Uint8Array, s: number, e: number, max: number): number {
  if (s === e) return -1;
  let total = 0, n = 0, digits = 0, grouped = false;
  for (let i = s; i < e; i++) {
    const c = src[i];
    const d = c - 0x30;
    if (d >= 0 && d <= 9) {
      n = n * 10 + d;
      if (++digits > 10) return -1;
      continue;
    }
    const unit = unitSeconds(c);
    if (digits === 0 || unit === 0) return -1;
    total += n * unit;
    n = 0;
    digits = 0;
    grouped = true;
  }
  if (digits > 0) {
    if (grouped) return -1;
    total = n;
  }
  return total <= max ? total : -1;
}

/** A 32-bit time field (SOA timers) with BIND's unit syntax. */
export function duration32(t: Tokens, field: string): number {
  const i = take(t, field);
  const v = durationFromBytes(t.src, t.start[i], t.end[i], 0xffffffff);
  if (v < 0) throw new RdataError(`${field} '${t.text(i)}' is not a 32-bit time value`);
  return v;
}

export function putU16(out: Uint8Array, off: number, v: number): number {
  out[off] = v >>> 8;
  out[off + 1] = v;
  return off + 2;
}

export function putU32(out: Uint8Array, off: number, v: number): number {
  out[off] = v >>> 24;
  out[off + 1] = v >>> 16;
  out[off + 2] = v >>> 8;
  out[off + 3] = v;
  return off + 4;
}

/**
 * Decodes RFC 1035 §5.1 escapes (`\X` is X, `\DDD` a decimal byte) from src[s, e) into out[off, limit).
 * Returns the offset after the bytes, or -1 when they do not fit before `limit`.
 */
export function unescape(src: Uint8Array, s: number, e: number, out: Uint8Array, off: number, limit: number): number {
  for (let i = s; i < e; i++) {
    let c = src[i];
    if (c === 0x5c) {
      if (++i >= e) throw new RdataError('backslash at end of string');
      c = src[i];
      if (c >= 0x30 && c <= 0x39) {
        const d1 = src[i + 1] - 0x30, d2 = src[i + 2] - 0x30;
        if (i + 2 >= e || !(d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9)) throw new RdataError('bad \\DDD escape');
        c = (c - 0x30) * 100 + d1 * 10 + d2;
        if (c > 255) throw new RdataError('\\DDD escape above 255');
        i += 2;
      }
    }
    if (off >= limit) return -1;
    out[off++] = c;
  }
  return off;
}

/** One <character-string> (RFC 1035 §3.3): a length byte and at most 255 bytes, never split. */
export function charString(t: Tokens, field: string, out: Uint8Array, off: number): number {
  const i = take(t, field);
  const cap = capacity(out);
  const limit = Math.min(off + 256, cap);
  const end = unescape(t.src, t.start[i], t.end[i], out, off + 1, limit);
  if (end < 0) throw limit === cap ? tooLong() : new RdataError(`${field} is longer than 255 bytes`);
  out[off] = end - off - 1;
  return end;
}

/** A string that runs to the end of the rdata, without a length byte (CAA value, URI target). */
export function rawString(t: Tokens, i: number, out: Uint8Array, off: number): number {
  const end = unescape(t.src, t.start[i], t.end[i], out, off, capacity(out));
  if (end < 0) throw tooLong();
  return end;
}

/** A domain name field; relative names take `origin`, and `@` is the origin itself (RFC 1035 §5.1). */
export function name(t: Tokens, field: string, origin: Uint8Array, out: Uint8Array, off: number): number {
  const i = take(t, field);
  if (off + MAX_NAME_LENGTH > out.length) throw tooLong();
  const src = t.src, s = t.start[i], e = t.end[i];
  if (e - s === 1 && src[s] === 0x40 && (t.flags[i] & QUOTED) === 0) {
    const n = nameLength(origin, 0);
    for (let k = 0; k < n; k++) out[off + k] = origin[k];
    return off + n;
  }
  try {
    return nameFromBytes(src, s, e, origin, out, off);
  } catch (err) {
    if (err instanceof NameError) throw new RdataError(`${field} '${t.text(i)}': ${err.message}`);
    throw err;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Hex digits spread over all remaining tokens: DS, TLSA and SSHFP allow whitespace inside (RFC 4034 §5.3). */
export function hexRest(t: Tokens, field: string, out: Uint8Array, off: number): number {
  if (!more(t)) throw new RdataError(`missing ${field}`);
  const cap = capacity(out);
  let high = -1;
  while (more(t)) {
    const i = t.pos++;
    for (let p = t.start[i]; p < t.end[i]; p++) {
      const v = hexValue(t.src[p]);
      if (v < 0) throw new RdataError(`${field} '${t.text(i)}' is not hexadecimal`);
      if (high < 0) high = v;
      else {
        if (off >= cap) throw tooLong();
        out[off++] = (high << 4) | v;
        high = -1;
      }
    }
  }
  if (high >= 0) throw new RdataError(`${field} has an odd number of hex digits`);
  return off;
}

const BASE64 = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) BASE64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/** Base64 (RFC 4648 §4) over all remaining tokens: keys and certificates may be split by whitespace. */
export function base64Rest(t: Tokens, field: string, out: Uint8Array, off: number): number {
  if (!more(t)) throw new RdataError(`missing ${field}`);
  const cap = capacity(out);
  let acc = 0, bits = 0, chars = 0, pad = 0;
  while (more(t)) {
    const i = t.pos++;
    for (let p = t.start[i]; p < t.end[i]; p++) {
      const c = t.src[p];
      chars++;
      if (c === 0x3d) {
        pad++;
        continue;
      }
      const v = BASE64[c];
      if (v < 0 || pad > 0) throw new RdataError(`${field} is not valid base64`);
      acc = ((acc << 6) | v) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        if (off >= cap) throw tooLong();
        out[off++] = acc >>> bits;
      }
    }
  }
  if (chars % 4 !== 0 || pad > 2) throw new RdataError(`${field} is not valid base64`);
  return off;
}

// ---- wire side ----------------------------------------------------------------------------------

/** Sequential reader over one rdata; every read is bounds-checked against the rdata's end. */
export class WireReader {
  readonly buf: Uint8Array;
  off: number;
  readonly end: number;

  constructor(buf: Uint8Array, off: number, len: number) {
    if (off < 0 || len < 0 || off + len > buf.length) throw new RdataError('rdata extends past its buffer');
    this.buf = buf;
    this.off = off;
    this.end = off + len;
  }

  left(): number {
    return this.end - this.off;
  }

  need(n: number): number {
    if (this.off + n > this.end) throw new RdataError('truncated rdata');
    const at = this.off;
    this.off += n;
    return at;
  }

  u8(): number {
    return this.buf[this.need(1)];
  }

  u16(): number {
    const p = this.need(2);
    return (this.buf[p] << 8) | this.buf[p + 1];
  }

  u32(): number {
    const p = this.need(4);
    return ((this.buf[p] << 24) | (this.buf[p + 1] << 16) | (this.buf[p + 2] << 8) | this.buf[p + 3]) >>> 0;
  }

  /** An uncompressed name (rdata names are never compressed here), validated label by label. */
  name(): string {
    const start = this.off;
    for (;;) {
      const len = this.buf[this.need(1)];
      if (len === 0) break;
      if (len > MAX_LABEL_LENGTH) throw new RdataError('bad label length in rdata name');
      this.need(len);
      if (this.off - start >= MAX_NAME_LENGTH) throw new RdataError('rdata name longer than 255 bytes');
    }
    return nameToText(this.buf, start);
  }

  charString(): string {
    const len = this.u8();
    const p = this.need(len);
    return quote(this.buf, p, p + len);
  }

  rest(): number {
    return this.need(this.left());
  }

  finish(): void {
    if (this.off !== this.end) throw new RdataError('trailing bytes after the rdata fields');
  }
}

/** A quoted presentation string, escaping what BIND escapes: quote, backslash, non-printable bytes. */
export function quote(buf: Uint8Array, s: number, e: number): string {
  return `"${escapeBytes(buf, s, e)}"`;
}

export function escapeBytes(buf: Uint8Array, s: number, e: number): string {
  let text = '';
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c === 0x22 || c === 0x5c) text += '\\' + String.fromCharCode(c);
    else if (c >= 0x20 && c < 0x7f) text += String.fromCharCode(c);
    else text += '\\' + String(c).padStart(3, '0');
  }
  return text;
}

export function hexText(buf: Uint8Array, s: number, e: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('hex').toUpperCase();
}

export function base64Text(buf: Uint8Array, s: number, e: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('base64');
}

/** RFC 3597 §5 generic form, valid for every type. */
export function genericText(buf: Uint8Array, off: number, len: number): string {
  return len === 0 ? '\\# 0' : `\\# ${len} ${hexText(buf, off, off + len)}`;
}
