// The rules every version of a zone must keep, whether it is built whole (builder.ts) or patched from the
// previous version (patch.ts): both report the same problems in the same words.
import { Type, typeToText } from '../codec/constants.ts';
import { NodeFlag } from './layout.ts';

/** What is wrong with an RRset of `type` holding `count` records, or null. The owner is the caller's to add. */
export function rrsetProblem(type: number, count: number, atApex: boolean): string | null {
  if (count > 0xffff) return `${typeToText(type)} RRset has more than 65535 records`;
  switch (type) {
    case Type.SOA:
      return atApex ? null : 'SOA outside the zone apex';
    case Type.CNAME:
      return count > 1 ? 'more than one CNAME record' : null;
    case Type.DNAME:
      return count > 1 ? 'more than one DNAME record' : null;
    case Type.OPT: case Type.TSIG: case Type.AXFR: case Type.IXFR: case Type.ANY: case Type.MAILA: case Type.MAILB:
      return `${typeToText(type)} is a meta type and cannot be zone data`;
  }
  return null;
}

/** The node flag an RRset of `type` gives its owner: CNAME, DNAME, or a zone cut for NS below the apex. */
export function typeFlag(type: number, atApex: boolean): number {
  switch (type) {
    case Type.CNAME: return NodeFlag.CNAME;
    case Type.DNAME: return NodeFlag.DNAME;
    case Type.NS: return atApex ? 0 : NodeFlag.DELEGATION;
  }
  return 0;
}

/** Flags a node takes from its parent: anything below a zone cut is occluded (glue only). */
export function inheritedFlags(parentFlags: number): number {
  return parentFlags & (NodeFlag.DELEGATION | NodeFlag.OCCLUDED) ? NodeFlag.OCCLUDED : 0;
}

/** Whether the wire name at buf[off] is a wildcard (`*` as its first label, RFC 4592). */
export function isWildcard(buf: Uint8Array, off: number): boolean {
  return buf[off] === 1 && buf[off + 1] === 0x2a;
}

export const Problem = {
  CNAME_AND_OTHER: 'CNAME and other data',
  CNAME_AT_APEX: 'CNAME at the zone apex',
  NO_SOA: 'no SOA record at the zone apex',
  MANY_SOA: 'more than one SOA record at the apex',
  NO_NS: 'no NS records at the zone apex',
} as const;
