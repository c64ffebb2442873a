// Numeric DNS constants. The hot path compares numbers; mnemonics are for zone files, logs and tests.

export const Type = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, LOC: 29, SRV: 33,
  NAPTR: 35, CERT: 37, DNAME: 39, OPT: 41, DS: 43, SSHFP: 44, RRSIG: 46, NSEC: 47, DNSKEY: 48,
  NSEC3: 50, NSEC3PARAM: 51, TLSA: 52, CDS: 59, CDNSKEY: 60, SVCB: 64, HTTPS: 65, SPF: 99,
  TKEY: 249, TSIG: 250, IXFR: 251, AXFR: 252, MAILB: 253, MAILA: 254, ANY: 255, URI: 256, CAA: 257,
} as const;

export const Class = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

export const Opcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

export const Rcode = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6,
  NOTAUTH: 9, BADVERS: 16, BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22,
} as const;

// Header flag bits within the second 16-bit word of the header.
export const Flag = { QR: 0x8000, AA: 0x0400, TC: 0x0200, RD: 0x0100, RA: 0x0080, AD: 0x0020, CD: 0x0010 } as const;

export const HEADER_SIZE = 12;
export const MAX_NAME_LENGTH = 255;
export const MAX_LABEL_LENGTH = 63;
// Without EDNS a UDP response is limited to 512 bytes (RFC 1035 §4.2.1).
export const CLASSIC_UDP_SIZE = 512;
// EDNS DO bit in the OPT TTL field (RFC 3225).
export const EDNS_DO = 0x8000;

const typeNames = new Map<number, string>();
const typeNumbers = new Map<string, number>();
for (const [name, value] of Object.entries(Type)) {
  typeNames.set(value, name);
  typeNumbers.set(name, value);
}

/** Mnemonic for a type, or RFC 3597 `TYPEnnn`. */
export function typeToText(type: number): string {
  return typeNames.get(type) ?? `TYPE${type}`;
}

/** Type number for a mnemonic or `TYPEnnn` (case-insensitive); -1 when unknown. */
export function typeFromText(text: string): number {
  const upper = text.toUpperCase();
  const known = typeNumbers.get(upper);
  if (known !== undefined) return known;
  if (/^TYPE\d{1,5}$/.test(upper)) {
    const n = Number(upper.slice(4));
    if (n <= 0xffff) return n;
  }
  return -1;
}

const classNumbers = new Map<string, number>(Object.entries(Class));
const classNames = new Map<number, string>(Object.entries(Class).map(([k, v]) => [v, k]));

export function classToText(klass: number): string {
  return classNames.get(klass) ?? `CLASS${klass}`;
}

/** Class number for a mnemonic or `CLASSnnn` (case-insensitive); -1 when unknown. */
export function classFromText(text: string): number {
  const upper = text.toUpperCase();
  const known = classNumbers.get(upper);
  if (known !== undefined) return known;
  if (/^CLASS\d{1,5}$/.test(upper)) {
    const n = Number(upper.slice(5));
    if (n <= 0xffff) return n;
  }
  return -1;
}

const rcodeNames = new Map<number, string>([
  [0, 'NOERROR'], [1, 'FORMERR'], [2, 'SERVFAIL'], [3, 'NXDOMAIN'], [4, 'NOTIMP'], [5, 'REFUSED'],
  [6, 'YXDOMAIN'], [9, 'NOTAUTH'], [16, 'BADVERS'], [17, 'BADKEY'], [18, 'BADTIME'], [22, 'BADTRUNC'],
]);

export function rcodeToText(rcode: number): string {
  return rcodeNames.get(rcode) ?? `RCODE${rcode}`;
}

/** A TSIG RR's error field by name (RFC 8945 §5.3.2): 16 there is BADSIG, where an EDNS rcode 16 is BADVERS. */
export function tsigErrorToText(error: number): string {
  return error === Rcode.BADSIG ? 'BADSIG' : rcodeToText(error);
}
