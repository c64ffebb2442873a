import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { Type } from '../../engine/codec/constants.ts';
import { nameFromText } from '../../engine/codec/name.ts';
import { H_SERIAL, NodeFlag } from '../../engine/snapshot/layout.ts';
import { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import { build, compile } from '../helpers/compile.ts';

const HEAD = `$TTL 3600
@ SOA ns1 hostmaster 42 3600 600 86400 120
@ NS ns1
ns1 A 192.0.2.1
`;

const find = (snap: ZoneSnapshot, name: string) => {
  const wire = nameFromText(name);
  return snap.findNode(wire, 0, wire.length);
};

test('nodes, RRsets, empty non-terminals and serial', () => {
  const snap = compile('example.com.', HEAD + 'a.b.c A 192.0.2.2\na.b.c AAAA 2001:db8::2\nwww CNAME a.b.c\n');
  assert.is(snap.serial, 42);
  assert.is(snap.rrCount, 6);
  assert.is(snap.negativeTtl, 120);
  assert.is(find(snap, 'example.com.'), 0, 'the apex is node 0');
  for (const ent of ['b.c.example.com.', 'c.example.com.']) {
    const node = find(snap, ent);
    assert.ok(node > 0, ent);
    assert.is(snap.nodeRRsetCount(node), 0, `${ent} is an empty non-terminal`);
  }
  const leaf = find(snap, 'A.B.C.EXAMPLE.COM.');
  assert.ok(leaf > 0, 'lookups ignore case');
  assert.ok(snap.findRRset(leaf, Type.A) >= 0);
  assert.ok(snap.findRRset(leaf, Type.AAAA) >= 0);
  assert.is(snap.findRRset(leaf, Type.MX), -1);
  assert.is(find(snap, 'nothing.example.com.'), -1);
  assert.ok(snap.nodeFlags(find(snap, 'www.example.com.')) & NodeFlag.CNAME);
});

test('delegations, occluded glue and wildcard parents are flagged', () => {
  const snap = compile('example.com.', HEAD + 'sub NS ns.sub\nns.sub A 192.0.2.9\n*.w TXT "x"\n');
  assert.ok(snap.nodeFlags(find(snap, 'sub.example.com.')) & NodeFlag.DELEGATION);
  assert.ok(snap.nodeFlags(find(snap, 'ns.sub.example.com.')) & NodeFlag.OCCLUDED);
  assert.not.ok(snap.nodeFlags(0) & NodeFlag.DELEGATION, 'apex NS is not a cut');
  assert.ok(snap.nodeFlags(find(snap, 'w.example.com.')) & NodeFlag.WILDCARD_CHILD);
});

test('duplicate RRs are dropped, also in large RRsets', () => {
  const many = Array.from({ length: 40 }, (_, i) => `big A 10.0.0.${i % 20}`).join('\n');
  const snap = compile('example.com.', HEAD + 'd A 192.0.2.5\nd A 192.0.2.5\n' + many + '\n');
  assert.is(snap.rrsetCountOf(snap.findRRset(find(snap, 'd.example.com.'), Type.A)), 1);
  assert.is(snap.rrsetCountOf(snap.findRRset(find(snap, 'big.example.com.'), Type.A)), 20);
});

test('zone errors are reported by name and nothing is built', () => {
  const cases: [string, string, RegExp][] = [
    ['no SOA', '$TTL 60\n@ NS ns1\nns1 A 192.0.2.1\n', /no SOA/],
    ['two SOAs', HEAD + '@ SOA ns2 hostmaster 43 1 1 1 1\n', /more than one SOA/],
    ['SOA below the apex', HEAD + 'x SOA ns1 h 1 1 1 1 1\n', /x\.example\.com\.: SOA outside the zone apex/],
    ['no NS', '$TTL 1\n@ SOA ns1 h 1 1 1 1 1\n', /no NS/],
    ['CNAME and other data', HEAD + 'x CNAME ns1\nx A 192.0.2.3\n', /x\.example\.com\.: CNAME and other data/],
    ['two CNAMEs', HEAD + 'x CNAME ns1\nx CNAME ns2\n', /more than one CNAME/],
    ['CNAME at the apex', HEAD + '@ CNAME ns1\n', /CNAME/],
    ['out of zone', HEAD + 'www.example.org. A 192.0.2.4\n', /www\.example\.org\.: out of zone/],
  ];
  for (const [what, text, error] of cases) {
    const result = build('example.com.', text);
    assert.is(result.buffer, null, what);
    assert.ok(result.errors.some((e) => error.test(e)), `${what}: ${result.errors.join('; ')}`);
  }
});

test('a snapshot is one SharedArrayBuffer that another thread reads in place', async () => {
  const snap = compile('example.com.', HEAD + 'www A 192.0.2.80\n');
  assert.instance(snap.buffer, SharedArrayBuffer);
  const worker = new Worker(new URL('../helpers/snapshot-reader.ts', import.meta.url), { workerData: snap.buffer });
  const node = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  assert.is(node, find(snap, 'www.example.com.'));
  assert.is(snap.words[H_SERIAL], 0x5a5a, 'the worker wrote into the very memory this thread reads');
});

test('layout sanity: corrupt or foreign buffers are refused', () => {
  assert.throws(() => new ZoneSnapshot(new SharedArrayBuffer(8)), /header/);
  assert.throws(() => new ZoneSnapshot(new SharedArrayBuffer(256)), /layout/);
});

test.run();
