// The next version of a zone from the version serving and the RRsets a change replaced. A change through the
// API or an IXFR touches a few names; parsing and building a 100,000-record zone again for it took 150-650
// ms of pool time. Patching copies the untouched nodes and RRsets of the old image as they are (no parse, no
// sort, no duplicate check) and builds only the touched ones, in a few milliseconds. The image comes out in
// the layout builder.ts writes (layout.ts), so every reader stays as it is, and the answer path pays no
// indirection for it; untouched nodes keep their order, new ones come last.
//
// A change that moves a zone cut (an NS RRset appearing or going below the apex) would change the flags of
// every name under the cut: that, and anything the patch does not expect, is left to a whole build.
import { concatBytes } from '../codec/bytes.ts';
import { Class, Type } from '../codec/constants.ts';
import { isSubdomain, nameHash, nameKey, nameLength, namesEqual, nameToText } from '../codec/name.ts';
import { diffOwners } from '../xfr/diff.ts';
import { copyBytes, type RecordCollector } from './collector.ts';
import * as L from './layout.ts';
import { inheritedFlags, isWildcard, Problem, rrsetProblem, typeFlag } from './rules.ts';
import { ZoneSnapshot } from './snapshot.ts';

/** An RRset replaced as a whole: it takes whatever records the patch holds for it, and none means deleted. */
export interface ReplacedRRset {
  /** Uncompressed wire name at offset 0. */
  owner: Uint8Array;
  type: number;
}

export type PatchResult =
  | { kind: 'patched'; buffer: SharedArrayBuffer; serial: number; records: number; journal: Uint8Array }
  | { kind: 'invalid'; errors: string[] }
  | { kind: 'rebuild'; reason: string };

/**
 * `records`: the new content of the replaced RRsets, as the parser collects it. The journal entry of the step
 * (base → result) comes with the result, from comparing only the touched names.
 *
 * `spare`: a retired image's buffer that no thread reads any more, written over when the result fits in it.
 * Its pages are already mapped: writing 8 MB into fresh memory costs 2,000 page faults, and the kernel zeroing
 * those pages took 25-45 ms of a patch here (clear_page in perf), where the copies themselves take 2-4 ms.
 */
export function patchSnapshot(
  base: ZoneSnapshot, replaced: readonly ReplacedRRset[], records: RecordCollector, spare: SharedArrayBuffer | null = null,
): PatchResult {
  return new Patcher(base, records, spare).run(replaced);
}

/**
 * Room for growth left at the end of a new image's buffer, so that once it is retired it can take a later,
 * slightly larger version of the zone (the caller passes it back as `spare`).
 */
function slack(bytes: number): number {
  return Math.max(1 << 16, bytes >>> 4);
}

/** An RRset built from the patch: its RRs packed as the image stores them (u16 rdlength, rdata). */
interface NewRRset {
  type: number;
  ttl: number;
  count: number;
  packed: Uint8Array;
}

/** An RRset of the result: an index into the base's RRsets, or one built from the patch. */
type SetSource = number | NewRRset;

/** A node of the result that differs from the base: its RRsets (null: as in the base) and flags. */
interface Changed {
  sets: SetSource[] | null;
  flags: number;
}

/** A node the base does not have. */
interface AddedNode {
  name: Uint8Array;
  labels: number;
  flags: number;
  sets: SetSource[];
}

/** A node of either kind: a base node index (>= 0), or -(index in `added`) - 1. */
type NodeRef = number;

interface Touched {
  name: Uint8Array;
  /** The base's node for the name, or -1. */
  node: number;
  types: number[];
  /** The replacing RRsets with at least one record, by type. */
  fresh: Map<number, { ttl: number; rrs: Uint8Array[] }>;
  /** Every RRset the name has in the result, ascending type. */
  sets: SetSource[];
}

class Patcher {
  private readonly base: ZoneSnapshot;
  private readonly records: RecordCollector;
  private readonly touched = new Map<string, Touched>();
  private readonly changed = new Map<number, Changed>();
  private readonly added: AddedNode[] = [];
  private readonly addedByKey = new Map<string, NodeRef>();
  private readonly removed = new Set<number>();
  private readonly errors: string[] = [];
  private readonly apex: Uint8Array;
  private readonly spare: SharedArrayBuffer | null;

