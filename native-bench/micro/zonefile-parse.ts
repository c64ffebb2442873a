// Micro benchmark: parse a generated 1,000,000-record zone held in memory (70% A, 10% AAAA, 10% TXT,
// 5% MX, 5% CNAME, relative owners, some explicit TTLs) and print the throughput. No assertions.
import { parseZone } from '../../engine/zonefile/parser.ts';
import type { RecordSink } from '../../engine/zonefile/sink.ts';

const RECORDS = 1_000_000;

function generate(): Uint8Array {
  const lines = [
    '$ORIGIN example.com.',
    '$TTL 3600',
    '@ IN SOA ns1 hostmaster 2024010101 2h 1h 2w 1h',
    '  IN NS ns1',
  ];
  for (let i = 0; lines.length < RECORDS + 2; i++) {
    const host = `host${i}.pool${i % 64}`;
    const r = i % 20;
    if (r < 14) lines.push(`${host}${i % 7 === 0 ? ' 300' : ''} IN A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    else if (r < 16) lines.push(`${host} IN AAAA 2001:db8:${(i >> 16).toString(16)}::${(i & 0xffff).toString(16)}`);
    else if (r < 18) lines.push(`${host} 600 IN TXT "v=spf1 ip4:192.0.2.${i & 255} include:_spf.example.net -all" "id=${i}"`);
    else if (r < 19) lines.push(`${host} IN MX ${i % 50} mail${i % 100}`);
    else lines.push(`www-${i} IN CNAME ${host}.cdn.example.net.`);
  }
  return new TextEncoder().encode(lines.join('\n') + '\n');
}

const text = generate();
let bytes = 0;
const sink: RecordSink = {
  add(_owner, ownerLen, _type, _klass, _ttl, _rdata, rdataLen) {
    bytes += ownerLen + rdataLen;
  },
};

for (let run = 1; run <= 3; run++) {
  bytes = 0;
  const started = process.hrtime.bigint();
  const result = parseZone(text, { origin: 'example.com.', file: 'bench.zone' }, sink);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.errors.length > 0) throw result.errors[0];
  console.log(
    `run ${run}: ${result.records} records, ${(text.length / 1e6).toFixed(1)} MB in ${seconds.toFixed(3)} s ` +
    `= ${Math.round(result.records / seconds).toLocaleString('en-US')} records/s (${bytes} wire bytes)`,
  );
}
