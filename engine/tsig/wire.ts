// TSIG RR wire format (RFC 8945 §4.2) and the pieces of the MAC input (§4.3) shared by the server and
// the client side. Everything reads the message bytes as received: nothing is decoded and re-encoded.
//
//   NAME (key name, uncompressed) TYPE=250 CLASS=ANY TTL=0 RDLENGTH
//   RDATA: Algorithm Name (uncompressed) | Time Signed u48 | Fudge u16 | MAC Size u16 | MAC |
//          Original ID u16 | Error u16 | Other Len u16 | Other Data
import { createHmac, createSecretKey, type Hmac, type KeyObject } from 'node:crypto';
import { Class, HEADER_SIZE, MAX_NAME_LENGTH, Type } from '../codec/constants.ts';
import type { TsigAlgorithm, TsigKey } from './keys.ts';

// createHmac with a KeyObject is several times faster than with a raw Buffer (which is imported into a
// fresh key object on every call), so each key's secret is imported once.
const keyObjects = new WeakMap<TsigKey, KeyObject>();

/** A fresh HMAC for `key` (node:crypto contexts are single-use). */
export function newHmac(key: TsigKey): Hmac {
  let ko = keyObjects.get(key);
  if (ko === undefined) {
    ko = createSecretKey(key.secret);
    keyObjects.set(key, ko);
  }
  return createHmac(key.algorithm.hash, ko);
}

/** Offsets and values of a received TSIG RR; one instance is reused per caller. */
export class TsigRecord {
  ownerOff = 0;
  algOff = 0;
  timeSigned = 0;
  fudge = 0;
  macOff = 0;
  macLen = 0;
  originalId = 0;
  error = 0;
  otherOff = 0;
  otherLen = 0;
}

/**
 * End of the uncompressed name at msg[p] (within `end`), or -1. RFC 8945 §4.2 requires the key and
 * algorithm names uncompressed, so a pointer (or a reserved label type) is malformed here.
 */
export function plainNameEnd(msg: Uint8Array, p: number, end: number): number {
  const start = p;
  while (p < end) {
    const l = msg[p];
    if (l === 0) return p + 1 - start > MAX_NAME_LENGTH ? -1 : p + 1;
    if (l > 63) return -1;
    p += l + 1;
  }
  return -1;
}

/**
 * Parses the TSIG RR at msg[off]; it must end exactly at `len` (TSIG is the last record, §5.2). Returns
 * false when it cannot be interpreted, which RFC 8945 §5.2 answers with FORMERR.
 */
export function parseTsigRecord(msg: Uint8Array, off: number, len: number, out: TsigRecord): boolean {
  let p = plainNameEnd(msg, off, len);
  if (p < 0 || p + 10 > len) return false;
  if (((msg[p] << 8) | msg[p + 1]) !== Type.TSIG || ((msg[p + 2] << 8) | msg[p + 3]) !== Class.ANY) return false;
  const rdEnd = p + 10 + ((msg[p + 8] << 8) | msg[p + 9]);
  if (rdEnd !== len) return false;
  out.ownerOff = off;
  out.algOff = p + 10;
  p = plainNameEnd(msg, out.algOff, rdEnd);
  if (p < 0 || p + 10 > rdEnd) return false;
  out.timeSigned = readU48(msg, p);
  out.fudge = (msg[p + 6] << 8) | msg[p + 7];
  out.macLen = (msg[p + 8] << 8) | msg[p + 9];
  out.macOff = p + 10;
  p = out.macOff + out.macLen;
  if (p + 6 > rdEnd) return false;
  out.originalId = (msg[p] << 8) | msg[p + 1];
  out.error = (msg[p + 2] << 8) | msg[p + 3];
  out.otherLen = (msg[p + 4] << 8) | msg[p + 5];
  out.otherOff = p + 6;
  return out.otherOff + out.otherLen === rdEnd;
}

export function readU48(b: Uint8Array, p: number): number {
  return ((b[p] << 8) | b[p + 1]) * 0x1_0000_0000 + (((b[p + 2] << 24) | (b[p + 3] << 16) | (b[p + 4] << 8) | b[p + 5]) >>> 0);
}