  constructor(base: ZoneSnapshot, records: RecordCollector, spare: SharedArrayBuffer | null) {
    this.base = base;
    this.records = records;
    this.spare = spare;
    const apex = base.apexName;
    this.apex = base.bytes.slice(apex, apex + nameLength(base.bytes, apex));
  }

  run(replaced: readonly ReplacedRRset[]): PatchResult {
    for (const { owner, type } of replaced) this.touch(owner, type);
    const stray = this.collect();
    if (stray !== null) return { kind: 'rebuild', reason: stray };
    for (const t of this.touched.values()) {
      const moved = this.resolve(t);
      if (moved !== null) return { kind: 'rebuild', reason: moved };
    }
    if (this.errors.length > 0) return { kind: 'invalid', errors: this.errors };
    for (const t of this.touched.values()) this.place(t);
    this.removeEmptied();
    const buffer = this.emit();
    const next = new ZoneSnapshot(buffer);
    const owners = [...this.touched.values()].map((t) => t.name);
    return { kind: 'patched', buffer, serial: next.serial, records: next.rrCount, journal: diffOwners(this.base, next, owners) };
  }

  private touch(owner: Uint8Array, type: number): void {
    const key = nameKey(owner, 0);
    let t = this.touched.get(key);
    if (t === undefined) {
      const len = nameLength(owner, 0);
      t = { name: owner.slice(0, len), node: this.base.findNode(owner, 0, len), types: [], fresh: new Map(), sets: [] };
      this.touched.set(key, t);
    }
    if (!t.types.includes(type)) t.types.push(type);
  }

  /** Sorts the patch's records into the touched RRsets; a reason for a whole build when one fits none. */
  private collect(): string | null {
    const s = this.records.stream;
    for (let i = 0; i < this.records.count; i++) {
      const off = this.records.offsets[i];
      const owner = off + 1;
      const end = owner + s[off];
      const type = (s[end] << 8) | s[end + 1];
      const klass = (s[end + 2] << 8) | s[end + 3];
      const ttl = ((s[end + 4] << 24) | (s[end + 5] << 16) | (s[end + 6] << 8) | s[end + 7]) >>> 0;
      const rdlength = (s[end + 8] << 8) | s[end + 9];
      if (klass !== Class.IN) {
        this.errors.push(`${nameToText(s, owner)}: class ${klass} is not served (IN only)`);
        continue;
      }
      if (!isSubdomain(s, owner, this.apex, 0)) {
        this.errors.push(`${nameToText(s, owner)}: out of zone ${nameToText(this.apex, 0)}`);
        continue;
      }
      const t = this.touched.get(nameKey(s, owner));
      if (t === undefined || !t.types.includes(type)) return `${nameToText(s, owner)}: a record of an RRset the change does not replace`;
      let set = t.fresh.get(type);
      // RFC 2181 §5.2: one TTL per RRset; the first record's TTL stands for the set, as in a whole build.
      if (set === undefined) t.fresh.set(type, set = { ttl, rrs: [] });
      const rr = s.slice(end + 8, end + 10 + rdlength);
      // An RRset is a set (RFC 2181 §5): a repeated record is kept once.
      if (!set.rrs.some((other) => sameBytes(other, rr))) set.rrs.push(rr);
    }
    return null;
  }

  /** The touched name's RRsets in the result, checked; a reason for a whole build when a zone cut moves. */
  private resolve(t: Touched): string | null {
    const base = this.base;
    const atApex = t.node === 0;
    if (t.node >= 0) {
      const first = base.nodeFirstRRset(t.node);
      for (let set = first; set < first + base.nodeRRsetCount(t.node); set++) {
        if (!t.types.includes(base.rrsetType(set))) t.sets.push(set);
      }
    }
    for (const [type, { ttl, rrs }] of t.fresh) t.sets.push({ type, ttl, count: rrs.length, packed: concatBytes(rrs) });
    t.sets.sort((a, b) => this.typeOf(a) - this.typeOf(b));
    const hadCut = t.node > 0 && base.findRRset(t.node, Type.NS) >= 0;
    const hasCut = !atApex && t.sets.some((set) => this.typeOf(set) === Type.NS);
    if (hadCut !== hasCut) return `${nameToText(t.name, 0)}: a zone cut ${hasCut ? 'appears' : 'goes'}`;
    const owner = nameToText(t.name, 0);
    let flags = 0;
    for (const set of t.sets) {
      const problem = rrsetProblem(this.typeOf(set), this.countOf(set), atApex);
      if (problem !== null) this.errors.push(`${owner}: ${problem}`);
      flags |= typeFlag(this.typeOf(set), atApex);
    }
    if (atApex) {
      const soa = t.sets.find((set) => this.typeOf(set) === Type.SOA);
      if (soa === undefined) this.errors.push(`${owner}: ${Problem.NO_SOA}`);
      else if (this.countOf(soa) > 1) this.errors.push(`${owner}: ${Problem.MANY_SOA}`);
      if (!t.sets.some((set) => this.typeOf(set) === Type.NS)) this.errors.push(`${owner}: ${Problem.NO_NS}`);
      if (flags & L.NodeFlag.CNAME) this.errors.push(`${owner}: ${Problem.CNAME_AT_APEX}`);
    } else if (flags & L.NodeFlag.CNAME && t.sets.length > 1) {
      this.errors.push(`${owner}: ${Problem.CNAME_AND_OTHER}`);
    }
    return null;
  }

