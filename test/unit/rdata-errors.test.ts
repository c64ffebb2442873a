// Bad presentation input is refused with a message naming the field, and bad wire (which may come from the
// network) is refused rather than rendered.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Type } from '../../engine/codec/constants.ts';
import { nameFromText } from '../../engine/codec/name.ts';
import { MAX_RDATA, RdataError, rdataFromString, rdataToText } from '../../engine/codec/rdata/text.ts';

const origin = nameFromText('example.com.');

function fails(type: number, text: string, message: RegExp): void {
  assert.throws(() => rdataFromString(type, text, origin), (e: unknown) => e instanceof RdataError && message.test(e.message), text);
}

test('A is a strict dotted quad', () => {
  for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.', '.1.2.3', '1..2.3', '1.2.3.4a', '0x1.2.3.4', '']) {
    fails(Type.A, bad === '' ? '""' : bad, /is not an IPv4 address/);
  }
  fails(Type.A, '', /missing address/);
  fails(Type.A, '1.2.3.4 5.6.7.8', /unexpected '5.6.7.8' after the rdata/);
});

test('AAAA rejects every malformed form', () => {
  const bad = ['::g', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1::', '1:::', ':::', '12345::', '1:2:3:4:5:6:7:1.2.3.4',
    '::1.2.3', '::1.2.3.4:5', '1::2:3:4:5:6:7:8', '1:', ':', 'fe80::1%eth0', '::01.2.3.4'];
  for (const text of bad) fails(Type.AAAA, text, /is not an IPv6 address/);
});

test('numbers must fit their field', () => {
  fails(Type.MX, '70000 mail', /^preference '70000' is not a 16-bit number$/);
  fails(Type.MX, '-1 mail', /preference '-1' is not a 16-bit number/);
  fails(Type.MX, 'ten mail', /preference 'ten' is not a 16-bit number/);
  fails(Type.SRV, '1 2 65536 x', /port '65536' is not a 16-bit number/);
  fails(Type.SSHFP, '256 1 00', /algorithm '256' is not an 8-bit number/);
  fails(Type.SOA, 'a b 4294967296 1 1 1 1', /serial '4294967296' is not a 32-bit number/);
  fails(Type.SOA, 'a b 1 1x 1 1 1', /refresh '1x' is not a 32-bit time value/);
  fails(Type.SOA, 'a b 1 1h30 1 1 1', /refresh '1h30' is not a 32-bit time value/);
  fails(Type.SOA, 'a b 1 1 1 1', /missing minimum/);
  fails(Type.MX, '10', /missing exchange/);
});

test('TXT strings are at most 255 bytes each and never wrapped', () => {
  fails(Type.TXT, `"${'x'.repeat(256)}"`, /character-string is longer than 255 bytes/);
  fails(Type.TXT, `"${'\\255'.repeat(256)}"`, /longer than 255 bytes/);
  fails(Type.TXT, '"bad \\25"', /bad \\DDD escape/);
  fails(Type.TXT, '"\\256"', /above 255/);
  fails(Type.TXT, '', /missing character-string/);
  fails(Type.HINFO, 'only-cpu', /missing os/);
});

test('rdata cannot exceed 65535 bytes', () => {
  const string = `"${'x'.repeat(255)}" `;
  const fits = rdataFromString(Type.TXT, string.repeat(255) + `"${'x'.repeat(254)}"`, origin);
  assert.is(fits.length, MAX_RDATA);
  fails(Type.TXT, string.repeat(256), /rdata longer than 65535 bytes/);
  fails(Type.CAA, `0 issue "${'x'.repeat(MAX_RDATA)}"`, /rdata longer than 65535 bytes/);
  fails(Type.DNSKEY, `257 3 8 ${'AAAA'.repeat(22000)}`, /rdata longer than 65535 bytes/);
});

test('names, hex, base64 and the other fields', () => {
  fails(Type.NS, 'a..b', /^target 'a..b': empty label$/);
  fails(Type.CNAME, `${'a'.repeat(64)}.`, /label longer than 63 bytes/);
  fails(Type.MX, `10 ${'abcdefghi.'.repeat(25)}x`, /exchange .* name longer than 255 bytes/);
  fails(Type.DS, '1 8 2 abcd', /digest is 2 bytes but SHA-256 \(digest type 2\) has 32/);
  fails(Type.DS, '1 8 1 zz', /digest 'zz' is not hexadecimal/);
  fails(Type.DS, '1 8 1 abc', /odd number of hex digits/);
  fails(Type.DS, '1 8 1', /missing digest/);
  fails(Type.DNSKEY, '257 3 8 AwEAAQ', /public key is not valid base64/);
  fails(Type.DNSKEY, '257 3 8 AwE=AAAA', /not valid base64/);
  fails(Type.DNSKEY, '257 3 8 AwEAA===', /not valid base64/);
  fails(Type.DNSKEY, '257 3 NOSUCHALG AwEAAQ==', /algorithm 'NOSUCHALG' is not an 8-bit number/);
  fails(Type.CAA, '0 is-sue "x"', /tag 'is-sue' is not 1 to 255 letters and digits/);
  fails(Type.CAA, '0 issue', /missing value/);
  fails(Type.NAPTR, '1 2 "a" "b" "c"', /missing replacement/);
});

test('wire validation: truncated, overlong and malformed rdata', () => {
  const render = (type: number, bytes: number[]) => () => rdataToText(type, Uint8Array.from(bytes), 0, bytes.length);
  assert.throws(render(Type.A, [1, 2, 3]), /truncated/);
  assert.throws(render(Type.A, [1, 2, 3, 4, 5]), /trailing bytes/);
  assert.throws(render(Type.AAAA, new Array(15).fill(0)), /truncated/);
  assert.throws(render(Type.MX, [0, 10, 3, 0x61, 0x62]), /truncated/);
  assert.throws(render(Type.NS, [0xc0, 0x0c]), /bad label length/); // compression pointers are not allowed here
  assert.throws(render(Type.NS, [...new Array(4).fill([63, ...new Array(63).fill(0x61)]).flat(), 0]), /longer than 255/);
  assert.throws(render(Type.TXT, [5, 0x61]), /truncated/);
  assert.throws(render(Type.TXT, []), /truncated/);
  assert.throws(render(Type.SOA, [0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]), /truncated/);
  assert.throws(render(Type.DS, [0, 1, 8, 1]), /missing digest/);
  assert.throws(render(Type.DS, [0, 1, 8, 2, 0xab]), /digest is 1 bytes but SHA-256/);
  assert.throws(render(Type.CAA, [0, 0]), /empty CAA tag/);
  assert.throws(render(Type.CAA, [0, 2, 0x61, 0x2d]), /letters and digits/);
  assert.throws(render(Type.URI, [0, 1, 0, 1]), /empty URI target/);
  assert.throws(() => rdataToText(Type.A, new Uint8Array(4), 2, 4), /past its buffer/);
  // Reads stay inside [off, off + len) even when the buffer goes on.
  assert.is(rdataToText(Type.A, Uint8Array.of(9, 192, 0, 2, 1, 9), 1, 4), '192.0.2.1');
  assert.throws(() => rdataToText(Type.MX, Uint8Array.of(0, 1, 1, 0x61, 0), 0, 4), /truncated/);
});

test.run();
