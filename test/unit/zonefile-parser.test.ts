import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classToText, typeToText } from '../../engine/codec/constants.ts';
import { nameFromText, nameLength, nameToText } from '../../engine/codec/name.ts';
import { rdataToText } from '../../engine/codec/rdata/text.ts';
import { parseZone, type ZoneParseOptions } from '../../engine/zonefile/parser.ts';

/** Parses `text` and returns each record as `owner ttl class type rdata` plus the error messages. */
function parse(text: string, options: Partial<ZoneParseOptions> = {}): { records: string[]; errors: string[] } {
  const records: string[] = [];
  const result = parseZone(new TextEncoder().encode(text), { origin: 'example.com.', file: 'z.zone', ...options }, {
    add(owner, ownerLen, type, klass, ttl, rdata, rdataLen) {
      assert.is(nameLength(owner, 0), ownerLen);
      records.push(`${nameToText(owner, 0)} ${ttl} ${classToText(klass)} ${typeToText(type)} ${rdataToText(type, rdata, 0, rdataLen)}`);
    },
  });
  assert.is(result.records, records.length);
  return { records, errors: result.errors.map((e) => e.message) };
}

function records(text: string, options: Partial<ZoneParseOptions> = {}): string[] {
  const result = parse(text, options);
  assert.equal(result.errors, []);
  return result.records;
}

function errors(text: string, options: Partial<ZoneParseOptions> = {}): string[] {
  return parse(text, options).errors;
}

test('owners: @, relative, absolute, omitted, escaped', () => {
  assert.equal(records('$TTL 60\n@ A 192.0.2.1\nwww A 192.0.2.2\n  AAAA ::1\nhost.example.net. A 192.0.2.3\n' +
    'a\\.b TXT x\n\\065\\ c TXT y\n*.wild A 192.0.2.4\n'), [
    'example.com. 60 IN A 192.0.2.1',
    'www.example.com. 60 IN A 192.0.2.2',
    'www.example.com. 60 IN AAAA ::1',
    'host.example.net. 60 IN A 192.0.2.3',
    'a\\.b.example.com. 60 IN TXT "x"',
    'A\\032c.example.com. 60 IN TXT "y"',
    '*.wild.example.com. 60 IN A 192.0.2.4',
  ]);
});

test('TTL and class in either order, each optional', () => {
  assert.equal(records('a 300 IN A 192.0.2.1\nb IN 400 A 192.0.2.1\nc in a 192.0.2.1\nd 1h30m A 192.0.2.1\n' +
    'e CLASS1 2D A 192.0.2.1\n  1W IN TXT x\n'), [
    'a.example.com. 300 IN A 192.0.2.1',
    'b.example.com. 400 IN A 192.0.2.1',
    'c.example.com. 400 IN A 192.0.2.1',
    'd.example.com. 5400 IN A 192.0.2.1',
    'e.example.com. 172800 IN A 192.0.2.1',
    'e.example.com. 604800 IN TXT "x"',
  ]);
});

test('TTL units and limits', () => {
  assert.equal(records('a 0 A 192.0.2.1\nb 2147483647 A 192.0.2.1\nc 1w2d3h4m5s A 192.0.2.1\nd 10S A 192.0.2.1\n'), [
    'a.example.com. 0 IN A 192.0.2.1',
    'b.example.com. 2147483647 IN A 192.0.2.1',
    'c.example.com. 788645 IN A 192.0.2.1',
    'd.example.com. 10 IN A 192.0.2.1',
  ]);
  assert.equal(errors('a 2147483648 A 192.0.2.1\nb 1h30 A 192.0.2.1\nc 3y A 192.0.2.1\n$TTL 9999999999\n'), [
    "z.zone:1: bad TTL '2147483648' (seconds up to 2147483647, or units such as 1h30m)",
    "z.zone:2: bad TTL '1h30' (seconds up to 2147483647, or units such as 1h30m)",
    "z.zone:3: bad TTL '3y' (seconds up to 2147483647, or units such as 1h30m)",
    "z.zone:4: $TTL: bad TTL '9999999999'",
  ]);
});

