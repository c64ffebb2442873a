import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Type } from '../../engine/codec/constants.ts';
import { nameFromText } from '../../engine/codec/name.ts';
import { RecordCollector } from '../../engine/snapshot/collector.ts';
import { parseZone } from '../../engine/zonefile/parser.ts';
import { validateRecordData, validateRecordsetName, validateType, validateZoneName } from '../../services/central/validate.ts';
import { exportZone } from '../../engine/zonefile/writer.ts';

const fails = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, (e: Error) => pattern.test(e.message));

test('zone names: fully qualified, two labels at least, valid labels', () => {
  validateZoneName('example.com.');
  fails(() => validateZoneName('example.com'), /^name: 'example\.com' is not fully qualified/);
  fails(() => validateZoneName('com.'), /at least two labels/);
  fails(() => validateZoneName(`${'a'.repeat(64)}.com.`), /63 bytes/);
  fails(() => validateZoneName(42), /non-empty string/);
});

test('recordset names stay inside their zone', () => {
  const zone = nameFromText('example.com.');
  validateRecordsetName('www.example.com.', zone);
  validateRecordsetName('example.com.', zone);
  fails(() => validateRecordsetName('www.example.org.', zone), /not in the zone/);
  fails(() => validateRecordsetName('www', zone), /not fully qualified/);
});

test('types: the supported list only', () => {
  assert.is(validateType('aaaa'), Type.AAAA);
  fails(() => validateType('HINFO'), /^type: 'HINFO' is not a supported record type/);
});

test('record data is parsed as mdns parses it, names fully qualified', () => {
  validateRecordData(Type.A, '192.0.2.1');
  validateRecordData(Type.MX, '10 mail.example.com.');
  validateRecordData(Type.TXT, '"v=spf1 -all" "second"');
  fails(() => validateRecordData(Type.A, '192.0.2', 'records[0]'), /^records\[0\]: A '192\.0\.2'/);
  fails(() => validateRecordData(Type.MX, '10 mail'), /names must be fully qualified/);
  fails(() => validateRecordData(Type.CNAME, 'www.example.com'), /fully qualified/);
  fails(() => validateRecordData(Type.TXT, '"line\nbreak"'), /line break/);
  fails(() => validateRecordData(Type.TXT, `"${'x'.repeat(256)}"`), /255/);
  fails(() => validateRecordData(Type.SOA, 'ns1.example.com. h.example.com. 1 1 1 1 1'), /managed/);
});

test('an exported zone reads back with the zone-file parser', () => {
  const text = exportZone('example.com.', 3600, [
    { name: 'www.example.com.', type: 'A', ttl: null, records: ['192.0.2.80', '192.0.2.81'] },
    { name: 'example.com.', type: 'NS', ttl: 300, records: ['ns1.example.com.'] },
    { name: 'example.com.', type: 'SOA', ttl: null, records: ['ns1.example.com. hostmaster.example.com. 7 3600 600 86400 300'] },
    { name: 'example.com.', type: 'TXT', ttl: null, records: ['"a b" "c"'] },
  ]);
  // Records without a TTL of their own are bare and follow $TTL, two spaces marking the empty TTL as in
  // Designate's template (designate-tempest-plugin's reader relies on it); an own TTL is written.
  assert.match(text.split('\n')[2], /^example\.com\.  IN SOA /);
  assert.match(text, /^example\.com\. 300 IN NS ns1\.example\.com\.$/m);
  const sink = new RecordCollector();
  const parsed = parseZone(Buffer.from(text), { origin: 'example.com.', file: 'export' }, sink);
  assert.equal(parsed.errors, []);
  assert.is(parsed.records, 5);
});

test.run();
