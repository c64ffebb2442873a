// What one query handler answered, counted in a flat Float64Array so that counting costs a few stores and
// no allocation: requests by transport, question type and rcode, other opcodes, drops, response-cache hits
// and misses, and a histogram of answer times. The array may live in a SharedArrayBuffer written by an
// answering thread and read by the main thread, which turns it into Prometheus series at scrape time. One
// writer per array; a reader may see a count one request old, never a torn one (aligned 8-byte stores).
import { Opcode, Rcode, Type } from '../codec/constants.ts';

export const STAT_TRANSPORTS = ['udp', 'tcp'] as const;
/** Question types counted by name; every other type is counted as `other`. */
export const STAT_QTYPES = [
  'A', 'NS', 'CNAME', 'SOA', 'PTR', 'MX', 'TXT', 'AAAA', 'SRV', 'NAPTR', 'DS', 'DNSKEY', 'TLSA', 'SVCB', 'HTTPS', 'CAA', 'ANY', 'other',
] as const;
/** The header's four rcode bits (extended rcodes are rare enough to count under their low bits). */
export const STAT_RCODES = 16;
export const STAT_OPCODES = 16;
/** One request in this many has its answer time measured (a clock read costs a tenth of a cached answer). */
export const ANSWER_TIME_SAMPLE = 16;
/** Upper bounds, in seconds, of the answer-time buckets; the last bucket is +Inf. */
export const ANSWER_TIME_BUCKETS = [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01] as const;

const T = STAT_TRANSPORTS.length;
const Q = STAT_QTYPES.length;
const B = ANSWER_TIME_BUCKETS.length + 1;

// The layout: every offset named here, each block indexed by transport first.
const QUERIES = 0; // [transport][qtype][rcode]
const OPCODES = QUERIES + T * Q * STAT_RCODES; // [transport][opcode], requests other than QUERY
const DROPPED = OPCODES + T * STAT_OPCODES; // [transport], requests given no answer (unparseable, or not to be answered)
const CACHE_HITS = DROPPED + T; // [transport]
const CACHE_MISSES = CACHE_HITS + T; // [transport]
const TIME_BUCKETS = CACHE_MISSES + T; // [transport][bucket], not cumulative
const TIME_SUM = TIME_BUCKETS + T * B; // [transport], seconds
const SLOTS = TIME_SUM + T;

/** The bytes one QueryStats needs: what to allocate a SharedArrayBuffer with. */
export const QUERY_STATS_BYTES = SLOTS * 8;

// Question type number to its STAT_QTYPES index, for the types below 258 (CAA is 257); above: `other`.
const QTYPE_INDEX = new Uint8Array(258).fill(Q - 1);
STAT_QTYPES.forEach((name, i) => {
  if (name !== 'other') QTYPE_INDEX[Type[name]] = i;
});

const RCODE_NAMES: string[] = Array.from({ length: STAT_RCODES }, (_, i) => `RCODE${i}`);
for (const [name, value] of Object.entries(Rcode)) if (value < STAT_RCODES) RCODE_NAMES[value] = name;
RCODE_NAMES[7] = 'YXRRSET';
RCODE_NAMES[8] = 'NXRRSET';
RCODE_NAMES[10] = 'NOTZONE';
const OPCODE_NAMES: string[] = Array.from({ length: STAT_OPCODES }, (_, i) => `OPCODE${i}`);
for (const [name, value] of Object.entries(Opcode)) OPCODE_NAMES[value] = name;

export const rcodeName = (rcode: number): string => RCODE_NAMES[rcode];

export class QueryStats {
  readonly counts: Float64Array;

  constructor(buffer: ArrayBufferLike = new ArrayBuffer(QUERY_STATS_BYTES)) {
    if (buffer.byteLength < QUERY_STATS_BYTES) throw new RangeError(`query stats need ${QUERY_STATS_BYTES} bytes`);
    this.counts = new Float64Array(buffer, 0, SLOTS);
  }

  /** One answered request: `qtype` -1 when the question could not be read; `tcp` 0 or 1. */
  answered(tcp: number, opcode: number, qtype: number, rcode: number): void {
    const c = this.counts;
    if (opcode !== Opcode.QUERY) c[OPCODES + tcp * STAT_OPCODES + (opcode & 15)]++;
    else c[QUERIES + (tcp * Q + (qtype >= 0 && qtype < 258 ? QTYPE_INDEX[qtype] : Q - 1)) * STAT_RCODES + (rcode & 15)]++;
  }

  /** The answer time of a sampled request (one in ANSWER_TIME_SAMPLE). */
  timed(tcp: number, seconds: number): void {
    const c = this.counts;
    let b = 0;
    while (b < B - 1 && seconds > ANSWER_TIME_BUCKETS[b]) b++;
    c[TIME_BUCKETS + tcp * B + b]++;
    c[TIME_SUM + tcp] += seconds;
  }

  dropped(tcp: number): void {
    this.counts[DROPPED + tcp]++;
  }

  cacheHit(tcp: number): void {
    this.counts[CACHE_HITS + tcp]++;
  }

  cacheMiss(tcp: number): void {
    this.counts[CACHE_MISSES + tcp]++;
  }

  /** Adds another's counts to these (a closed server's, kept so that totals never go down). */
  add(other: QueryStats): void {
    for (let i = 0; i < SLOTS; i++) this.counts[i] += other.counts[i];
  }
}

/** Reading side: each count by its labels, summed over several QueryStats. */
export class QueryStatsView {
  private readonly sum = new Float64Array(SLOTS);

  constructor(sources: Iterable<QueryStats>) {
    for (const s of sources) for (let i = 0; i < SLOTS; i++) this.sum[i] += s.counts[i];
  }

  /** Non-zero query counts: [transport, qtype, rcode, count]. */
  *queries(): Generator<[string, string, string, number]> {
    for (let t = 0; t < T; t++) {
      for (let q = 0; q < Q; q++) {
        for (let r = 0; r < STAT_RCODES; r++) {
          const n = this.sum[QUERIES + (t * Q + q) * STAT_RCODES + r];
          if (n > 0) yield [STAT_TRANSPORTS[t], STAT_QTYPES[q], RCODE_NAMES[r], n];
        }
      }
    }
  }

  /** Non-zero counts of requests with another opcode: [transport, opcode, count]. */
  *opcodes(): Generator<[string, string, number]> {
    for (let t = 0; t < T; t++) {
      for (let o = 0; o < STAT_OPCODES; o++) {
        const n = this.sum[OPCODES + t * STAT_OPCODES + o];
        if (n > 0) yield [STAT_TRANSPORTS[t], OPCODE_NAMES[o], n];
      }
    }
  }

  dropped(t: number): number {
    return this.sum[DROPPED + t];
  }

  /** Every request handled, over both transports: answered (any opcode) or dropped (the first three blocks). */
  requests(): number {
    let n = 0;
    for (let i = QUERIES; i < CACHE_HITS; i++) n += this.sum[i];
    return n;
  }

  cacheHits(t: number): number {
    return this.sum[CACHE_HITS + t];
  }

  cacheMisses(t: number): number {
    return this.sum[CACHE_MISSES + t];
  }

  /** The answer-time histogram of one transport: per-bucket counts (not cumulative, +Inf last) and the sum. */
  answerTimes(t: number): { buckets: number[]; sum: number } {
    return { buckets: Array.from(this.sum.subarray(TIME_BUCKETS + t * B, TIME_BUCKETS + (t + 1) * B)), sum: this.sum[TIME_SUM + t] };
  }
}
