// Read-only views over a snapshot image. Constructing one is cheap (no copy), so every thread that
// receives the SharedArrayBuffer wraps it in its own ZoneSnapshot.
import { namesEqual, nameHash, nameLength } from '../codec/name.ts';
import * as L from './layout.ts';

export interface SoaFields {
  ttl: number;
  mname: number;
  rname: number;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

export class ZoneSnapshot {
  readonly buffer: SharedArrayBuffer;
  readonly bytes: Uint8Array;
  readonly words: Uint32Array;
  readonly serial: number;
  readonly nodeCount: number;
  readonly rrsetCount: number;
  readonly rrCount: number;
  readonly negativeTtl: number;
  readonly soaRRset: number;
  readonly apexLabels: number;
  private readonly nodesWord: number;
  private readonly rrsetsWord: number;
  private readonly hashWord: number;
  private readonly hashMask: number;

  constructor(buffer: SharedArrayBuffer) {
    if (buffer.byteLength < L.HEADER_WORDS * 4) throw new SnapshotError('snapshot shorter than its header');
    const header = new Uint32Array(buffer, 0, L.HEADER_WORDS);
    if (header[L.H_MAGIC] !== L.SNAPSHOT_MAGIC || header[L.H_VERSION] !== L.LAYOUT_VERSION) {
      throw new SnapshotError('not a snapshot of this layout version');
    }
    // A patched image may sit in a buffer a little larger than itself (patch.ts leaves room to reuse it).
    if (header[L.H_TOTAL_BYTES] > buffer.byteLength) throw new SnapshotError('snapshot longer than its buffer');
    this.buffer = buffer;
    this.bytes = new Uint8Array(buffer);
    this.words = new Uint32Array(buffer, 0, header[L.H_RDATA_OFF] >>> 2);
    this.serial = header[L.H_SERIAL];
    this.nodeCount = header[L.H_NODE_COUNT];
    this.rrsetCount = header[L.H_RRSET_COUNT];
    this.rrCount = header[L.H_RR_COUNT];
    this.negativeTtl = header[L.H_NEGATIVE_TTL];
    this.soaRRset = header[L.H_SOA_RRSET];
    this.apexLabels = header[L.H_APEX_LABELS];
    this.nodesWord = header[L.H_NODES_OFF] >>> 2;
    this.rrsetsWord = header[L.H_RRSETS_OFF] >>> 2;
    this.hashWord = header[L.H_HASH_OFF] >>> 2;
    this.hashMask = header[L.H_HASH_MASK];
  }

  /** Bytes of the image, which may be fewer than its buffer has. */
  get byteLength(): number {
    return this.words[L.H_TOTAL_BYTES];
  }

  /** Node index of the uncompressed name at buf[off, end), or -1. */
  findNode(buf: Uint8Array, off: number, end: number): number {
    const hash = nameHash(buf, off, end);
    const w = this.words;
    for (let slot = hash & this.hashMask; ; slot = (slot + 1) & this.hashMask) {
      const at = this.hashWord + slot * L.HASH_WORDS;
      const node = w[at + L.S_NODE] - 1;
      if (node < 0) return -1;
      if (w[at + L.S_HASH] === hash && namesEqual(this.bytes, w[this.nodesWord + node * L.NODE_WORDS + L.N_NAME], buf, off)) {
        return node;
      }
    }
  }

  /** Node index of an uncompressed name starting at `off` whose end is found by walking its labels. */
  findName(buf: Uint8Array, off: number): number {
    return this.findNode(buf, off, off + nameLength(buf, off));
  }

  nodeName(node: number): number {
    return this.words[this.nodesWord + node * L.NODE_WORDS + L.N_NAME];
  }

  nodeFlags(node: number): number {
    return this.words[this.nodesWord + node * L.NODE_WORDS + L.N_RRSET_COUNT] >>> 16;
  }

  nodeLabels(node: number): number {
    return this.words[this.nodesWord + node * L.NODE_WORDS + L.N_LABELS];
  }

  nodeRRsetCount(node: number): number {
    return this.words[this.nodesWord + node * L.NODE_WORDS + L.N_RRSET_COUNT] & 0xffff;
  }

  nodeFirstRRset(node: number): number {
    return this.words[this.nodesWord + node * L.NODE_WORDS + L.N_RRSET_FIRST];
  }

  /** RRset index of `type` at `node`, or -1. */
  findRRset(node: number, type: number): number {
    const first = this.nodeFirstRRset(node);
    const end = first + this.nodeRRsetCount(node);
    const w = this.words;
    for (let set = first; set < end; set++) {
      const t = w[this.rrsetsWord + set * L.RRSET_WORDS + L.R_TYPE] & 0xffff;
      if (t === type) return set;
      if (t > type) return -1; // types ascend within a node
    }
    return -1;
  }

  rrsetType(set: number): number {
    return this.words[this.rrsetsWord + set * L.RRSET_WORDS + L.R_TYPE] & 0xffff;
  }

  rrsetCountOf(set: number): number {
    return this.words[this.rrsetsWord + set * L.RRSET_WORDS + L.R_TYPE] >>> 16;
  }

  rrsetTtl(set: number): number {
    return this.words[this.rrsetsWord + set * L.RRSET_WORDS + L.R_TTL];
  }

  /** Byte offset of the first RR (its u16 rdlength) of the set. */
  rrsetRdata(set: number): number {
    return this.words[this.rrsetsWord + set * L.RRSET_WORDS + L.R_RDATA];
  }

  rrsetBytes(set: number): number {
    return this.words[this.rrsetsWord + set * L.RRSET_WORDS + L.R_BYTES];
  }

  /** The apex SOA: its names as byte offsets into `bytes`, and its numbers. */
  soa(): SoaFields {
    const b = this.bytes;
    const mname = this.rrsetRdata(this.soaRRset) + 2;
    const rname = mname + nameLength(b, mname);
    const view = new DataView(b.buffer, b.byteOffset + rname + nameLength(b, rname), 20);
    return {
      ttl: this.rrsetTtl(this.soaRRset), mname, rname,
      serial: view.getUint32(0), refresh: view.getUint32(4), retry: view.getUint32(8), expire: view.getUint32(12), minimum: view.getUint32(16),
    };
  }

  /** The apex name's offset; the apex is node 0. */
  get apexName(): number {
    return this.nodeName(0);
  }
}
