// The first read of a large zone after a start runs code nothing else has run: the join of records to
// recordsets, the master-file lines, the parser and the AXFR renderer start in V8's interpreter and are
// compiled while the zone streams, on the same core. A first AXFR of 100,000 records took 0.6-0.75 s where
// the next version's took 0.3 s (measured, bench:designate-mdns). So at start, before listening, a made-up
// zone goes through the same code, rows as byte views as the database's come, and is thrown away; its
// text is compiled too, so that the compiling thread's first real zone does not start cold either.
import type { AxfrImageOptions } from '../../engine/xfr/axfr-image.ts';
import { StreamedAxfr } from '../../engine/xfr/streamed-axfr.ts';
import { MasterLines } from './master-lines.ts';
import { RecordsetIndex } from './recordset-index.ts';

const ORIGIN = 'warm-up.invalid.';
/**
 * Enough rounds for V8 to optimize the loops (a few thousand calls each). It takes 0.3 s in a fresh process,
 * mostly compiling (5,000 records take 0.15 s), before the listeners open.
 */
const RECORDS = 20_000;
const CHUNK = 1000;

/** The types most zones hold, for the parser's and renderer's paths of each. */
function recordOf(i: number): [string, string] {
  switch (i % 10) {
    case 0: return ['AAAA', `2001:db8::${(i & 0xffff).toString(16)}`];
    case 1: return ['CNAME', `host-${i - 1}.${ORIGIN}`];
    case 2: return ['TXT', `"v=spf1 ip4:192.0.2.${i & 255} -all"`];
    case 3: return ['MX', `10 mail-${i}.${ORIGIN}`];
    default: return ['A', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`];
  }
}

/** The made-up zone's master-file text, for the compiling thread. */
export function warmUpZoneReads(options: AxfrImageOptions): { origin: string; text: Uint8Array } {
  const owners = new RecordsetIndex();
  const soa = `ns1.${ORIGIN} hostmaster.${ORIGIN} 1 3600 600 86400 300`;
  // The apex as Designate stores it, for a text that compiles: SOA and NS recordsets of their own.
  const rows: [Buffer, Buffer][] = [[Buffer.from('soa'), Buffer.from(soa)], [Buffer.from('ns'), Buffer.from(`ns1.${ORIGIN}`)]];
  owners.add(rows[0][0], Buffer.from(`${ORIGIN} 300 IN SOA `));
  owners.add(rows[1][0], Buffer.from(`${ORIGIN} 300 IN NS `));
  for (let i = 0; i < RECORDS; i++) {
    const id = Buffer.from(i.toString(16).padStart(32, '0'));
    const [type, rdata] = recordOf(i);
    owners.add(id, Buffer.from(`host-${i}.${ORIGIN} 300 IN ${type} `));
    rows.push([id, Buffer.from(rdata)]);
  }
  const axfr = new StreamedAxfr(ORIGIN, `${ORIGIN} 300 IN SOA ${soa}`, options);
  const lines = new MasterLines(RECORDS * 48);
  for (const [id, rdata] of rows) {
    lines.line(owners, owners.find(id), rdata);
    if (lines.lines === CHUNK) axfr.push(lines.chunk());
  }
  axfr.end();
  if (!axfr.complete) throw new Error('the warm-up zone did not render');
  return { origin: ORIGIN, text: lines.all() };
}
