// SVCB and HTTPS (RFC 9460): priority, target name and SvcParams. Presentation values are char-strings
// (§2.1), so `alpn="h2,h3"` arrives as the token `alpn=` glued to a quoted token; list values add a second
// level of escaping, `\,` and `\\` inside the decoded string (Appendix A.1).
import { concatBytes } from '../bytes.ts';
import { GLUED, QUOTED, type Tokens } from '../../zonefile/lexer.ts';
import {
  base64Text, capacity, decimal, escapeBytes, more, name, putU16, quote, RdataError, tooLong, u16, unescape, WireReader,
} from './fields.ts';
import { ipv4FromBytes, ipv4ToText, ipv6FromBytes, ipv6ToText } from './ip.ts';

const MANDATORY = 0, ALPN = 1, NO_DEFAULT_ALPN = 2, PORT = 3, IPV4HINT = 4, ECH = 5, IPV6HINT = 6;
const INVALID_KEY = 65535; // §14.3.2: reserved, never valid
const keyNames = ['mandatory', 'alpn', 'no-default-alpn', 'port', 'ipv4hint', 'ech', 'ipv6hint'];

interface Param {
  key: number;
  value: Uint8Array;
}

function keyText(key: number): string {
  return keyNames[key] ?? `key${key}`;
}

function keyFromText(text: string): number {
  const lower = text.toLowerCase();
  const known = keyNames.indexOf(lower);
  if (known >= 0) return known;
  const generic = /^key(\d{1,5})$/.exec(lower);
  if (generic !== null && Number(generic[1]) < INVALID_KEY) return Number(generic[1]);
  throw new RdataError(`unknown SvcParam key '${text}'`);
}

const scratch = new Uint8Array(65536);
const latin1 = new TextDecoder('latin1');

/** The char-string value decoded (RFC 1035 §5.1 escapes); null when the param has no `=`. */
function rawValue(t: Tokens, i: number, eq: number): Uint8Array | null {
  const e = t.end[i];
  if (eq === e) return null;
  let s = eq + 1;
  let end = e;
  if (s === e && t.pos < t.count && (t.flags[t.pos] & (QUOTED | GLUED)) === (QUOTED | GLUED)) {
    const j = t.pos++;
    s = t.start[j];
    end = t.end[j];
  }
  const n = unescape(t.src, s, end, scratch, 0, scratch.length);
  if (n < 0) throw tooLong();
  return scratch.slice(0, n);
}

/** Items of a comma-separated value list, with `\` escaping the next byte (RFC 9460 Appendix A.1). */
function listItems(value: Uint8Array): Uint8Array[] {
  const items: Uint8Array[] = [];
  let item: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === 0x2c) {
      items.push(Uint8Array.from(item));
      item = [];
      continue;
    }
    if (value[i] === 0x5c && i + 1 < value.length) i++;
    item.push(value[i]);
  }
  items.push(Uint8Array.from(item));
  if (items.some((x) => x.length === 0)) throw new RdataError('empty item in a SvcParam value list');
  return items;
}

function addresses(items: Uint8Array[], size: 4 | 16): Uint8Array {
  const parse = size === 4 ? ipv4FromBytes : ipv6FromBytes;
  const out = new Uint8Array(items.length * size);
  items.forEach((item, k) => {
    if (!parse(item, 0, item.length, out, k * size)) throw new RdataError(`'${latin1.decode(item)}' is not an IPv${size === 4 ? 4 : 6} address`);
  });
  return out;
}

function mandatoryValue(items: Uint8Array[]): Uint8Array {
  const keys = items.map((item) => keyFromText(latin1.decode(item))).sort((a, b) => a - b);
  const out = new Uint8Array(keys.length * 2);
  keys.forEach((key, k) => {
    if (key === MANDATORY) throw new RdataError('mandatory must not list itself');
    if (k > 0 && keys[k - 1] === key) throw new RdataError(`mandatory lists ${keyText(key)} twice`);
    putU16(out, k * 2, key);
  });
  return out;
}

function base64Value(value: Uint8Array): Uint8Array {
  const text = latin1.decode(value);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) throw new RdataError('ech is not valid base64');
  return Uint8Array.from(Buffer.from(text, 'base64'));
}

/** The wire value of one SvcParam from its presentation value (§7 and §2.1 formats). */
function wireValue(key: number, value: Uint8Array | null): Uint8Array {
  if (key === NO_DEFAULT_ALPN) {
    if (value !== null && value.length > 0) throw new RdataError('no-default-alpn takes no value');
    return new Uint8Array(0);
  }
  if (key > IPV6HINT) return value ?? new Uint8Array(0);
  if (value === null || value.length === 0) throw new RdataError(`${keyText(key)} needs a value`);
  switch (key) {
    case MANDATORY: return mandatoryValue(listItems(value));
    case ALPN: return concatBytes(listItems(value).map((id) => {
      if (id.length > 255) throw new RdataError('alpn id longer than 255 bytes');
      return concatBytes([Uint8Array.of(id.length), id]);
    }));
    case PORT: {
      const port = decimal(value, 0, value.length);
      if (port < 0 || port > 0xffff) throw new RdataError(`port '${latin1.decode(value)}' is not a 16-bit number`);
      return Uint8Array.of(port >> 8, port & 0xff);
    }
    case IPV4HINT: return addresses(listItems(value), 4);
    case ECH: return base64Value(value);
    default: return addresses(listItems(value), 16);
  }
}

