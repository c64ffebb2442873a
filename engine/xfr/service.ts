// Zone transfer requests over TCP: RFC 5936 AXFR from the zone's prebuilt image; RFC 1995 IXFR from the
// journal when it reaches back to the client's serial, a single SOA when the client is current, and the
// full zone otherwise. Authority and access are checked first. Everything that is not a transfer request
// is left to the query handler.
import { Flag, HEADER_SIZE, Opcode, Rcode, Type } from '../codec/constants.ts';
import { skipName } from '../codec/message-reader.ts';
import { namesEqual } from '../codec/name.ts';
import { ParseStatus, Query, parseQuery } from '../codec/query.ts';
import { LRUCache } from 'lru-cache';
import type { HostedZone, ZoneTable } from '../answer/zone-table.ts';
import type { TransferPolicy } from '../net/acl.ts';
import type { TsigKey, TsigKeyring } from '../tsig/keys.ts';
import { appendTsigError, TsigSigner, TSIG_RESERVE, verifyRequest, type TsigVerification } from '../tsig/tsig.ts';
import type { ZoneSnapshot } from '../snapshot/snapshot.ts';
import type { AxfrImage } from './axfr-image.ts';
import { renderIxfr } from './ixfr.ts';
import { serialNewer } from './serial.ts';
import { MessageSplitter } from './splitter.ts';
import type { StreamedAxfr } from './streamed-axfr.ts';
import { MessageList, TransferStream } from './transfer-stream.ts';

/**
 * A version of `zone` newer than its snapshot, whose AXFR is rendered while it is read (streamed-axfr.ts):
 * an AXFR of the zone streams it instead of waiting for the compiled image.
 */
export interface PendingTransfer {
  zone: HostedZone;
  serial: number;
  source(): StreamedAxfr;
}

/** Just enough of a logger for one line per transfer. */
export interface TransferLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
}

/**
 * What a transfer stream is made of, in terms another thread can be given: the messages (a rendered list, or
 * an AXFR image in shared memory), the requester's ID and question, and the TSIG key that signs each message.
 */
export interface StreamPlan {
  /** A streamed AXFR lives on the thread reading its zone: only the other two can be given to another thread. */
  source: MessageList | AxfrImage | StreamedAxfr;
  id: number;
  question: Uint8Array;
  tsig: { key: TsigKey; requestMac: Buffer | null } | null;
}

export type TransferReply =
  | { kind: 'message'; message: Buffer } // a single response, framed for TCP
  | { kind: 'stream'; stream: TransferStream; plan: StreamPlan; zone: string; serial: number; style: 'axfr' | 'ixfr' | 'soa' };

/** Which transfer a log line is about. */
export interface TransferSummary {
  zone: string;
  serial: number;
  style: 'axfr' | 'ixfr' | 'soa';
}

/** Answers transfer requests arriving on TCP: this thread's TransferService, or one reached through it. */
export interface TransferRequests {
  /** Null when `msg` is not a transfer request; otherwise what to send back. */
  request(msg: Uint8Array, peer: string): Promise<TransferReply> | null;
  finished(reply: TransferSummary, peer: string, stats: TransferStats): void;
  failed(peer: string, err: Error): void;
}

/** The stream a plan describes; each message signed (RFC 8945 §5.3.1) when the request was. */
export function openStream(plan: StreamPlan): TransferStream {
  const tsig = plan.tsig;
  const signer = tsig === null ? null : new TsigSigner(tsig.key, tsig.requestMac);
  const sign = signer === null ? null : (buf: Uint8Array, len: number, capacity: number) => signer.sign(buf, len, capacity, nowSeconds());
  return new TransferStream(plan.source, plan.id, plan.question, sign, TSIG_RESERVE);
}

/** Whether `q` (parsed) asks for a zone transfer: what TransferRequests take over from the query handler. */
export function isTransferRequest(status: number, q: Query): boolean {
  return status === ParseStatus.OK && q.opcode === Opcode.QUERY && (q.qtype === Type.AXFR || q.qtype === Type.IXFR);
}

export interface TransferServiceOptions {
  /** Who may transfer zones that have no ACL of their own. */
  defaultAcl: TransferPolicy;
  maxMessageSize: number;
  /** Room left in rendered messages for a TSIG RR. */
  reserve: number;
  /** Keys that signed transfer requests are verified with (RFC 8945). */
  keyring: TsigKeyring;
  log: TransferLog;
  /** Told how each transfer request ended (metrics). */
  observer?: TransferObserver;
}

export interface TransferObserver {
  /** A transfer streamed to its end, or cut off (`stats.complete` false). */
  finished(reply: TransferSummary, stats: TransferStats): void;
  /** A transfer request answered with one error message: NOTAUTH, REFUSED, SERVFAIL, FORMERR, a TSIG error. */
  refused(type: 'AXFR' | 'IXFR', rcode: number): void;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

export class TransferService implements TransferRequests {
  private readonly zones: ZoneTable;
  private readonly options: TransferServiceOptions;
  private readonly q = new Query();
  // Rendered increments by zone, client serial and serving serial: a fleet of secondaries at one serial asks
  // for the same difference, which is then rendered once.
  private readonly increments = new LRUCache<string, MessageList>({ max: 1024 });

