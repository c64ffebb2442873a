// $INCLUDE from disk (fixtures/zonefile/): paths relative to the including file, nesting, the state that
// is restored afterwards, and errors located in the included file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { typeToText } from '../../engine/codec/constants.ts';
import { nameToText } from '../../engine/codec/name.ts';
import { rdataToText } from '../../engine/codec/rdata/text.ts';
import { parseZoneFile } from '../../engine/zonefile/parser.ts';

const dir = join(import.meta.dirname, '../../fixtures/zonefile');

function load(file: string): { records: string[]; errors: string[] } {
  const records: string[] = [];
  const result = parseZoneFile(join(dir, file), { origin: 'example.com.' }, {
    add(owner, _ownerLen, type, _klass, ttl, rdata, rdataLen) {
      records.push(`${nameToText(owner, 0)} ${ttl} ${typeToText(type)} ${rdataToText(type, rdata, 0, rdataLen)}`);
    },
  });
  return { records, errors: result.errors.map((e) => e.message) };
}

test('nested includes, origin argument, and restored origin, $TTL and owner', () => {
  assert.equal(load('main.zone'), {
    records: [
      'example.com. 3600 SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 3600',
      'example.com. 3600 NS ns1.example.com.',
      'ns1.example.com. 3600 A 192.0.2.1',
      'www.sub.example.com. 300 A 198.51.100.1',
      'www.sub.example.com. 300 AAAA 2001:db8::1',
      'leaf.sub.example.com. 300 TXT "from leaf"',
      'mail.sub.example.com. 300 MX 10 sub.example.com.',
      'ns1.example.com. 3600 A 192.0.2.2',
      'www.sub.lab.example.com. 300 A 198.51.100.1',
      'www.sub.lab.example.com. 300 AAAA 2001:db8::1',
      'leaf.sub.lab.example.com. 300 TXT "from leaf"',
      'mail.sub.lab.example.com. 300 MX 10 sub.lab.example.com.',
      'after.example.com. 3600 A 192.0.2.9',
    ],
    errors: [],
  });
});

test('errors name the included file and its line; a missing file is reported at the directive', () => {
  const result = load('errors.zone');
  assert.equal(result.records, [
    'ok.example.com. 3600 A 192.0.2.1',
    'good.example.com. 3600 A 192.0.2.3',
    'mx.example.com. 3600 A 192.0.2.4',
    'after.example.com. 3600 A 192.0.2.2',
  ]);
  assert.is(result.errors.length, 2);
  assert.is(result.errors[0], `${dir}/sub/bad.zone:3: MX: preference '70000' is not a 16-bit number`);
  assert.match(result.errors[1], `${dir}/errors.zone:6: $INCLUDE: cannot read 'sub/missing.zone': ENOENT`);
});

test('include loops stop at the depth limit', () => {
  assert.equal(load('loop.zone'), { records: [], errors: [`${dir}/loop.zone:1: $INCLUDE nested deeper than 16 files`] });
});

test.run();
