import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nameFromText, nameToText } from '../../engine/codec/name.ts';
import { algorithmByName, parseTsigKeySpec, TSIG_ALGORITHMS, TsigKeyError, TsigKeyring } from '../../engine/tsig/keys.ts';

const SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=';

test('algorithm table: wire names, digest and minimum MAC lengths (RFC 8945 §5.2.2.1, §6)', () => {
  const table = TSIG_ALGORITHMS.map((a) => [a.mnemonic, nameToText(a.wire, 0), a.digestLength, a.minMacLength]);
  assert.equal(table, [
    ['hmac-md5', 'hmac-md5.sig-alg.reg.int.', 16, 10],
    ['hmac-sha1', 'hmac-sha1.', 20, 10],
    ['hmac-sha224', 'hmac-sha224.', 28, 14],
    ['hmac-sha256', 'hmac-sha256.', 32, 16],
    ['hmac-sha384', 'hmac-sha384.', 48, 24],
    ['hmac-sha512', 'hmac-sha512.', 64, 32],
  ]);
  assert.is(algorithmByName('HMAC-MD5.SIG-ALG.REG.INT.')?.mnemonic, 'hmac-md5');
  assert.is(algorithmByName('hmac-sha384.')?.mnemonic, 'hmac-sha384');
  assert.is(algorithmByName('hmac-sha3'), null);
});

test('kdig -y syntax: [ALG:]NAME:SECRET, default hmac-sha256, canonical lower-case name', () => {
  const k = parseTsigKeySpec(`Transfer.Example:${SECRET}`);
  assert.is(k.algorithm.mnemonic, 'hmac-sha256');
  assert.is(k.nameText, 'transfer.example.');
  assert.equal([...k.name], [...nameFromText('transfer.example.')]);
  assert.equal(k.secret, Buffer.from(SECRET, 'base64'));
  for (const a of TSIG_ALGORITHMS) assert.is(parseTsigKeySpec(`${a.mnemonic}:key.:${SECRET}`).algorithm, a);
  assert.is(parseTsigKeySpec(`hmac-md5.sig-alg.reg.int:key:${SECRET}`).algorithm.mnemonic, 'hmac-md5');
  assert.is(parseTsigKeySpec(`HMAC-SHA512:key:${SECRET.slice(0, -1)}`).secret.length, 20); // unpadded base64
});

test('key syntax errors say what is wrong and never show the secret', () => {
  const cases: [string, RegExp][] = [
    [SECRET, /\[ALGORITHM:\]NAME:SECRET/],
    [`a:b:c:${SECRET}`, /\[ALGORITHM:\]NAME:SECRET/],
    [`hmac-sha3:key:${SECRET}`, /unknown TSIG algorithm "hmac-sha3"/],
    [`:${SECRET}`, /name is empty/],
    [`a..b:${SECRET}`, /bad TSIG key name "a..b": empty label/],
    ['key:', /key\. secret is empty|key\.: secret is empty/],
    ['key:not*base64!', /key\.: secret is not valid base64/],
    ['key:QUJD=x', /not valid base64/],
    ['key:QUJDR', /not valid base64/],
  ];
  for (const [spec, expected] of cases) {
    try {
      parseTsigKeySpec(spec);
      assert.unreachable(`accepted ${spec}`);
    } catch (e) {
      assert.instance(e, TsigKeyError);
      const message = (e as Error).message;
      assert.match(message, expected);
      assert.not.ok(message.includes(SECRET), `secret in: ${message}`);
      assert.not.ok(message.includes('base64!'), `secret in: ${message}`);
    }
  }
});

test('keyring: case-insensitive lookup by wire name, duplicates refused, malformed names not found', () => {
  const ring = new TsigKeyring();
  ring.add(parseTsigKeySpec(`a.example:${SECRET}`));
  ring.add(parseTsigKeySpec(`hmac-sha1:b.example:${SECRET}`));
  assert.is(ring.size, 2);
  const msg = new Uint8Array(40);
  msg.set(nameFromText('B.EXAMPLE.'), 5);
  assert.is(ring.find(msg, 5)?.nameText, 'b.example.');
  msg.set(nameFromText('c.example.'), 5);
  assert.is(ring.find(msg, 5), null);
  assert.throws(() => ring.add(parseTsigKeySpec(`A.Example.:${SECRET}`)), /duplicate TSIG key name a\.example\./);
  assert.is(ring.find(Uint8Array.of(0xc0, 0x0c), 0), null); // compression pointer
  assert.is(ring.find(Uint8Array.of(3, 0x61, 0x62), 0), null); // runs off the end
  assert.equal([...ring].map((k) => k.nameText).sort(), ['a.example.', 'b.example.']);
});

test.run();