  /** Records the touched name's RRsets on its node, creating the node (and missing ancestors) if needed. */
  private place(t: Touched): void {
    if (t.node < 0 && t.sets.length === 0) return;
    const ref = t.node >= 0 ? t.node : this.ensure(t.name, 0);
    const keep = this.flagsOf(ref) & (L.NodeFlag.WILDCARD_CHILD | L.NodeFlag.OCCLUDED);
    let flags = keep;
    for (const set of t.sets) flags |= typeFlag(this.typeOf(set), ref === 0);
    if (ref >= 0) this.changed.set(ref, { sets: t.sets, flags });
    else Object.assign(this.added[-ref - 1], { sets: t.sets, flags });
  }

  /** The node of name[off..], created as an empty non-terminal (and its missing ancestors) when new. */
  private ensure(name: Uint8Array, off: number): NodeRef {
    const len = nameLength(name, off);
    const old = this.base.findNode(name, off, off + len);
    if (old >= 0) return old;
    const key = nameKey(name, off);
    const known = this.addedByKey.get(key);
    if (known !== undefined) return known;
    const parent = this.ensure(name, off + name[off] + 1);
    this.added.push({ name: name.slice(off, off + len), labels: this.labelsOf(parent) + 1, flags: inheritedFlags(this.flagsOf(parent)), sets: [] });
    const ref = -this.added.length;
    this.addedByKey.set(key, ref);
    if (isWildcard(name, off)) this.setFlags(parent, this.flagsOf(parent) | L.NodeFlag.WILDCARD_CHILD);
    return ref;
  }

  /**
   * Names left without RRsets go, unless a name below them stays (then they are empty non-terminals), and so
   * do ancestors that were there only for them. One pass over every node counts the children of the names in
   * question; it runs only when some name lost all of its RRsets.
   */
  private removeEmptied(): void {
    const emptied = [...this.touched.values()].filter((t) => t.node > 0 && t.sets.length === 0);
    if (emptied.length === 0) return;
    const children = this.countChildren(emptied.map((t) => t.node));
    const base = this.base;
    const remove = (node: number): void => {
      this.removed.add(node);
      const name = base.nodeName(node);
      const parentOff = name + base.bytes[name] + 1;
      const parent = base.findName(base.bytes, parentOff);
      if (isWildcard(base.bytes, name)) this.setFlags(parent, this.flagsOf(parent) & ~L.NodeFlag.WILDCARD_CHILD);
      const left = children.get(parent);
      if (left === undefined) return; // not an empty non-terminal: it stays
      children.set(parent, left - 1);
      if (left === 1) remove(parent);
    };
    emptied.sort((a, b) => base.nodeLabels(b.node) - base.nodeLabels(a.node));
    for (const t of emptied) if (!this.removed.has(t.node) && children.get(t.node) === 0) remove(t.node);
  }

