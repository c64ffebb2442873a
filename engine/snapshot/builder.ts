// Compiles collected records into a snapshot image (layout.ts). Runs in a pool thread for real zones, so
// it may take its time on a million records without holding up answering; it still avoids per-record
// objects: nodes, RRs and RRsets are indices into typed arrays.
import { Class, Type } from '../codec/constants.ts';
import { isSubdomain, labelCount, nameHash, nameLength, namesEqual, nameToText } from '../codec/name.ts';
import { copyBytes, REC_FIXED_AFTER_OWNER, type RecordCollector } from './collector.ts';
import * as L from './layout.ts';
import { inheritedFlags, isWildcard, Problem, rrsetProblem, typeFlag } from './rules.ts';

export interface BuildResult {
  buffer: SharedArrayBuffer | null;
  serial: number;
  records: number;
  errors: string[];
}

const MAX_ERRORS = 20;

export function buildSnapshot(apex: Uint8Array, records: RecordCollector): BuildResult {
  return new Builder(apex, records).build();
}

class Builder {
  private readonly apex: Uint8Array;
  private readonly collector: RecordCollector;
  private s: Uint8Array;
  private readonly recOff: Uint32Array;
  private readonly n: number;
  private readonly errors: string[] = [];
  // Node table while building: name offset into the stream, parent node, label count.
  private nodeName: Uint32Array;
  private nodeParent: Int32Array;
  private nodeLabels: Uint8Array;
  private nodeHash: Uint32Array;
  private nodeCount = 0;
  private slots: Int32Array;
  private slotHash: Uint32Array;
  private mask: number;

  constructor(apex: Uint8Array, collector: RecordCollector) {
    this.apex = apex;
    this.collector = collector;
    this.n = collector.count;
    this.recOff = collector.offsets;
    const capacity = Math.max(16, this.n + 16);
    this.nodeName = new Uint32Array(capacity);
    this.nodeParent = new Int32Array(capacity);
    this.nodeLabels = new Uint8Array(capacity);
    this.nodeHash = new Uint32Array(capacity);
    let size = 16;
    while (size < capacity * 2) size <<= 1;
    this.slots = new Int32Array(size);
    this.slotHash = new Uint32Array(size);
    this.mask = size - 1;
    this.s = collector.stream;
  }

  build(): BuildResult {
    const apexOff = this.collector.appendName(this.apex);
    this.s = this.collector.stream; // appendName may have grown the stream

    const apexLabels = labelCount(this.apex, 0);
    this.insertNode(apexOff, nameHash(this.s, apexOff, apexOff + this.apex.length), -1, apexLabels);

    const recNode = this.assignNodes(apexLabels);
    if (this.errors.length) return this.fail();
    const order = this.groupByNode(recNode);
    return this.emit(order, recNode, apexLabels);
  }

  private error(message: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push(message);
  }

  private fail(): BuildResult {
    return { buffer: null, serial: 0, records: this.n, errors: this.errors };
  }

  private ownerText(rec: number): string {
    return nameToText(this.s, this.recOff[rec] + 1);
  }

  private assignNodes(apexLabels: number): Int32Array {
    const recNode = new Int32Array(this.n);
    const s = this.s;
    for (let i = 0; i < this.n; i++) {
      const off = this.recOff[i];
      const owner = off + 1;
      const end = owner + s[off];
      const klass = (s[end + 2] << 8) | s[end + 3];
      if (klass !== Class.IN) {
        this.error(`${this.ownerText(i)}: class ${klass} is not served (IN only)`);
        continue;
      }
      if (!isSubdomain(s, owner, this.apex, 0)) {
        this.error(`${this.ownerText(i)}: out of zone ${nameToText(this.apex, 0)}`);
        continue;
      }
      recNode[i] = this.ensureNode(owner, end, apexLabels);
    }
    return recNode;
  }

  /** Finds or creates the node for the name at [off, end), creating missing ancestors first. */
  private ensureNode(off: number, end: number, apexLabels: number): number {
    const hash = nameHash(this.s, off, end);
    const found = this.findNode(off, hash);
    if (found >= 0) return found;
    const parentOff = off + this.s[off] + 1;
    const parent = this.ensureNode(parentOff, end, apexLabels);
    return this.insertNode(off, hash, parent, this.nodeLabels[parent] + 1);
  }

