// Rdata in presentation form (RFC 1035 §5.1 and each type's RFC) to uncompressed wire and back. The text
// side reads tokens of the zone-file lexer straight from the file's bytes and writes into a caller's scratch
// buffer, allocating nothing for the common types; the wire side validates everything it reads, since it
// also renders data from the network.
import { Type } from '../constants.ts';
import { Lexer, QUOTED, Tokens } from '../../zonefile/lexer.ts';
import {
  charString, done, duration32, genericText, hexRest, MAX_RDATA, more, name, putU16, putU32, quote,
  rawString, RdataError, take, tooLong, u16, u32, u8, WireReader,
} from './fields.ts';
import { ipv4FromBytes, ipv4ToText, ipv6FromBytes, ipv6ToText } from './ip.ts';
import {
  certFromText, certToText, dnskeyFromText, dnskeyToText, dsFromText, dsToText, sshfpFromText, sshfpToText, tlsaFromText,
  tlsaToText,
} from './dnssec.ts';
import { locFromText, locToText } from './loc.ts';
import { svcbFromText, svcbToText } from './svcb.ts';

export { RdataError, MAX_RDATA };

/**
 * Parses the rdata tokens of one record, `tokens.pos` up to `tokens.count`, into `out` from offset 0 and
 * returns the rdata length. `out` should hold MAX_RDATA + 256 bytes so that a name can always be written
 * before the final length check. Throws RdataError with a message naming the faulty field.
 */
export function rdataFromText(type: number, tokens: Tokens, origin: Uint8Array, out: Uint8Array): number {
  const len = isGenericMarker(tokens) ? genericFromText(type, tokens, out) : typedFromText(type, tokens, origin, out);
  done(tokens);
  if (len > MAX_RDATA) throw tooLong();
  return len;
}

function typedFromText(type: number, t: Tokens, origin: Uint8Array, out: Uint8Array): number {
  switch (type) {
    case Type.A: return aFromText(t, out);
    case Type.AAAA: return aaaaFromText(t, out);
    case Type.NS: case Type.CNAME: case Type.DNAME: case Type.PTR: return name(t, 'target', origin, out, 0);
    case Type.MX: return name(t, 'exchange', origin, out, putU16(out, 0, u16(t, 'preference')));
    case Type.TXT: case Type.SPF: return txtFromText(t, out);
    case Type.SOA: return soaFromText(t, origin, out);
    case Type.SRV: return srvFromText(t, origin, out);
    case Type.HINFO: return charString(t, 'os', out, charString(t, 'cpu', out, 0));
    case Type.NAPTR: return naptrFromText(t, origin, out);
    case Type.CAA: return caaFromText(t, out);
    case Type.URI: return uriFromText(t, out);
    case Type.SSHFP: return sshfpFromText(t, out);
    case Type.TLSA: return tlsaFromText(t, out);
    case Type.CERT: return certFromText(t, out);
    case Type.DS: case Type.CDS: return dsFromText(t, out);
    case Type.DNSKEY: case Type.CDNSKEY: return dnskeyFromText(t, out);
    case Type.SVCB: case Type.HTTPS: return svcbFromText(t, origin, out);
    case Type.LOC: return locFromText(t, out);
    default: throw new RdataError('no presentation format is known for this type; use the RFC 3597 form \\# <length> <hex>');
  }
}

/** Wire rdata (uncompressed) in presentation form; types without a known format use RFC 3597 `\#`. */
export function rdataToText(type: number, rdata: Uint8Array, off: number, len: number): string {
  const r = new WireReader(rdata, off, len);
  const text = typedToText(type, r);
  if (text === null) return genericText(rdata, off, len);
  r.finish();
  return text;
}

function typedToText(type: number, r: WireReader): string | null {
  switch (type) {
    case Type.A: return ipv4ToText(r.buf, r.need(4));
    case Type.AAAA: return ipv6ToText(r.buf, r.need(16));
    case Type.NS: case Type.CNAME: case Type.DNAME: case Type.PTR: return r.name();
    case Type.MX: return `${r.u16()} ${r.name()}`;
    case Type.TXT: case Type.SPF: return txtToText(r);
    case Type.SOA: return `${r.name()} ${r.name()} ${r.u32()} ${r.u32()} ${r.u32()} ${r.u32()} ${r.u32()}`;
    case Type.SRV: return `${r.u16()} ${r.u16()} ${r.u16()} ${r.name()}`;
    case Type.HINFO: return `${r.charString()} ${r.charString()}`;
    case Type.NAPTR: return `${r.u16()} ${r.u16()} ${r.charString()} ${r.charString()} ${r.charString()} ${r.name()}`;
    case Type.CAA: return caaToText(r);
    case Type.URI: return uriToText(r);
    case Type.SSHFP: return sshfpToText(r);
    case Type.TLSA: return tlsaToText(r);
    case Type.CERT: return certToText(r);
    case Type.DS: case Type.CDS: return dsToText(r);
    case Type.DNSKEY: case Type.CDNSKEY: return dnskeyToText(r);
    case Type.SVCB: case Type.HTTPS: return svcbToText(r);
    case Type.LOC: return locToText(r);
    default: return null;
  }
}

const scratch = new Uint8Array(MAX_RDATA + 256);
const encoder = new TextEncoder();

/** A whole rdata in presentation form, e.g. `rdataFromString(Type.MX, '10 mail', origin)`; returns a copy. */
export function rdataFromString(type: number, text: string, origin: Uint8Array): Uint8Array {
  const t = new Tokens();
  const lexer = new Lexer(encoder.encode(text));
  if (lexer.next(t)) {
    if (t.error !== null) throw new RdataError(t.error);
    if (lexer.next(new Tokens())) throw new RdataError('rdata spans more than one entry');
  }
  return scratch.slice(0, rdataFromText(type, t, origin, scratch));
}

