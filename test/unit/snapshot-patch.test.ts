// A patched version of a zone must be the version a whole build makes of the same records: same names,
// flags, RRsets and header, found through its own name index, and the journal step the whole-zone diff makes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { typeFromText } from '../../engine/codec/constants.ts';
import { nameFromText, nameToText } from '../../engine/codec/name.ts';
import { RecordCollector } from '../../engine/snapshot/collector.ts';
import { patchSnapshot, type PatchResult } from '../../engine/snapshot/patch.ts';
import { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import { diffSnapshots } from '../../engine/xfr/diff.ts';
import { JournalEntry } from '../../engine/xfr/journal-entry.ts';
import type { RRListReader } from '../../engine/xfr/rr-list.ts';
import { parseZone } from '../../engine/zonefile/parser.ts';
import { build, compile } from '../helpers/compile.ts';
import { assertSameZone } from '../helpers/same-zone.ts';

const ORIGIN = 'example.com.';

/** A zone as RRsets keyed `name type`, each with its TTL and record data. */
type Zone = Map<string, { ttl: number; data: string[] }>;

function zoneText(zone: Zone): string {
  const lines = [`$ORIGIN ${ORIGIN}`];
  for (const [key, { ttl, data }] of zone) {
    const [name, type] = key.split(' ');
    for (const d of data) lines.push(`${name} ${ttl} IN ${type} ${d}`);
  }
  return `${lines.join('\n')}\n`;
}

function startZone(serial = 1): Zone {
  return new Map([
    [`${ORIGIN} SOA`, { ttl: 3600, data: [`ns1.${ORIGIN} hostmaster.${ORIGIN} ${serial} 3600 600 86400 300`] }],
    [`${ORIGIN} NS`, { ttl: 3600, data: [`ns1.${ORIGIN}`] }],
    [`ns1.${ORIGIN} A`, { ttl: 3600, data: ['192.0.2.1'] }],
  ]);
}

/** Applies `changes` (key → new RRset, null deletes it) to `zone` and patches `base` the same way. */
function patch(base: ZoneSnapshot, zone: Zone, changes: Map<string, { ttl: number; data: string[] } | null>, spare: SharedArrayBuffer | null = null): PatchResult {
  const partial: Zone = new Map();
  for (const [key, rrset] of changes) {
    if (rrset === null) zone.delete(key);
    else { zone.set(key, rrset); partial.set(key, rrset); }
  }
  const records = new RecordCollector();
  const parsed = parseZone(Buffer.from(zoneText(partial)), { origin: ORIGIN, file: 'patch' }, records);
  assert.equal(parsed.errors, []);
  const replaced = [...changes.keys()].map((key) => {
    const [name, type] = key.split(' ');
    return { owner: nameFromText(name), type: typeFromText(type) };
  });
  return patchSnapshot(base, replaced, records, spare);
}

function nextSerial(zone: Zone): void {
  const soa = zone.get(`${ORIGIN} SOA`)!;
  const fields = soa.data[0].split(' ');
  fields[2] = String(Number(fields[2]) + 1);
  soa.data = [fields.join(' ')];
}

function soaChange(zone: Zone): [string, { ttl: number; data: string[] }] {
  nextSerial(zone);
  return [`${ORIGIN} SOA`, zone.get(`${ORIGIN} SOA`)!];
}

function rrsOf(list: RRListReader): string[] {
  const out: string[] = [];
  while (list.next()) {
    const b = list.bytes;
    out.push(`${nameToText(b, list.owner)} ${list.type} ${list.ttl} ${Buffer.from(b.subarray(list.rdata, list.rdata + list.rdlength)).toString('hex')}`);
  }
  return out.sort();
}

function assertSameStep(actual: Uint8Array, expected: Uint8Array): void {
  const a = new JournalEntry(actual);
  const e = new JournalEntry(expected);
  assert.is(a.from, e.from);
  assert.is(a.to, e.to);
  assert.equal(rrsOf(a.oldSoa), rrsOf(e.oldSoa));
  assert.equal(rrsOf(a.newSoa), rrsOf(e.newSoa));
  assert.equal(rrsOf(a.deleted), rrsOf(e.deleted), 'deleted');
  assert.equal(rrsOf(a.added), rrsOf(e.added), 'added');
}

/** Patches `base` (built from `zone`) with `changes` and checks the result against a whole build. */
function check(
  base: ZoneSnapshot, zone: Zone, changes: Map<string, { ttl: number; data: string[] } | null>, what: string, spare: SharedArrayBuffer | null = null,
): ZoneSnapshot {
  const result = patch(base, zone, changes, spare);
  if (result.kind !== 'patched') throw new Error(`${what}: ${JSON.stringify(result)}`);
  const whole = compile(ORIGIN, zoneText(zone));
  const patched = new ZoneSnapshot(result.buffer);
  assertSameZone(patched, whole, what);
  assert.is(result.serial, whole.serial);
  assert.is(result.records, whole.rrCount);
  assertSameStep(result.journal, diffSnapshots(base, whole));
  return patched;
}

test('a changed RRset, a new name, a deleted name: the same zone a whole build makes', () => {
  const zone = startZone();
  zone.set(`www.${ORIGIN} A`, { ttl: 300, data: ['192.0.2.10', '192.0.2.11'] });
  zone.set(`mail.${ORIGIN} MX`, { ttl: 300, data: [`10 mx.${ORIGIN}`] });
  let snap = compile(ORIGIN, zoneText(zone));
  snap = check(snap, zone, new Map([soaChange(zone), [`www.${ORIGIN} A`, { ttl: 300, data: ['192.0.2.12'] }]]), 'changed');
  snap = check(snap, zone, new Map([soaChange(zone), [`new.${ORIGIN} TXT`, { ttl: 60, data: ['"hello"'] }]]), 'added');
  snap = check(snap, zone, new Map([soaChange(zone), [`mail.${ORIGIN} MX`, null]]), 'deleted');
  snap = check(snap, zone, new Map([soaChange(zone), [`www.${ORIGIN} A`, { ttl: 900, data: ['192.0.2.12'] }]]), 'TTL only');
  assert.is(snap.findName(nameFromText(`mail.${ORIGIN}`), 0), -1, 'a deleted name is gone (NXDOMAIN, not NODATA)');
});

test('empty non-terminals come with a deep name and go with it, but stay while a name below them stays', () => {
  const zone = startZone();
  let snap = compile(ORIGIN, zoneText(zone));
  snap = check(snap, zone, new Map([soaChange(zone), [`a.b.c.${ORIGIN} A`, { ttl: 60, data: ['192.0.2.2'] }], [`x.b.c.${ORIGIN} A`, { ttl: 60, data: ['192.0.2.3'] }]]), 'deep names');
  assert.is(snap.nodeRRsetCount(snap.findName(nameFromText(`b.c.${ORIGIN}`), 0)), 0);
  snap = check(snap, zone, new Map([soaChange(zone), [`a.b.c.${ORIGIN} A`, null]]), 'one of two below an empty non-terminal');
  assert.ok(snap.findName(nameFromText(`b.c.${ORIGIN}`), 0) > 0, 'b.c stays: x.b.c is below it');
  snap = check(snap, zone, new Map([soaChange(zone), [`x.b.c.${ORIGIN} A`, null]]), 'the last one');
  assert.is(snap.findName(nameFromText(`c.${ORIGIN}`), 0), -1, 'c goes with the last name below it');
  snap = check(snap, zone, new Map([soaChange(zone), [`c.${ORIGIN} A`, { ttl: 60, data: ['192.0.2.4'] }], [`d.c.${ORIGIN} A`, { ttl: 60, data: ['192.0.2.5'] }]]), 'parent and child');
  snap = check(snap, zone, new Map([soaChange(zone), [`c.${ORIGIN} A`, null]]), 'a parent emptied keeps its node');
  check(snap, zone, new Map([soaChange(zone), [`d.c.${ORIGIN} A`, null], [`e.f.${ORIGIN} A`, { ttl: 60, data: ['192.0.2.6'] }]]), 'removed and added at once');
});

test('wildcards set and clear their parent\'s flag; names below a zone cut are occluded', () => {
  const zone = startZone();
  zone.set(`sub.${ORIGIN} NS`, { ttl: 3600, data: [`ns.sub.${ORIGIN}`] });
  let snap = compile(ORIGIN, zoneText(zone));
  snap = check(snap, zone, new Map([soaChange(zone), [`*.w.${ORIGIN} A`, { ttl: 60, data: ['192.0.2.7'] }]]), 'wildcard added');
  snap = check(snap, zone, new Map([soaChange(zone), [`ns.sub.${ORIGIN} A`, { ttl: 60, data: ['192.0.2.8'] }]]), 'glue below a cut');
  snap = check(snap, zone, new Map([soaChange(zone), [`*.w.${ORIGIN} A`, null], [`*.${ORIGIN} TXT`, { ttl: 60, data: ['"any"'] }]]), 'wildcards moved');
  check(snap, zone, new Map([soaChange(zone), [`sub.${ORIGIN} DS`, { ttl: 60, data: ['12345 8 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'] }]]), 'DS beside the cut');
});

test('a zone cut that appears or goes is left to a whole build', () => {
  const zone = startZone();
  zone.set(`sub.${ORIGIN} NS`, { ttl: 3600, data: [`ns.other.net.`] });
  zone.set(`x.sub.${ORIGIN} A`, { ttl: 60, data: ['192.0.2.9'] });
  const snap = compile(ORIGIN, zoneText(zone));
  const appears = patch(snap, new Map(zone), new Map([soaChange(zone), [`y.${ORIGIN} NS`, { ttl: 60, data: ['ns.other.net.'] }]]));
  assert.is(appears.kind, 'rebuild');
  const goes = patch(snap, new Map(zone), new Map([soaChange(zone), [`sub.${ORIGIN} NS`, null]]));
  assert.is(goes.kind, 'rebuild');
  const stray = patch(snap, new Map(zone), new Map([soaChange(zone)]));
  assert.is(stray.kind, 'patched', 'an SOA-only change is a plain patch');
});

test('a patch that breaks the zone\'s rules is refused in the words of a whole build', () => {
  const zone = startZone();
  zone.set(`www.${ORIGIN} A`, { ttl: 60, data: ['192.0.2.10'] });
  const text = zoneText(zone);
  const snap = compile(ORIGIN, text);
  const cname = patch(snap, new Map(zone), new Map([soaChange(new Map(zone)), [`www.${ORIGIN} CNAME`, { ttl: 60, data: [`ns1.${ORIGIN}`] }]]));
  assert.equal(cname, { kind: 'invalid', errors: [`www.${ORIGIN}: CNAME and other data`] });
  const whole = build(ORIGIN, `${text}www CNAME ns1\n`);
  assert.equal(whole.errors, [`www.${ORIGIN}: CNAME and other data`], 'the same words as a whole build');
  const noNs = patch(snap, new Map(zone), new Map([[`${ORIGIN} NS`, null]]));
  assert.equal(noNs, { kind: 'invalid', errors: [`${ORIGIN}: no NS records at the zone apex`] });
  const soaBelow = patch(snap, new Map(zone), new Map([[`www.${ORIGIN} SOA`, { ttl: 60, data: [`a. b. 1 2 3 4 5`] }]]));
  assert.equal(soaBelow, { kind: 'invalid', errors: [`www.${ORIGIN}: SOA outside the zone apex`] });
});

test('random batches of changes on a growing and shrinking zone match whole builds, index growth and reused buffers included', () => {
  let seed = 7;
  const random = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const zone = startZone();
  for (let i = 0; i < 40; i++) zone.set(`h${i}.${ORIGIN} A`, { ttl: 300, data: [`192.0.2.${i}`] });
  let snap = compile(ORIGIN, zoneText(zone));
  // As mdns does: each patch may write over the buffer of the version before the one it patches.
  let retired: SharedArrayBuffer | null = null;
  let reused = 0;
  const next = (patched: ZoneSnapshot) => {
    if (patched.buffer === retired) reused++;
    retired = snap.buffer;
    snap = patched;
  };
  const labels = ['a', 'b', 'c', '*', 'd'];
  for (let round = 0; round < 60; round++) {
    const changes = new Map<string, { ttl: number; data: string[] } | null>([soaChange(zone)]);
    const size = 1 + random(round < 30 ? 40 : 8);
    for (let k = 0; k < size; k++) {
      const depth = 1 + random(3);
      const name = `${Array.from({ length: depth }, () => labels[random(labels.length)]).join('.')}.h${random(60)}.${ORIGIN}`;
      const type = ['A', 'TXT', 'AAAA'][random(3)];
      const key = `${name} ${type}`;
      if (zone.has(key) && random(2) === 0) changes.set(key, null);
      else changes.set(key, { ttl: 60 + random(3), data: Array.from({ length: 1 + random(3) }, (_, i) => (type === 'A' ? `198.51.100.${i + random(200)}` : type === 'AAAA' ? `2001:db8::${i + random(200)}` : `"t${i}"`)) });
    }
    next(check(snap, zone, changes, `round ${round}`, retired));
  }
  // Shrink back: every name added above goes, so removals cascade through empty non-terminals.
  const added = [...zone.keys()].filter((key) => !key.startsWith('h') && key.split(' ')[0] !== ORIGIN && !key.startsWith('ns1.'));
  for (let i = 0; i < added.length; i += 25) {
    next(check(snap, zone, new Map([soaChange(zone), ...added.slice(i, i + 25).map((key) => [key, null] as const)]), `shrink ${i}`, retired));
  }
  assert.ok(reused > 30, `retired buffers were written over (${reused} times)`);
});

test.run();
