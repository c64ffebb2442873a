// Whether two snapshots hold the same zone: what a patched version is checked against (a whole build).
import * as assert from 'uvu/assert';
import { nameToText } from '../../engine/codec/name.ts';
import type { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';

/** The two snapshots hold the same zone, and each finds every one of its names through its own index. */
export function assertSameZone(actual: ZoneSnapshot, expected: ZoneSnapshot, what: string): void {
  for (const field of ['serial', 'nodeCount', 'rrsetCount', 'rrCount', 'negativeTtl', 'apexLabels'] as const) {
    assert.is(actual[field], expected[field], `${what}: ${field}`);
  }
  assert.is(actual.rrsetType(actual.soaRRset), expected.rrsetType(expected.soaRRset), `${what}: SOA RRset`);
  assert.is(actual.nodeName(0), actual.nodeName(actual.findName(expected.bytes, expected.apexName)), `${what}: apex is node 0`);
  for (let node = 0; node < expected.nodeCount; node++) {
    const name = nameToText(expected.bytes, expected.nodeName(node));
    const other = actual.findName(expected.bytes, expected.nodeName(node));
    assert.ok(other >= 0, `${what}: ${name} missing`);
    assert.is(nameToText(actual.bytes, actual.nodeName(other)), name);
    assert.is(actual.nodeFlags(other), expected.nodeFlags(node), `${what}: flags of ${name}`);
    assert.is(actual.nodeLabels(other), expected.nodeLabels(node), `${what}: labels of ${name}`);
    assert.is(actual.nodeRRsetCount(other), expected.nodeRRsetCount(node), `${what}: RRsets of ${name}`);
    for (let i = 0; i < expected.nodeRRsetCount(node); i++) {
      const e = expected.nodeFirstRRset(node) + i;
      const a = actual.nodeFirstRRset(other) + i;
      assert.is(actual.rrsetType(a), expected.rrsetType(e), `${what}: type at ${name}`);
      assert.is(actual.rrsetTtl(a), expected.rrsetTtl(e), `${what}: TTL at ${name}`);
      assert.is(actual.rrsetCountOf(a), expected.rrsetCountOf(e), `${what}: count at ${name}`);
      assert.equal(rdataOf(actual, a), rdataOf(expected, e), `${what}: rdata at ${name}`);
    }
  }
  for (let node = 0; node < actual.nodeCount; node++) {
    assert.ok(expected.findName(actual.bytes, actual.nodeName(node)) >= 0, `${what}: ${nameToText(actual.bytes, actual.nodeName(node))} is extra`);
    assert.is(actual.findName(actual.bytes, actual.nodeName(node)), node, `${what}: index finds node ${node}`);
  }
}

/** An RRset's RRs, as a sorted list: a set's order is the builder's choice, not part of the zone. */
function rdataOf(snap: ZoneSnapshot, set: number): string[] {
  const out: string[] = [];
  let p = snap.rrsetRdata(set);
  for (let i = 0; i < snap.rrsetCountOf(set); i++) {
    const len = (snap.bytes[p] << 8) | snap.bytes[p + 1];
    out.push(Buffer.from(snap.bytes.subarray(p + 2, p + 2 + len)).toString('hex'));
    p += 2 + len;
  }
  return out.sort();
}

