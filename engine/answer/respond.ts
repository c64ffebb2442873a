// Builds the response to a parsed request: authoritative answers from the zone snapshot (RFC 1034 §4.3.2,
// RFC 2308 negative answers, RFC 4592 wildcards, RFC 6672 DNAME, RFC 8482 minimal ANY), with EDNS (RFC 6891)
// and truncation for UDP. The single place where request problems become rcodes.
import { CLASSIC_UDP_SIZE, EDNS_DO, Flag, HEADER_SIZE, Class, MAX_NAME_LENGTH, Opcode, Rcode, Type } from '../codec/constants.ts';
import { isSubdomain, nameLength, namesEqual } from '../codec/name.ts';
import { ParseStatus, type Query } from '../codec/query.ts';
import { MessageWriter } from '../codec/writer.ts';
import { NodeFlag } from '../snapshot/layout.ts';
import type { ZoneSnapshot } from '../snapshot/snapshot.ts';
import { Found, Lookup } from './lookup.ts';
import type { PeerSource } from './peer.ts';
import type { HostedZone, ZoneTable } from './zone-table.ts';

const OPT_SIZE = 11;
const QNAME_POINTER = 0xc000 | HEADER_SIZE;
// CNAME/DNAME links followed inside one zone before giving up (a loop or a silly chain).
const MAX_CHAIN = 8;
// An owner (at most 255 bytes) plus type, class, TTL and rdlength: the most an RR adds before its rdata.
const RR_OVERHEAD = MAX_NAME_LENGTH + 10;

const Section = { ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 2 } as const;

export interface ResponderOptions {
  /** Largest UDP payload we send and advertise in OPT (RFC 6891 §6.2.5); 1232 avoids fragmentation. */
  udpPayloadSize: number;
}

export class Responder {
  readonly writer = new MessageWriter(65535);
  /** The zone that answered the last request (null when none did): lets a cache validate its entries. */
  zone: HostedZone | null = null;
  /** False when the last response depended on the size limit (truncated or additional data left out). */
  complete = true;
  private readonly zones: ZoneTable;
  private readonly udpPayloadSize: number;
  private readonly lookup = new Lookup();
  private readonly synth = [new Uint8Array(256), new Uint8Array(256)];
  private readonly extraNodes = new Int32Array(32);
  private readonly chainNodes = new Int32Array(MAX_CHAIN + 1);
  private extraCount = 0;
  private snap!: ZoneSnapshot;
  private limit = 0;
  private aa = false;
  private tc = false;
  private rcode = 0;
  private readonly counts = new Uint16Array(3);
  private questionEnd = HEADER_SIZE;

  constructor(zones: ZoneTable, options: ResponderOptions) {
    this.zones = zones;
    this.udpPayloadSize = options.udpPayloadSize;
  }

  /**
   * Writes the response into `writer.buf` and returns its length, or 0 when nothing should be sent.
   * `reserve` bytes are kept free at the end (for a TSIG RR the caller adds).
   */
  respond(msg: Uint8Array, q: Query, status: number, tcp: boolean, peer: PeerSource, reserve = 0): number {
    if (status === ParseStatus.DROP) return 0;
    const w = this.writer;
    w.begin();
    this.zone = null;
    this.complete = true;
    this.aa = false;
    this.tc = false;
    this.rcode = Rcode.NOERROR;
    this.counts.fill(0);
    this.extraCount = 0;
    const udpLimit = q.hasEdns ? Math.max(CLASSIC_UDP_SIZE, Math.min(q.ednsPayload, this.udpPayloadSize)) : CLASSIC_UDP_SIZE;
    this.limit = (tcp ? w.capacity : udpLimit) - (q.hasEdns ? OPT_SIZE : 0) - reserve;
    if (q.qnameEnd > 0) {
      w.bytes(msg, HEADER_SIZE, q.questionEnd - HEADER_SIZE);
      w.remember(HEADER_SIZE);
    }
    this.questionEnd = w.pos;
    if (status === ParseStatus.ERROR) this.rcode = q.rcode;
    else if (q.opcode === Opcode.NOTIFY) this.notify(msg, q, peer);
    else this.query(msg, q, tcp);
    return this.finish(q);
  }

