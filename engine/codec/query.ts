// Allocation-free parsing of an incoming request: header, the single question, and a structural walk of
// every other RR so that malformed input is refused before any answering work (RFC 1035 §4.1, RFC 6891,
// RFC 8945 TSIG placement, RFC 9619 QDCOUNT=1). One Query object per socket is reused for every packet.
import { Class, Flag, HEADER_SIZE, MAX_NAME_LENGTH, Opcode, Rcode, Type } from './constants.ts';

export const ParseStatus = {
  OK: 0,
  // Too short to carry an ID, or a response we must not answer: send nothing.
  DROP: 1,
  // Answer with `rcode` (FORMERR, NOTIMP); the question is echoed when `qnameEnd` > 0.
  ERROR: 2,
} as const;

const MIN_RR_SIZE = 11; // root owner + type + class + ttl + rdlength

export class Query {
  id = 0;
  flags = 0;
  opcode = 0;
  rcode: number = Rcode.NOERROR;
  qnameEnd = 0; // offset after the question name; the name starts at HEADER_SIZE
  qtype = 0;
  qclass = 0;
  questionEnd = 0;
  hasEdns = false;
  ednsVersion = 0;
  ednsPayload = 0;
  ednsFlags = 0; // the OPT TTL's low 16 bits (DO and the rest)
  tsigOffset = -1; // start of the TSIG RR when the request is signed
  answerCount = 0; // RRs in the answer section (a NOTIFY may carry the new SOA there)
  answerOffset = 0;
}

/** Parses `msg[0, len)` into `q`; returns a ParseStatus. */
export function parseQuery(msg: Uint8Array, len: number, q: Query): number {
  if (len < HEADER_SIZE) return ParseStatus.DROP;
  q.id = (msg[0] << 8) | msg[1];
  q.flags = (msg[2] << 8) | msg[3];
  q.opcode = (q.flags >>> 11) & 0xf;
  q.qnameEnd = 0;
  q.hasEdns = false;
  q.tsigOffset = -1;
  q.answerCount = 0;
  if (q.flags & Flag.QR) {
    // A response sent to us. Answering an error response could ping-pong between two servers forever
    // (a spoofed source starts it), so only error-free ones get FORMERR and the rest are dropped.
    return (q.flags & 0xf) === 0 ? fail(q, Rcode.FORMERR) : ParseStatus.DROP;
  }
  const qdcount = (msg[4] << 8) | msg[5];
  const ancount = (msg[6] << 8) | msg[7];
  const nscount = (msg[8] << 8) | msg[9];
  const arcount = (msg[10] << 8) | msg[11];
  if (q.opcode !== Opcode.QUERY && q.opcode !== Opcode.NOTIFY) return fail(q, Rcode.NOTIMP);
  if (qdcount !== 1) return fail(q, Rcode.FORMERR);
  // Every RR takes at least 11 bytes: refuse absurd counts in O(1) before walking anything.
  if ((ancount + nscount + arcount) * MIN_RR_SIZE > len - HEADER_SIZE) return fail(q, Rcode.FORMERR);

  const nameEnd = skipQuestionName(msg, HEADER_SIZE, len);
  if (nameEnd < 0 || nameEnd + 4 > len) return fail(q, Rcode.FORMERR);
  q.qnameEnd = nameEnd;
  q.qtype = (msg[nameEnd] << 8) | msg[nameEnd + 1];
  q.qclass = (msg[nameEnd + 2] << 8) | msg[nameEnd + 3];
  q.questionEnd = nameEnd + 4;

  q.answerOffset = q.questionEnd;
  q.answerCount = ancount;
  let p = q.questionEnd;
  for (let i = 0; i < ancount + nscount; i++) {
    p = skipRR(msg, p, len, false, q);
    if (p < 0) return fail(q, Rcode.FORMERR);
  }
  for (let i = 0; i < arcount; i++) {
    const start = p;
    p = skipRR(msg, p, len, true, q);
    if (p < 0) return fail(q, Rcode.FORMERR);
    if (q.tsigOffset === start && i !== arcount - 1) return fail(q, Rcode.FORMERR); // RFC 8945 §5.1: TSIG is last
  }
  if (p !== len) return fail(q, Rcode.FORMERR); // trailing bytes
  if (q.hasEdns && q.ednsVersion !== 0) return fail(q, Rcode.BADVERS);
  return ParseStatus.OK;
}

function fail(q: Query, rcode: number): number {
  q.rcode = rcode;
  return ParseStatus.ERROR;
}

/** A question name must be plain labels: a pointer there could only point into the header. */
function skipQuestionName(msg: Uint8Array, p: number, len: number): number {
  const start = p;
  while (p < len) {
    const l = msg[p];
    if (l === 0) return p + 1 - start > MAX_NAME_LENGTH ? -1 : p + 1;
    if (l > 63) return -1; // pointers and the reserved 0x40/0x80 label types
    p += l + 1;
  }
  return -1;
}

/** Skips a possibly compressed name; pointers must point backwards (they are not followed here). */
function skipName(msg: Uint8Array, p: number, len: number): number {
  let total = 0;
  while (p < len) {
    const l = msg[p];
    if (l === 0) return p + 1;
    if ((l & 0xc0) === 0xc0) {
      if (p + 1 >= len || (((l & 0x3f) << 8) | msg[p + 1]) >= p) return -1;
      return p + 2;
    }
    if (l > 63) return -1;
    total += l + 1;
    if (total >= MAX_NAME_LENGTH) return -1;
    p += l + 1;
  }
  return -1;
}

function skipRR(msg: Uint8Array, p: number, len: number, additional: boolean, q: Query): number {
  const owner = p;
  p = skipName(msg, p, len);
  if (p < 0 || p + 10 > len) return -1;
  const type = (msg[p] << 8) | msg[p + 1];
  const rdlength = (msg[p + 8] << 8) | msg[p + 9];
  const rdata = p + 10;
  const end = rdata + rdlength;
  if (end > len) return -1;
  if (type === Type.OPT) {
    // RFC 6891 §6.1.1: one OPT, in the additional section, owned by the root.
    if (!additional || q.hasEdns || msg[owner] !== 0) return -1;
    if (!validOptions(msg, rdata, end)) return -1;
    q.hasEdns = true;
    q.ednsPayload = (msg[p + 2] << 8) | msg[p + 3];
    q.ednsVersion = msg[p + 5];
    q.ednsFlags = (msg[p + 6] << 8) | msg[p + 7];
  } else if (type === Type.TSIG) {
    if (!additional || q.tsigOffset >= 0 || ((msg[p + 2] << 8) | msg[p + 3]) !== Class.ANY) return -1;
    q.tsigOffset = owner;
  }
  return end;
}

/** EDNS options are code/length/value triples that must tile the rdata exactly. */
function validOptions(msg: Uint8Array, p: number, end: number): boolean {
  while (p < end) {
    if (p + 4 > end) return false;
    p += 4 + ((msg[p + 2] << 8) | msg[p + 3]);
  }
  return p === end;
}
