// Text → wire → text for the types dns-packet also encodes: the wire must equal dns-packet's bytes, and the
// text must come back in BIND's presentation form (checked against named-checkzone -D by hand).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as packet from 'dns-packet';
import { Type } from '../../engine/codec/constants.ts';
import { nameFromText } from '../../engine/codec/name.ts';
import { rdataFromString, rdataToText } from '../../engine/codec/rdata/text.ts';

const origin = nameFromText('example.com.');

/** dns-packet's rdata for one record: encode a message whose only answer is owned by the root, cut it out. */
function oracle(type: string, data: unknown): number[] {
  const message = packet.encode({ answers: [{ type, name: '.', data } as never] });
  const rdlength = message.readUInt16BE(12 + 1 + 8); // header, root owner, type/class/TTL
  return [...message.subarray(12 + 1 + 10, 12 + 1 + 10 + rdlength)];
}

function check(type: number, text: string, expectedWire: number[], canonical: string): void {
  const wire = rdataFromString(type, text, origin);
  assert.equal([...wire], expectedWire, `wire of ${text}`);
  assert.is(rdataToText(type, wire, 0, wire.length), canonical);
  assert.equal([...rdataFromString(type, canonical, origin)], expectedWire, `reparse of ${canonical}`);
}

test('A', () => {
  check(Type.A, '192.0.2.1', oracle('A', '192.0.2.1'), '192.0.2.1');
  check(Type.A, '0.0.0.0', oracle('A', '0.0.0.0'), '0.0.0.0');
  check(Type.A, '255.255.255.255', oracle('A', '255.255.255.255'), '255.255.255.255');
});

