// Per-request cost of the answer path without sockets: a response-cache hit, and a miss answered from the
// snapshot. Run: node native-bench/micro/handler.ts
import { QueryHandler } from '../../engine/answer/handler.ts';
import { KnownPeer } from '../../engine/answer/peer.ts';
import { HostedZone, ZoneTable } from '../../engine/answer/zone-table.ts';
import { nameFromText } from '../../engine/codec/name.ts';
import { compile } from '../../test/helpers/compile.ts';
import dnsPacket from 'dns-packet';

const zones = new ZoneTable();
const zone = new HostedZone(nameFromText('bench.test.'));
const lines = ['$TTL 300', '@ SOA ns1 host 1 3600 600 86400 300', '@ NS ns1', 'ns1 A 192.0.2.1'];
const N = 10_000;
for (let i = 0; i < N; i++) lines.push(`h${i} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
zone.snapshot = compile('bench.test.', lines.join('\n'));
zones.add(zone);
const queries = Array.from({ length: N }, (_, i) => dnsPacket.encode({
  type: 'query', id: i & 0xffff, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: `h${i}.bench.test` }],
  additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as never],
}));

const peer = new KnownPeer();

function run(label: string, handler: QueryHandler, rounds: number): void {
  for (let i = 0; i < N; i++) handler.handle(queries[i], false, peer); // warm (and fill the cache)
  const started = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (let i = 0; i < N; i++) handler.handle(queries[i], false, peer);
  const ns = Number(process.hrtime.bigint() - started) / (rounds * N);
  console.log(`${label.padEnd(28)} ${(ns / 1000).toFixed(3)} µs/request`);
}

run('cache hit', new QueryHandler(zones, { udpPayloadSize: 1232, responseCacheSize: 2 * N }), 50);
run('miss (snapshot, no cache)', new QueryHandler(zones, { udpPayloadSize: 1232, responseCacheSize: 0 }), 50);