  private findNode(off: number, hash: number): number {
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const node = this.slots[slot] - 1;
      if (node < 0) return -1;
      if (this.slotHash[slot] === hash && namesEqual(this.s, this.nodeName[node], this.s, off)) return node;
    }
  }

  private insertNode(off: number, hash: number, parent: number, labels: number): number {
    if (this.nodeCount === this.nodeName.length) this.growNodes();
    const node = this.nodeCount++;
    this.nodeName[node] = off;
    this.nodeParent[node] = parent;
    this.nodeLabels[node] = labels;
    this.nodeHash[node] = hash;
    let slot = hash & this.mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = node + 1;
    this.slotHash[slot] = hash;
    return node;
  }

  private growNodes(): void {
    const size = this.nodeName.length * 2;
    const name = new Uint32Array(size); name.set(this.nodeName); this.nodeName = name;
    const parent = new Int32Array(size); parent.set(this.nodeParent); this.nodeParent = parent;
    const labels = new Uint8Array(size); labels.set(this.nodeLabels); this.nodeLabels = labels;
    const hashes32 = new Uint32Array(size); hashes32.set(this.nodeHash); this.nodeHash = hashes32;
    // Re-hash into a table twice as large so the load factor stays at or below one half.
    const slots = new Int32Array(this.slots.length * 2);
    const hashes = new Uint32Array(slots.length);
    const mask = slots.length - 1;
    for (let i = 0; i < this.slots.length; i++) {
      if (this.slots[i] === 0) continue;
      let slot = this.slotHash[i] & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = this.slots[i];
      hashes[slot] = this.slotHash[i];
    }
    this.slots = slots; this.slotHash = hashes; this.mask = mask;
  }

  /** Counting sort of records by node (stable), then by type within each node. */
  private groupByNode(recNode: Int32Array): Uint32Array {
    const start = new Uint32Array(this.nodeCount + 1);
    for (let i = 0; i < this.n; i++) start[recNode[i] + 1]++;
    for (let k = 0; k < this.nodeCount; k++) start[k + 1] += start[k];
    const fill = start.slice(0, this.nodeCount);
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[fill[recNode[i]]++] = i;
    for (let k = 0; k < this.nodeCount; k++) sortRangeByType(order, start[k], start[k + 1], this.s, this.recOff);
    return order;
  }

  private typeOf(rec: number): number {
    return typeAt(this.s, this.recOff, rec);
  }

  private rdataOff(rec: number): number {
    const off = this.recOff[rec];
    return off + 1 + this.s[off] + REC_FIXED_AFTER_OWNER;
  }

  private rdataLen(rec: number): number {
    const p = this.rdataOff(rec);
    return (this.s[p - 2] << 8) | this.s[p - 1];
  }

  private ttlOf(rec: number): number {
    const p = this.rdataOff(rec) - 6;
    return ((this.s[p] << 24) | (this.s[p + 1] << 16) | (this.s[p + 2] << 8) | this.s[p + 3]) >>> 0;
  }

  private sameRdata(a: number, b: number): boolean {
    const len = this.rdataLen(a);
    if (len !== this.rdataLen(b)) return false;
    const pa = this.rdataOff(a), pb = this.rdataOff(b);
    for (let i = 0; i < len; i++) if (this.s[pa + i] !== this.s[pb + i]) return false;
    return true;
  }

  private emit(order: Uint32Array, recNode: Int32Array, apexLabels: number): BuildResult {
    // Pass 1: RRset boundaries, duplicate RRs (an RRset is a set: RFC 2181 §5), sizes, node flags.
    const keep = new Uint8Array(this.n);
    const setStart: number[] = []; // index into `order` of each RRset's first record
    const setCount: number[] = []; // records kept in each RRset
    const nodeFirstSet = new Uint32Array(this.nodeCount);
    const nodeSetCount = new Uint16Array(this.nodeCount);
    const flags = new Uint16Array(this.nodeCount);
    let rdataBytes = 0;
    let kept = 0;
    let soaSet = -1;
    let lastNode = -1;
    for (let i = 0; i < this.n;) {
      const node = recNode[order[i]];
      const type = this.typeOf(order[i]);
      let j = i + 1;
      while (j < this.n && recNode[order[j]] === node && this.typeOf(order[j]) === type) j++;
      if (node !== lastNode) { nodeFirstSet[node] = setStart.length; lastNode = node; }
      nodeSetCount[node]++;
      const count = this.keepDistinct(order, i, j, keep);
      setStart.push(i);
      setCount.push(count);
      kept += count;
      for (let k = i; k < j; k++) if (keep[order[k]]) rdataBytes += 2 + this.rdataLen(order[k]);
      if (type === Type.SOA && node === 0) soaSet = setStart.length - 1;
      this.checkRRset(node, type, count, flags);
      i = j;
    }
    if (soaSet < 0) this.error(`${nameToText(this.apex, 0)}: ${Problem.NO_SOA}`);
    else if (setCount[soaSet] > 1) this.error(`${nameToText(this.apex, 0)}: ${Problem.MANY_SOA}`);
    if (!(flags[0] & HAS_NS)) this.error(`${nameToText(this.apex, 0)}: ${Problem.NO_NS}`);
    this.markStructure(flags, nodeSetCount);
    if (this.errors.length) return this.fail();

    // Pass 2: lay out and fill the shared image.
    let namesBytes = 0;
    for (let node = 0; node < this.nodeCount; node++) namesBytes += nameLength(this.s, this.nodeName[node]);
    let hashSlots = 8;
    while (hashSlots < this.nodeCount * 2) hashSlots <<= 1;
    const nodesOff = L.HEADER_WORDS * 4;
    const rrsetsOff = nodesOff + this.nodeCount * L.NODE_WORDS * 4;
    const hashOff = rrsetsOff + setStart.length * L.RRSET_WORDS * 4;
    const namesOff = hashOff + hashSlots * L.HASH_WORDS * 4;
    const rdataOff = namesOff + namesBytes;
    const total = rdataOff + rdataBytes;
    const buffer = new SharedArrayBuffer(total);
    const w = new Uint32Array(buffer, 0, rdataOff >>> 2);
    const b = new Uint8Array(buffer);

    const soaRec = order[setStart[soaSet]];
    const soaRdata = this.rdataOff(soaRec);
    const serialAt = soaRdata + nameLength(this.s, soaRdata) + nameLength(this.s, soaRdata + nameLength(this.s, soaRdata));
    const serial = readU32(this.s, serialAt);
    const minimum = readU32(this.s, serialAt + 16);
    w[L.H_MAGIC] = L.SNAPSHOT_MAGIC;
    w[L.H_VERSION] = L.LAYOUT_VERSION;
    w[L.H_SERIAL] = serial;
    w[L.H_NODE_COUNT] = this.nodeCount;
    w[L.H_RRSET_COUNT] = setStart.length;
    w[L.H_RR_COUNT] = kept;
    w[L.H_HASH_MASK] = hashSlots - 1;
    w[L.H_NODES_OFF] = nodesOff;
    w[L.H_RRSETS_OFF] = rrsetsOff;
    w[L.H_HASH_OFF] = hashOff;
    w[L.H_NAMES_OFF] = namesOff;
    w[L.H_RDATA_OFF] = rdataOff;
    w[L.H_TOTAL_BYTES] = total;
    w[L.H_SOA_RRSET] = soaSet;
    w[L.H_NEGATIVE_TTL] = Math.min(this.ttlOf(soaRec), minimum);
    w[L.H_APEX_LABELS] = apexLabels;

    let namePos = namesOff;
    const hashMask = hashSlots - 1;
    for (let node = 0; node < this.nodeCount; node++) {
      const src = this.nodeName[node];
      const len = nameLength(this.s, src);
      copyBytes(this.s, src, len, b, namePos);
      const nw = (nodesOff >>> 2) + node * L.NODE_WORDS;
      w[nw + L.N_NAME] = namePos;
      w[nw + L.N_RRSET_FIRST] = nodeFirstSet[node];
      w[nw + L.N_RRSET_COUNT] = nodeSetCount[node] | (flags[node] << 16);
      w[nw + L.N_LABELS] = this.nodeLabels[node];
      namePos += len;
    }
    this.writeHashTable(w, hashOff >>> 2, hashMask);

    let rdPos = rdataOff;
    for (let set = 0; set < setStart.length; set++) {
      const first = setStart[set];
      const end = set + 1 < setStart.length ? setStart[set + 1] : this.n;
      const rw = (rrsetsOff >>> 2) + set * L.RRSET_WORDS;
      const begin = rdPos;
      let count = 0;
      for (let k = first; k < end; k++) {
        const rec = order[k];
        if (!keep[rec]) continue;
        const p = this.rdataOff(rec);
        const len = this.rdataLen(rec);
        copyBytes(this.s, p - 2, len + 2, b, rdPos);
        rdPos += 2 + len;
        count++;
      }
      w[rw + L.R_TYPE] = this.typeOf(order[first]) | (count << 16);
      // RFC 2181 §5.2: one TTL per RRset; the first record's TTL stands for the set.
      w[rw + L.R_TTL] = this.ttlOf(order[first]);
      w[rw + L.R_RDATA] = begin;
      w[rw + L.R_BYTES] = rdPos - begin;
    }
    return { buffer, serial, records: kept, errors: [] };
  }

  /**
   * The published name index. When the build table already has the published size (the usual case: about
   * one node per record) its slots are copied in order; re-inserting would probe a table far larger than
   * the CPU cache once per node.
   */
  private writeHashTable(w: Uint32Array, base: number, hashMask: number): void {
    if (hashMask === this.mask) {
      for (let slot = 0; slot <= hashMask; slot++) {
        w[base + slot * L.HASH_WORDS + L.S_HASH] = this.slotHash[slot];
        w[base + slot * L.HASH_WORDS + L.S_NODE] = this.slots[slot];
      }
      return;
    }
    for (let node = 0; node < this.nodeCount; node++) {
      const hash = this.nodeHash[node];
      let slot = hash & hashMask;
      while (w[base + slot * L.HASH_WORDS + L.S_NODE] !== 0) slot = (slot + 1) & hashMask;
      w[base + slot * L.HASH_WORDS + L.S_HASH] = hash;
      w[base + slot * L.HASH_WORDS + L.S_NODE] = node + 1;
    }
  }

  /** Marks order[from, to) records to keep, dropping exact duplicates; returns how many are kept. */
  private keepDistinct(order: Uint32Array, from: number, to: number, keep: Uint8Array): number {
    if (to - from === 1) {
      keep[order[from]] = 1;
      return 1;
    }
    if (to - from <= 16) {
      let count = 0;
      for (let j = from; j < to; j++) {
        let duplicate = false;
        for (let k = from; k < j && !duplicate; k++) duplicate = keep[order[k]] === 1 && this.sameRdata(order[k], order[j]);
        if (!duplicate) { keep[order[j]] = 1; count++; }
      }
      return count;
    }
    // Large RRsets (hostile or generated zones) would make the pairwise check quadratic.
    const seen = new Set<string>();
    for (let j = from; j < to; j++) {
      const p = this.rdataOff(order[j]);
      const key = Buffer.from(this.s.buffer, this.s.byteOffset + p, this.rdataLen(order[j])).toString('latin1');
      if (seen.has(key)) continue;
      seen.add(key);
      keep[order[j]] = 1;
    }
    return seen.size;
  }

  private checkRRset(node: number, type: number, count: number, flags: Uint16Array): void {
    const problem = rrsetProblem(type, count, node === 0);
    if (problem !== null) this.error(`${nameToText(this.s, this.nodeName[node])}: ${problem}`);
    flags[node] |= type === Type.NS && node === 0 ? HAS_NS : typeFlag(type, node === 0);
  }

  /** CNAME exclusivity (RFC 1034 §3.6.2), wildcard parents and occlusion below zone cuts. */
  private markStructure(flags: Uint16Array, nodeSetCount: Uint16Array): void {
    flags[0] &= ~HAS_NS;
    if (flags[0] & L.NodeFlag.CNAME) this.error(`${nameToText(this.apex, 0)}: ${Problem.CNAME_AT_APEX}`);
    // Parents precede children (ensureNode inserts ancestors first), so one forward pass suffices.
    for (let node = 1; node < this.nodeCount; node++) {
      const parent = this.nodeParent[node];
      const name = this.nodeName[node];
      if ((flags[node] & L.NodeFlag.CNAME) && nodeSetCount[node] > 1) {
        this.error(`${nameToText(this.s, name)}: ${Problem.CNAME_AND_OTHER}`);
      }
      if (isWildcard(this.s, name)) flags[parent] |= L.NodeFlag.WILDCARD_CHILD;
      flags[node] |= inheritedFlags(flags[parent]);
    }
  }
}

// Builder-only flag for "the apex has NS", cleared before the flags are published.
const HAS_NS = 0x8000;

function typeAt(s: Uint8Array, recOff: Uint32Array, rec: number): number {
  const off = recOff[rec];
  const p = off + 1 + s[off];
  return (s[p] << 8) | s[p + 1];
}

function readU32(buf: Uint8Array, p: number): number {
  return ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0;
}

/** Sorts order[from, to) by RR type, stably: insertion sort for the usual handful, the engine's sort beyond. */
function sortRangeByType(order: Uint32Array, from: number, to: number, s: Uint8Array, recOff: Uint32Array): void {
  if (to - from > 32) {
    const part = Array.from(order.subarray(from, to)).sort((a, b) => typeAt(s, recOff, a) - typeAt(s, recOff, b));
    order.set(part, from);
    return;
  }
  for (let i = from + 1; i < to; i++) {
    const rec = order[i];
    const t = typeAt(s, recOff, rec);
    let j = i - 1;
    while (j >= from && typeAt(s, recOff, order[j]) > t) { order[j + 1] = order[j]; j--; }
    order[j + 1] = rec;
  }
}