  /**
   * Child counts of the given base nodes and of their ancestors that are empty non-terminals (the apex and
   * names with RRsets stay whatever their children do), over the base's nodes and the added ones.
   */
  private countChildren(nodes: number[]): Map<number, number> {
    const base = this.base;
    const counts = new Map<number, number>();
    const byHash = new Map<number, number[]>();
    // Only names one label longer than a counted node can be its children: most nodes are skipped unhashed.
    const childLabels = new Uint8Array(256);
    for (const emptied of nodes) {
      for (let node = emptied; node > 0 && !counts.has(node) && this.setCountOf(node) === 0;) {
        counts.set(node, 0);
        childLabels[base.nodeLabels(node) + 1] = 1;
        const name = base.nodeName(node);
        const hash = nameHash(base.bytes, name, name + nameLength(base.bytes, name));
        byHash.set(hash, [...(byHash.get(hash) ?? []), node]);
        node = base.findName(base.bytes, name + base.bytes[name] + 1);
      }
    }
    const visit = (bytes: Uint8Array, name: number) => {
      const parentOff = name + bytes[name] + 1;
      const candidates = byHash.get(nameHash(bytes, parentOff, name + nameLength(bytes, name)));
      if (candidates === undefined) return;
      for (const node of candidates) {
        if (namesEqual(bytes, parentOff, base.bytes, base.nodeName(node))) counts.set(node, counts.get(node)! + 1);
      }
    };
    for (let node = 1; node < base.nodeCount; node++) {
      if (childLabels[base.nodeLabels(node)]) visit(base.bytes, base.nodeName(node));
    }
    for (const node of this.added) visit(node.name, 0);
    return counts;
  }

  // ------------------------------------------------------------------------------------------ the image

  /**
   * Writes the result: runs of untouched base nodes as block copies of their node words, RRset words, names
   * and rdata (with offsets moved), the touched nodes between them, removed ones left out, added ones last.
   */
  private emit(): SharedArrayBuffer {
    const base = this.base;
    const hw = base.words;
    let setCount = base.rrsetCount;
    let namesBytes = hw[L.H_RDATA_OFF] - hw[L.H_NAMES_OFF];
    let rdataBytes = hw[L.H_TOTAL_BYTES] - hw[L.H_RDATA_OFF];
    for (const [node, change] of this.changed) {
      if (change.sets === null) continue;
      setCount += change.sets.length - base.nodeRRsetCount(node);
      rdataBytes += this.bytesOf(change.sets) - this.baseNodeBytes(node);
    }
    for (const node of this.removed) namesBytes -= nameLength(base.bytes, base.nodeName(node));
    for (const node of this.added) {
      setCount += node.sets.length;
      namesBytes += node.name.length;
      rdataBytes += this.bytesOf(node.sets);
    }
    const nodeCount = base.nodeCount - this.removed.size + this.added.length;
    let hashSlots = hw[L.H_HASH_MASK] + 1;
    while (hashSlots < nodeCount * 2) hashSlots <<= 1;
    const out = new ImageWriter(base, nodeCount, setCount, hashSlots, namesBytes, rdataBytes, this.spare);

    const special = [...new Set([...this.changed.keys(), ...this.removed])].sort((x, y) => x - y);
    let next = 0;
    for (const node of [...special, base.nodeCount]) {
      out.copyRun(next, node);
      next = node + 1;
      if (node === base.nodeCount || this.removed.has(node)) continue;
      const change = this.changed.get(node)!;
      out.node(base.bytes, base.nodeName(node), base.nodeLabels(node), change.flags, change.sets ?? this.baseSets(node));
    }
    for (const node of this.added) out.node(node.name, 0, node.labels, node.flags, node.sets);
    out.nameIndex(this.removed, this.added.length);
    return out.finish();
  }

  /** A node's RRsets in the base, as sources. */
  private baseSets(node: number): SetSource[] {
    const first = this.base.nodeFirstRRset(node);
    return Array.from({ length: this.base.nodeRRsetCount(node) }, (_, i) => first + i);
  }

  // ------------------------------------------------------------------------------------------ helpers

  private typeOf(set: SetSource): number {
    return typeof set === 'number' ? this.base.rrsetType(set) : set.type;
  }

  private countOf(set: SetSource): number {
    return typeof set === 'number' ? this.base.rrsetCountOf(set) : set.count;
  }

  private bytesOf(sets: SetSource[]): number {
    let bytes = 0;
    for (const set of sets) bytes += typeof set === 'number' ? this.base.rrsetBytes(set) : set.packed.length;
    return bytes;
  }

  private baseNodeBytes(node: number): number {
    const first = this.base.nodeFirstRRset(node);
    let bytes = 0;
    for (let set = first; set < first + this.base.nodeRRsetCount(node); set++) bytes += this.base.rrsetBytes(set);
    return bytes;
  }

