import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isSubdomain, nameFromText, nameHash, namesEqual, nameToText, NameError } from '../../engine/codec/name.ts';

test('text to wire and back, with escapes', () => {
  const wire = nameFromText('www.Example.com.');
  assert.equal([...wire], [3, 119, 119, 119, 7, 69, 120, 97, 109, 112, 108, 101, 3, 99, 111, 109, 0]);
  assert.is(nameToText(wire, 0), 'www.Example.com.');
  assert.is(nameToText(nameFromText('a\\.b.c.'), 0), 'a\\.b.c.');
  assert.is(nameToText(nameFromText('\\000\\255x.'), 0), '\\000\\255x.');
  assert.is(nameToText(nameFromText('.'), 0), '.');
});

test('relative names take the origin', () => {
  const origin = nameFromText('example.com.');
  assert.is(nameToText(nameFromText('www', origin), 0), 'www.example.com.');
  assert.throws(() => nameFromText('www'), (e: unknown) => e instanceof NameError && /origin/.test(e.message));
});

test('limits: 63-byte labels and 255-byte names', () => {
  nameFromText('a'.repeat(63) + '.');
  assert.throws(() => nameFromText('a'.repeat(64) + '.'), /63/);
  const label = 'a'.repeat(63);
  nameFromText(`${label}.${label}.${label}.${'a'.repeat(61)}.`); // exactly 255
  assert.throws(() => nameFromText(`${label}.${label}.${label}.${'a'.repeat(62)}.`), /255/);
  assert.throws(() => nameFromText('a..b.'), /empty label/);
  assert.throws(() => nameFromText('\\25'), /DDD/);
  assert.throws(() => nameFromText('\\256.'), /255/);
});

test('comparison and hashing ignore ASCII case only', () => {
  const a = nameFromText('WWW.example.COM.');
  const b = nameFromText('www.EXAMPLE.com.');
  assert.ok(namesEqual(a, 0, b, 0));
  assert.is(nameHash(a, 0, a.length), nameHash(b, 0, b.length));
  assert.not.ok(namesEqual(nameFromText('\\195.'), 0, nameFromText('\\227.'), 0));
});

test('subdomain test follows label boundaries', () => {
  const zone = nameFromText('example.com.');
  assert.ok(isSubdomain(nameFromText('a.b.example.com.'), 0, zone, 0));
  assert.ok(isSubdomain(nameFromText('EXAMPLE.com.'), 0, zone, 0));
  assert.not.ok(isSubdomain(nameFromText('xexample.com.'), 0, zone, 0));
  assert.not.ok(isSubdomain(nameFromText('com.'), 0, zone, 0));
});

test.run();
