// Key and digest records: DS/CDS (RFC 4034 §5, RFC 7344), DNSKEY/CDNSKEY (RFC 4034 §2), CERT (RFC 4398),
// SSHFP (RFC 4255) and TLSA (RFC 6698). Keys and certificates are base64, digests hex; both may be split
// by whitespace in presentation form and are printed unbroken, as Knot does.
import type { Tokens } from '../../zonefile/lexer.ts';
import {
  base64Rest, base64Text, hexRest, hexText, putU16, RdataError, u16, u8, WireReader,
} from './fields.ts';

// DNSSEC algorithm mnemonics (RFC 4034 Appendix A.1 and the IANA registry), accepted wherever an
// algorithm number is; CERT prints them, as BIND does.
const algorithms = new Map<string, number>([
  ['RSAMD5', 1], ['DH', 2], ['DSA', 3], ['RSASHA1', 5], ['DSA-NSEC3-SHA1', 6], ['RSASHA1-NSEC3-SHA1', 7],
  ['RSASHA256', 8], ['RSASHA512', 10], ['ECC-GOST', 12], ['ECDSAP256SHA256', 13], ['ECDSAP384SHA384', 14],
  ['ED25519', 15], ['ED448', 16], ['INDIRECT', 252], ['PRIVATEDNS', 253], ['PRIVATEOID', 254],
]);
const algorithmNames = new Map([...algorithms].map(([k, v]) => [v, k]));

// RFC 4398 §2.1 certificate types.
const certTypes = new Map<string, number>([
  ['PKIX', 1], ['SPKI', 2], ['PGP', 3], ['IPKIX', 4], ['ISPKI', 5], ['IPGP', 6], ['ACPKIX', 7], ['IACPKIX', 8],
  ['URI', 253], ['OID', 254],
]);
const certTypeNames = new Map([...certTypes].map(([k, v]) => [v, k]));

// Digest sizes of the DS digest types that have one (RFC 4509, RFC 5933, RFC 6605); a DS whose digest has
// the wrong size can never match a key, so it is refused rather than published.
const digestSizes = new Map<number, [string, number]>([[1, ['SHA-1', 20]], [2, ['SHA-256', 32]], [3, ['GOST', 32]], [4, ['SHA-384', 48]]]);

function mnemonicOrNumber(
  t: Tokens, field: string, table: Map<string, number>, number: (t: Tokens, field: string) => number,
): number {
  const known = t.pos < t.count ? table.get(t.text(t.pos).toUpperCase()) : undefined;
  if (known === undefined) return number(t, field);
  t.pos++;
  return known;
}

function algorithm(t: Tokens): number {
  return mnemonicOrNumber(t, 'algorithm', algorithms, u8);
}

function checkDigest(digestType: number, len: number): void {
  const expected = digestSizes.get(digestType);
  if (expected !== undefined && expected[1] !== len) {
    throw new RdataError(`digest is ${len} bytes but ${expected[0]} (digest type ${digestType}) has ${expected[1]}`);
  }
}

export function dsFromText(t: Tokens, out: Uint8Array): number {
  putU16(out, 0, u16(t, 'key tag'));
  out[2] = algorithm(t);
  out[3] = u8(t, 'digest type');
  const end = hexRest(t, 'digest', out, 4);
  checkDigest(out[3], end - 4);
  return end;
}

export function dsToText(r: WireReader): string {
  const keyTag = r.u16(), alg = r.u8(), digestType = r.u8();
  const digest = nonEmptyRest(r, 'digest');
  checkDigest(digestType, r.end - digest);
  return `${keyTag} ${alg} ${digestType} ${hexText(r.buf, digest, r.end)}`;
}

export function dnskeyFromText(t: Tokens, out: Uint8Array): number {
  putU16(out, 0, u16(t, 'flags'));
  out[2] = u8(t, 'protocol');
  out[3] = algorithm(t);
  return base64Rest(t, 'public key', out, 4);
}

export function dnskeyToText(r: WireReader): string {
  const flags = r.u16(), protocol = r.u8(), alg = r.u8();
  const key = nonEmptyRest(r, 'public key');
  return `${flags} ${protocol} ${alg} ${base64Text(r.buf, key, r.end)}`;
}

export function certFromText(t: Tokens, out: Uint8Array): number {
  putU16(out, 0, mnemonicOrNumber(t, 'certificate type', certTypes, u16));
  putU16(out, 2, u16(t, 'key tag'));
  out[4] = algorithm(t);
  return base64Rest(t, 'certificate', out, 5);
}

export function certToText(r: WireReader): string {
  const type = r.u16(), keyTag = r.u16(), alg = r.u8();
  const cert = nonEmptyRest(r, 'certificate');
  const typeText = certTypeNames.get(type) ?? String(type);
  return `${typeText} ${keyTag} ${algorithmNames.get(alg) ?? alg} ${base64Text(r.buf, cert, r.end)}`;
}

export function sshfpFromText(t: Tokens, out: Uint8Array): number {
  out[0] = u8(t, 'algorithm');
  out[1] = u8(t, 'fingerprint type');
  return hexRest(t, 'fingerprint', out, 2);
}

export function sshfpToText(r: WireReader): string {
  const alg = r.u8(), fpType = r.u8();
  const fp = nonEmptyRest(r, 'fingerprint');
  return `${alg} ${fpType} ${hexText(r.buf, fp, r.end)}`;
}

export function tlsaFromText(t: Tokens, out: Uint8Array): number {
  out[0] = u8(t, 'certificate usage');
  out[1] = u8(t, 'selector');
  out[2] = u8(t, 'matching type');
  return hexRest(t, 'certificate association data', out, 3);
}

export function tlsaToText(r: WireReader): string {
  const usage = r.u8(), selector = r.u8(), matching = r.u8();
  const data = nonEmptyRest(r, 'certificate association data');
  return `${usage} ${selector} ${matching} ${hexText(r.buf, data, r.end)}`;
}

/** The trailing blob; presentation form has no way to write it empty, so wire must not have it empty. */
function nonEmptyRest(r: WireReader, field: string): number {
  if (r.left() === 0) throw new RdataError(`missing ${field}`);
  return r.rest();
}