  private flagsOf(ref: NodeRef): number {
    if (ref < 0) return this.added[-ref - 1].flags;
    return this.changed.get(ref)?.flags ?? this.base.nodeFlags(ref);
  }

  private setFlags(ref: NodeRef, flags: number): void {
    if (ref < 0) this.added[-ref - 1].flags = flags;
    else this.changed.set(ref, { sets: this.changed.get(ref)?.sets ?? null, flags });
  }

  private labelsOf(ref: NodeRef): number {
    return ref < 0 ? this.added[-ref - 1].labels : this.base.nodeLabels(ref);
  }

  private setCountOf(node: number): number {
    return this.changed.get(node)?.sets?.length ?? this.base.nodeRRsetCount(node);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}


/** Fills a new image in node order, section by section (layout.ts). */
class ImageWriter {
  private readonly base: ZoneSnapshot;
  private readonly buffer: SharedArrayBuffer;
  private readonly w: Uint32Array;
  private readonly b: Uint8Array;
  private readonly nodesWord: number;
  private readonly rrsetsWord: number;
  private readonly slotsWord: number;
  private readonly slots: number;
  private readonly namesOff: number;
  private readonly rdataOff: number;
  private readonly total: number;
  /** Written so far: nodes, RRsets, RRs, and the byte positions for the next name and rdata. */
  private nodes = 0;
  private sets = 0;
  private rrs = 0;
  private name: number;
  private rdata: number;

  constructor(
    base: ZoneSnapshot, nodeCount: number, setCount: number, slots: number, namesBytes: number, rdataBytes: number, spare: SharedArrayBuffer | null,
  ) {
    this.base = base;
    const nodesOff = L.HEADER_WORDS * 4;
    const rrsetsOff = nodesOff + nodeCount * L.NODE_WORDS * 4;
    const hashOff = rrsetsOff + setCount * L.RRSET_WORDS * 4;
    this.namesOff = hashOff + slots * L.HASH_WORDS * 4;
    this.rdataOff = this.namesOff + namesBytes;
    this.total = this.rdataOff + rdataBytes;
    this.buffer = spare !== null && spare.byteLength >= this.total ? spare : new SharedArrayBuffer(this.total + slack(this.total));
    this.w = new Uint32Array(this.buffer, 0, this.rdataOff >>> 2);
    this.b = new Uint8Array(this.buffer);
    this.nodesWord = nodesOff >>> 2;
    this.rrsetsWord = rrsetsOff >>> 2;
    this.slotsWord = hashOff >>> 2;
    this.slots = slots;
    this.name = this.namesOff;
    this.rdata = this.rdataOff;
  }

  /** Base nodes [from, to) as they are: four block copies, then the offsets they hold moved by a constant. */
  copyRun(from: number, to: number): void {
    if (from >= to) return;
    const base = this.base;
    const src = base.words;
    const w = this.w;
    const srcNodes = (src[L.H_NODES_OFF] >>> 2) + from * L.NODE_WORDS;
    const dstNodes = this.nodesWord + this.nodes * L.NODE_WORDS;
    w.set(src.subarray(srcNodes, srcNodes + (to - from) * L.NODE_WORDS), dstNodes);
    const nameFrom = base.nodeName(from);
    const nameTo = base.nodeName(to - 1) + nameLength(base.bytes, base.nodeName(to - 1));
    const nameShift = this.name - nameFrom;
    // RRsets are stored in node order; empty non-terminals own none.
    let setFrom = -1;
    let setTo = -1;
    for (let at = dstNodes; at < dstNodes + (to - from) * L.NODE_WORDS; at += L.NODE_WORDS) {
      w[at + L.N_NAME] += nameShift;
      const count = w[at + L.N_RRSET_COUNT] & 0xffff;
      if (count === 0) continue;
      if (setFrom < 0) setFrom = w[at + L.N_RRSET_FIRST];
      setTo = w[at + L.N_RRSET_FIRST] + count;
    }
    this.b.set(base.bytes.subarray(nameFrom, nameTo), this.name);
    this.name += nameTo - nameFrom;
    this.nodes += to - from;
    if (setFrom < 0) return;
    const setShift = this.sets - setFrom;
    for (let at = dstNodes; at < dstNodes + (to - from) * L.NODE_WORDS; at += L.NODE_WORDS) {
      if (w[at + L.N_RRSET_COUNT] & 0xffff) w[at + L.N_RRSET_FIRST] += setShift;
    }
    const srcSets = (src[L.H_RRSETS_OFF] >>> 2) + setFrom * L.RRSET_WORDS;
    const dstSets = this.rrsetsWord + this.sets * L.RRSET_WORDS;
    w.set(src.subarray(srcSets, srcSets + (setTo - setFrom) * L.RRSET_WORDS), dstSets);
    const rdataFrom = base.rrsetRdata(setFrom);
    const rdataTo = base.rrsetRdata(setTo - 1) + base.rrsetBytes(setTo - 1);
    const rdataShift = this.rdata - rdataFrom;
    for (let at = dstSets; at < dstSets + (setTo - setFrom) * L.RRSET_WORDS; at += L.RRSET_WORDS) {
      w[at + L.R_RDATA] += rdataShift;
      this.rrs += w[at + L.R_TYPE] >>> 16;
    }
    this.b.set(base.bytes.subarray(rdataFrom, rdataTo), this.rdata);
    this.rdata += rdataTo - rdataFrom;
    this.sets += setTo - setFrom;
  }

