// The answering path's counters: what one handler counts per request, and the sampling of answer times
// (one request in ANSWER_TIME_SAMPLE, and never stopped by a dropped request that was due).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QueryHandler } from '../../engine/answer/handler.ts';
import { KnownPeer } from '../../engine/answer/peer.ts';
import { ANSWER_TIME_SAMPLE, QueryStats, QueryStatsView } from '../../engine/answer/query-stats.ts';
import { HostedZone, ZoneTable } from '../../engine/answer/zone-table.ts';
import { nameFromText } from '../../engine/codec/name.ts';
import { query } from '../helpers/client.ts';
import { compile } from '../helpers/compile.ts';

function handler(): QueryHandler {
  const zones = new ZoneTable();
  const zone = new HostedZone(nameFromText('stats.test.'));
  zone.snapshot = compile('stats.test.', '$TTL 300\n@ SOA ns1 host 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n');
  zones.add(zone);
  return new QueryHandler(zones, { udpPayloadSize: 1232, responseCacheSize: 16 });
}

const timedCount = (stats: QueryStats, t: number) => new QueryStatsView([stats]).answerTimes(t).buckets.reduce((a, b) => a + b, 0);

test('each answer counted by transport, type and rcode; cache hits and misses; drops', () => {
  const h = handler();
  const peer = new KnownPeer();
  for (let i = 0; i < 3; i++) h.handle(query('ns1.stats.test.', 'A'), false, peer);
  h.handle(query('nx.stats.test.', 'AAAA'), true, peer);
  assert.is(h.handle(new Uint8Array(5), false, peer), null);
  const v = new QueryStatsView([h.stats]);
  assert.equal([...v.queries()], [['udp', 'A', 'NOERROR', 3], ['tcp', 'AAAA', 'NXDOMAIN', 1]]);
  assert.equal([v.cacheHits(0), v.cacheMisses(0), v.cacheMisses(1), v.dropped(0)], [2, 1, 1, 1]);
});

test(`answer times: one request in ${ANSWER_TIME_SAMPLE}, the next one when the one due was dropped`, () => {
  const h = handler();
  const peer = new KnownPeer();
  h.handle(new Uint8Array(5), false, peer); // the first request is due, and dropped
  h.handle(query('ns1.stats.test.', 'A'), false, peer);
  assert.is(timedCount(h.stats, 0), 1, 'the next answered request was timed');
  for (let i = 0; i < 2 * ANSWER_TIME_SAMPLE; i++) h.handle(query('ns1.stats.test.', 'A'), false, peer);
  assert.is(timedCount(h.stats, 0), 3);
  assert.ok(new QueryStatsView([h.stats]).answerTimes(0).sum > 0);
});

test('a shared buffer: counts written through one view are read through another', () => {
  const shared = new QueryStats(new SharedArrayBuffer(new QueryStats().counts.byteLength));
  shared.answered(0, 0, 6, 0);
  const reader = new QueryStats(shared.counts.buffer);
  assert.equal([...new QueryStatsView([reader]).queries()], [['udp', 'SOA', 'NOERROR', 1]]);
  const retired = new QueryStats();
  retired.add(reader);
  retired.add(reader);
  assert.equal([...new QueryStatsView([retired]).queries()], [['udp', 'SOA', 'NOERROR', 2]]);
});

test.run();
