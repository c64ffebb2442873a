// Message builders shared by the TSIG tests and the test responder: plain wire bytes, no compression
// except 0xc00c pointers to the question name.
import { nameFromText } from '../../engine/codec/name.ts';
import { findTsig, TsigRecord, parseTsigRecord } from '../../engine/tsig/wire.ts';

/** A query `name type` (IN) with the given ID, in a buffer of `capacity` bytes; returns [buf, len]. */
export function buildQuery(name: string, type: number, id = 0x1234, capacity = 1024): [Uint8Array, number] {
  const buf = new Uint8Array(capacity);
  buf[0] = id >>> 8; buf[1] = id & 0xff;
  buf[5] = 1; // QDCOUNT
  const wire = nameFromText(name);
  buf.set(wire, 12);
  let p = 12 + wire.length;
  buf[p++] = type >>> 8; buf[p++] = type & 0xff; buf[p++] = 0; buf[p++] = 1;
  return [buf, p];
}

const SOA_RDATA = Buffer.concat([
  nameFromText('ns.example.com.'), nameFromText('admin.example.com.'),
  Buffer.from([0, 0, 0, 1, 0, 0, 0x1c, 0x20, 0, 0, 0x0e, 0x10, 0, 0x12, 0x75, 0, 0, 0, 1, 0x2c]),
]);

/**
 * Starts a response to the query msg[0, questionEnd) in `out`: same ID and question, QR and AA set, RD
 * copied, RCODE `rcode`, no records. Returns the length.
 */
export function beginResponse(msg: Uint8Array, questionEnd: number, out: Uint8Array, rcode = 0): number {
  out.set(msg.subarray(0, questionEnd), 0);
  out[2] = 0x84 | (msg[2] & 0x01);
  out[3] = rcode & 0x0f;
  out.fill(0, questionEnd > 12 ? 6 : 4, 12);
  return questionEnd;
}

/** Appends one answer RR owned by the question name (pointer 0xc00c): SOA, or A 192.0.2.n. */
export function appendAnswer(out: Uint8Array, p: number, kind: 'SOA' | number): number {
  const rdata = kind === 'SOA' ? SOA_RDATA : Uint8Array.of(192, 0, 2, kind & 0xff);
  const type = kind === 'SOA' ? 6 : 1;
  out.set([0xc0, 0x0c, 0, type, 0, 1, 0, 0, 0x0e, 0x10, rdata.length >>> 8, rdata.length & 0xff], p);
  out.set(rdata, p + 12);
  const an = ((out[6] << 8) | out[7]) + 1;
  out[6] = an >>> 8; out[7] = an & 0xff;
  return p + 12 + rdata.length;
}

/** A signed message split into its unsigned form (TSIG removed, ARCOUNT restored) and its MAC. */
export function stripTsig(signed: Uint8Array): { unsigned: Uint8Array; mac: Buffer; tsig: TsigRecord } {
  const at = findTsig(signed, signed.length);
  if (at < 0) throw new Error('no TSIG');
  const tsig = new TsigRecord();
  if (!parseTsigRecord(signed, at, signed.length, tsig)) throw new Error('bad TSIG');
  const unsigned = new Uint8Array(signed.subarray(0, at));
  const ar = ((unsigned[10] << 8) | unsigned[11]) - 1;
  unsigned[10] = ar >>> 8; unsigned[11] = ar & 0xff;
  return { unsigned, mac: Buffer.from(signed.subarray(tsig.macOff, tsig.macOff + tsig.macLen)), tsig };
}

export const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