  /** One node with the given RRsets. */
  node(nameSrc: Uint8Array, nameOff: number, labels: number, flags: number, sets: readonly SetSource[]): void {
    const base = this.base;
    const w = this.w;
    const len = nameLength(nameSrc, nameOff);
    copyBytes(nameSrc, nameOff, len, this.b, this.name);
    const nw = this.nodesWord + this.nodes * L.NODE_WORDS;
    w[nw + L.N_NAME] = this.name;
    w[nw + L.N_RRSET_FIRST] = this.sets;
    w[nw + L.N_RRSET_COUNT] = sets.length | (flags << 16);
    w[nw + L.N_LABELS] = labels;
    this.name += len;
    this.nodes++;
    for (const set of sets) {
      const rw = this.rrsetsWord + this.sets * L.RRSET_WORDS;
      if (typeof set === 'number') {
        const bytes = base.rrsetBytes(set);
        copyBytes(base.bytes, base.rrsetRdata(set), bytes, this.b, this.rdata);
        w[rw + L.R_TYPE] = base.rrsetType(set) | (base.rrsetCountOf(set) << 16);
        w[rw + L.R_TTL] = base.rrsetTtl(set);
        w[rw + L.R_BYTES] = bytes;
      } else {
        this.b.set(set.packed, this.rdata);
        w[rw + L.R_TYPE] = set.type | (set.count << 16);
        w[rw + L.R_TTL] = set.ttl;
        w[rw + L.R_BYTES] = set.packed.length;
      }
      w[rw + L.R_RDATA] = this.rdata;
      this.rdata += w[rw + L.R_BYTES];
      this.rrs += w[rw + L.R_TYPE] >>> 16;
      this.sets++;
    }
  }

  /**
   * The name index, once every node is written. The base's slots are copied and fixed up: node numbers
   * above a removed node move down, removed nodes' slots are deleted (backward shift keeps every probe
   * sequence unbroken), and the added nodes, the last `added` written, are inserted. A table that must grow
   * is built again from the hashes its slots hold, so no name is hashed again.
   */
  nameIndex(removed: ReadonlySet<number>, added: number): void {
    const hw = this.base.words;
    const w = this.w;
    const baseSlotsWord = hw[L.H_HASH_OFF] >>> 2;
    const baseSlots = hw[L.H_HASH_MASK] + 1;
    const gone = [...removed].sort((x, y) => x - y);
    // A node's number less the removed nodes before it (a binary search: a batch may remove thousands).
    const renumber = (node: number) => {
      let lo = 0;
      let hi = gone.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (gone[mid] < node) lo = mid + 1;
        else hi = mid;
      }
      return node - lo;
    };
    if (this.slots === baseSlots) {
      w.set(hw.subarray(baseSlotsWord, baseSlotsWord + baseSlots * L.HASH_WORDS), this.slotsWord);
      for (const node of gone) {
        const name = this.base.nodeName(node);
        this.deleteSlot(node + 1, nameHash(this.base.bytes, name, name + nameLength(this.base.bytes, name)));
      }
      if (gone.length > 0) {
        for (let at = this.slotsWord + L.S_NODE; at < this.slotsWord + this.slots * L.HASH_WORDS; at += L.HASH_WORDS) {
          if (w[at] !== 0) w[at] = renumber(w[at] - 1) + 1;
        }
      }
    } else {
      w.fill(0, this.slotsWord, this.slotsWord + this.slots * L.HASH_WORDS); // a reused buffer holds old slots
      for (let slot = 0; slot < baseSlots; slot++) {
        const node = hw[baseSlotsWord + slot * L.HASH_WORDS + L.S_NODE] - 1;
        if (node >= 0 && !removed.has(node)) this.insert(hw[baseSlotsWord + slot * L.HASH_WORDS + L.S_HASH], renumber(node));
      }
    }
    for (let node = this.nodes - added; node < this.nodes; node++) {
      const name = w[this.nodesWord + node * L.NODE_WORDS + L.N_NAME];
      this.insert(nameHash(this.b, name, name + nameLength(this.b, name)), node);
    }
  }