  private query(msg: Uint8Array, q: Query, tcp: boolean): void {
    if (q.qclass !== Class.IN) return void (this.rcode = Rcode.REFUSED);
    // Type 0 is reserved (RFC 6895 §3.1) and no data can have it; Knot answers NOTIMP, and so do we.
    if (q.qtype === 0) return void (this.rcode = Rcode.NOTIMP);
    // Zone transfers have their own path over TCP; RFC 5936 §4.2 leaves AXFR over UDP undefined.
    if (q.qtype === Type.AXFR) return void (this.rcode = tcp ? Rcode.NOTIMP : Rcode.FORMERR);
    if (q.qtype === Type.IXFR) return tcp ? void (this.rcode = Rcode.NOTIMP) : this.ixfrOverUdp(msg, q);
    const zone = this.zones.find(msg, HEADER_SIZE, q.qnameEnd);
    this.zone = zone;
    if (zone === null) return void (this.rcode = Rcode.REFUSED);
    if (zone.snapshot === null) return void (this.rcode = Rcode.SERVFAIL); // configured but not loaded
    this.snap = zone.snapshot;
    this.aa = true;
    this.resolve(msg, q.qtype, tcp);
  }

  /**
   * RFC 1995 §2: over UDP an IXFR gets our current SOA; a client behind it sees the newer serial and
   * retries over TCP, where the increments are.
   */
  private ixfrOverUdp(msg: Uint8Array, q: Query): void {
    const zone = this.zones.find(msg, HEADER_SIZE, q.qnameEnd);
    if (zone === null || !namesEqual(zone.name, 0, msg, HEADER_SIZE)) return void (this.rcode = Rcode.NOTAUTH);
    if (zone.snapshot === null) return void (this.rcode = Rcode.SERVFAIL);
    this.zone = zone;
    this.snap = zone.snapshot;
    this.aa = true;
    this.addRRset(Section.ANSWER, this.snap.soaRRset, msg, HEADER_SIZE, true);
  }

  /**
   * NOTIFY (RFC 1996 §3.7): for a zone we are primary for, acknowledged; for a secondary zone, acknowledged
   * only from one of its primaries (which starts a refresh) and REFUSED from anyone else; for names that are
   * not a zone of ours, NOTAUTH.
   */
  private notify(msg: Uint8Array, q: Query, peer: PeerSource): void {
    const zone = this.zones.find(msg, HEADER_SIZE, q.qnameEnd);
    if (zone === null || !namesEqual(zone.name, 0, msg, HEADER_SIZE)) return void (this.rcode = Rcode.NOTAUTH);
    if (zone.onNotify !== null && !zone.onNotify(peer.address())) return void (this.rcode = Rcode.REFUSED);
    this.aa = true;
  }

  /** Follows the name through CNAME and DNAME links inside the zone, writing each step. */
  private resolve(msg: Uint8Array, qtype: number, tcp: boolean): void {
    const snap = this.snap;
    let name: Uint8Array = msg;
    let nameOff = HEADER_SIZE;
    let isQname = true;
    for (let chain = 0; ; chain++) {
      this.lookup.run(snap, name, nameOff, qtype);
      const node = this.lookup.node;
      switch (this.lookup.result) {
        case Found.EXACT:
        case Found.WILDCARD: {
          if (qtype === Type.ANY) return this.any(node, name, nameOff, isQname, tcp);
          const set = snap.findRRset(node, qtype);
          if (set >= 0) {
            if (this.addRRset(Section.ANSWER, set, name, nameOff, isQname)) this.additional(set);
            return;
          }
          const cname = snap.nodeFlags(node) & NodeFlag.CNAME ? snap.findRRset(node, Type.CNAME) : -1;
          if (cname < 0) return this.negative();
          // A loop ends where it comes round again: the answer then holds each link once.
          if (this.chainNodes.subarray(0, chain).includes(node)) return;
          this.chainNodes[chain] = node;
          if (!this.addRRset(Section.ANSWER, cname, name, nameOff, isQname)) return;
          const target = snap.rrsetRdata(cname) + 2;
          if (chain === MAX_CHAIN || !this.inZone(snap.bytes, target)) return;
          name = snap.bytes; nameOff = target; isQname = false;
          break;
        }
        case Found.NXDOMAIN:
          this.rcode = Rcode.NXDOMAIN;
          return this.negative();
        case Found.REFERRAL:
          return this.referral(node);
        case Found.DNAME: {
          const dname = snap.findRRset(node, Type.DNAME);
          if (!this.addRRset(Section.ANSWER, dname, snap.bytes, snap.nodeName(node), false)) return;
          const synth = this.synthesize(name, nameOff, node, dname, chain & 1);
          if (synth < 0) return;
          if (!this.addSynthesizedCname(dname, name, nameOff, isQname, chain & 1)) return;
          if (chain === MAX_CHAIN || !this.inZone(this.synth[chain & 1], 0)) return;
          name = this.synth[chain & 1]; nameOff = 0; isQname = false;
          break;
        }
      }
    }
  }

