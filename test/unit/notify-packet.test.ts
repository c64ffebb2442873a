// NOTIFY on the wire (RFC 1996): the request as an independent decoder (dns-packet) reads it, and which
// datagrams count as the response to it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import dnsPacket from 'dns-packet';
import { decode } from '../helpers/client.ts';
import { buildNotify, matchNotifyResponse, NOT_A_MATCH, setMessageId, tsigErrorOf, type NotifySoa } from '../../engine/notify/packet.ts';

const SOA: NotifySoa = {
  ttl: 3600, mname: 'ns1.example.com.', rname: 'hostmaster.example.com.', serial: 2024060101, refresh: 7200, retry: 900,
  expire: 1209600, minimum: 300,
};

/** A response as another implementation would write it: dns-packet, opcode NOTIFY in the flags. */
function response(id: number, { rcode = 0, name = 'example.com', type = 'SOA', qr = true, opcode = 4, questions = 1 } = {}): Buffer {
  return dnsPacket.encode({
    type: qr ? 'response' : 'query', id, flags: (opcode << 11) | rcode,
    questions: Array.from({ length: questions }, () => ({ name, type, class: 'IN' }) as dnsPacket.Question),
  });
}

test('the request: opcode NOTIFY, AA, question <zone> SOA IN, the new SOA in the answer section', () => {
  const request = buildNotify('example.com.', SOA);
  setMessageId(request, 0xbeef);
  const m = decode(request);
  assert.is(m.id, 0xbeef);
  assert.is(m.opcode, 'NOTIFY');
  assert.ok(m.flag_aa);
  assert.not.ok(m.flags & 0x8000, 'QR clear');
  assert.not.ok(m.flag_rd);
  assert.is(m.rcode, 'NOERROR');
  assert.equal(m.questions, [{ name: 'example.com', type: 'SOA', class: 'IN' }]);
  assert.is(m.answers.length, 1);
  const [soa] = m.answers;
  assert.is(soa.name, 'example.com');
  assert.is(soa.type, 'SOA');
  assert.is(soa.class, 'IN');
  assert.is(soa.ttl, 3600);
  assert.equal(soa.data, {
    mname: 'ns1.example.com', rname: 'hostmaster.example.com', serial: 2024060101, refresh: 7200, retry: 900, expire: 1209600,
    minimum: 300,
  });
  assert.is(m.authorities.length + m.additionals.length, 0);
});

test('without a SOA the answer section is empty; a relative zone name is taken from the root', () => {
  const bare = buildNotify('Example.COM');
  const m = decode(bare);
  assert.equal(m.questions, [{ name: 'Example.COM', type: 'SOA', class: 'IN' }]);
  assert.is(m.answers.length, 0);
  assert.is(bare.length, 12 + 13 + 4);
  assert.equal(buildNotify('.').subarray(12), Buffer.from([0, 0, 6, 0, 1]));
});

test('SOA numbers must be 32-bit unsigned integers', () => {
  assert.throws(() => buildNotify('example.com.', { ...SOA, serial: 2 ** 32 }), /serial/);
  assert.throws(() => buildNotify('example.com.', { ...SOA, ttl: -1 }), /ttl/);
  assert.throws(() => buildNotify('example.com.', { ...SOA, refresh: 1.5 }), /refresh/);
});

test('a response matches on QR, opcode, ID and question, and yields its rcode', () => {
  const request = buildNotify('example.com.', SOA);
  const ok = response(7);
  assert.is(matchNotifyResponse(ok, ok.length, 7, request), 0);
  const refused = response(7, { rcode: 5 });
  assert.is(matchNotifyResponse(refused, refused.length, 7, request), 5);
  const notimp = response(7, { rcode: 4 });
  assert.is(matchNotifyResponse(notimp, notimp.length, 7, request), 4);
  const otherCase = response(7, { name: 'EXAMPLE.com' });
  assert.is(matchNotifyResponse(otherCase, otherCase.length, 7, request), 0, 'names compare case-insensitively');
  // The request echoed whole with QR set: RFC 1996's example response.
  const echoed = Buffer.from(request);
  setMessageId(echoed, 7);
  echoed[2] |= 0x80;
  assert.is(matchNotifyResponse(echoed, echoed.length, 7, request), 0);
});

test('anything else is not the response', () => {
  const request = buildNotify('example.com.');
  const cases: [string, Buffer][] = [
    ['wrong ID', response(8)],
    ['QR clear', response(7, { qr: false })],
    ['opcode QUERY', response(7, { opcode: 0 })],
    ['another zone', response(7, { name: 'example.org' })],
    ['a subdomain', response(7, { name: 'www.example.com' })],
    ['a parent', response(7, { name: 'com' })],
    ['another type', response(7, { type: 'A' })],
    ['no question in a NOERROR answer', response(7, { questions: 0 })],
    ['two questions', response(7, { questions: 2 })],
  ];
  for (const [label, msg] of cases) assert.is(matchNotifyResponse(msg, msg.length, 7, request), NOT_A_MATCH, label);
  const ok = response(7);
  assert.is(matchNotifyResponse(ok, ok.length - 1, 7, request), NOT_A_MATCH, 'truncated question');
  assert.is(matchNotifyResponse(ok, 11, 7, request), NOT_A_MATCH, 'shorter than a header');
});

test('an error answer without its question still ends the NOTIFY, with its TSIG error (as NSD answers)', () => {
  const request = buildNotify('sec.test.');
  // NSD 4.6's answers, captured: REFUSED to an unsigned NOTIFY it has no ACL for, and NOTAUTH with TSIG
  // error BADKEY to one signed with a key it does not know; neither echoes the question.
  const refused = Buffer.from('1234a4050000000000000000', 'hex');
  assert.is(matchNotifyResponse(refused, refused.length, 0x1234, request), 5);
  assert.is(tsigErrorOf(refused, refused.length), 0);
  const badkey = Buffer.from('1235a4090000000000000001026b320000fa00ff00000000001d0b686d61632d7368613235360000006b15579a012c0000123500110000', 'hex');
  assert.is(matchNotifyResponse(badkey, badkey.length, 0x1235, request), 9);
  assert.is(tsigErrorOf(badkey, badkey.length), 17);
  assert.is(matchNotifyResponse(badkey, badkey.length, 0x1234, request), NOT_A_MATCH, 'still matched on its ID');
});

test.run();
