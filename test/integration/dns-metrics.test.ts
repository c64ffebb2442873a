// mdns's metrics after real traffic, on the main thread and on answering threads: queries by transport,
// type and rcode, cache hits and misses, drops, other opcodes, the answer-time histogram, transfers sent
// and refused, zones served and snapshot bytes, compile-pool tasks. Counts are read from the handlers'
// own counters (a thread's in shared memory), so this also checks that nothing is lost between them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchTransfer } from '../../engine/xfr/client.ts';
import { query, tcp, udp, udpReplyOrDropped } from '../helpers/client.ts';
import { moved, sample, scrape } from '../helpers/metrics.ts';
import { startServer } from '../helpers/server.ts';

for (const workers of [1, 2]) {
  const t = suite(`dns metrics (${workers === 1 ? 'main thread' : `${workers} answering threads`})`);

  t('queries, cache, drops, opcodes and answer times are counted by transport, type and rcode', async () => {
    const s = await startServer({ workers, allowTransfer: ['127.0.0.0/8'] });
    try {
      const before = await scrape();
      for (let i = 0; i < 3; i++) assert.is((await udp(s.port, query('www.example.com.', 'A'))).rcode, 'NOERROR');
      assert.is((await udp(s.port, query('nothing.example.com.', 'AAAA'))).rcode, 'NXDOMAIN');
      assert.is((await udp(s.port, query('www.not-served.test.', 'A'))).rcode, 'REFUSED');
      assert.is((await tcp(s.port, query('example.com.', 'SOA'))).rcode, 'NOERROR');
      await udp(s.port, query('example.com.', 'SOA', { opcode: 4 })); // a NOTIFY, whatever its answer
      assert.is(await udpReplyOrDropped(s.port, Buffer.from([1, 2, 3])), null, 'too short to answer');
      const after = await scrape();
      const q = (transport: string, qtype: string, rcode: string) => moved(before, after, 'zonecast_dns_queries_total', `transport="${transport}",qtype="${qtype}",rcode="${rcode}"`);
      assert.is(q('udp', 'A', 'NOERROR'), 3);
      assert.is(q('udp', 'AAAA', 'NXDOMAIN'), 1);
      assert.is(q('udp', 'A', 'REFUSED'), 2, 'www.not-served.test and the sentinel that shows the short packet dropped');
      assert.is(q('tcp', 'SOA', 'NOERROR'), 1);
      assert.is(moved(before, after, 'zonecast_dns_requests_by_opcode_total', 'transport="udp",opcode="NOTIFY"'), 1);
      assert.is(moved(before, after, 'zonecast_dns_dropped_total', 'transport="udp"'), 1);
      // The same question thrice: built once (a miss), then answered from the cache; with threads, the
      // kernel may hand the repeats to either thread, and the cache is shared, so still one miss at most each.
      const hits = moved(before, after, 'zonecast_dns_response_cache_hits_total', 'transport="udp"');
      assert.ok(hits >= 1, `${hits} cache hits`);
      // One request in 16 is timed, a new handler's first among them (UDP here: the first request of the test).
      const timed = moved(before, after, 'zonecast_dns_answer_duration_seconds_count', 'transport="udp"');
      assert.ok(timed >= 1 && timed <= 7, `${timed} of 7 UDP answers timed`);
      assert.is(moved(before, after, 'zonecast_dns_answer_duration_seconds_bucket', 'transport="udp",le="+Inf"'), timed);
      assert.ok(moved(before, after, 'zonecast_dns_answer_duration_seconds_sum', 'transport="udp"') > 0);
      assert.ok(sample(after, 'zonecast_mdns_zones') >= 4, 'the fixture zones are served');
      assert.ok(sample(after, 'zonecast_mdns_snapshot_bytes') > 0);
    } finally {
      await s.close();
    }
    // A closed server's counts stay: totals never go down.
    const closed = await scrape();
    assert.ok(sample(closed, 'zonecast_dns_queries_total', 'transport="udp",qtype="A",rcode="NOERROR"') >= 3);
  });

  t('transfers: sent by style with bytes and duration, refused by rcode', async () => {
    const s = await startServer({ workers, allowTransfer: ['192.0.2.0/24'] });
    const open = await startServer({ workers, allowTransfer: ['127.0.0.0/8'] });
    try {
      const before = await scrape();
      const primary = { host: '127.0.0.1', port: open.port, key: null };
      const axfr = await fetchTransfer(primary, 'example.com.', null);
      await fetchTransfer(primary, 'example.com.', 2026112201); // current already: IXFR answered with the SOA
      await fetchTransfer({ ...primary, port: s.port }, 'example.com.', null).then(() => assert.unreachable('refused'), () => {});
      const after = await scrape();
      assert.is(moved(before, after, 'zonecast_xfr_transfers_total', 'style="axfr",result="complete"'), 1);
      assert.is(moved(before, after, 'zonecast_xfr_transfers_total', 'style="soa",result="complete"'), 1);
      assert.ok(moved(before, after, 'zonecast_xfr_bytes_total', 'style="axfr"') >= axfr.bytes - 2 * axfr.messages.length);
      assert.is(moved(before, after, 'zonecast_xfr_duration_seconds_count', 'style="axfr"'), 1);
      assert.is(moved(before, after, 'zonecast_xfr_refused_total', 'type="AXFR",rcode="REFUSED"'), 1);
    } finally {
      await Promise.all([s.close(), open.close()]);
    }
  });

  t.run();
}
