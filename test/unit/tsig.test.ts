import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rcode, Type } from '../../engine/codec/constants.ts';
import { nameFromText } from '../../engine/codec/name.ts';
import { parseQuery, ParseStatus, Query } from '../../engine/codec/query.ts';
import { signRequest, TsigResponseVerifier } from '../../engine/tsig/client.ts';
import { parseTsigKeySpec, TSIG_ALGORITHMS, TsigKeyring, type TsigKey } from '../../engine/tsig/keys.ts';
import {
  appendTsigError, appendUnsignedTsigError, TSIG_RESERVE, tsigErrorSize, TsigSigner, tsigSize, verifyRequest,
} from '../../engine/tsig/tsig.ts';
import { findTsig, parseTsigRecord, readU48, TsigRecord } from '../../engine/tsig/wire.ts';
import { appendAnswer, beginResponse, buildQuery, fromHex, stripTsig } from '../helpers/tsig-util.ts';
import { TSIG_VECTORS, VECTOR_KEY_NAME, VECTOR_SECRET, VECTOR_TIME } from '../helpers/tsig-vectors.ts';

const NOW = 1_750_000_000;
const QUESTION_END = 12 + 13 + 4; // example.com. SOA IN
const SECRET = Buffer.from('zonecast test secret, 32 bytes!!').toString('base64');

const key = (alg = 'hmac-sha256', name = 'key.example.', secret = SECRET): TsigKey =>
  parseTsigKeySpec(`${alg}:${name}:${secret}`);

function ringOf(...keys: TsigKey[]): TsigKeyring {
  const ring = new TsigKeyring();
  for (const k of keys) ring.add(k);
  return ring;
}

/** A signed query as the server receives it: [bytes, TSIG offset from parseQuery]. */
function signedQuery(k: TsigKey, now = NOW, name = 'example.com.'): { msg: Uint8Array; len: number; mac: Buffer } {
  const [buf, len] = buildQuery(name, Type.SOA);
  const signed = signRequest(buf, len, buf.length, k, now);
  return { msg: buf.slice(0, signed.len), len: signed.len, mac: signed.mac };
}

function tsigOffsetOf(msg: Uint8Array): number {
  const q = new Query();
  assert.is(parseQuery(msg, msg.length, q), ParseStatus.OK);
  return q.tsigOffset;
}

function verify(msg: Uint8Array, ring: TsigKeyring, now = NOW, minMacLength = 0) {
  return verifyRequest(msg, msg.length, tsigOffsetOf(msg), ring, now, minMacLength);
}

function record(msg: Uint8Array): TsigRecord {
  const r = new TsigRecord();
  assert.ok(parseTsigRecord(msg, findTsig(msg, msg.length), msg.length, r));
  return r;
}

/** Re-signs `unsigned` with a MAC truncated to `macLen` (the signer never truncates by itself). */
function truncatedQuery(k: TsigKey, macLen: number): Uint8Array {
  const full = signedQuery(k).msg;
  const r = record(full);
  const out = new Uint8Array(full.length - (r.macLen - macLen));
  out.set(full.subarray(0, r.macOff + macLen), 0);
  out.set(full.subarray(r.macOff + r.macLen), r.macOff + macLen);
  const rdlenAt = r.algOff - 2;
  const rdlen = ((out[rdlenAt] << 8) | out[rdlenAt + 1]) - (r.macLen - macLen);
  out[rdlenAt] = rdlen >>> 8; out[rdlenAt + 1] = rdlen & 0xff;
  out[r.macOff - 2] = 0; out[r.macOff - 1] = macLen;
  return out;
}

test('dnspython vectors: requests verify, our MACs are identical, for every algorithm', () => {
  for (const v of TSIG_VECTORS) {
    const k = parseTsigKeySpec(`${v.algorithm}:${VECTOR_KEY_NAME}:${VECTOR_SECRET}`);
    const signed = fromHex(v.signed);
    // The owner is `Key.Example.` as sent; the keyring holds `key.example.`.
    const res = verify(signed, ringOf(k), VECTOR_TIME);
    assert.is(res.status, 'ok', v.algorithm);
    assert.is(res.key, k);
    const theirs = stripTsig(signed);
    assert.equal(res.requestMac, theirs.mac);
    const query = fromHex(v.query);
    const buf = new Uint8Array(1024);
    buf.set(query);
    const ours = signRequest(buf, query.length, buf.length, k, VECTOR_TIME);
    assert.equal(ours.mac, theirs.mac, `request MAC ${v.algorithm}`);
    assert.is(ours.len, signed.length);
    // Response (§5.3): request MAC + response + variables.
    const response = stripTsig(fromHex(v.response));
    buf.set(response.unsigned);
    new TsigSigner(k, theirs.mac).sign(buf, response.unsigned.length, buf.length, VECTOR_TIME);
    assert.equal(stripTsig(buf.slice(0, fromHex(v.response).length)).mac, response.mac, `response MAC ${v.algorithm}`);
  }
});

