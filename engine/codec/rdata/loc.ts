// LOC (RFC 1876): a location as degrees/minutes/seconds, altitude and three precision values. The text
// form is RFC 1876 §3; the wire form stores angles in thousandths of an arcsecond offset by 2^31, the
// altitude in centimetres above -100 km, and each precision as a mantissa/exponent byte of centimetres.
import type { Tokens } from '../../zonefile/lexer.ts';
import { genericText, putU32, RdataError, take, WireReader } from './fields.ts';

const EQUATOR = 2 ** 31;
const ALTITUDE_BASE = 10_000_000; // cm, i.e. 100 000 m below the WGS 84 spheroid
const MAX_PRECISION_CM = 9e9; // 9 × 10^9 cm, the largest mantissa/exponent value

/** A decimal with at most `places` fraction digits, as an integer number of 10^-places units; NaN if malformed. */
function fixedPoint(src: Uint8Array, s: number, e: number, places: number, signed: boolean): number {
  let i = s, negative = false;
  if (signed && src[i] === 0x2d) {
    negative = true;
    i++;
  }
  let v = 0, digits = 0, fraction = -1;
  for (; i < e; i++) {
    const c = src[i];
    if (c === 0x2e && fraction < 0) {
      fraction = 0;
      continue;
    }
    const d = c - 0x30;
    if (d < 0 || d > 9 || ++digits > 15 || (fraction >= 0 && ++fraction > places)) return NaN;
    v = v * 10 + d;
  }
  if (digits === 0) return NaN;
  for (let k = Math.max(fraction, 0); k < places; k++) v *= 10;
  return negative ? -v : v;
}

/** 1 or -1 when the next token is the first or second of `letters` (N/S, E/W), else 0. */
function hemisphereSign(t: Tokens, letters: string): number {
  if (t.pos >= t.count) return 0;
  for (let k = 0; k < 2; k++) if (t.is(t.pos, letters[k])) return k === 0 ? 1 : -1;
  return 0;
}

/** `d [m [s]] H` as thousandths of an arcsecond, signed by the hemisphere. */
function angle(t: Tokens, field: string, maxDegrees: number, letters: string): number {
  const limits = [maxDegrees, 59, 59_999]; // degrees, minutes, thousandths of seconds
  let total = 0;
  for (let part = 0; part < 3; part++) {
    const i = take(t, field);
    const v = fixedPoint(t.src, t.start[i], t.end[i], part === 2 ? 3 : 0, false);
    if (!(v <= limits[part])) throw new RdataError(`${field} part '${t.text(i)}' is out of range`);
    total += part === 0 ? v * 3_600_000 : part === 1 ? v * 60_000 : v;
    const sign = hemisphereSign(t, letters);
    if (sign !== 0) {
      t.pos++;
      if (total > maxDegrees * 3_600_000) throw new RdataError(`${field} is beyond ${maxDegrees} degrees`);
      return sign * total;
    }
  }
  throw new RdataError(`${field} needs ${letters[0]} or ${letters[1]}`);
}

/** Metres with an optional `m` suffix and at most two decimals, as centimetres. */
function metres(t: Tokens, field: string, signed: boolean): number {
  const i = take(t, field);
  let e = t.end[i];
  if (e > t.start[i] && (t.src[e - 1] | 0x20) === 0x6d) e--;
  const cm = fixedPoint(t.src, t.start[i], e, 2, signed);
  if (Number.isNaN(cm)) throw new RdataError(`${field} '${t.text(i)}' is not a length in metres`);
  return cm;
}

/** RFC 1876 §2 precision byte: the value rounded down to one significant digit. */
function precisionByte(cm: number): number {
  let exponent = 0;
  while (exponent < 9 && cm >= 10 ** (exponent + 1)) exponent++;
  return (Math.floor(cm / 10 ** exponent) << 4) | exponent;
}

function precision(t: Tokens, field: string, fallbackCm: number): number {
  if (t.pos >= t.count) return precisionByte(fallbackCm);
  const cm = metres(t, field, false);
  if (cm > MAX_PRECISION_CM) throw new RdataError(`${field} is above 90000000m`);
  return precisionByte(cm);
}

export function locFromText(t: Tokens, out: Uint8Array): number {
  const latitude = angle(t, 'latitude', 90, 'NS');
  const longitude = angle(t, 'longitude', 180, 'EW');
  const altitude = metres(t, 'altitude', true) + ALTITUDE_BASE;
  if (altitude < 0 || altitude > 0xffffffff) throw new RdataError('altitude is outside -100000m..42849672.95m');
  out[0] = 0; // version
  out[1] = precision(t, 'size', 100); // RFC 1876 §3 defaults: 1m, 10000m, 10m
  out[2] = precision(t, 'horizontal precision', 1_000_000);
  out[3] = precision(t, 'vertical precision', 1_000);
  putU32(out, 4, EQUATOR + latitude);
  putU32(out, 8, EQUATOR + longitude);
  putU32(out, 12, altitude);
  return 16;
}

function angleText(raw: number, maxDegrees: number, letters: string): string {
  const offset = raw - EQUATOR;
  let x = Math.abs(offset);
  if (x > maxDegrees * 3_600_000) throw new RdataError(`LOC angle beyond ${maxDegrees} degrees`);
  const degrees = Math.floor(x / 3_600_000);
  x -= degrees * 3_600_000;
  const minutes = Math.floor(x / 60_000);
  x -= minutes * 60_000;
  const seconds = `${Math.floor(x / 1000)}.${String(x % 1000).padStart(3, '0')}`;
  return `${degrees} ${minutes} ${seconds} ${letters[offset >= 0 ? 0 : 1]}`;
}

// BIND prints whole metres once the precision reaches a metre, and centimetres below that.
function precisionText(byte: number): string {
  const mantissa = byte >> 4, exponent = byte & 0x0f;
  if (mantissa > 9 || exponent > 9) throw new RdataError('LOC precision byte out of range');
  if (exponent >= 2) return `${mantissa * 10 ** (exponent - 2)}m`;
  return `0.${String(mantissa * 10 ** exponent).padStart(2, '0')}m`;
}

export function locToText(r: WireReader): string {
  // RFC 1876 §2 defines version 0 only; other versions can still be shown in the RFC 3597 form.
  if (r.left() > 0 && r.buf[r.off] !== 0) {
    const len = r.left();
    return genericText(r.buf, r.rest(), len);
  }
  r.u8();
  const size = r.u8(), horizontal = r.u8(), vertical = r.u8();
  const lat = r.u32(), lon = r.u32(), alt = r.u32() - ALTITUDE_BASE;
  const abs = Math.abs(alt);
  const altText = `${alt < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}m`;
  return `${angleText(lat, 90, 'NS')} ${angleText(lon, 180, 'EW')} ${altText} ${precisionText(size)} ` +
    `${precisionText(horizontal)} ${precisionText(vertical)}`;
}
