// NOTIFY messages on the wire (RFC 1996): the request a primary sends when a zone changes, and the check
// of a secondary's response. The request is built once per zone change as a template with ID 0; each
// target's datagram is the template with its own ID (and, when signed, its own TSIG).
import { Class, Flag, HEADER_SIZE, Opcode, Rcode, Type } from '../codec/constants.ts';
import { nameFromText, nameLength, namesEqual, ROOT_NAME } from '../codec/name.ts';
import { findTsig, parseTsigRecord, TsigRecord } from '../tsig/wire.ts';

/** The zone's new SOA. Names are presentation text: the request crosses to a pool thread as plain data. */
export interface NotifySoa {
  ttl: number;
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** matchNotifyResponse's answer for a datagram that is not the response to our request. */
export const NOT_A_MATCH = -1;

const POINTER_TO_QUESTION = 0xc000 | HEADER_SIZE;
const RR_FIXED_SIZE = 10; // type, class, ttl, rdlength
const SOA_NUMBERS_SIZE = 20; // serial, refresh, retry, expire, minimum

/**
 * The NOTIFY request for `zone` with ID 0: the question is `<zone> SOA IN` (§3.7). With `soa` the answer
 * section carries the new SOA, the "unsecure hint" of §3.7: a secondary whose data already matches may
 * skip its SOA query. AA is set as BIND does; receivers must not depend on it (Designate's worker sends
 * RD and no AA).
 */
export function buildNotify(zone: string, soa?: NotifySoa): Buffer {
  const owner = nameFromText(zone, ROOT_NAME);
  const answer = soa === undefined ? null : soaRecord(soa);
  const questionEnd = HEADER_SIZE + owner.length + 4;
  const buf = Buffer.alloc(questionEnd + (answer === null ? 0 : answer.length));
  buf.writeUInt16BE((Opcode.NOTIFY << 11) | Flag.AA, 2);
  buf.writeUInt16BE(1, 4); // QDCOUNT
  buf.set(owner, HEADER_SIZE);
  buf.writeUInt16BE(Type.SOA, questionEnd - 4);
  buf.writeUInt16BE(Class.IN, questionEnd - 2);
  if (answer !== null) {
    buf.writeUInt16BE(1, 6); // ANCOUNT
    buf.set(answer, questionEnd);
  }
  return buf;
}

/** The SOA RR for the answer section; its owner, the zone apex, points at the question name. */
function soaRecord(soa: NotifySoa): Buffer {
  const mname = nameFromText(soa.mname, ROOT_NAME);
  const rname = nameFromText(soa.rname, ROOT_NAME);
  const rdlength = mname.length + rname.length + SOA_NUMBERS_SIZE;
  const rr = Buffer.alloc(2 + RR_FIXED_SIZE + rdlength);
  let p = rr.writeUInt16BE(POINTER_TO_QUESTION, 0);
  p = rr.writeUInt16BE(Type.SOA, p);
  p = rr.writeUInt16BE(Class.IN, p);
  p = rr.writeUInt32BE(uint32(soa.ttl, 'ttl'), p);
  p = rr.writeUInt16BE(rdlength, p);
  rr.set(mname, p);
  rr.set(rname, p + mname.length);
  p += mname.length + rname.length;
  for (const field of ['serial', 'refresh', 'retry', 'expire', 'minimum'] as const) p = rr.writeUInt32BE(uint32(soa[field], field), p);
  return rr;
}

function uint32(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`SOA ${field} ${value} is not a 32-bit unsigned integer`);
  return value;
}

/** Writes a 16-bit message ID into bytes 0-1. */
export function setMessageId(buf: Uint8Array, id: number): void {
  buf[0] = id >>> 8;
  buf[1] = id & 0xff;
}

/** The message ID of `msg`, which must hold a header. */
export function messageId(msg: Uint8Array): number {
  return (msg[0] << 8) | msg[1];
}

/**
 * The rcode of msg[0, len) when it is the response to `request` sent with `id`, else NOT_A_MATCH: QR set,
 * opcode NOTIFY, the same ID and the same question (§3.6 matches on ID and QNAME; the caller checks the
 * source address and port). An error response may come without the question: NSD refuses a NOTIFY, or
 * answers one signed with a key it does not know, with QDCOUNT 0; the ID, address and port then match it.
 * The name compares case-insensitively, as a responder may echo another case. Reads in place, allocates
 * nothing.
 */
export function matchNotifyResponse(msg: Uint8Array, len: number, id: number, request: Uint8Array): number {
  const questionEnd = HEADER_SIZE + nameLength(request, HEADER_SIZE) + 4; // our request: an uncompressed name
  if (len < HEADER_SIZE || messageId(msg) !== id) return NOT_A_MATCH;
  const flags = (msg[2] << 8) | msg[3];
  if (!(flags & Flag.QR) || ((flags >>> 11) & 0xf) !== Opcode.NOTIFY) return NOT_A_MATCH;
  const rcode = flags & 0xf;
  if (msg[4] === 0 && msg[5] === 0 && rcode !== Rcode.NOERROR) return rcode;
  if (len < questionEnd || msg[4] !== 0 || msg[5] !== 1) return NOT_A_MATCH; // QDCOUNT = 1
  // The request's name length bounds the walk: namesEqual stops at the first label that differs.
  if (!namesEqual(msg, HEADER_SIZE, request, HEADER_SIZE)) return NOT_A_MATCH;
  for (let i = questionEnd - 4; i < questionEnd; i++) if (msg[i] !== request[i]) return NOT_A_MATCH; // type, class
  return rcode;
}

/**
 * The TSIG error (RFC 8945 §5.3.2: BADKEY 17, BADSIG 16, BADTIME 18) of an error response's TSIG RR, or 0
 * when it carries none. Such answers are unsigned, so this is what the secondary says, not verified.
 */
export function tsigErrorOf(msg: Uint8Array, len: number): number {
  const at = findTsig(msg, len);
  if (at < 0) return 0;
  const record = new TsigRecord();
  return parseTsigRecord(msg, at, len, record) ? record.error : 0;
}