  private insert(hash: number, node: number): void {
    const w = this.w;
    const mask = this.slots - 1;
    let slot = hash & mask;
    while (w[this.slotsWord + slot * L.HASH_WORDS + L.S_NODE] !== 0) slot = (slot + 1) & mask;
    w[this.slotsWord + slot * L.HASH_WORDS + L.S_HASH] = hash;
    w[this.slotsWord + slot * L.HASH_WORDS + L.S_NODE] = node + 1;
  }

  /** Deletes the slot holding `entry` (node + 1) from linear probing without tombstones (Knuth 6.4, R). */
  private deleteSlot(entry: number, hash: number): void {
    const w = this.w;
    const mask = this.slots - 1;
    const word = (slot: number) => this.slotsWord + slot * L.HASH_WORDS;
    let hole = hash & mask;
    while (w[word(hole) + L.S_NODE] !== entry) hole = (hole + 1) & mask;
    for (let slot = (hole + 1) & mask; w[word(slot) + L.S_NODE] !== 0; slot = (slot + 1) & mask) {
      const home = w[word(slot) + L.S_HASH] & mask;
      // The entry may move into the hole unless its home lies cyclically in (hole, slot].
      const stays = hole <= slot ? hole < home && home <= slot : hole < home || home <= slot;
      if (stays) continue;
      w[word(hole) + L.S_HASH] = w[word(slot) + L.S_HASH];
      w[word(hole) + L.S_NODE] = w[word(slot) + L.S_NODE];
      hole = slot;
    }
    w[word(hole) + L.S_HASH] = 0;
    w[word(hole) + L.S_NODE] = 0;
  }

  /** The header, from the apex SOA (node 0's RRsets come first); the image is complete after this. */
  finish(): SharedArrayBuffer {
    const w = this.w;
    const hw = this.base.words;
    let soaSet = 0;
    while ((w[this.rrsetsWord + soaSet * L.RRSET_WORDS + L.R_TYPE] & 0xffff) !== Type.SOA) soaSet++;
    const soaRdata = w[this.rrsetsWord + soaSet * L.RRSET_WORDS + L.R_RDATA] + 2;
    const mname = nameLength(this.b, soaRdata);
    const numbers = soaRdata + mname + nameLength(this.b, soaRdata + mname);
    const view = new DataView(this.buffer);
    w[L.H_MAGIC] = L.SNAPSHOT_MAGIC;
    w[L.H_VERSION] = L.LAYOUT_VERSION;
    w[L.H_SERIAL] = view.getUint32(numbers);
    w[L.H_NODE_COUNT] = this.nodes;
    w[L.H_RRSET_COUNT] = this.sets;
    w[L.H_RR_COUNT] = this.rrs;
    w[L.H_HASH_MASK] = this.slots - 1;
    w[L.H_NODES_OFF] = this.nodesWord * 4;
    w[L.H_RRSETS_OFF] = this.rrsetsWord * 4;
    w[L.H_HASH_OFF] = this.slotsWord * 4;
    w[L.H_NAMES_OFF] = this.namesOff;
    w[L.H_RDATA_OFF] = this.rdataOff;
    w[L.H_TOTAL_BYTES] = this.total;
    w[L.H_SOA_RRSET] = soaSet;
    w[L.H_NEGATIVE_TTL] = Math.min(w[this.rrsetsWord + soaSet * L.RRSET_WORDS + L.R_TTL], view.getUint32(numbers + 16));
    w[L.H_APEX_LABELS] = hw[L.H_APEX_LABELS];
    return this.buffer;
  }
}