test('AAAA in every RFC 4291 form, printed per RFC 5952', () => {
  check(Type.AAAA, '2001:DB8:0:0:0:0:0:1', oracle('AAAA', '2001:db8::1'), '2001:db8::1');
  check(Type.AAAA, '::', oracle('AAAA', '::'), '::');
  check(Type.AAAA, '::1', oracle('AAAA', '::1'), '::1');
  check(Type.AAAA, 'fe80::', oracle('AAAA', 'fe80::'), 'fe80::');
  check(Type.AAAA, '2001:db8:0:1:1:1:1:1', oracle('AAAA', '2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
  check(Type.AAAA, '1:0:0:1:0:0:0:1', oracle('AAAA', '1:0:0:1::1'), '1:0:0:1::1');
  check(Type.AAAA, '2001:db8:0:0:1:0:0:1', oracle('AAAA', '2001:db8::1:0:0:1'), '2001:db8::1:0:0:1');
  check(Type.AAAA, '::ffff:192.0.2.1', oracle('AAAA', '::ffff:c000:201'), '::ffff:192.0.2.1');
  check(Type.AAAA, '::192.0.2.1', oracle('AAAA', '::c000:201'), '::192.0.2.1');
  check(Type.AAAA, '::2', oracle('AAAA', '::2'), '::2');
  check(Type.AAAA, '64:ff9b::192.0.2.33', oracle('AAAA', '64:ff9b::c000:221'), '64:ff9b::c000:221');
  check(Type.AAAA, '1:2:3:4:5:6:1.2.3.4', oracle('AAAA', '1:2:3:4:5:6:102:304'), '1:2:3:4:5:6:102:304');
});

test('NS, CNAME, DNAME, PTR: relative, absolute and @', () => {
  check(Type.NS, 'ns1', oracle('NS', 'ns1.example.com'), 'ns1.example.com.');
  check(Type.CNAME, 'www.example.net.', oracle('CNAME', 'www.example.net'), 'www.example.net.');
  check(Type.DNAME, '@', oracle('DNAME', 'example.com'), 'example.com.');
  check(Type.PTR, 'host.Example.COM.', oracle('PTR', 'host.Example.COM'), 'host.Example.COM.');
  check(Type.NS, '.', [0], '.');
});

test('MX', () => {
  check(Type.MX, '10 mail', oracle('MX', { preference: 10, exchange: 'mail.example.com' }), '10 mail.example.com.');
  check(Type.MX, '65535 @', oracle('MX', { preference: 65535, exchange: 'example.com' }), '65535 example.com.');
  check(Type.MX, '0 .', [0, 0, 0], '0 .'); // RFC 7505 null MX; dns-packet cannot encode the root name
});

test('SOA with BIND time units in the timers', () => {
  const data = { mname: 'ns1.example.com', rname: 'hostmaster.example.com', serial: 4294967295, refresh: 7200, retry: 5400, expire: 1209600, minimum: 300 };
  check(Type.SOA, 'ns1 hostmaster 4294967295 2h 1H30M 2w 5m', oracle('SOA', data),
    'ns1.example.com. hostmaster.example.com. 4294967295 7200 5400 1209600 300');
  check(Type.SOA, 'ns1 hostmaster ( 1 7200 5400 1209600 300 )', oracle('SOA', { ...data, serial: 1 }),
    'ns1.example.com. hostmaster.example.com. 1 7200 5400 1209600 300');
});

test('TXT: several strings, unquoted words, empty strings, escapes', () => {
  check(Type.TXT, '"v=spf1 -all"', oracle('TXT', ['v=spf1 -all']), '"v=spf1 -all"');
  check(Type.TXT, 'one "two words" ""', oracle('TXT', ['one', 'two words', '']), '"one" "two words" ""');
  check(Type.TXT, '"a;b" "q\\"uote" back\\\\slash', oracle('TXT', ['a;b', 'q"uote', 'back\\slash']), '"a;b" "q\\"uote" "back\\\\slash"');
  check(Type.TXT, '"\\255\\000\\t"', oracle('TXT', [Buffer.from([255, 0, 0x74])]), '"\\255\\000t"');
  check(Type.TXT, '"' + 'x'.repeat(255) + '"', oracle('TXT', ['x'.repeat(255)]), `"${'x'.repeat(255)}"`);
  check(Type.SPF, '"v=spf1 mx -all"', oracle('TXT', ['v=spf1 mx -all']), '"v=spf1 mx -all"');
});

test('SRV', () => {
  check(Type.SRV, '10 60 5060 sip', oracle('SRV', { priority: 10, weight: 60, port: 5060, target: 'sip.example.com' }),
    '10 60 5060 sip.example.com.');
});

test('HINFO', () => {
  check(Type.HINFO, 'INTEL-386 "Linux 6"', oracle('HINFO', { cpu: 'INTEL-386', os: 'Linux 6' }), '"INTEL-386" "Linux 6"');
});

test('CAA', () => {
  check(Type.CAA, '0 issue "ca.example.net; account=230123"', oracle('CAA', { flags: 0, tag: 'issue', value: 'ca.example.net; account=230123' }),
    '0 issue "ca.example.net; account=230123"');
  check(Type.CAA, '128 tbs Unknown', oracle('CAA', { flags: 128, tag: 'tbs', value: 'Unknown' }), '128 tbs "Unknown"');
  check(Type.CAA, '0 issue ""', oracle('CAA', { flags: 0, tag: 'issue', value: '' }), '0 issue ""');
});

test('NAPTR', () => {
  const data = { order: 100, preference: 10, flags: 'S', services: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example.com' };
  check(Type.NAPTR, '100 10 "S" "SIP+D2U" "" _sip._udp', oracle('NAPTR', data), '100 10 "S" "SIP+D2U" "" _sip._udp.example.com.');
  const regexp = { order: 1, preference: 2, flags: 'u', services: 'E2U+sip', regexp: '!^.*$!sip:info@example.com!', replacement: 'x' };
  // dns-packet cannot encode the root name: encode `x.` and swap in the root's single zero byte.
  check(Type.NAPTR, '1 2 u E2U+sip "!^.*$!sip:info@example.com!" .', [...oracle('NAPTR', regexp).slice(0, -3), 0],
    '1 2 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .');
});

test('DS and CDS: hex digest with whitespace inside, mnemonic algorithm', () => {
  const digest = Buffer.from('2BB183AF5F22588179A53B0A98631FAD1A292118'.toLowerCase(), 'hex');
  const wire = oracle('DS', { keyTag: 60485, algorithm: 5, digestType: 1, digest });
  check(Type.DS, '60485 5 1 ( 2BB183AF5F22588179A5 3B0A98631FAD1A292118 )', wire, '60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118');
  check(Type.DS, '60485 RSASHA1 1 2bb183af5f22588179a53b0a98631fad1a292118', wire, '60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118');
  check(Type.CDS, '0 0 0 00', [0, 0, 0, 0, 0], '0 0 0 00'); // RFC 8078 §4 delete request
});

test('DNSKEY and CDNSKEY: base64 split over several tokens', () => {
  const key = Buffer.from('AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8nokfzj31GajIQKY+5CptLr3buXA10hWqTkF7H6RfoRqXQeogmMHfpftf6zMv1LyBUgia7za6ZEzOJBOztyvhjL742iU/TpPSEDhm2SNKLijfUppn1UaNvv4w==', 'base64');
  const wire = oracle('DNSKEY', { flags: 256, algorithm: 5, key });
  const text = 'AQPSKmynfzW4kyBv015MUG2DeIQ3Cbl+BBZH4b/0PY1kxkmvHjcZc8nokfzj31GajIQKY+5CptLr3buXA10hWqTkF7H6RfoRqXQeogmMHfpftf6zMv1LyBUgia7za6ZEzOJBOztyvhjL742iU/TpPSEDhm2SNKLijfUppn1UaNvv4w==';
  check(Type.DNSKEY, `256 3 5 ( ${text.slice(0, 40)}\n ${text.slice(40, 81)} ${text.slice(81)} )`, wire, `256 3 5 ${text}`);
  check(Type.CDNSKEY, '0 3 0 AA==', [0, 0, 3, 0, 0], '0 3 0 AA=='); // RFC 8078 §4 delete request
});

test('TLSA and SSHFP', () => {
  const hash = 'd2abde240d7cd3ee6b4b28c54df034b97983a1d16e8a410e4561cb106618e971';
  check(Type.TLSA, `3 1 1 ${hash.slice(0, 20)} ${hash.slice(20)}`,
    oracle('TLSA', { usage: 3, selector: 1, matchingType: 1, certificate: Buffer.from(hash, 'hex') }), `3 1 1 ${hash.toUpperCase()}`);
  const fp = '123456789abcdef67890123456789abcdef67890';
  check(Type.SSHFP, `2 1 ${fp}`, oracle('SSHFP', { algorithm: 2, hash: 1, fingerprint: fp }), `2 1 ${fp.toUpperCase()}`);
});

test.run();