test('dnspython vectors: multi-message chaining with an unsigned middle message (§5.3.1)', () => {
  for (const v of TSIG_VECTORS) {
    const k = parseTsigKeySpec(`${v.algorithm}:${VECTOR_KEY_NAME}:${VECTOR_SECRET}`);
    const requestMac = stripTsig(fromHex(v.signed)).mac;
    const [m1, m2, m3] = v.multi.map(fromHex);
    const verifier = new TsigResponseVerifier(k, requestMac);
    assert.is(verifier.verify(m1, m1.length, VECTOR_TIME), 'ok', v.algorithm);
    assert.is(verifier.verify(m2, m2.length, VECTOR_TIME), 'pending');
    assert.not.ok(verifier.complete);
    assert.is(verifier.verify(m3, m3.length, VECTOR_TIME), 'ok', v.algorithm);
    assert.ok(verifier.complete);

    const signer = new TsigSigner(k, requestMac);
    const buf = new Uint8Array(1024);
    const s1 = stripTsig(m1);
    buf.set(s1.unsigned);
    let len = signer.sign(buf, s1.unsigned.length, buf.length, VECTOR_TIME);
    assert.equal(stripTsig(buf.slice(0, len)).mac, s1.mac, `first message ${v.algorithm}`);
    signer.addUnsigned(m2, m2.length);
    const s3 = stripTsig(m3);
    buf.set(s3.unsigned);
    len = signer.sign(buf, s3.unsigned.length, buf.length, VECTOR_TIME + 1);
    assert.equal(stripTsig(buf.slice(0, len)).mac, s3.mac, `third message ${v.algorithm}`);
  }
});

test('round trip for every algorithm: request → verifyRequest → signed response → client verifier', () => {
  for (const alg of TSIG_ALGORITHMS) {
    const k = key(alg.mnemonic);
    const q = signedQuery(k);
    const res = verify(q.msg, ringOf(k));
    assert.is(res.status, 'ok', alg.mnemonic);
    assert.equal(res.requestMac, q.mac);
    assert.is(res.error, 0);
    const out = new Uint8Array(1024);
    let len = appendAnswer(out, beginResponse(q.msg, QUESTION_END, out), 'SOA');
    const before = len;
    len = new TsigSigner(k, res.requestMac).sign(out, len, out.length, NOW);
    assert.is(len - before, tsigSize(k) - 6);
    assert.is(out[11], 1);
    assert.is(new TsigResponseVerifier(k, q.mac).verify(out, len, NOW), 'ok', alg.mnemonic);
  }
});

test('key name in another letter case is found; a changed message ID still verifies (Original ID)', () => {
  const k = key();
  const q = signedQuery(k);
  // Upper-case the owner on the wire: the MAC covers the canonical (lower-case) name (§4.3.3).
  const owner = tsigOffsetOf(q.msg);
  q.msg.set(Buffer.from('KEY'), owner + 1);
  assert.is(verify(q.msg, ringOf(k)).status, 'ok');
  const forwarded = q.msg.slice();
  forwarded[0] ^= 0xff; // a forwarder changed the ID; the TSIG keeps the original (§4.3.1)
  const res = verify(forwarded, ringOf(k));
  assert.is(res.status, 'ok');
  assert.is(res.originalId, 0x1234);
});

test('unknown key, unknown algorithm, algorithm other than the key\'s → BADKEY, unsigned answer (§5.2.1, §5.3.2)', () => {
  const q = signedQuery(key());
  let res = verify(q.msg, ringOf(key('hmac-sha256', 'other.example.')));
  assert.is(res.status, 'badkey');
  assert.is(res.error, Rcode.BADKEY);
  assert.is(res.key, null);
  assert.equal([...res.keyName!], [...nameFromText('key.example.')]);
  assert.equal([...res.algorithmName!], [...nameFromText('hmac-sha256.')]);
  assert.is(verify(q.msg, ringOf(key('hmac-sha512'))).status, 'badkey');
  assert.is(verify(signedQuery(key('hmac-sha1')).msg, ringOf(key())).status, 'badkey');

  // An algorithm we do not implement: the name is echoed back as received.
  const odd = signedQuery(key()).msg;
  odd.set(Buffer.from('hmac-shaXYZ'), record(odd).algOff + 1);
  res = verify(odd, ringOf(key()));
  assert.is(res.status, 'badkey');
  assert.equal(Buffer.from(res.algorithmName!).toString('latin1'), '\x0bhmac-shaXYZ\x00');

  // The unsigned error answer: NOTAUTH, TSIG with error 17, empty MAC, the request's Original ID.
  const out = new Uint8Array(512);
  const len0 = beginResponse(q.msg, QUESTION_END, out);
  const len = appendTsigError(out, len0, out.length, verify(q.msg, ringOf(key('hmac-sha256', 'x.'))), NOW);
  assert.is(len - len0, tsigErrorSize(verify(q.msg, ringOf(key('hmac-sha256', 'x.')))));
  assert.is(out[3] & 0xf, Rcode.NOTAUTH);
  const r = record(out.subarray(0, len));
  assert.equal([r.macLen, r.error, r.originalId, r.timeSigned, r.otherLen], [0, Rcode.BADKEY, 0x1234, NOW, 0]);
  const client = new TsigResponseVerifier(key(), q.mac);
  assert.is(client.verify(out, len, NOW), 'tsigerror');
  assert.is(client.error, Rcode.BADKEY);
});