export function writeU48(b: Uint8Array, p: number, v: number): void {
  const hi = Math.floor(v / 0x1_0000_0000) & 0xffff;
  const lo = v >>> 0;
  b[p] = hi >>> 8; b[p + 1] = hi & 0xff;
  b[p + 2] = lo >>> 24; b[p + 3] = (lo >>> 16) & 0xff; b[p + 4] = (lo >>> 8) & 0xff; b[p + 5] = lo & 0xff;
}

/** Six-byte Other Data of a BADTIME response: the server's current time (RFC 8945 §5.2.3). */
export function timeOtherData(nowSeconds: number): Uint8Array {
  const b = new Uint8Array(6);
  writeU48(b, 0, Math.floor(nowSeconds));
  return b;
}

// Header copies and TSIG variables are assembled here and handed to Hmac.update, which copies
// synchronously, so one module-wide scratch is safe. Largest use: 255 + 2 + 4 + 255 + 12 bytes.
const scratch = Buffer.alloc(2 * MAX_NAME_LENGTH + 32);

/** Feeds a 16-bit length-prefixed MAC (request MAC §4.3.2, prior MAC §5.3.1). */
export function updateWithMac(ctx: Hmac, mac: Uint8Array): void {
  scratch[0] = mac.length >>> 8;
  scratch[1] = mac.length & 0xff;
  ctx.update(scratch.subarray(0, 2));
  ctx.update(mac);
}

/**
 * Feeds msg[0, end) as the signer saw it before adding its TSIG (§4.3.1): ID replaced by the Original ID,
 * ARCOUNT decremented by `removed` (1 when msg carries the TSIG being checked, 0 for an unsigned message).
 */
export function updateWithMessage(ctx: Hmac, msg: Uint8Array, end: number, originalId: number, removed: number): void {
  const arcount = (((msg[10] << 8) | msg[11]) - removed) & 0xffff;
  scratch[0] = originalId >>> 8;
  scratch[1] = originalId & 0xff;
  for (let i = 2; i < 10; i++) scratch[i] = msg[i];
  scratch[10] = arcount >>> 8;
  scratch[11] = arcount & 0xff;
  ctx.update(scratch.subarray(0, HEADER_SIZE));
  ctx.update(msg.subarray(HEADER_SIZE, end));
}

/**
 * Feeds the TSIG variables (§4.3.3): key name and algorithm name canonical (the key's own lower-case
 * copies), CLASS ANY, TTL 0, Time Signed, Fudge, Error, Other Len, Other Data.
 */
export function updateWithVariables(
  ctx: Hmac, keyName: Uint8Array, alg: TsigAlgorithm, timeSigned: number, fudge: number, error: number,
  other: Uint8Array | null, otherOff: number, otherLen: number,
): void {
  let p = 0;
  scratch.set(keyName, p);
  p += keyName.length;
  scratch[p++] = 0; scratch[p++] = Class.ANY; // CLASS
  scratch[p++] = 0; scratch[p++] = 0; scratch[p++] = 0; scratch[p++] = 0; // TTL
  scratch.set(alg.wire, p);
  p += alg.wire.length;
  writeU48(scratch, p, timeSigned);
  p += 6;
  scratch[p++] = fudge >>> 8; scratch[p++] = fudge & 0xff;
  scratch[p++] = error >>> 8; scratch[p++] = error & 0xff;
  scratch[p++] = otherLen >>> 8; scratch[p++] = otherLen & 0xff;
  ctx.update(scratch.subarray(0, p));
  if (otherLen > 0 && other !== null) ctx.update(other.subarray(otherOff, otherOff + otherLen));
}

/** Feeds the TSIG timers of a subsequent message of a multi-message response (§5.3.1). */
export function updateWithTimers(ctx: Hmac, timeSigned: number, fudge: number): void {
  writeU48(scratch, 0, timeSigned);
  scratch[6] = fudge >>> 8;
  scratch[7] = fudge & 0xff;
  ctx.update(scratch.subarray(0, 8));
}

/** Size of a TSIG RR: owner + 10 fixed RR bytes + algorithm + 16 fixed RDATA bytes + MAC + other data. */
export function tsigRecordSize(nameLen: number, algLen: number, macLen: number, otherLen: number): number {
  return nameLen + algLen + 26 + macLen + otherLen;
}

