// SVCB/HTTPS against the RFC 9460 Appendix D test vectors, plus the failure cases of D.3.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Type } from '../../engine/codec/constants.ts';
import { nameFromText } from '../../engine/codec/name.ts';
import { rdataFromString, rdataToText } from '../../engine/codec/rdata/text.ts';

const origin = nameFromText('example.com.');

function hex(text: string): number[] {
  return [...Buffer.from(text.replace(/\s+/g, ''), 'hex')];
}

function wire(text: string, type: number = Type.SVCB): number[] {
  return [...rdataFromString(type, text, origin)];
}

function roundTrip(text: string, expected: number[], canonical: string): void {
  assert.equal(wire(text), expected, text);
  const bytes = Uint8Array.from(expected);
  assert.is(rdataToText(Type.SVCB, bytes, 0, bytes.length), canonical);
  assert.equal(wire(canonical), expected, `reparse of ${canonical}`);
}

const FOO_COM = '03 666f6f 07 6578616d706c65 03 636f6d 00';
const FOO_ORG = '03 666f6f 07 6578616d706c65 03 6f7267 00';

test('D.1 AliasMode', () => {
  roundTrip('0 foo.example.com.', hex(`0000 ${FOO_COM}`), '0 foo.example.com.');
  assert.equal(wire('0 foo', Type.HTTPS), hex(`0000 ${FOO_COM}`));
});

test('D.2 ServiceMode vectors', () => {
  roundTrip('1 .', hex('0001 00'), '1 .');
  roundTrip('16 foo.example.com. port=53', hex(`0010 ${FOO_COM} 0003 0002 0035`), '16 foo.example.com. port=53');
  roundTrip('1 foo.example.com. key667=hello', hex(`0001 ${FOO_COM} 029b 0005 68656c6c6f`), '1 foo.example.com. key667="hello"');
  roundTrip('1 foo.example.com. key667="hello\\210qoo"', hex(`0001 ${FOO_COM} 029b 0009 68656c6c6fd2716f6f`),
    '1 foo.example.com. key667="hello\\210qoo"');
  roundTrip('1 foo.example.com. ipv6hint="2001:db8::1,2001:db8::53:1"',
    hex(`0001 ${FOO_COM} 0006 0020 20010db8000000000000000000000001 20010db8000000000000000000530001`),
    '1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1');
  roundTrip('1 example.com. ipv6hint="2001:db8:ffff:ffff:ffff:ffff:198.51.100.100"',
    hex('0001 07 6578616d706c65 03 636f6d 00 0006 0010 20010db8ffffffffffffffffc6336464'),
    '1 example.com. ipv6hint=2001:db8:ffff:ffff:ffff:ffff:c633:6464');
});

test('D.2: params and mandatory keys sorted on the wire', () => {
  roundTrip('16 foo.example.org. ( alpn=h2,h3-19 mandatory=ipv4hint,alpn\n ipv4hint=192.0.2.1 )',
    hex(`0010 ${FOO_ORG} 0000 0004 00010004 0001 0009 02 6832 05 68332d3139 0004 0004 c0000201`),
    '16 foo.example.org. mandatory=alpn,ipv4hint alpn="h2,h3-19" ipv4hint=192.0.2.1');
});

test('D.2: alpn with escaped commas and backslashes, quoted or not', () => {
  const expected = hex(`0010 ${FOO_ORG} 0001 000c 08 665c6f6f2c626172 02 6832`);
  roundTrip('16 foo.example.org. alpn="f\\\\\\\\oo\\\\,bar,h2"', expected, '16 foo.example.org. alpn="f\\\\\\\\oo\\\\,bar,h2"');
  assert.equal(wire('16 foo.example.org. alpn=f\\\\\\092oo\\092,bar,h2'), expected);
});