test('one flipped MAC bit, a flipped message bit, an empty MAC → BADSIG, unsigned answer (§5.2.2)', () => {
  const k = key();
  const ring = ringOf(k);
  const q = signedQuery(k);
  const r = record(q.msg);
  for (const at of [r.macOff + 7, 12 + 3, r.ownerOff - 1, r.otherOff - 3]) {
    const bad = q.msg.slice();
    bad[at] ^= 0x01;
    const res = verify(bad, ring);
    assert.is(res.status, 'badsig', `bit at ${at}`);
    assert.is(res.error, Rcode.BADSIG);
    assert.is(res.requestMac, null);
  }
  const empty = truncatedQuery(k, 0);
  assert.is(verify(empty, ring).status, 'badsig');

  const out = new Uint8Array(512);
  const len0 = beginResponse(q.msg, QUESTION_END, out);
  const bad = q.msg.slice();
  bad[r.macOff] ^= 0x80;
  const len = appendTsigError(out, len0, out.length, verify(bad, ring), NOW);
  const t = record(out.subarray(0, len));
  assert.equal([out[3] & 0xf, t.macLen, t.error, out[11]], [Rcode.NOTAUTH, 0, Rcode.BADSIG, 1]);
});

test('MAC size bounds (§5.2.2.1): too long or below max(10, hash/2) → FORMERR; permitted truncation accepted', () => {
  const sha256 = key();
  assert.is(verify(truncatedQuery(sha256, 9), ringOf(sha256)).status, 'formerr');
  assert.is(verify(truncatedQuery(sha256, 15), ringOf(sha256)).status, 'formerr');
  const res = verify(truncatedQuery(sha256, 16), ringOf(sha256));
  assert.is(res.status, 'ok');
  assert.is(res.requestMac!.length, 16);
  assert.is(verify(truncatedQuery(sha256, 31), ringOf(sha256)).status, 'ok');
  const md5 = key('hmac-md5');
  assert.is(verify(truncatedQuery(md5, 9), ringOf(md5)).status, 'formerr');
  assert.is(verify(truncatedQuery(md5, 10), ringOf(md5)).status, 'ok');
  const sha512 = key('hmac-sha512');
  assert.is(verify(truncatedQuery(sha512, 31), ringOf(sha512)).status, 'formerr');
  assert.is(verify(truncatedQuery(sha512, 32), ringOf(sha512)).status, 'ok');
  // A 33-byte MAC for sha256: one byte more than the hash.
  const long = signedQuery(sha256).msg;
  const r = record(long);
  const grown = new Uint8Array(long.length + 1);
  grown.set(long.subarray(0, r.macOff + 32));
  grown.set(long.subarray(r.macOff + 32), r.macOff + 33);
  grown[r.macOff - 1] = 33;
  grown[r.algOff - 1]++;
  assert.is(verify(grown, ringOf(sha256)).status, 'formerr');
});

test('truncated request MAC: the response chains on it, and local policy can demand more (§5.2.4 BADTRUNC)', () => {
  const k = key();
  const msg = truncatedQuery(k, 16);
  const res = verify(msg, ringOf(k), NOW, 32);
  assert.is(res.status, 'badtrunc');
  assert.is(res.error, Rcode.BADTRUNC);
  const out = new Uint8Array(512);
  const len0 = beginResponse(msg, QUESTION_END, out);
  const len = appendTsigError(out, len0, out.length, res, NOW);
  const client = new TsigResponseVerifier(k, stripTsig(msg).mac);
  assert.is(client.verify(out, len, NOW), 'tsigerror');
  assert.is(client.error, Rcode.BADTRUNC);
  // Policy satisfied: the normal response, MAC'd over the 16-byte request MAC, verifies.
  const ok = verify(msg, ringOf(k), NOW, 16);
  assert.is(ok.status, 'ok');
  const len1 = appendAnswer(out, beginResponse(msg, QUESTION_END, out), 'SOA');
  const len2 = new TsigSigner(k, ok.requestMac).sign(out, len1, out.length, NOW);
  assert.is(new TsigResponseVerifier(k, stripTsig(msg).mac).verify(out, len2, NOW), 'ok');
});

