// The shared-memory layout of a zone snapshot: one SharedArrayBuffer per zone serial, written once by the
// builder and then only read, by any thread, without copies or locks. Every offset is named here.
//
//   header   HEADER_WORDS u32
//   nodes    NODE_WORDS u32 per owner name (including empty non-terminals), apex first
//   rrsets   RRSET_WORDS u32 per RRset, grouped by node, ascending type within a node
//   hash     HASH_WORDS u32 per slot, open addressing over the lower-cased owner-name hash
//   names    owner names in uncompressed wire form, letter case as loaded
//   rdata    per RR: u16 rdlength (big-endian, as on the wire) then the uncompressed rdata
//
// Section offsets in the header are byte offsets from the start of the buffer; word sections start on
// 4-byte boundaries so one Uint32Array view serves them all.

export const SNAPSHOT_MAGIC = 0x7a636e31; // "zcn1"
export const LAYOUT_VERSION = 1;

// Header words.
export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_SERIAL = 2;
export const H_NODE_COUNT = 3;
export const H_RRSET_COUNT = 4;
export const H_RR_COUNT = 5;
export const H_HASH_MASK = 6; // slot count - 1 (a power of two)
export const H_NODES_OFF = 7;
export const H_RRSETS_OFF = 8;
export const H_HASH_OFF = 9;
export const H_NAMES_OFF = 10;
export const H_RDATA_OFF = 11;
export const H_TOTAL_BYTES = 12; // of the image; its buffer may be longer (patch.ts)
export const H_SOA_RRSET = 13;
// RFC 2308 §5: negative answers are cached for min(SOA TTL, SOA MINIMUM); precomputed once.
export const H_NEGATIVE_TTL = 14;
export const H_APEX_LABELS = 15;
export const HEADER_WORDS = 16;

// Node words. The apex is always node 0.
export const N_NAME = 0; // byte offset of the owner name
export const N_RRSET_FIRST = 1; // index of the node's first RRset
export const N_RRSET_COUNT = 2; // low 16 bits: RRset count; high 16 bits: NodeFlag
export const N_LABELS = 3; // label count of the owner name
export const NODE_WORDS = 4;

export const NodeFlag = {
  // An NS RRset below the apex: a zone cut (RFC 1034 §4.2.1). Data below it is glue only.
  DELEGATION: 1,
  // The node has a `*` child, so names under it that do not exist may be synthesised (RFC 4592).
  WILDCARD_CHILD: 2,
  CNAME: 4,
  DNAME: 8,
  // At or below a zone cut (other than the cut itself): not authoritative, served only as glue.
  OCCLUDED: 16,
} as const;

// RRset words.
export const R_TYPE = 0; // low 16 bits: type; high 16 bits: RR count
export const R_TTL = 1;
export const R_RDATA = 2; // byte offset of the first RR's rdlength
export const R_BYTES = 3; // bytes of all RRs of the set as stored (2 + rdlength each)
export const RRSET_WORDS = 4;

// Hash slot words: the owner name's hash, then node index + 1 (0 = empty slot).
export const S_HASH = 0;
export const S_NODE = 1;
export const HASH_WORDS = 2;