function param(t: Tokens): Param {
  const i = t.pos++;
  if (t.isQuoted(i)) throw new RdataError(`expected a SvcParam, got the quoted string '${t.text(i)}'`);
  let eq = t.start[i];
  while (eq < t.end[i] && t.src[eq] !== 0x3d) eq++;
  const key = keyFromText(latin1.decode(t.src.subarray(t.start[i], eq)));
  return { key, value: wireValue(key, rawValue(t, i, eq)) };
}

/** §8: every key that `mandatory` lists must be present; §7.1.1: no-default-alpn only beside alpn. */
function checkConsistency(params: Param[]): void {
  const present = new Set(params.map((p) => p.key));
  for (let k = 1; k < params.length; k++) {
    if (params[k].key === params[k - 1].key) throw new RdataError(`duplicate SvcParam ${keyText(params[k].key)}`);
  }
  const mandatory = params.find((p) => p.key === MANDATORY);
  for (let k = 0; mandatory !== undefined && k < mandatory.value.length; k += 2) {
    const key = (mandatory.value[k] << 8) | mandatory.value[k + 1];
    if (!present.has(key)) throw new RdataError(`mandatory lists ${keyText(key)}, which is missing`);
  }
  if (present.has(NO_DEFAULT_ALPN) && !present.has(ALPN)) throw new RdataError('no-default-alpn requires alpn');
}

export function svcbFromText(t: Tokens, origin: Uint8Array, out: Uint8Array): number {
  const priority = u16(t, 'priority');
  putU16(out, 0, priority);
  let off = name(t, 'target', origin, out, 2);
  const params: Param[] = [];
  while (more(t)) params.push(param(t));
  // §2.4.2: AliasMode records SHOULD NOT carry SvcParams, and clients ignore them; refuse them at the source.
  if (priority === 0 && params.length > 0) throw new RdataError('AliasMode (priority 0) takes no SvcParams');
  params.sort((a, b) => a.key - b.key); // §2.2: keys in strictly increasing order on the wire
  checkConsistency(params);
  const cap = capacity(out);
  for (const p of params) {
    if (off + 4 + p.value.length > cap) throw tooLong();
    off = putU16(out, off, p.key);
    off = putU16(out, off, p.value.length);
    out.set(p.value, off);
    off += p.value.length;
  }
  return off;
}

/** An alpn-id escaped twice: `,` and `\\` for the value list, then as a char-string (RFC 9460 Appendix A.1). */
function alpnIdText(buf: Uint8Array, s: number, e: number): string {
  let text = '';
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c === 0x2c) text += '\\\\,';
    else if (c === 0x5c) text += '\\\\\\\\';
    else text += escapeBytes(buf, i, i + 1);
  }
  return text;
}

function alpnText(buf: Uint8Array, s: number, e: number): string {
  const ids: string[] = [];
  for (let p = s; p < e;) {
    const len = buf[p++];
    if (len === 0 || p + len > e) throw new RdataError('malformed alpn value');
    ids.push(alpnIdText(buf, p, p + len));
    p += len;
  }
  return `"${ids.join(',')}"`;
}

function addressesText(buf: Uint8Array, s: number, e: number, size: 4 | 16): string {
  if (e === s || (e - s) % size !== 0) throw new RdataError(`malformed ipv${size === 4 ? 4 : 6}hint value`);
  const list: string[] = [];
  for (let p = s; p < e; p += size) list.push(size === 4 ? ipv4ToText(buf, p) : ipv6ToText(buf, p));
  return list.join(',');
}

function mandatoryText(buf: Uint8Array, s: number, e: number): string {
  if (e === s || (e - s) % 2 !== 0) throw new RdataError('malformed mandatory value');
  const keys: string[] = [];
  for (let p = s; p < e; p += 2) keys.push(keyText((buf[p] << 8) | buf[p + 1]));
  return keys.join(',');
}

function paramText(key: number, buf: Uint8Array, s: number, e: number): string {
  switch (key) {
    case MANDATORY: return `mandatory=${mandatoryText(buf, s, e)}`;
    case ALPN: return `alpn=${alpnText(buf, s, e)}`;
    case NO_DEFAULT_ALPN:
      if (e !== s) throw new RdataError('no-default-alpn with a value');
      return 'no-default-alpn';
    case PORT:
      if (e - s !== 2) throw new RdataError('malformed port value');
      return `port=${(buf[s] << 8) | buf[s + 1]}`;
    case IPV4HINT: return `ipv4hint=${addressesText(buf, s, e, 4)}`;
    case ECH:
      if (e === s) throw new RdataError('empty ech value');
      return `ech=${base64Text(buf, s, e)}`;
    case IPV6HINT: return `ipv6hint=${addressesText(buf, s, e, 16)}`;
    default: return e === s ? keyText(key) : `${keyText(key)}=${quote(buf, s, e)}`;
  }
}

export function svcbToText(r: WireReader): string {
  const parts = [String(r.u16()), r.name()];
  let previous = -1;
  while (r.left() > 0) {
    const key = r.u16(), len = r.u16();
    if (key <= previous || key === INVALID_KEY) throw new RdataError('SvcParam keys out of order, repeated or invalid');
    previous = key;
    const p = r.need(len);
    parts.push(paramText(key, r.buf, p, p + len));
  }
  return parts.join(' ');
}
