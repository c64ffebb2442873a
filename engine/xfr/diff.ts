// The difference between two snapshots of a zone, as an IXFR journal entry (RFC 1995 §4): what to delete
// from the older version and what to add to reach the newer one. Runs in a pool thread on reloads.
import { Type } from '../codec/constants.ts';
import type { ZoneSnapshot } from '../snapshot/snapshot.ts';
import { encodeJournalEntry } from './journal-entry.ts';
import { RRListWriter } from './rr-list.ts';

export function diffSnapshots(older: ZoneSnapshot, newer: ZoneSnapshot): Uint8Array {
  const deleted = new RRListWriter();
  const added = new RRListWriter();
  for (let node = 0; node < newer.nodeCount; node++) {
    diffNode(older, older.findName(newer.bytes, newer.nodeName(node)), newer, node, deleted, added);
  }
  for (let node = 0; node < older.nodeCount; node++) {
    if (newer.findName(older.bytes, older.nodeName(node)) < 0) diffNode(older, node, newer, -1, deleted, added);
  }
  return encodeJournalEntry(soaRR(older), soaRR(newer), older.serial, newer.serial, deleted, added);
}

/**
 * The same entry when the caller knows which owner names can differ (a patched version: patch.ts), so only
 * those are compared. Each name is an uncompressed wire name at offset 0 of its array, listed once.
 */
export function diffOwners(older: ZoneSnapshot, newer: ZoneSnapshot, owners: readonly Uint8Array[]): Uint8Array {
  const deleted = new RRListWriter();
  const added = new RRListWriter();
  for (const owner of owners) diffNode(older, older.findName(owner, 0), newer, newer.findName(owner, 0), deleted, added);
  return encodeJournalEntry(soaRR(older), soaRR(newer), older.serial, newer.serial, deleted, added);
}

/** What changed at one owner name; -1 for a node absent from that version. */
function diffNode(
  older: ZoneSnapshot, oldNode: number, newer: ZoneSnapshot, newNode: number, deleted: RRListWriter, added: RRListWriter,
): void {
  if (newNode >= 0) {
    forEachRRset(newer, newNode, (set, type) => {
      const oldSet = oldNode < 0 ? -1 : older.findRRset(oldNode, type);
      compareSets(older, oldSet, oldNode, newer, set, newNode, deleted, added);
    });
  }
  if (oldNode >= 0) {
    forEachRRset(older, oldNode, (set, type) => {
      if (newNode < 0 || newer.findRRset(newNode, type) < 0) addAll(older, set, older.nodeName(oldNode), deleted);
    });
  }
}

/** Every RRset of a node except the apex SOA, which IXFR carries as the sequence delimiters instead. */
function forEachRRset(snap: ZoneSnapshot, node: number, visit: (set: number, type: number) => void): void {
  const first = snap.nodeFirstRRset(node);
  const end = first + snap.nodeRRsetCount(node);
  for (let set = first; set < end; set++) {
    const type = snap.rrsetType(set);
    if (type !== Type.SOA || node !== 0) visit(set, type);
  }
}

function compareSets(
  older: ZoneSnapshot, oldSet: number, oldNode: number, newer: ZoneSnapshot, newSet: number, newNode: number,
  deleted: RRListWriter, added: RRListWriter,
): void {
  const owner = newer.nodeName(newNode);
  if (oldSet < 0) return addAll(newer, newSet, owner, added);
  // A changed TTL changes every RR of the set (RFC 2181 §5.2: one TTL per RRset).
  if (older.rrsetTtl(oldSet) !== newer.rrsetTtl(newSet)) {
    addAll(older, oldSet, older.nodeName(oldNode), deleted);
    return addAll(newer, newSet, owner, added);
  }
  if (sameBytes(older, oldSet, newer, newSet)) return; // the usual case: untouched
  const oldKeys = rdataKeys(older, oldSet);
  const newKeys = rdataKeys(newer, newSet);
  forEachRR(newer, newSet, (p, len, key) => { if (!oldKeys.has(key)) added.add(newer.bytes, owner, newer.rrsetType(newSet), newer.rrsetTtl(newSet), newer.bytes, p, len); });
  forEachRR(older, oldSet, (p, len, key) => { if (!newKeys.has(key)) deleted.add(older.bytes, older.nodeName(oldNode), older.rrsetType(oldSet), older.rrsetTtl(oldSet), older.bytes, p, len); });
}

function sameBytes(a: ZoneSnapshot, setA: number, b: ZoneSnapshot, setB: number): boolean {
  const len = a.rrsetBytes(setA);
  if (len !== b.rrsetBytes(setB)) return false;
  const pa = a.rrsetRdata(setA);
  const pb = b.rrsetRdata(setB);
  for (let i = 0; i < len; i++) if (a.bytes[pa + i] !== b.bytes[pb + i]) return false;
  return true;
}

function addAll(snap: ZoneSnapshot, set: number, owner: number, out: RRListWriter): void {
  forEachRR(snap, set, (p, len) => out.add(snap.bytes, owner, snap.rrsetType(set), snap.rrsetTtl(set), snap.bytes, p, len), false);
}

function rdataKeys(snap: ZoneSnapshot, set: number): Set<string> {
  const keys = new Set<string>();
  forEachRR(snap, set, (_p, _len, key) => keys.add(key));
  return keys;
}

/** Calls `visit` with each RR's rdata offset, length and (when `keyed`) its bytes as a latin1 string key. */
function forEachRR(snap: ZoneSnapshot, set: number, visit: (rdata: number, len: number, key: string) => void, keyed = true): void {
  const b = snap.bytes;
  let p = snap.rrsetRdata(set);
  for (let i = snap.rrsetCountOf(set); i > 0; i--) {
    const len = (b[p] << 8) | b[p + 1];
    visit(p + 2, len, keyed ? Buffer.from(b.buffer, b.byteOffset + p + 2, len).toString('latin1') : '');
    p += 2 + len;
  }
}

function soaRR(snap: ZoneSnapshot): RRListWriter {
  const soa = new RRListWriter();
  addAll(snap, snap.soaRRset, snap.apexName, soa);
  return soa;
}