test('omitted TTL: $TTL, else the last explicit TTL, else defaultTtl, else an error', () => {
  assert.equal(records('a 300 A 192.0.2.1\nb A 192.0.2.1\n$TTL 1h\nc A 192.0.2.1\nd 60 A 192.0.2.1\ne A 192.0.2.1\n'), [
    'a.example.com. 300 IN A 192.0.2.1',
    'b.example.com. 300 IN A 192.0.2.1',
    'c.example.com. 3600 IN A 192.0.2.1',
    'd.example.com. 60 IN A 192.0.2.1',
    'e.example.com. 3600 IN A 192.0.2.1',
  ]);
  assert.equal(records('a A 192.0.2.1\nb 5 A 192.0.2.1\nc A 192.0.2.1\n', { defaultTtl: 86400 }), [
    'a.example.com. 86400 IN A 192.0.2.1',
    'b.example.com. 5 IN A 192.0.2.1',
    'c.example.com. 5 IN A 192.0.2.1',
  ]);
  assert.equal(errors('@ SOA ns hm 1 2 3 4 5\n'), ['z.zone:1: no TTL: the record has none and no $TTL precedes it']);
});

test('class: the first record fixes the zone class', () => {
  assert.equal(records('$TTL 0\nversion CH TXT "1.0"\n  TXT "omitted class is CH"\n'), [
    'version.example.com. 0 CH TXT "1.0"',
    'version.example.com. 0 CH TXT "omitted class is CH"',
  ]);
  assert.equal(records('$TTL 0\na CLASS65280 TYPE65280 \\# 1 00\n'), ['a.example.com. 0 CLASS65280 TYPE65280 \\# 1 00']);
  assert.equal(errors('$TTL 0\na A 192.0.2.1\nb CH A 192.0.2.1\nc IN IN A 192.0.2.1\nd CLASS255 A 192.0.2.1\n' +
    'e 1 2 A 192.0.2.1\n'), [
    "z.zone:3: class CH differs from the zone's class IN",
    "z.zone:4: second class 'IN'",
    "z.zone:5: unusable class 'CLASS255'",
    "z.zone:6: second TTL '2'",
  ]);
});

test('types: mnemonics in any case, TYPEnnn, unknown and meta types', () => {
  assert.equal(records('$TTL 0\na mx 10 b\nb TYPE1 192.0.2.1\nc TYPE65280 \\# 2 abcd\nd type16 "t"\n'), [
    'a.example.com. 0 IN MX 10 b.example.com.',
    'b.example.com. 0 IN A 192.0.2.1',
    'c.example.com. 0 IN TYPE65280 \\# 2 ABCD',
    'd.example.com. 0 IN TXT "t"',
  ]);
  assert.equal(errors('$TTL 0\na FOO 1\nb AXFR x\nc OPT x\nd TYPE70000 x\ne 300 IN\nf TYPE65280 abc\n'), [
    "z.zone:2: unknown type 'FOO'",
    'z.zone:3: type AXFR cannot appear in a zone',
    'z.zone:4: type OPT cannot appear in a zone',
    "z.zone:5: unknown type 'TYPE70000'",
    'z.zone:6: missing type',
    'z.zone:7: TYPE65280: no presentation format is known for this type; use the RFC 3597 form \\# <length> <hex>',
  ]);
});

test('$ORIGIN is relative to the current origin; @ and rdata names follow it', () => {
  assert.equal(records('$TTL 0\n$ORIGIN sub\n@ NS ns\n$ORIGIN other.org.\nwww CNAME @\n$ORIGIN .\nx. A 192.0.2.1\n'), [
    'sub.example.com. 0 IN NS ns.sub.example.com.',
    'www.other.org. 0 IN CNAME other.org.',
    'x. 0 IN A 192.0.2.1',
  ]);
  assert.equal(records('$TTL 0\n@ A 192.0.2.1\n', { origin: nameFromText('bytes.test.') }), ['bytes.test. 0 IN A 192.0.2.1']);
  assert.equal(records('$TTL 0\n@ A 192.0.2.1\n', { origin: 'no-dot.test' }), ['no-dot.test. 0 IN A 192.0.2.1']);
});

test('directive errors', () => {
  assert.equal(errors('$ORIGIN\n$ORIGIN a b\n$TTL\n$ORIGIN a..b\n$GENERATE 1-10 h$ A 192.0.2.$\n$FOO bar\n$INCLUDE\n$include x\n'), [
    'z.zone:1: $ORIGIN takes 1 argument',
    'z.zone:2: $ORIGIN takes 1 argument',
    'z.zone:3: $TTL takes 1 argument',
    "z.zone:4: $ORIGIN: bad name 'a..b': empty label",
    'z.zone:5: unsupported directive $GENERATE',
    "z.zone:6: unknown directive '$FOO'",
    'z.zone:7: $INCLUDE takes 1 or 2 arguments',
    'z.zone:8: $INCLUDE is not available without a readInclude option',
  ]);
});