  constructor(zones: ZoneTable, options: TransferServiceOptions) {
    this.zones = zones;
    this.options = options;
  }

  /** Null when `msg` is not a transfer request; otherwise what to send back. */
  request(msg: Uint8Array, peer: string): Promise<TransferReply> | null {
    return this.answer(msg, peer, null);
  }

  /** These requests, with an AXFR of `pending.zone` streamed from `pending` (checked and logged as any other). */
  withPending(pending: PendingTransfer): TransferRequests {
    return {
      request: (msg, peer) => this.answer(msg, peer, pending),
      finished: (reply, peer, stats) => this.finished(reply, peer, stats),
      failed: (peer, err) => this.failed(peer, err),
    };
  }

  private answer(msg: Uint8Array, peer: string, pending: PendingTransfer | null): Promise<TransferReply> | null {
    const q = this.q;
    if (!isTransferRequest(parseQuery(msg, msg.length, q), q)) return null;
    // transfer() awaits the AXFR image; a request parsed meanwhile must not overwrite this one's fields.
    const own = new Query();
    parseQuery(msg, msg.length, own);
    const reply = this.transfer(msg, own, peer, pending);
    const observer = this.options.observer;
    if (observer === undefined) return reply;
    return reply.then((r) => {
      // The framed reply: two length bytes, then the header, whose fourth byte ends with the rcode.
      if (r.kind === 'message') observer.refused(own.qtype === Type.AXFR ? 'AXFR' : 'IXFR', r.message[5] & 0xf);
      return r;
    });
  }

  /** Every transfer is logged once, when it ends or is cut off. */
  finished(reply: TransferSummary, peer: string, stats: TransferStats): void {
    const fields = { peer, zone: reply.zone, serial: reply.serial, style: reply.style, messages: stats.messages, bytes: stats.bytes, ms: Math.round(stats.ms) };
    this.options.observer?.finished(reply, stats);
    if (stats.complete) this.options.log.info(fields, 'transfer done');
    else this.options.log.warn(fields, 'transfer aborted: the connection closed before the last message');
  }

  failed(peer: string, err: Error): void {
    this.options.log.warn({ peer, err: err.message }, 'transfer failed');
  }

  private async transfer(msg: Uint8Array, q: Query, peer: string, pending: PendingTransfer | null): Promise<TransferReply> {
    const type = q.qtype === Type.AXFR ? 'AXFR' : 'IXFR';
    // RFC 8945 §5.2: a signed request is verified before anything else, and every answer to it is signed.
    let signer: TsigSigner | null = null;
    let tsig: StreamPlan['tsig'] = null;
    let keyName: string | null = null;
    if (q.tsigOffset >= 0) {
      const v = verifyRequest(msg, msg.length, q.tsigOffset, this.options.keyring, nowSeconds());
      if (v.status === 'formerr') return single(msg, q, Rcode.FORMERR, null);
      if (v.status !== 'ok') {
        this.options.log.warn({ peer, type, tsig: v.status, key: v.key?.nameText }, 'transfer refused: TSIG');
        return tsigError(msg, q, v);
      }
      signer = new TsigSigner(v.key!, v.requestMac);
      tsig = { key: v.key!, requestMac: v.requestMac };
      keyName = v.key!.nameText;
    }
    const zone = this.zones.find(msg, HEADER_SIZE, q.qnameEnd);
    // RFC 5936 §2.2.1: a server that is not authoritative for the zone answers NOTAUTH.
    if (zone === null || !namesEqual(zone.name, 0, msg, HEADER_SIZE)) return single(msg, q, Rcode.NOTAUTH, signer);
    const fail = (reason: string, rcode: number) => {
      this.options.log.warn({ peer, zone: zone.text, type, key: keyName, reason }, 'transfer refused');
      return single(msg, q, rcode, signer);
    };
    if (!(zone.transferAcl ?? this.options.defaultAcl).allows(peer, keyName)) return fail('not in allow_transfer', Rcode.REFUSED);
    const question = Uint8Array.prototype.slice.call(msg, HEADER_SIZE, q.questionEnd); // a copy, not a view of the read buffer
    const stream = (source: StreamPlan['source'], serial: number, style: 'axfr' | 'ixfr' | 'soa'): TransferReply => {
      const plan: StreamPlan = { source, id: q.id, question, tsig };
      return { kind: 'stream', stream: openStream(plan), plan, zone: zone.text, serial, style };
    };
    if (pending !== null && pending.zone === zone && q.qtype === Type.AXFR) return stream(pending.source(), pending.serial, 'axfr');
    const snapshot = zone.snapshot;
    if (snapshot === null || zone.axfr === null) return fail('zone not loaded', Rcode.SERVFAIL);
    const reply = (source: MessageList | AxfrImage, style: 'axfr' | 'ixfr' | 'soa') => stream(source, snapshot.serial, style);
    if (q.qtype === Type.IXFR) {
      const clientSerial = ixfrClientSerial(msg, q);
      if (clientSerial < 0) return fail('IXFR without an SOA in authority', Rcode.FORMERR);
      // RFC 1995 §2: a client at or past our version gets just our SOA.
      if (!serialNewer(snapshot.serial, clientSerial)) return reply(new MessageList(this.soaOnly(snapshot, question)), 'soa');
      const increment = this.increment(zone, clientSerial, snapshot.serial, question);
      if (increment !== null) return reply(increment, 'ixfr');
    }
    const image = await zone.axfr().catch(() => null);
    if (image === null) return fail('no AXFR image for this serial', Rcode.SERVFAIL);
    return reply(image, 'axfr');
  }

