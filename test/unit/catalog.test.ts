// Catalog zone contents (RFC 9432): SOA, NS invalid., version "2", one PTR per member under a stable
// unique label; and the catalog serial, which must always be newer (RFC 1982), wrap included.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { buildCatalog, catalogRecords, memberIds } from '../../engine/catalog/catalog.ts';
import { Type, typeToText } from '../../engine/codec/constants.ts';
import { nameFromText, nameToText, NameError } from '../../engine/codec/name.ts';
import { rdataToText } from '../../engine/codec/rdata/text.ts';
import type { RecordCollector } from '../../engine/snapshot/collector.ts';
import { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import { nextSerial, serialNewer } from '../../engine/xfr/serial.ts';

/** The collected records in presentation form, one line each: owner ttl class type rdata. */
function lines(records: RecordCollector): string[] {
  const s = records.stream;
  const out: string[] = [];
  for (let i = 0; i < records.count; i++) {
    const at = records.offsets[i];
    const owner = nameToText(s, at + 1);
    const p = at + 1 + s[at];
    const view = new DataView(s.buffer, s.byteOffset + p, 10);
    const type = view.getUint16(0);
    const klass = view.getUint16(2) === 1 ? 'IN' : String(view.getUint16(2));
    out.push(`${owner} ${view.getUint32(4)} ${klass} ${typeToText(type)} ${rdataToText(type, s, p + 10, view.getUint16(8))}`);
  }
  return out;
}

const idOf = (member: string) => createHash('sha256').update(nameFromText(member)).digest('hex').slice(0, 16);

const records = suite('catalog records');

records('SOA, NS invalid., version "2" and one PTR per member, in Designate\'s shape', () => {
  const got = lines(catalogRecords('cat.example.', ['b.test.', 'a.test.'], 2026010101));
  assert.equal(got, [
    'cat.example. 3600 IN SOA invalid. invalid. 2026010101 60 600 2147483646 3600',
    'cat.example. 3600 IN NS invalid.',
    'version.cat.example. 3600 IN TXT "2"',
    `${idOf('a.test.')}.zones.cat.example. 3600 IN PTR a.test.`,
    `${idOf('b.test.')}.zones.cat.example. 3600 IN PTR b.test.`,
  ]);
});

records('SOA fields and TTL are configurable', () => {
  const got = lines(catalogRecords('Cat.Example.', [], 7, { mname: 'ns1.example.', rname: 'cat.example.', ttl: 0, refresh: 30, retry: 15, expire: 1000, minimum: 5 }));
  assert.equal(got, [
    'cat.example. 0 IN SOA ns1.example. cat.example. 7 30 15 1000 5',
    'cat.example. 0 IN NS invalid.',
    'version.cat.example. 0 IN TXT "2"',
  ]);
});

records('ids are 16 hex digits of SHA-256 of the lower-case wire name: independent of case, order and the other members', () => {
  const ptrs = (members: string[]) => lines(catalogRecords('cat.example.', members, 1)).filter((l) => l.includes(' PTR '));
  const alone = ptrs(['Example.COM.']);
  assert.equal(alone, [`${idOf('example.com.')}.zones.cat.example. 3600 IN PTR example.com.`]);
  assert.match(alone[0], /^[0-9a-f]{16}\.zones\./);
  const many = ptrs(['z.test.', 'example.com.', 'a.test.']);
  assert.ok(many.includes(alone[0]), 'same label among other members');
  assert.equal(ptrs(['a.test.', 'z.test.', 'example.com.']), many, 'input order does not matter');
});

records('the catalog does not list itself; duplicates are listed once; names must be absolute', () => {
  const got = lines(catalogRecords('cat.example.', ['CAT.example.', 'a.test.', 'A.Test.', 'a.test.'], 1)).filter((l) => l.includes(' PTR '));
  assert.equal(got, [`${idOf('a.test.')}.zones.cat.example. 3600 IN PTR a.test.`]);
  assert.throws(() => catalogRecords('cat.example.', ['relative'], 1), (err: Error) => err instanceof NameError);
});

records('colliding id prefixes get longer labels, so every member node stays unique', () => {
  const names = Array.from({ length: 40 }, (_, i) => nameFromText(`z${i}.test.`));
  const ids = memberIds(names, 1);
  assert.is(new Set(ids).size, 40);
  const first = new Map<string, number>();
  for (const [i, id] of ids.entries()) {
    const digest = createHash('sha256').update(names[i]).digest('hex');
    assert.ok(digest.startsWith(id), 'a prefix of the digest');
    if (id.length === 1) first.set(id, i);
    else assert.ok(first.has(id[0]) && first.get(id[0])! < i, `${id}: only a later member is lengthened`);
  }
  assert.ok(ids.some((id) => id.length > 1), '40 members share 16 one-digit ids');
});

records('compiles into a snapshot serving the SOA serial and every record', () => {
  const result = buildCatalog({ catalog: 'cat.example.', members: ['a.test.', 'b.test.'], serial: 0xfffffff0 });
  assert.equal(result.errors, []);
  const snap = new ZoneSnapshot(result.buffer!);
  assert.is(snap.serial, 0xfffffff0);
  assert.is(snap.rrCount, 5);
  const node = (name: string) => snap.findName(nameFromText(name), 0);
  assert.ok(snap.findRRset(node('version.cat.example.'), Type.TXT) >= 0);
  assert.ok(snap.findRRset(node(`${idOf('b.test.')}.zones.cat.example.`), Type.PTR) >= 0);
  assert.is(snap.nodeRRsetCount(node('zones.cat.example.')), 0, 'zones.$CATZ is an empty non-terminal');
});

records.run();

const serials = suite('catalog serial');

serials('the first serial is the Unix time in seconds', () => {
  assert.is(nextSerial(null, 1767225600.9), 1767225600);
});

serials('the clock when it is newer, else previous + 1 (several changes in one second, or a clock behind)', () => {
  assert.is(nextSerial(1767225000, 1767225600), 1767225600);
  assert.is(nextSerial(1767225600, 1767225600), 1767225601);
  assert.is(nextSerial(1767225601, 1767225600), 1767225602);
  assert.is(nextSerial(2026010199, 1767225600), 2026010200, 'a date-style serial far ahead of the clock');
});

serials('always newer than the previous one (RFC 1982), across the 2^32 wrap', () => {
  assert.is(nextSerial(0xffffffff, 0xfffffff0), 0, 'previous + 1 wraps to 0');
  assert.is(nextSerial(0xfffffff0, 2 ** 32 + 5), 5, 'a clock past 2^32 wraps too');
  assert.is(nextSerial(0x80000005, 5), 0x80000006, 'a clock 2^31 behind is not newer');
  for (const previous of [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]) {
    for (const now of [0, 1767225600, 0xffffffff]) {
      const next = nextSerial(previous, now);
      assert.ok(serialNewer(next, previous), `${next} after ${previous} (clock ${now})`);
    }
  }
});

serials.run();
