// Types dns-packet does not encode (LOC, CERT, URI, RFC 3597 generic), with hand-computed wire; the
// expected text is what named-checkzone -D prints for the same input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Type } from '../../engine/codec/constants.ts';
import { nameFromText } from '../../engine/codec/name.ts';
import { rdataFromString, rdataToText } from '../../engine/codec/rdata/text.ts';

const origin = nameFromText('example.com.');

function hex(text: string): number[] {
  return [...Buffer.from(text.replace(/\s+/g, ''), 'hex')];
}

function toText(type: number, bytes: number[]): string {
  const buf = Uint8Array.from(bytes);
  return rdataToText(type, buf, 0, buf.length);
}

function check(type: number, text: string, expected: number[], canonical: string): void {
  assert.equal([...rdataFromString(type, text, origin)], expected, text);
  assert.is(toText(type, expected), canonical);
  assert.equal([...rdataFromString(type, canonical, origin)], expected, `reparse of ${canonical}`);
}

test('LOC (RFC 1876): angles, altitude, precision bytes and their defaults', () => {
  // 2^31 + (52°22'23") in ms of arc = 0x8B3CF018; altitude 10 000 000 - 200 cm = 0x9895B8.
  check(Type.LOC, '52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m',
    hex('00 00 16 13 8b3cf018 810cbce0 009895b8'), '52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m');
  // Defaults 1m 10000m 10m; minutes and seconds optional; precision rounds down to one digit (15m → 10m).
  check(Type.LOC, '42 21 54 N 71 06 18 W -24m', hex('00 12 16 13 89172dd0 70be15f0 00988d20'),
    '42 21 54.000 N 71 6 18.000 W -24.00m 1m 10000m 10m');
  check(Type.LOC, '42 21 N 71 W 10 15m 0.5 0.03m', hex('00 13 51 30 89165ae0 70c3da80 00989a68'),
    '42 21 0.000 N 71 0 0.000 W 10.00m 10m 0.50m 0.03m');
  check(Type.LOC, '90 S 180 E 42849672.95m 90000000m', hex('00 99 16 13 6cb02700 a69fb200 ffffffff'),
    '90 0 0.000 S 180 0 0.000 E 42849672.95m 90000000m 10000m 10m');
});

test('LOC errors and wire checks', () => {
  const fails: [string, RegExp][] = [
    ['91 N 0 E 0', /latitude part '91' is out of range/],
    ['90 1 N 0 E 0', /latitude is beyond 90 degrees/],
    ['10 60 N 0 E 0', /latitude part '60' is out of range/],
    ['10 0 60 N 0 E 0', /latitude part '60' is out of range/],
    ['10 0 1.2345 N 0 E 0', /latitude part '1.2345'/],
    ['10 0 1 X 0 E 0', /latitude needs N or S/],
    ['10 N 181 E 0', /longitude part '181' is out of range/],
    ['10 N 180 0 1 E 0', /longitude is beyond 180 degrees/],
    ['10 N 0 E', /missing altitude/],
    ['10 N 0 E -100000.01m', /altitude is outside/],
    ['10 N 0 E 0 90000001m', /size is above 90000000m/],
    ['10 N 0 E 0 1m 2m 3m 4m', /unexpected '4m'/],
    ['10 N 0 E 1.234m', /altitude '1.234m' is not a length/],
  ];
  for (const [text, message] of fails) assert.throws(() => rdataFromString(Type.LOC, text, origin), message, text);
  assert.throws(() => toText(Type.LOC, hex('00 1a 16 13 8b3cf018 810cbce0 009895b8')), /precision byte/);
  assert.throws(() => toText(Type.LOC, hex('00 12 16 13 ffffffff 810cbce0 009895b8')), /beyond 90 degrees/);
  assert.throws(() => toText(Type.LOC, hex('00 12 16 13 8b3cf018 810cbce0')), /truncated/);
  // Versions other than 0 are undefined and shown in the generic form.
  assert.is(toText(Type.LOC, hex('01 02 03')), '\\# 3 010203');
});

test('CERT (RFC 4398): mnemonic or numeric type and algorithm, base64', () => {
  check(Type.CERT, 'PGP 0 0 AAEC AwQ=', hex('0003 0000 00 0001020304'), 'PGP 0 0 AAECAwQ=');
  check(Type.CERT, 'pkix 12 RSASHA256 AAEC', hex('0001 000c 08 000102'), 'PKIX 12 RSASHA256 AAEC');
  check(Type.CERT, '65000 1 99 AAEC', hex('fde8 0001 63 000102'), '65000 1 99 AAEC');
  check(Type.CERT, 'URI 0 0 aHR0cDovL3g=', hex('00fd 0000 00 687474703a2f2f78'), 'URI 0 0 aHR0cDovL3g=');
  assert.throws(() => rdataFromString(Type.CERT, 'FOO 0 0 AAEC', origin), /certificate type 'FOO' is not a 16-bit number/);
  assert.throws(() => rdataFromString(Type.CERT, 'PGP 0 0', origin), /missing certificate/);
  assert.throws(() => rdataFromString(Type.CERT, 'PGP 0 0 AAE', origin), /certificate is not valid base64/);
});

test('URI (RFC 7553): quoted target without a length byte', () => {
  check(Type.URI, '10 1 "ftp://ftp1.example.com/public"', [0, 10, 0, 1, ...Buffer.from('ftp://ftp1.example.com/public')],
    '10 1 "ftp://ftp1.example.com/public"');
  assert.throws(() => rdataFromString(Type.URI, '10 1 ftp://x/', origin), /must be a quoted string/);
  assert.throws(() => rdataFromString(Type.URI, '10 1 ""', origin), /target is empty/);
});

test('RFC 3597 generic form for known and unknown types', () => {
  assert.equal([...rdataFromString(Type.A, '\\# 4 0A000001', origin)], [10, 0, 0, 1]);
  assert.equal([...rdataFromString(Type.MX, '\\# 6 ( 000a 02 6d78 00 )', origin)], hex('000a 02 6d78 00'));
  assert.equal([...rdataFromString(65280, '\\# 0', origin)], []);
  assert.equal([...rdataFromString(65280, '\\# 3 abcdef', origin)], [0xab, 0xcd, 0xef]);
  assert.is(toText(65280, [0xab, 0xcd, 0xef]), '\\# 3 ABCDEF');
  assert.is(toText(65280, []), '\\# 0');
  assert.is(toText(Type.RRSIG, [1, 2]), '\\# 2 0102'); // no presentation format here: generic
  assert.throws(() => rdataFromString(Type.A, '\\# 3 0A0000', origin), /truncated/);
  assert.throws(() => rdataFromString(Type.A, '\\# 5 0A00000100', origin), /trailing bytes/);
  assert.throws(() => rdataFromString(65280, '\\# 2 abcdef', origin), /3 bytes, not the declared 2/);
  assert.throws(() => rdataFromString(65280, '\\# 2 abc', origin), /odd number of hex digits/);
  assert.throws(() => rdataFromString(65280, '\\# 0 00', origin), /unexpected '00'/);
  assert.throws(() => rdataFromString(65280, '\\# 1', origin), /missing generic rdata/);
  assert.throws(() => rdataFromString(65280, 'abc', origin), /no presentation format/);
  // Only an unquoted \# introduces the generic form; quoted, it is text.
  assert.equal([...rdataFromString(Type.TXT, '"\\#" 1', origin)], [1, 0x23, 1, 0x31]);
});

test.run();
