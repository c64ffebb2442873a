// The byte-level join of a Designate zone's records to their recordsets (services/designate-mdns/
// recordset-index.ts, master-lines.ts): every id found after the table and the arena have grown many
// times, ids that differ only in their last byte kept apart, unknown ids not found, and lines written as
// start + RDATA + newline, chunk by chunk, the whole text the chunks' concatenation even across growth;
// the made-up zone warm-up.ts runs through them at start is a zone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { XFR_DEFAULTS } from '../../engine/xfr/options.ts';
import { MasterLines } from '../../services/designate-mdns/master-lines.ts';
import { RecordsetIndex } from '../../services/designate-mdns/recordset-index.ts';
import { warmUpZoneReads } from '../../services/designate-mdns/warm-up.ts';
import { compile } from '../helpers/compile.ts';

const bytes = (text: string) => Buffer.from(text);
const ids = Array.from({ length: 20_000 }, () => randomBytes(16).toString('hex'));

test('every recordset is found after many rehashes; unknown and near ids are not', () => {
  const index = new RecordsetIndex();
  ids.forEach((id, i) => index.add(bytes(id), bytes(`host-${i}.example. 300 IN A `)));
  assert.is(index.size, ids.length);
  const target = Buffer.alloc(64);
  for (const i of [0, 1, 4095, 4096, 12_345, ids.length - 1]) {
    const entry = index.find(bytes(ids[i]));
    assert.ok(entry >= 0, `id ${i} found`);
    const end = index.copyStart(entry, target, 0);
    assert.is(target.subarray(0, end).toString(), `host-${i}.example. 300 IN A `);
    assert.is(index.startLength(entry), end);
  }
  let found = 0;
  for (const id of ids) if (index.find(bytes(id)) >= 0) found++;
  assert.is(found, ids.length);
  assert.is(index.find(bytes(randomBytes(16).toString('hex'))), -1);
  assert.is(index.find(bytes(ids[7].slice(0, 31))), -1, 'a prefix of an id is another id');
  const last = ids[7].at(-1) === '0' ? '1' : '0';
  assert.is(index.find(bytes(ids[7].slice(0, 31) + last)), -1);
});

test('starts of any length up to 65,535 bytes, UTF-8 kept as it is', () => {
  const index = new RecordsetIndex();
  const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.example. 60 IN TXT `;
  index.add(bytes('x'), bytes(long));
  index.add(bytes('y'), bytes('bücher.example. 60 IN TXT '));
  assert.is(index.startLength(index.find(bytes('x'))), long.length);
  const target = Buffer.alloc(200);
  const end = index.copyStart(index.find(bytes('y')), target, 3);
  assert.is(target.subarray(3, end).toString(), 'bücher.example. 60 IN TXT ');
  assert.throws(() => index.add(bytes('z'), Buffer.alloc(70_000)), /too long/);
});

test('lines: start, RDATA and a newline, in chunks that stay valid while the buffer grows', () => {
  const index = new RecordsetIndex();
  index.add(bytes('a'), bytes('a.example. 300 IN A '));
  index.add(bytes('t'), bytes('t.example. 300 IN TXT '));
  const lines = new MasterLines(0);
  const chunks: Uint8Array[] = [];
  const expected: string[] = [];
  for (let i = 0; i < 5_000; i++) {
    const txt = i % 2 === 1;
    const rdata = txt ? `"record ${i} ${'x'.repeat(i % 300)}"` : `10.0.${i >> 8}.${i & 255}`;
    lines.line(index, index.find(bytes(txt ? 't' : 'a')), bytes(rdata));
    expected.push(`${txt ? 't' : 'a'}.example. 300 IN ${txt ? 'TXT' : 'A'} ${rdata}\n`);
    if (lines.lines === 700) chunks.push(lines.chunk());
  }
  assert.is(lines.lines, 5_000 % 700);
  chunks.push(lines.chunk());
  // Read only now, after the buffer has grown past the first chunks many times.
  assert.is(chunks.map((c) => Buffer.from(c).toString()).join(''), expected.join(''));
  assert.is(Buffer.from(lines.all()).toString(), expected.join(''));
  assert.is(lines.chunk().length, 0, 'nothing since the last chunk');
});

test('the warm-up zone renders, and its text compiles: the compiling thread warms on the build too', () => {
  const { origin, text } = warmUpZoneReads(XFR_DEFAULTS);
  const snapshot = compile(origin, Buffer.from(text).toString());
  assert.is(snapshot.serial, 1);
});

test.run();
