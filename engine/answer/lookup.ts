// Classifies a name against one zone snapshot (RFC 1034 §4.3.2 step 3), top-down from the apex so that a
// zone cut or DNAME above the name is found before the name itself. Pure: it only reads the snapshot.
import { Type } from '../codec/constants.ts';
import { nameLength } from '../codec/name.ts';
import { NodeFlag } from '../snapshot/layout.ts';
import type { ZoneSnapshot } from '../snapshot/snapshot.ts';

export const Found = {
  EXACT: 0, // `node` owns the name
  WILDCARD: 1, // `node` is the `*` node that synthesises the name (RFC 4592)
  NXDOMAIN: 2, // nothing: `node` is the closest encloser
  REFERRAL: 3, // `node` is a zone cut above (or at) the name
  DNAME: 4, // `node` owns a DNAME above the name (RFC 6672)
} as const;

export class Lookup {
  result = 0;
  node = -1;
  private readonly labelAt = new Int32Array(128);
  private readonly wildcard = new Uint8Array(258);

  run(snap: ZoneSnapshot, buf: Uint8Array, off: number, qtype: number): void {
    let n = 0;
    let p = off;
    for (; buf[p] !== 0; p += buf[p] + 1) this.labelAt[n++] = p;
    const end = p + 1;
    const apexLabels = snap.apexLabels;
    let node = 0;
    if (n > apexLabels && snap.nodeFlags(0) & NodeFlag.DNAME) return this.set(Found.DNAME, 0);
    for (let depth = apexLabels + 1; depth <= n; depth++) {
      const child = snap.findNode(buf, this.labelAt[n - depth], end);
      if (child < 0) return this.notFound(snap, node);
      node = child;
      const flags = snap.nodeFlags(node);
      // The parent side of a cut answers only DS authoritatively (RFC 4035 §3.1.4.1).
      if (flags & NodeFlag.DELEGATION && (depth < n || qtype !== Type.DS)) return this.set(Found.REFERRAL, node);
      if (depth < n && flags & NodeFlag.DNAME) return this.set(Found.DNAME, node);
    }
    this.set(Found.EXACT, node);
  }

  private notFound(snap: ZoneSnapshot, encloser: number): void {
    if (snap.nodeFlags(encloser) & NodeFlag.WILDCARD_CHILD) {
      const w = this.wildcard;
      w[0] = 1;
      w[1] = 0x2a;
      const name = snap.nodeName(encloser);
      const len = nameLength(snap.bytes, name);
      w.set(snap.bytes.subarray(name, name + len), 2);
      const star = snap.findNode(w, 0, len + 2);
      if (star >= 0) return this.set(Found.WILDCARD, star);
    }
    this.set(Found.NXDOMAIN, encloser);
  }

  private set(result: number, node: number): void {
    this.result = result;
    this.node = node;
  }
}
