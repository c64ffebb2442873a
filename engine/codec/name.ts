// Domain names in wire form (RFC 1035 §3.1): conversion from and to presentation text, comparison
// and hashing. Names handled here are uncompressed; message decompression lives in message.ts.
import { MAX_LABEL_LENGTH, MAX_NAME_LENGTH } from './constants.ts';

export class NameError extends Error {
  override name = 'NameError';
}

/** ASCII lower-case table: DNS names compare case-insensitively on ASCII letters only (RFC 4343). */
export const LOWER = new Uint8Array(256);
for (let i = 0; i < 256; i++) LOWER[i] = i >= 0x41 && i <= 0x5a ? i + 0x20 : i;

export const ROOT_NAME = Uint8Array.of(0);

/** Byte length of the uncompressed wire name at `off` (including the root label). */
export function nameLength(buf: Uint8Array, off: number): number {
  let p = off;
  for (let len = buf[p]; len !== 0; len = buf[p]) p += len + 1;
  return p + 1 - off;
}

/** Number of labels, not counting the root. */
export function labelCount(buf: Uint8Array, off: number): number {
  let n = 0;
  for (let len = buf[off]; len !== 0; len = buf[off]) { off += len + 1; n++; }
  return n;
}

/** FNV-1a over the lower-cased bytes of an uncompressed name; used for every name index. */
export function nameHash(buf: Uint8Array, off: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = off; i < end; i++) h = Math.imul(h ^ LOWER[buf[i]], 0x01000193);
  return h >>> 0;
}

/** Case-insensitive equality of two uncompressed names. */
export function namesEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): boolean {
  for (;;) {
    const len = a[aOff];
    if (len !== b[bOff]) return false;
    if (len === 0) return true;
    for (let i = 1; i <= len; i++) if (LOWER[a[aOff + i]] !== LOWER[b[bOff + i]]) return false;
    aOff += len + 1;
    bOff += len + 1;
  }
}

/** True when `name` equals `zone` or lies below it. Both uncompressed. */
export function isSubdomain(name: Uint8Array, nameOff: number, zone: Uint8Array, zoneOff: number): boolean {
  const nameLen = nameLength(name, nameOff);
  const zoneLen = nameLength(zone, zoneOff);
  if (zoneLen > nameLen) return false;
  // Walk label boundaries so that "xample.com" never matches inside "example.com".
  let p = nameOff;
  while (nameOff + nameLen - p > zoneLen) p += name[p] + 1;
  return nameOff + nameLen - p === zoneLen && namesEqual(name, p, zone, zoneOff);
}

const BACKSLASH = 0x5c;
const DOT = 0x2e;

/**
 * Parses presentation text (`www.example.com.`, `\.`, `\DDD` escapes) from `src[start, end)` into `out`
 * at `outOff`, appending `origin` when the name is relative. Returns the offset after the name.
 * `@` is left to the caller (zone files) because it is not a name syntax.
 */
export function nameFromBytes(
  src: Uint8Array, start: number, end: number, origin: Uint8Array | null, out: Uint8Array, outOff: number,
): number {
  if (end - start === 1 && src[start] === DOT) {
    out[outOff] = 0;
    return outOff + 1;
  }
  let p = outOff;
  let labelStart = p;
  let labelLen = 0;
  out[p++] = 0;
  let absolute = false;
  for (let i = start; i < end; i++) {
    let c = src[i];
    if (c === DOT) {
      if (labelLen === 0) throw new NameError('empty label');
      out[labelStart] = labelLen;
      if (i === end - 1) { absolute = true; break; }
      labelStart = p;
      labelLen = 0;
      out[p++] = 0;
      continue;
    }
    if (c === BACKSLASH) {
      if (++i >= end) throw new NameError('dangling backslash');
      c = src[i];
      if (c >= 0x30 && c <= 0x39) {
        if (i + 2 >= end) throw new NameError('bad \\DDD escape');
        const d1 = src[i + 1] - 0x30, d2 = src[i + 2] - 0x30;
        if (d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) throw new NameError('bad \\DDD escape');
        c = (c - 0x30) * 100 + d1 * 10 + d2;
        if (c > 255) throw new NameError('\\DDD escape above 255');
        i += 2;
      }
    }
    if (++labelLen > MAX_LABEL_LENGTH) throw new NameError('label longer than 63 bytes');
    if (p - outOff >= MAX_NAME_LENGTH) throw new NameError('name longer than 255 bytes');
    out[p++] = c;
  }
  if (!absolute) {
    if (labelLen === 0) throw new NameError('empty name');
    out[labelStart] = labelLen;
    if (origin === null) throw new NameError('relative name without origin');
    const originLen = nameLength(origin, 0);
    if (p - outOff + originLen > MAX_NAME_LENGTH) throw new NameError('name longer than 255 bytes');
    // A plain loop: names are short, and a subarray view per relative name was half of parse time.
    for (let k = 0; k < originLen; k++) out[p + k] = origin[k];
    return p + originLen;
  }
  out[p++] = 0;
  if (p - outOff > MAX_NAME_LENGTH) throw new NameError('name longer than 255 bytes');
  return p;
}

const scratch = new Uint8Array(MAX_NAME_LENGTH + 1);
const encoder = new TextEncoder();

/** Presentation text to a fresh wire name. Throws NameError. */
export function nameFromText(text: string, origin: Uint8Array | null = null): Uint8Array {
  const src = encoder.encode(text);
  const end = nameFromBytes(src, 0, src.length, origin, scratch, 0);
  return scratch.slice(0, end);
}

function isPlainLabelByte(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f ||
    c === 0x2a || c === 0x2f;
}

/** Uncompressed wire name to presentation text, always absolute, escaping as BIND and Knot do. */
export function nameToText(buf: Uint8Array, off: number): string {
  if (buf[off] === 0) return '.';
  let text = '';
  for (let len = buf[off]; len !== 0; len = buf[off]) {
    for (let i = off + 1; i <= off + len; i++) {
      const c = buf[i];
      if (isPlainLabelByte(c)) text += String.fromCharCode(c);
      else if (c > 0x20 && c < 0x7f) text += '\\' + String.fromCharCode(c);
      else text += '\\' + String(c).padStart(3, '0');
    }
    text += '.';
    off += len + 1;
  }
  return text;
}

/** The uncompressed name at buf[off], lower-cased, as a string of its bytes: a Map key for the name. */
export function nameKey(buf: Uint8Array, off: number): string {
  let key = '';
  for (let p = off, end = off + nameLength(buf, off); p < end; p++) key += String.fromCharCode(LOWER[buf[p]]);
  return key;
}

/** Lower-cases an uncompressed name in place (labels only, never length bytes). */
export function lowerNameInPlace(buf: Uint8Array, off: number): void {
  for (let len = buf[off]; len !== 0; len = buf[off]) {
    for (let i = off + 1; i <= off + len; i++) buf[i] = LOWER[buf[i]];
    off += len + 1;
  }
}