/**
 * Writes a TSIG RR at buf[p] and increments ARCOUNT; returns the offset after it. The caller has checked
 * the capacity with tsigRecordSize.
 */
export function writeTsigRecord(
  buf: Uint8Array, p: number, keyName: Uint8Array, algName: Uint8Array, timeSigned: number, fudge: number,
  mac: Uint8Array | null, originalId: number, error: number, other: Uint8Array | null,
): number {
  const arcount = ((buf[10] << 8) | buf[11]) + 1;
  if (arcount > 0xffff) throw new RangeError('ARCOUNT overflow: no room for a TSIG record');
  const macLen = mac === null ? 0 : mac.length;
  const otherLen = other === null ? 0 : other.length;
  buf.set(keyName, p);
  p += keyName.length;
  const rdlength = algName.length + 16 + macLen + otherLen;
  buf[p++] = 0; buf[p++] = Type.TSIG;
  buf[p++] = 0; buf[p++] = Class.ANY;
  buf[p++] = 0; buf[p++] = 0; buf[p++] = 0; buf[p++] = 0;
  buf[p++] = rdlength >>> 8; buf[p++] = rdlength & 0xff;
  buf.set(algName, p);
  p += algName.length;
  writeU48(buf, p, timeSigned);
  p += 6;
  buf[p++] = fudge >>> 8; buf[p++] = fudge & 0xff;
  buf[p++] = macLen >>> 8; buf[p++] = macLen & 0xff;
  if (mac !== null) {
    buf.set(mac, p);
    p += macLen;
  }
  buf[p++] = originalId >>> 8; buf[p++] = originalId & 0xff;
  buf[p++] = error >>> 8; buf[p++] = error & 0xff;
  buf[p++] = otherLen >>> 8; buf[p++] = otherLen & 0xff;
  if (other !== null) {
    buf.set(other, p);
    p += otherLen;
  }
  buf[10] = arcount >>> 8;
  buf[11] = arcount & 0xff;
  return p;
}

/** Skips a possibly compressed name (pointers not followed); -1 when malformed. */
function skipName(msg: Uint8Array, p: number, len: number): number {
  while (p < len) {
    const l = msg[p];
    if (l === 0) return p + 1;
    if ((l & 0xc0) === 0xc0) return p + 2 <= len ? p + 2 : -1;
    if (l > 63) return -1;
    p += l + 1;
  }
  return -1;
}

export const TSIG_NONE = -1;
export const TSIG_MALFORMED = -2;

/**
 * Offset of the TSIG RR of any message (used on responses, which parseQuery refuses): TSIG_NONE when
 * unsigned, TSIG_MALFORMED when the message does not parse or a TSIG is not the single last record
 * (RFC 8945 §5.2, §5.4). Walks the records without allocating.
 */
export function findTsig(msg: Uint8Array, len: number): number {
  if (len < HEADER_SIZE) return TSIG_MALFORMED;
  const qdcount = (msg[4] << 8) | msg[5];
  const rrs = ((msg[6] << 8) | msg[7]) + ((msg[8] << 8) | msg[9]);
  const arcount = (msg[10] << 8) | msg[11];
  let p = HEADER_SIZE;
  for (let i = 0; i < qdcount; i++) {
    p = skipName(msg, p, len);
    if (p < 0 || p + 4 > len) return TSIG_MALFORMED;
    p += 4;
  }
  let tsig = TSIG_NONE;
  const total = rrs + arcount;
  for (let i = 0; i < total; i++) {
    const start = p;
    p = skipName(msg, p, len);
    if (p < 0 || p + 10 > len) return TSIG_MALFORMED;
    const type = (msg[p] << 8) | msg[p + 1];
    p += 10 + ((msg[p + 8] << 8) | msg[p + 9]);
    if (p > len) return TSIG_MALFORMED;
    if (type === Type.TSIG) {
      if (i !== total - 1 || i < rrs) return TSIG_MALFORMED;
      tsig = start;
    }
  }
  return p === len ? tsig : TSIG_MALFORMED;
}