// ---- RFC 3597 §5 generic form -------------------------------------------------------------------

function isGenericMarker(t: Tokens): boolean {
  const i = t.pos;
  return i < t.count && t.end[i] - t.start[i] === 2 && (t.flags[i] & QUOTED) === 0 && t.src[t.start[i]] === 0x5c &&
    t.src[t.start[i] + 1] === 0x23;
}

function genericFromText(type: number, t: Tokens, out: Uint8Array): number {
  t.pos++;
  const declared = u16(t, 'generic rdata length');
  const len = declared === 0 ? 0 : hexRest(t, 'generic rdata', out, 0);
  if (len !== declared) throw new RdataError(`generic rdata is ${len} bytes, not the declared ${declared}`);
  // §5: the data must be valid for the type when the type's format is known.
  rdataToText(type, out, 0, len);
  return len;
}

// ---- types with a simple layout -----------------------------------------------------------------

function aFromText(t: Tokens, out: Uint8Array): number {
  const i = take(t, 'address');
  if (!ipv4FromBytes(t.src, t.start[i], t.end[i], out, 0)) throw new RdataError(`'${t.text(i)}' is not an IPv4 address`);
  return 4;
}

function aaaaFromText(t: Tokens, out: Uint8Array): number {
  const i = take(t, 'address');
  if (!ipv6FromBytes(t.src, t.start[i], t.end[i], out, 0)) throw new RdataError(`'${t.text(i)}' is not an IPv6 address`);
  return 16;
}

/** One or more character-strings (RFC 1035 §3.3.14); each must fit 255 bytes on its own, never wrapped. */
function txtFromText(t: Tokens, out: Uint8Array): number {
  let off = charString(t, 'character-string', out, 0);
  while (more(t)) off = charString(t, 'character-string', out, off);
  return off;
}

function txtToText(r: WireReader): string {
  let text = r.charString();
  while (r.left() > 0) text += ' ' + r.charString();
  return text;
}

function soaFromText(t: Tokens, origin: Uint8Array, out: Uint8Array): number {
  let off = name(t, 'mname', origin, out, 0);
  off = name(t, 'rname', origin, out, off);
  off = putU32(out, off, u32(t, 'serial'));
  off = putU32(out, off, duration32(t, 'refresh'));
  off = putU32(out, off, duration32(t, 'retry'));
  off = putU32(out, off, duration32(t, 'expire'));
  return putU32(out, off, duration32(t, 'minimum'));
}

function srvFromText(t: Tokens, origin: Uint8Array, out: Uint8Array): number {
  putU16(out, 0, u16(t, 'priority'));
  putU16(out, 2, u16(t, 'weight'));
  putU16(out, 4, u16(t, 'port'));
  return name(t, 'target', origin, out, 6);
}

function naptrFromText(t: Tokens, origin: Uint8Array, out: Uint8Array): number {
  putU16(out, 0, u16(t, 'order'));
  putU16(out, 2, u16(t, 'preference'));
  let off = charString(t, 'flags', out, 4);
  off = charString(t, 'services', out, off);
  off = charString(t, 'regexp', out, off);
  return name(t, 'replacement', origin, out, off);
}

function isAlphanumeric(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
}

/** RFC 8659 §4.1: flags, a tag of letters and digits, and a value taking the rest of the rdata. */
function caaFromText(t: Tokens, out: Uint8Array): number {
  out[0] = u8(t, 'flags');
  const i = take(t, 'tag');
  const s = t.start[i], len = t.end[i] - s;
  if (len === 0 || len > 255 || t.isQuoted(i)) throw new RdataError(`tag '${t.text(i)}' is not 1 to 255 letters and digits`);
  for (let k = 0; k < len; k++) {
    if (!isAlphanumeric(t.src[s + k])) throw new RdataError(`tag '${t.text(i)}' is not 1 to 255 letters and digits`);
    out[2 + k] = t.src[s + k];
  }
  out[1] = len;
  return rawString(t, take(t, 'value'), out, 2 + len); // may be empty: `0 issue ""` forbids all issuers
}

function caaToText(r: WireReader): string {
  const flags = r.u8(), tagLen = r.u8();
  if (tagLen === 0) throw new RdataError('empty CAA tag');
  const tag = r.need(tagLen);
  for (let k = 0; k < tagLen; k++) if (!isAlphanumeric(r.buf[tag + k])) throw new RdataError('CAA tag is not letters and digits');
  const tagText = String.fromCharCode(...r.buf.subarray(tag, tag + tagLen));
  const value = r.rest();
  return `${flags} ${tagText} ${quote(r.buf, value, r.end)}`;
}

/** RFC 7553 §4.4: the target is a quoted string and takes the rest of the rdata, without a length byte. */
function uriFromText(t: Tokens, out: Uint8Array): number {
  putU16(out, 0, u16(t, 'priority'));
  putU16(out, 2, u16(t, 'weight'));
  const i = take(t, 'target');
  if (!t.isQuoted(i)) throw new RdataError(`target '${t.text(i)}' must be a quoted string`);
  const end = rawString(t, i, out, 4);
  if (end === 4) throw new RdataError('target is empty');
  return end;
}

function uriToText(r: WireReader): string {
  const priority = r.u16(), weight = r.u16();
  if (r.left() === 0) throw new RdataError('empty URI target');
  const target = r.rest();
  return `${priority} ${weight} ${quote(r.buf, target, r.end)}`;
}
