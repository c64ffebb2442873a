// Incoming transfers: where AXFR and IXFR responses end, and how IXFR difference sequences apply to the
// version the client held (RFC 1995 §4). Messages are built with dns-packet as an independent encoder.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import dnsPacket from 'dns-packet';
import { nameFromText } from '../../engine/codec/name.ts';
import { buildSnapshot } from '../../engine/snapshot/builder.ts';
import { RecordCollector } from '../../engine/snapshot/collector.ts';
import { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import { compileTransfer } from '../../engine/pool/compile-worker.ts';
import { patchSnapshot } from '../../engine/snapshot/patch.ts';
import { applyTransfer, incrementalChange, TransferScanner } from '../../engine/xfr/incoming.ts';
import { compile } from '../helpers/compile.ts';
import { assertSameZone } from '../helpers/same-zone.ts';

const soa = (serial: number) => ({ type: 'SOA', name: 'z.test', ttl: 60, data: { mname: 'ns1.z.test', rname: 'h.z.test', serial, refresh: 1, retry: 1, expire: 9, minimum: 1 } });
const a = (name: string, ip: string) => ({ type: 'A', name: `${name}.z.test`, ttl: 60, data: ip });
const msg = (answers: object[]) => new Uint8Array(dnsPacket.encode({ type: 'response', id: 1, flags: dnsPacket.AUTHORITATIVE_ANSWER, answers: answers as never }));

const V1 = `$TTL 60\n@ SOA ns1 h 1 1 1 9 1\n@ NS ns1\nns1 A 192.0.2.1\nold A 192.0.2.10\n`;

function result(messages: Uint8Array[], ixfr: boolean, base: ZoneSnapshot | null) {
  const collector = new RecordCollector();
  const applied = applyTransfer(messages, ixfr, base, collector);
  if (applied.kind === 'current') return { applied, snap: null };
  const built = buildSnapshot(nameFromText('z.test.'), collector);
  assert.equal(built.errors, []);
  return { applied, snap: new ZoneSnapshot(built.buffer!) };
}

const has = (snap: ZoneSnapshot, name: string) => {
  const wire = nameFromText(`${name}.z.test.`);
  return snap.findNode(wire, 0, wire.length) >= 0;
};

test('an AXFR across messages ends at the second SOA', () => {
  const parts = [msg([soa(5), { type: 'NS', name: 'z.test', ttl: 60, data: 'ns1.z.test' }]), msg([a('ns1', '192.0.2.1'), a('www', '192.0.2.80'), soa(5)])];
  const scanner = new TransferScanner(false);
  scanner.feed(parts[0]);
  assert.not.ok(scanner.done);
  scanner.feed(parts[1]);
  assert.ok(scanner.done);
  const { applied, snap } = result(parts, false, null);
  assert.is(applied.kind, 'axfr');
  assert.is(snap!.serial, 5);
  assert.ok(has(snap!, 'www'));
});

test('a lone SOA answering an IXFR means the client is current', () => {
  const { applied } = result([msg([soa(1)])], true, compile('z.test.', V1));
  assert.is(applied.kind, 'current');
});

test('two difference sequences apply in order', () => {
  const base = compile('z.test.', V1);
  const response = [
    msg([soa(3), soa(1), a('old', '192.0.2.10'), soa(2), a('new', '192.0.2.20')]),
    msg([soa(2), a('new', '192.0.2.20'), soa(3), a('third', '192.0.2.30'), soa(3)]),
  ];
  const { applied, snap } = result(response, true, base);
  assert.is(applied.kind, 'ixfr');
  assert.is(snap!.serial, 3);
  assert.ok(has(snap!, 'third'));
  assert.not.ok(has(snap!, 'old'));
  assert.not.ok(has(snap!, 'new'));
  assert.ok(has(snap!, 'ns1'));
});

test('an increment patched onto the version held is the zone applying it and building whole makes', () => {
  const base = compile('z.test.', `${V1}multi A 192.0.2.40\nmulti A 192.0.2.41\nb.deep A 192.0.2.50\n`);
  const response = [msg([
    soa(3),
    soa(1), a('old', '192.0.2.10'), a('multi', '192.0.2.40'), a('b.deep', '192.0.2.50'),
    soa(2), a('new', '192.0.2.20'), { ...a('multi', '192.0.2.42'), ttl: 30 }, a('x.y.deeper', '192.0.2.60'),
    soa(2), a('new', '192.0.2.20'),
    soa(3), a('third', '192.0.2.30'), a('new', '192.0.2.21'),
    soa(3),
  ])];
  const whole = result(response, true, base).snap!;
  const collector = new RecordCollector();
  const patched = patchSnapshot(base, incrementalChange(response, base, collector), collector);
  if (patched.kind !== 'patched') throw new Error(JSON.stringify(patched));
  assertSameZone(new ZoneSnapshot(patched.buffer), whole, 'patched increment');
  assert.not.ok(has(whole, 'deep'), 'the emptied non-terminal went');
  assert.throws(() => incrementalChange([msg([soa(2), soa(1), a('absent', '192.0.2.99'), soa(2), soa(2)])], base, new RecordCollector()), /does not have/);

  // The pool task patches an increment and brings its journal step; a zone cut it adds makes a whole build.
  const compiled = compileTransfer({ origin: 'z.test.', messages: response, ixfrRequested: true, base: base.buffer });
  assert.is(compiled.kind, 'ixfr');
  assert.ok(compiled.journal !== null && compiled.buffer !== null);
  assertSameZone(new ZoneSnapshot(compiled.buffer), whole, 'pool task');
  const cut = [msg([soa(2), soa(1), soa(2), { type: 'NS', name: 'sub.z.test', ttl: 60, data: 'ns.elsewhere.test' }, soa(2)])];
  const rebuilt = compileTransfer({ origin: 'z.test.', messages: cut, ixfrRequested: true, base: base.buffer });
  assert.is(rebuilt.kind, 'ixfr');
  assert.ok(rebuilt.buffer !== null && rebuilt.journal === null, 'built whole: the journal step is diffed later');
});

test('an IXFR that deletes a record the client does not hold does not apply', () => {
  const base = compile('z.test.', V1);
  assert.throws(() => result([msg([soa(2), soa(1), a('absent', '192.0.2.99'), soa(2), soa(2)])], true, base), /does not have/);
});

test('a response without its closing SOA is incomplete', () => {
  const scanner = new TransferScanner(false);
  scanner.feed(msg([soa(5), a('www', '192.0.2.80')]));
  assert.not.ok(scanner.done);
  assert.throws(() => result([msg([soa(5), a('www', '192.0.2.80')])], false, null), /ended before its closing SOA/);
  assert.throws(() => new TransferScanner(false).feed(msg([a('www', '192.0.2.80')])), /open with the SOA/);
});

test.run();
