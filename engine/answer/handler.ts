// One request in, one response buffer out: parse, try the response cache, otherwise answer from the
// snapshot and remember the result. Shared by the UDP and TCP listeners of one thread.
import { CLASSIC_UDP_SIZE, Opcode, Rcode } from '../codec/constants.ts';
import { ParseStatus, Query, parseQuery } from '../codec/query.ts';
import { TsigKeyring } from '../tsig/keys.ts';
import { appendTsigError, TsigSigner, tsigErrorSize, tsigSize, verifyRequest } from '../tsig/tsig.ts';
import type { PeerSource } from './peer.ts';
import { ANSWER_TIME_SAMPLE, QueryStats } from './query-stats.ts';
import { ResponseCache, type AnswerCache } from './response-cache.ts';
import { Responder, type ResponderOptions } from './respond.ts';
import type { ZoneTable } from './zone-table.ts';

export interface HandlerOptions extends ResponderOptions {
  /** Finished responses kept for repeated questions; 0 disables the cache. */
  responseCacheSize: number;
  /** Keys that signed requests are verified with (RFC 8945); unknown keys get BADKEY. */
  keyring?: TsigKeyring;
  /** A cache to use instead of one of `responseCacheSize` of this thread's own (answering threads share one). */
  cache?: AnswerCache;
  /** Where this handler counts what it answers (a thread's shared counters); else counts of its own. */
  stats?: QueryStats;
}

const EMPTY_KEYRING = new TsigKeyring();

export class QueryHandler {
  readonly cache: AnswerCache | null;
  readonly stats: QueryStats;
  private readonly responder: Responder;
  private readonly query = new Query();
  private readonly udpPayloadSize: number;
  private readonly keyring: TsigKeyring | null;
  /** Requests until the next one whose answer time is measured. */
  private untilTimed = 1;

  constructor(zones: ZoneTable, options: HandlerOptions) {
    this.keyring = options.keyring ?? null;
    this.responder = new Responder(zones, options);
    this.cache = options.cache ?? (options.responseCacheSize > 0 ? new ResponseCache(zones, options.responseCacheSize) : null);
    this.udpPayloadSize = options.udpPayloadSize;
    this.stats = options.stats ?? new QueryStats();
  }

  /**
   * A signed request (RFC 8945 §5.2): verified first; a good one gets its answer signed, a bad one NOTAUTH
   * with the TSIG error (BADKEY and BADSIG unsigned, BADTIME signed), a malformed TSIG plain FORMERR.
   */
  private signed(msg: Uint8Array, q: Query, tcp: boolean, peer: PeerSource): number {
    const r = this.responder;
    const w = r.writer;
    const now = nowSeconds();
    const v = verifyRequest(msg, msg.length, q.tsigOffset, this.keyring ?? EMPTY_KEYRING, now);
    if (v.status === 'formerr') {
      q.rcode = Rcode.FORMERR;
      return r.respond(msg, q, ParseStatus.ERROR, tcp, peer);
    }
    if (v.status !== 'ok') {
      q.rcode = Rcode.NOTAUTH;
      const len = r.respond(msg, q, ParseStatus.ERROR, tcp, peer, tsigErrorSize(v));
      return appendTsigError(w.buf, len, w.capacity, v, now);
    }
    const len = r.respond(msg, q, ParseStatus.OK, tcp, peer, tsigSize(v.key!));
    return len === 0 ? 0 : new TsigSigner(v.key!, v.requestMac).sign(w.buf, len, w.capacity, now);
  }

  /**
   * Returns the response to `msg`, preceded by the RFC 1035 §4.2.2 two-byte length when `tcp`, or null
   * when nothing must be sent (unparseable input, or an error response we must not answer).
   */
  handle(msg: Uint8Array, tcp: boolean, peer: PeerSource): Buffer | null {
    // A clock read costs ~50 ns, a tenth of a cached answer: one request in ANSWER_TIME_SAMPLE is timed (or,
    // when the one due is dropped, the next answered).
    const started = --this.untilTimed <= 0 ? performance.now() : -1;
    const q = this.query;
    const status = parseQuery(msg, msg.length, q);
    const prefix = tcp ? 2 : 0;
    const transport = tcp ? 1 : 0;
    const cacheable = status === ParseStatus.OK && q.opcode === Opcode.QUERY && q.tsigOffset < 0 && this.cache !== null;
    if (cacheable) {
      const limit = tcp ? 65535 : q.hasEdns ? Math.max(CLASSIC_UDP_SIZE, Math.min(q.ednsPayload, this.udpPayloadSize)) : CLASSIC_UDP_SIZE;
      const hit = this.cache!.lookup(msg, q, tcp, limit, prefix);
      if (hit !== null) {
        this.stats.cacheHit(transport);
        this.count(transport, status, hit[prefix + 3] & 0xf, started);
        return frame(hit, prefix);
      }
      this.stats.cacheMiss(transport);
    }
    const r = this.responder;
    const len = status === ParseStatus.OK && q.tsigOffset >= 0 ? this.signed(msg, q, tcp, peer) : r.respond(msg, q, status, tcp, peer);
    if (len === 0) {
      this.stats.dropped(transport);
      return null;
    }
    const out = Buffer.allocUnsafe(prefix + len);
    out.set(r.writer.buf.subarray(0, len), prefix);
    const rcode = out[prefix + 3] & 0xf;
    if (cacheable && r.complete && r.zone !== null && r.zone.snapshot !== null && isCacheableRcode(rcode)) {
      this.cache!.store(msg, q, tcp, out.subarray(prefix), r.zone, r.zone.snapshot);
    }
    this.count(transport, status, rcode, started);
    return frame(out, prefix);
  }

  private count(transport: number, status: number, rcode: number, started: number): void {
    const q = this.query;
    this.stats.answered(transport, q.opcode, status === ParseStatus.OK ? q.qtype : -1, rcode);
    if (started >= 0) {
      this.untilTimed = ANSWER_TIME_SAMPLE;
      this.stats.timed(transport, (performance.now() - started) / 1000);
    }
  }
}

/** Seconds since the epoch, as TSIG's time signed counts them. */
const nowSeconds = () => Math.floor(Date.now() / 1000);

function frame(out: Buffer, prefix: number): Buffer {
  if (prefix) out.writeUInt16BE(out.length - 2, 0);
  return out;
}

function isCacheableRcode(rcode: number): boolean {
  return rcode === Rcode.NOERROR || rcode === Rcode.NXDOMAIN;
}