  private inZone(buf: Uint8Array, off: number): boolean {
    return isSubdomain(buf, off, this.snap.bytes, this.snap.apexName);
  }

  /**
   * RFC 6672 §3.3: the CNAME target is the name with the DNAME owner's suffix replaced by the DNAME target.
   * Returns the synthesised length, or -1 (YXDOMAIN) when the result exceeds 255 bytes.
   */
  private synthesize(name: Uint8Array, nameOff: number, node: number, dname: number, slot: number): number {
    const snap = this.snap;
    const ownerLen = nameLength(snap.bytes, snap.nodeName(node));
    const prefixLen = nameLength(name, nameOff) - ownerLen;
    const target = snap.rrsetRdata(dname) + 2;
    const targetLen = nameLength(snap.bytes, target);
    if (prefixLen + targetLen > MAX_NAME_LENGTH) {
      this.rcode = Rcode.YXDOMAIN;
      return -1;
    }
    const out = this.synth[slot];
    out.set(name.subarray(nameOff, nameOff + prefixLen), 0);
    out.set(snap.bytes.subarray(target, target + targetLen), prefixLen);
    return prefixLen + targetLen;
  }

  private addSynthesizedCname(dname: number, name: Uint8Array, nameOff: number, isQname: boolean, slot: number): boolean {
    const w = this.writer;
    const mark = w.mark();
    this.owner(name, nameOff, isQname);
    w.u16(Type.CNAME);
    w.u16(Class.IN);
    w.u32(this.snap.rrsetTtl(dname));
    const lengthAt = w.pos;
    w.pos += 2;
    w.name(this.synth[slot], 0);
    w.setU16(lengthAt, w.pos - lengthAt - 2);
    return this.commit(Section.ANSWER, mark, 1);
  }

  /** RFC 8482 §4.1: over UDP, one RRset stands for the lot; over TCP the client gets them all. */
  private any(node: number, name: Uint8Array, nameOff: number, isQname: boolean, tcp: boolean): void {
    const snap = this.snap;
    const count = snap.nodeRRsetCount(node);
    if (count === 0) return this.negative();
    const first = snap.nodeFirstRRset(node);
    const end = tcp ? first + count : first + 1;
    for (let set = first; set < end; set++) if (!this.addRRset(Section.ANSWER, set, name, nameOff, isQname)) return;
  }

  /** NODATA or NXDOMAIN: the SOA in authority with the negative TTL of RFC 2308 §5. */
  private negative(): void {
    const snap = this.snap;
    this.addRRset(Section.AUTHORITY, snap.soaRRset, snap.bytes, snap.apexName, false, snap.negativeTtl);
  }

  private referral(node: number): void {
    const snap = this.snap;
    if (this.counts[Section.ANSWER] === 0) this.aa = false;
    const ns = snap.findRRset(node, Type.NS);
    if (!this.addRRset(Section.AUTHORITY, ns, snap.bytes, snap.nodeName(node), false)) return;
    this.addTargets(ns, 0, node);
  }

  /** Additional-section addresses for the targets of NS, MX and SRV answers that live in the zone. */
  private additional(set: number): void {
    switch (this.snap.rrsetType(set)) {
      case Type.NS: return this.addTargets(set, 0, -1);
      case Type.MX: return this.addTargets(set, 2, -1);
      case Type.SRV: return this.addTargets(set, 6, -1);
    }
  }