test('multi-line entries with comments, quotes and escapes', () => {
  const zone = [
    '$TTL 1h',
    '@ IN SOA ns1.example.com. hostmaster ( ; the SOA',
    '        2024010101 ; serial',
    '        2h         ; refresh',
    '        1h 2w',
    '        1h )       ; minimum',
    'txt TXT "semi;colon" "(paren)" "quote\\"d" back\\\\slash ( "next"',
    '   "line" ) "\\065\\066"',
    'x TXT ""',
  ].join('\n');
  assert.equal(records(zone), [
    'example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 3600',
    'txt.example.com. 3600 IN TXT "semi;colon" "(paren)" "quote\\"d" "back\\\\slash" "next" "line" "AB"',
    'x.example.com. 3600 IN TXT ""',
  ]);
  // As in BIND, a quoted string cannot span lines, not even inside parentheses.
  assert.equal(errors('$TTL 1\nt TXT ( "a\n b" )\n'), ['z.zone:2: quoted string not closed on its line']);
});

test('errors carry file and line, skip only their entry, and stop at maxErrors', () => {
  const zone = [
    '$TTL 1h',
    'a A 192.0.2.1',
    'mx MX 70000 mail',
    'b A 1.2.3',
    'soa SOA ns hm (',
    '  1 2 3',
    '  4 5 6 )',
    'c A 192.0.2.2',
    'big TXT "' + 'x'.repeat(256) + '"',
    '  A 192.0.2.3',
    'bad..name A 192.0.2.4',
    '  A 192.0.2.5',
    'q TXT "unclosed',
    'd AAAA ::g',
  ].join('\n');
  const result = parse(zone);
  assert.equal(result.errors, [
    "z.zone:3: MX: preference '70000' is not a 16-bit number",
    "z.zone:4: A: '1.2.3' is not an IPv4 address",
    "z.zone:7: SOA: unexpected '6' after the rdata",
    'z.zone:9: TXT: character-string is longer than 255 bytes',
    "z.zone:11: owner 'bad..name': empty label",
    'z.zone:12: no previous owner name for a line starting with whitespace',
    'z.zone:13: quoted string not closed on its line',
    "z.zone:14: AAAA: '::g' is not an IPv6 address",
  ]);
  assert.equal(result.records, [
    'a.example.com. 3600 IN A 192.0.2.1',
    'c.example.com. 3600 IN A 192.0.2.2',
    'big.example.com. 3600 IN A 192.0.2.3',
  ]);
  assert.equal(errors(zone, { maxErrors: 3 }).length, 3);
  assert.equal(parse(zone, { maxErrors: 2 }).records, ['a.example.com. 3600 IN A 192.0.2.1']);
});

test('an error inside a multi-line entry names the line of the faulty token', () => {
  const zone = '$TTL 1\nk DNSKEY 257 3 8 (\n  AwEAAQ==\n  Aw*A\n  AwEA )\nm MX (\n 10 )\n';
  assert.equal(errors(zone), ['z.zone:4: DNSKEY: public key is not valid base64', 'z.zone:7: MX: missing exchange']);
});

test('an unclosed parenthesis is reported where it opened', () => {
  assert.equal(parse('$TTL 1\na A 192.0.2.1\nb TXT ( "x"\n"y"\n', { file: 'p.zone' }).errors,
    ["p.zone:3: '(' not closed before end of file"]);
});

test('whitespace-only and comment-only input yields nothing', () => {
  assert.equal(parse('\n  \n; nothing\n\t; here\n'), { records: [], errors: [] });
  assert.equal(parse(''), { records: [], errors: [] });
});

test('$INCLUDE through readInclude: errors name the included file', () => {
  const files: Record<string, string> = {
    'hosts.inc': 'www A 192.0.2.1\nbad A 300.0.0.1\n',
    'nested.inc': '$INCLUDE hosts.inc\n',
  };
  const readInclude = (path: string) => {
    if (!(path in files)) throw new Error('no such file');
    return new TextEncoder().encode(files[path]);
  };
  const result = parse('$TTL 1\n$INCLUDE nested.inc sub\n$INCLUDE absent.inc\nafter A 192.0.2.2\n', { readInclude });
  assert.equal(result.records, ['www.sub.example.com. 1 IN A 192.0.2.1', 'after.example.com. 1 IN A 192.0.2.2']);
  assert.equal(result.errors, [
    "hosts.inc:2: A: '300.0.0.1' is not an IPv4 address",
    "z.zone:3: $INCLUDE: cannot read 'absent.inc': no such file",
  ]);
});

test.run();