test('HTTPS with every named key', () => {
  const text = '1 . ech="AEn+DQ==" ipv6hint=::1 port=8443 no-default-alpn alpn=h3 ipv4hint=192.0.2.1,192.0.2.2 mandatory=port';
  const expected = hex('0001 00 0000 0002 0003 0001 0003 02 6833 0002 0000 0003 0002 20fb 0004 0008 c0000201 c0000202 ' +
    '0005 0004 0049fe0d 0006 0010 00000000000000000000000000000001');
  assert.equal(wire(text, Type.HTTPS), expected);
  const bytes = Uint8Array.from(expected);
  assert.is(rdataToText(Type.HTTPS, bytes, 0, bytes.length),
    '1 . mandatory=port alpn="h3" no-default-alpn port=8443 ipv4hint=192.0.2.1,192.0.2.2 ech=AEn+DQ== ipv6hint=::1');
});

test('generic keys: empty values, key numbers of named keys, private range', () => {
  assert.equal(wire('1 . key65000'), hex('0001 00 fde8 0000'));
  assert.equal(wire('1 . key65000=""'), hex('0001 00 fde8 0000'));
  assert.equal(wire('1 . key3=443'), hex('0001 00 0003 0002 01bb'));
  assert.equal(wire('1 . key65000="a b"'), hex('0001 00 fde8 0003 612062'));
});

test('D.3 failure cases and other malformed params', () => {
  const fails: [string, RegExp][] = [
    ['1 foo.example.com. key123=abc key123=def', /duplicate SvcParam key123/],
    ['1 foo.example.com. mandatory', /mandatory needs a value/],
    ['1 foo.example.com. alpn', /alpn needs a value/],
    ['1 foo.example.com. port', /port needs a value/],
    ['1 foo.example.com. ipv4hint', /ipv4hint needs a value/],
    ['1 foo.example.com. ipv6hint', /ipv6hint needs a value/],
    ['1 foo.example.com. no-default-alpn=abc', /no-default-alpn takes no value/],
    ['1 foo.example.com. mandatory=key123', /mandatory lists key123, which is missing/],
    ['1 foo.example.com. mandatory=mandatory', /must not list itself/],
    ['1 foo.example.com. mandatory=key123,key123 key123=abc', /lists key123 twice/],
    ['1 foo.example.com. no-default-alpn', /no-default-alpn requires alpn/],
    ['0 foo.example.com. alpn=h2', /AliasMode/],
    ['1 . port=65536', /port '65536' is not a 16-bit number/],
    ['1 . ipv4hint=1.2.3', /'1.2.3' is not an IPv4 address/],
    ['1 . ipv6hint=1.2.3.4', /'1.2.3.4' is not an IPv6 address/],
    ['1 . alpn=h2,,h3', /empty item/],
    ['1 . ech=%%%', /ech is not valid base64/],
    ['1 . foo=bar', /unknown SvcParam key 'foo'/],
    ['1 . key65535', /unknown SvcParam key 'key65535'/],
    ['1 . "alpn=h2"', /quoted string/],
  ];
  for (const [text, message] of fails) assert.throws(() => wire(text), message, text);
});

test('wire validation: order, duplicates, lengths', () => {
  const render = (h: string) => {
    const bytes = Uint8Array.from(hex(h));
    return () => rdataToText(Type.SVCB, bytes, 0, bytes.length);
  };
  assert.throws(render('0001 00 0003 0002 01bb 0001 0003 02 6833'), /out of order/);
  assert.throws(render('0001 00 0003 0002 01bb 0003 0002 01bb'), /out of order, repeated/);
  assert.throws(render('0001 00 0003 0001 01'), /malformed port/);
  assert.throws(render('0001 00 0004 0003 c00002'), /malformed ipv4hint/);
  assert.throws(render('0001 00 0001 0003 05 6833'), /malformed alpn/);
  assert.throws(render('0001 00 0003 0004 01bb'), /truncated/);
  assert.throws(render('0001 00 ffff 0000'), /invalid/);
});

test.run();