  /**
   * Adds A and AAAA of each target name in the RRset's rdata (at `nameAt` within each RR) that the zone
   * holds. Glue below the cut `cut` is required for the referral to work, so when it does not fit the
   * response is truncated (RFC 9471); other additional data is simply left out.
   */
  private addTargets(set: number, nameAt: number, cut: number): void {
    const snap = this.snap;
    const b = snap.bytes;
    let p = snap.rrsetRdata(set);
    const count = snap.rrsetCountOf(set);
    for (let i = 0; i < count; i++) {
      const rdlength = (b[p] << 8) | b[p + 1];
      const target = p + 2 + nameAt;
      p += 2 + rdlength;
      const node = snap.findName(b, target);
      if (node < 0 || this.seenExtra(node)) continue;
      for (const type of ADDRESS_TYPES) {
        const addr = snap.findRRset(node, type);
        if (addr < 0) continue;
        if (!this.addRRset(Section.ADDITIONAL, addr, b, target, false)) {
          if (cut >= 0 && isSubdomain(b, target, b, snap.nodeName(cut))) this.truncate();
          return;
        }
      }
    }
  }

  private seenExtra(node: number): boolean {
    for (let i = 0; i < this.extraCount; i++) if (this.extraNodes[i] === node) return true;
    if (this.extraCount < this.extraNodes.length) this.extraNodes[this.extraCount++] = node;
    return false;
  }

  private owner(name: Uint8Array, nameOff: number, isQname: boolean): void {
    if (isQname) this.writer.u16(QNAME_POINTER);
    else this.writer.name(name, nameOff);
  }

  /**
   * Writes a whole RRset or nothing. In the answer and authority sections an RRset that does not fit
   * truncates the response (RFC 2181 §9); in additional it is just left out. Returns whether it was written.
   */
  private addRRset(section: number, set: number, name: Uint8Array, nameOff: number, isQname: boolean, ttl = -1): boolean {
    const snap = this.snap;
    const w = this.writer;
    const b = snap.bytes;
    const type = snap.rrsetType(set);
    const count = snap.rrsetCountOf(set);
    const rrTtl = ttl >= 0 ? ttl : snap.rrsetTtl(set);
    const mark = w.mark();
    let p = snap.rrsetRdata(set);
    for (let i = 0; i < count; i++) {
      const rdlength = (b[p] << 8) | b[p + 1];
      if (w.pos + RR_OVERHEAD + rdlength > w.capacity) return this.overflow(section, mark);
      this.owner(name, nameOff, isQname);
      w.u16(type);
      w.u16(Class.IN);
      w.u32(rrTtl);
      w.rdata(type, b, p + 2, rdlength);
      p += 2 + rdlength;
    }
    return this.commit(section, mark, count);
  }

  private commit(section: number, mark: number, count: number): boolean {
    if (this.writer.pos > this.limit) return this.overflow(section, mark);
    this.counts[section] += count;
    return true;
  }

  private overflow(section: number, mark: number): boolean {
    this.writer.rollback(mark);
    this.complete = false;
    if (section !== Section.ADDITIONAL) this.truncate();
    return false;
  }

  /** TC with the question only: the client retries over TCP and gets everything there. */
  private truncate(): void {
    this.tc = true;
    this.writer.rollback(this.questionEnd);
    this.counts.fill(0);
  }

  private finish(q: Query): number {
    const w = this.writer;
    const b = w.buf;
    const rcode = this.rcode;
    let flags = Flag.QR | (q.opcode << 11) | (q.flags & (Flag.RD | Flag.CD)) | (rcode & 0xf);
    if (this.aa) flags |= Flag.AA;
    if (this.tc) flags |= Flag.TC;
    b[0] = q.id >>> 8; b[1] = q.id & 0xff;
    w.setU16(2, flags);
    w.setU16(4, q.qnameEnd > 0 ? 1 : 0);
    w.setU16(6, this.counts[Section.ANSWER]);
    w.setU16(8, this.counts[Section.AUTHORITY]);
    w.setU16(10, this.counts[Section.ADDITIONAL] + (q.hasEdns ? 1 : 0));
    if (q.hasEdns) {
      // RFC 6891 §6.1.3: extended rcode high bits, version 0, and of the flags only DO is echoed (RFC 3225).
      b[w.pos++] = 0;
      w.u16(Type.OPT);
      w.u16(this.udpPayloadSize);
      w.u32(((rcode >>> 4) << 24) | (q.ednsFlags & EDNS_DO));
      w.u16(0);
    }
    return w.pos;
  }
}

const ADDRESS_TYPES = [Type.A, Type.AAAA] as const;