test('time outside ±fudge → BADTIME; the answer is signed, carries the request time and ours (§5.2.3)', () => {
  const k = key();
  const q = signedQuery(k);
  const fudge = record(q.msg).fudge;
  assert.is(fudge, 300);
  assert.is(verify(q.msg, ringOf(k), NOW + fudge).status, 'ok');
  assert.is(verify(q.msg, ringOf(k), NOW - fudge).status, 'ok');
  for (const now of [NOW + fudge + 1, NOW - fudge - 1]) {
    const res = verify(q.msg, ringOf(k), now);
    assert.is(res.status, 'badtime');
    assert.is(res.error, Rcode.BADTIME);
    assert.equal(res.requestMac, q.mac);
    const out = new Uint8Array(512);
    const len0 = beginResponse(q.msg, QUESTION_END, out);
    const len = appendTsigError(out, len0, out.length, res, now);
    assert.is(len - len0, tsigErrorSize(res));
    const t = record(out.subarray(0, len));
    assert.equal([out[3] & 0xf, t.error, t.timeSigned, t.otherLen, readU48(out, t.otherOff)], [Rcode.NOTAUTH, 18, NOW, 6, now]);
    const client = new TsigResponseVerifier(k, q.mac);
    assert.is(client.verify(out, len, now), 'tsigerror'); // verified, then reported
    assert.equal([client.error, client.serverTime], [Rcode.BADTIME, now]);
  }
});

test('uninterpretable TSIG → FORMERR: compression pointers in owner or algorithm, bad RDATA lengths', () => {
  // A key named like the question, so that the owner can point at it.
  const k = key('hmac-sha256', 'example.com.');
  const q = signedQuery(k);
  const owner = tsigOffsetOf(q.msg);
  const compressed = new Uint8Array(q.msg.length - 13 + 2);
  compressed.set(q.msg.subarray(0, owner));
  compressed.set([0xc0, 0x0c], owner);
  compressed.set(q.msg.subarray(owner + 13), owner + 2);
  assert.is(tsigOffsetOf(compressed), owner); // parseQuery lets it through…
  assert.is(verify(compressed, ringOf(k)).status, 'formerr'); // …verification refuses it

  const a = signedQuery(key(), NOW, 'hmac-sha256.');
  const r = record(a.msg);
  const alg = new Uint8Array(a.msg.length - 13 + 2);
  alg.set(a.msg.subarray(0, r.algOff));
  alg.set([0xc0, 0x0c], r.algOff);
  alg.set(a.msg.subarray(r.algOff + 13), r.algOff + 2);
  alg[r.algOff - 1] -= 11;
  assert.is(verify(alg, ringOf(key())).status, 'formerr');

  const otherLen = q.msg.slice();
  otherLen[otherLen.length - 1] = 1; // Other Len 1 with no Other Data
  assert.is(verify(otherLen, ringOf(k)).status, 'formerr');
  assert.is(verifyRequest(q.msg, q.len - 1, owner, ringOf(k), NOW).status, 'formerr');
});

test('signer: capacity, ARCOUNT, reserve sizes, and TSIG written in place after the message', () => {
  const k = key('hmac-sha512', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}.`);
  assert.is(k.name.length, 255);
  assert.is(TSIG_RESERVE, 364);
  assert.is(tsigSize(k), TSIG_RESERVE);
  const [buf, len] = buildQuery('example.com.', Type.SOA, 7, 2048);
  assert.throws(() => new TsigSigner(k, null).sign(buf, len, len + tsigSize(k) - 7, NOW), /no room for the TSIG record/);
  assert.is(buf[11], 0); // untouched
  const end = new TsigSigner(k, null).sign(buf, len, len + tsigSize(k) - 6, NOW);
  assert.is(end, len + tsigSize(k) - 6);
  assert.is(buf[11], 1);
  assert.is(verify(buf.slice(0, end), ringOf(k)).status, 'ok');
  const short = new Uint8Array(40);
  assert.throws(
    () => appendUnsignedTsigError(short, 12, 40, k.name, k.algorithm.wire, Rcode.BADKEY, NOW, 300, 1),
    /no room/,
  );
  assert.throws(() => new TsigSigner(k, null).addUnsigned(buf, end), /first message/);
  assert.throws(() => appendTsigError(buf, end, buf.length, verify(buf.slice(0, end), ringOf(k)), NOW), /status ok/);
});

test.run();