  /** The rendered IXFR from `from` to `to`, or null when the journal does not lead there. */
  private increment(zone: HostedZone, from: number, to: number, question: Uint8Array): MessageList | null {
    const key = `${zone.text} ${from} ${to}`;
    const cached = this.increments.get(key);
    if (cached !== undefined) return cached;
    const chain = zone.journal?.from(from) ?? null;
    if (chain === null || chain.at(-1)!.to !== to) return null;
    const messages = new MessageList(renderIxfr(chain, question, this.options.maxMessageSize, this.options.reserve));
    this.increments.set(key, messages);
    return messages;
  }

  private soaOnly(snapshot: ZoneSnapshot, question: Uint8Array): Uint8Array[] {
    const messages: Uint8Array[] = [];
    const splitter = new MessageSplitter(this.options.maxMessageSize, this.options.reserve, question, (m, len) => messages.push(m.slice(0, len)));
    const b = snapshot.bytes;
    const rdata = snapshot.rrsetRdata(snapshot.soaRRset);
    splitter.rr(b, snapshot.apexName, Type.SOA, snapshot.rrsetTtl(snapshot.soaRRset), b, rdata + 2, (b[rdata] << 8) | b[rdata + 1]);
    splitter.end();
    return messages;
  }
}

export interface TransferStats {
  messages: number;
  bytes: number;
  ms: number;
  complete: boolean;
}

/**
 * The serial of the SOA an IXFR request carries in its authority section (RFC 1995 §3), or -1. parseQuery
 * has already checked the RRs' structure, so names only need skipping; rdata names may be compressed.
 */
function ixfrClientSerial(msg: Uint8Array, q: Query): number {
  const ns = (msg[8] << 8) | msg[9];
  let p = q.questionEnd;
  for (let i = 0; i < q.answerCount; i++) p = skipRR(msg, p);
  if (ns < 1) return -1;
  p = skipName(msg, p);
  const type = (msg[p] << 8) | msg[p + 1];
  if (type !== Type.SOA) return -1;
  const rdata = p + 10;
  const serialAt = skipName(msg, skipName(msg, rdata));
  if (serialAt + 4 > rdata + ((msg[p + 8] << 8) | msg[p + 9])) return -1;
  return ((msg[serialAt] << 24) | (msg[serialAt + 1] << 16) | (msg[serialAt + 2] << 8) | msg[serialAt + 3]) >>> 0;
}

function skipRR(msg: Uint8Array, p: number): number {
  p = skipName(msg, p);
  return p + 10 + ((msg[p + 8] << 8) | msg[p + 9]);
}

/** A single-message answer with the question echoed, signed when the request was, framed for TCP. */
function single(msg: Uint8Array, q: Query, rcode: number, signer: TsigSigner | null): TransferReply {
  const out = header(msg, q, rcode, signer === null ? 0 : TSIG_RESERVE);
  const len = signer === null ? out.length - 2 : signer.sign(out.subarray(2), out.length - 2 - TSIG_RESERVE, out.length - 2, nowSeconds());
  out.writeUInt16BE(len, 0);
  return { kind: 'message', message: out.subarray(0, 2 + len) };
}

/** BADKEY and BADSIG go back unsigned with an empty MAC, BADTIME signed (RFC 8945 §5.2). */
function tsigError(msg: Uint8Array, q: Query, v: TsigVerification): TransferReply {
  const room = 2 * TSIG_RESERVE;
  const out = header(msg, q, 0, room);
  const len = appendTsigError(out.subarray(2), out.length - 2 - room, out.length - 2, v, nowSeconds());
  out.writeUInt16BE(len, 0);
  return { kind: 'message', message: out.subarray(0, 2 + len) };
}

/** Length prefix, header and the echoed question, with `room` spare bytes at the end. */
function header(msg: Uint8Array, q: Query, rcode: number, room: number): Buffer {
  const questionLen = q.questionEnd - HEADER_SIZE;
  const out = Buffer.alloc(2 + HEADER_SIZE + questionLen + room);
  out.writeUInt16BE(HEADER_SIZE + questionLen, 0);
  out.writeUInt16BE(q.id, 2);
  out.writeUInt16BE(Flag.QR | (q.flags & (Flag.RD | Flag.CD)) | rcode, 4);
  out.writeUInt16BE(1, 6);
  out.set(msg.subarray(HEADER_SIZE, q.questionEnd), 2 + HEADER_SIZE);
  return out;
}
