import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Type } from '../../engine/codec/constants.ts';
import { MAX_UNSIGNED_RUN, signRequest, TsigResponseVerifier } from '../../engine/tsig/client.ts';
import { parseTsigKeySpec, TsigKeyring, type TsigKey } from '../../engine/tsig/keys.ts';
import { TsigSigner, verifyRequest } from '../../engine/tsig/tsig.ts';
import { findTsig, TSIG_MALFORMED } from '../../engine/tsig/wire.ts';
import { appendAnswer, beginResponse, buildQuery, stripTsig } from '../helpers/tsig-util.ts';

const NOW = 1_750_000_000;
const SECRET = Buffer.from('another zonecast test secret').toString('base64');
const QUESTION_END = 12 + 13 + 4; // example.com. SOA IN

const key = (alg = 'hmac-sha256', name = 'xfr.example.', secret = SECRET): TsigKey =>
  parseTsigKeySpec(`${alg}:${name}:${secret}`);

interface Transfer { request: Uint8Array; requestMac: Buffer; messages: Uint8Array[] }

/**
 * A signed AXFR-like exchange: the request, then `count` response messages of one A record each, signed
 * by one TsigSigner except those whose index is in `unsigned`.
 */
function transfer(k: TsigKey, count: number, unsigned: (i: number) => boolean = () => false, signer?: TsigSigner): Transfer {
  const [buf, len] = buildQuery('example.com.', Type.AXFR);
  const req = signRequest(buf, len, buf.length, k, NOW);
  const request = buf.slice(0, req.len);
  const s = signer ?? new TsigSigner(k, req.mac);
  const messages: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const out = new Uint8Array(512);
    let n = appendAnswer(out, beginResponse(request, QUESTION_END, out), i % 250);
    if (unsigned(i)) s.addUnsigned(out, n);
    else n = s.sign(out, n, out.length, NOW + i);
    messages.push(out.slice(0, n));
  }
  return { request, requestMac: req.mac, messages };
}

function run(k: TsigKey, t: Transfer, now = NOW): string[] {
  const v = new TsigResponseVerifier(k, t.requestMac);
  return t.messages.map((m) => v.verify(m, m.length, now));
}

test('every message signed: each verifies, chained on the prior MAC with timers only (§5.3.1)', () => {
  for (const alg of ['hmac-md5', 'hmac-sha1', 'hmac-sha384']) {
    const k = key(alg);
    const t = transfer(k, 5);
    const v = new TsigResponseVerifier(k, t.requestMac);
    for (const m of t.messages) assert.is(v.verify(m, m.length, NOW), 'ok', alg);
    assert.ok(v.complete);
    // Out of order, the chain breaks.
    const swapped = { ...t, messages: [t.messages[0], t.messages[2], t.messages[1]] };
    assert.equal(run(k, swapped), ['ok', 'badsig', 'badsig']);
  }
});

test('up to 99 unsigned messages in a row are covered by the next signed one; the 100th is refused', () => {
  const k = key();
  const ok = transfer(k, 1 + MAX_UNSIGNED_RUN + 1 + 2, (i) => i >= 1 && i <= MAX_UNSIGNED_RUN);
  const statuses = run(k, ok);
  assert.is(statuses[0], 'ok');
  assert.ok(statuses.slice(1, 1 + MAX_UNSIGNED_RUN).every((s) => s === 'pending'));
  assert.equal(statuses.slice(1 + MAX_UNSIGNED_RUN), ['ok', 'ok', 'ok']);

  const tooMany = transfer(k, 1 + MAX_UNSIGNED_RUN + 2, (i) => i >= 1 && i <= MAX_UNSIGNED_RUN + 1);
  const s = run(k, tooMany);
  assert.is(s[MAX_UNSIGNED_RUN], 'pending');
  assert.equal(s.slice(MAX_UNSIGNED_RUN + 1), ['unsigned', 'unsigned']); // sticky
});

test('the first message must be signed; a response ending unsigned is not complete', () => {
  const k = key();
  const first = transfer(k, 2);
  first.messages[0] = stripTsig(first.messages[0]).unsigned; // TsigSigner refuses to do this
  assert.equal(run(k, first), ['unsigned', 'unsigned']);
  const t = transfer(k, 3, (i) => i === 2);
  const v = new TsigResponseVerifier(k, t.requestMac);
  assert.equal(t.messages.map((m) => v.verify(m, m.length, NOW)), ['ok', 'ok', 'pending']);
  assert.not.ok(v.complete);
});

test('a tampered unsigned message fails the next signed one, and the failure sticks', () => {
  const k = key();
  const t = transfer(k, 4, (i) => i === 1);
  t.messages[1][t.messages[1].length - 1] ^= 1; // the A record's last octet
  assert.equal(run(k, t), ['ok', 'pending', 'badsig', 'badsig']);
});

test('wrong request MAC, other key, other algorithm, stale time → badsig, badkey, badtime', () => {
  const k = key();
  const t = transfer(k, 2);
  const wrongMac = Buffer.from(t.requestMac);
  wrongMac[0] ^= 1;
  assert.is(new TsigResponseVerifier(k, wrongMac).verify(t.messages[0], t.messages[0].length, NOW), 'badsig');
  assert.is(run(key('hmac-sha256', 'other.example.'), t)[0], 'badkey');
  assert.is(run(key('hmac-sha512'), t)[0], 'badkey');
  assert.is(run(key('hmac-sha256', 'xfr.example.', Buffer.from('x').toString('base64')), t)[0], 'badsig');
  assert.is(run(k, t, NOW + 301)[0], 'badtime');
  assert.is(run(k, t, NOW - 300)[0], 'ok');
});

test('malformed responses: TSIG not last, truncated message → formerr', () => {
  const k = key();
  const t = transfer(k, 1);
  const m = t.messages[0];
  assert.is(run(k, { ...t, messages: [m.subarray(0, m.length - 1)] })[0], 'formerr');
  // Claim one more additional record than present: the TSIG is then not last.
  const extra = new Uint8Array(m.length + 11);
  extra.set(m);
  extra[11] = 2;
  extra.set([0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0], m.length); // root A IN, empty rdata
  assert.is(findTsig(extra, extra.length), TSIG_MALFORMED);
  assert.is(run(k, { ...t, messages: [extra] })[0], 'formerr');
});

test('a client-signed request (NOTIFY or transfer) verifies with the server code path', () => {
  const k = key('hmac-sha224');
  const t = transfer(k, 0);
  const ring = new TsigKeyring();
  ring.add(k);
  const res = verifyRequest(t.request, t.request.length, findTsig(t.request, t.request.length), ring, NOW);
  assert.is(res.status, 'ok');
  assert.equal(res.requestMac, t.requestMac);
});

test.run();
