// The response cache answering threads share (engine/answer/shared-response-cache.ts), here as two views of
// one table, as two threads have it: what one stores the other finds, with the requester's ID and letter
// case; a zone serving another version, a change in the set of zones, or a slot being written is a miss.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HostedZone } from '../../engine/answer/zone-table.ts';
import { allocateSharedResponses, SharedResponseCache, ZoneVersions } from '../../engine/answer/shared-response-cache.ts';
import { nameFromText } from '../../engine/codec/name.ts';
import { Query, parseQuery } from '../../engine/codec/query.ts';
import { query } from '../helpers/client.ts';

function parsed(msg: Buffer): Query {
  const q = new Query();
  parseQuery(msg, msg.length, q);
  return q;
}

test('stored by one thread, found by another; stale versions, generations and busy slots miss', () => {
  const table = allocateSharedResponses(64);
  const versions = new ZoneVersions();
  const zone = new HostedZone(nameFromText('example.com.'));
  versions.assign(zone);
  const [a, b] = [new SharedResponseCache(table, versions.buffer), new SharedResponseCache(table, versions.buffer)];
  a.generation = b.generation = versions.generation;

  const asked = query('WWW.example.com', 'A', { id: 1 });
  const response = Buffer.from(asked);
  response[2] |= 0x84; // QR, AA: a stand-in answer
  a.store(asked, parsed(asked), false, response, zone);

  const again = query('www.EXAMPLE.com', 'A', { id: 77 });
  const hit = b.lookup(again, parsed(again), false, 1232, 0);
  assert.ok(hit !== null, 'the other thread finds it');
  assert.is(hit!.readUInt16BE(0), 77, 'with the requester ID');
  assert.is(hit!.subarray(12, 12 + 17).toString('latin1').includes('EXAMPLE'), true, 'and its letter case');
  assert.is(b.lookup(again, parsed(again), true, 65535, 2)!.length, response.length + 2, 'a TCP length prefix has room');
  assert.is(b.lookup(query('www.example.com', 'AAAA'), parsed(query('www.example.com', 'AAAA')), false, 1232, 0), null, 'another type');
  assert.is(b.lookup(again, parsed(again), false, response.length - 1, 0), null, 'larger than the requester takes');

  versions.bump(zone);
  assert.is(b.lookup(again, parsed(again), false, 1232, 0), null, 'the zone serves another version');
  a.store(asked, parsed(asked), false, response, zone);
  assert.ok(b.lookup(again, parsed(again), false, 1232, 0) !== null, 'stored again under the new version');

  versions.assign(new HostedZone(nameFromText('sub.example.com.')));
  assert.is(b.lookup(again, parsed(again), false, 1232, 0), null, 'the set of zones changed: a child zone may own the name now');

  a.generation = versions.generation;
  a.store(asked, parsed(asked), false, response, zone);
  const words = new Int32Array(table);
  const busy = words.findIndex((w, i) => i % 64 === 0 && w !== 0); // a slot is 64 words
  words[busy]++; // as a writer holds it
  assert.is(b.lookup(again, parsed(again), false, 1232, 0), null, 'a slot being written is a miss');
  a.store(asked, parsed(asked), false, response, zone);
  assert.is(words[busy] & 1, 1, 'and is not written over');
});

test('a table sized for the working set keeps almost all of it', () => {
  const table = allocateSharedResponses(1024);
  const versions = new ZoneVersions();
  const zone = new HostedZone(nameFromText('example.com.'));
  versions.assign(zone);
  const cache = new SharedResponseCache(table, versions.buffer);
  cache.generation = versions.generation;
  const questions = Array.from({ length: 900 }, (_, i) => query(`host${i}.example.com`, 'A', { id: i }));
  for (const msg of questions) {
    const response = Buffer.from(msg);
    response[2] |= 0x84;
    cache.store(msg, parsed(msg), false, response, zone);
  }
  const kept = questions.filter((msg) => cache.lookup(msg, parsed(msg), false, 1232, 0) !== null).length;
  // Direct-mapped, the same table would keep about 80% of them; four slots to a bucket keep nearly all.
  assert.ok(kept >= 0.95 * questions.length, `${kept} of ${questions.length} kept`);
});

test.run();
