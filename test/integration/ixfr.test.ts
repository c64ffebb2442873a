// IXFR (RFC 1995) from the journal that zone reloads build: single SOA when current, incremental and
// condensed responses, the full zone when the journal does not reach back, refused reloads, persistence.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { transferAnswers, udp, type RR } from '../helpers/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const zoneText = (serial: number, body: string) =>
  `$TTL 300\n@ SOA ns1 hostmaster ${serial} 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.1\n${body}`;
const V1 = zoneText(1, 'old A 192.0.2.10\nkeep A 192.0.2.11\nttl 600 TXT "x"\n');
const V2 = zoneText(2, 'new A 192.0.2.20\nkeep A 192.0.2.11\nttl 900 TXT "x"\n');
const V3 = zoneText(3, 'old A 192.0.2.10\nkeep A 192.0.2.11\nttl 900 TXT "x"\nthird A 192.0.2.30\n');

interface Ctx { dir: string; zones: string; journals: string; s: TestServer }
const t = suite<Ctx>('ixfr');

t.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-ixfr-'));
  ctx.zones = join(ctx.dir, 'zones');
  ctx.journals = join(ctx.dir, 'journal');
});
t.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

async function start(ctx: Ctx, maxEntries = 100): Promise<void> {
  ctx.s = await startServer({ allowTransfer: ['127.0.0.1'] }, ctx.zones, {
    journalDir: ctx.journals, journal: { maxEntries, maxBytes: 1 << 20 },
  });
}

async function edit(ctx: Ctx, text: string): Promise<void> {
  // A different size makes the change visible even within the file system's timestamp granularity.
  writeFileSync(join(ctx.zones, 'ix.test.zone'), text);
  await ctx.s.directory.sync();
  await ctx.s.server.zones.get(Buffer.from([2, 105, 120, 4, 116, 101, 115, 116, 0]))!.journal?.flush();
}

function ixfrQuery(serial: number): Buffer {
  return dnsPacket.encode({
    type: 'query', id: 77, flags: 0, questions: [{ type: 'IXFR', name: 'ix.test' } as never],
    authorities: [{ type: 'SOA', name: 'ix.test', data: { mname: 'ns1.ix.test', rname: 'h.ix.test', serial, refresh: 1, retry: 1, expire: 1, minimum: 1 } } as never],
  });
}

const ixfr = (ctx: Ctx, serial: number): Promise<RR[]> => transferAnswers(ctx.s.port, ixfrQuery(serial));

/** An incremental response has the client's older SOA second (RFC 1995 §4). */
function isIncremental(answers: RR[]): boolean {
  return answers.length > 1 && answers[1].type === 'SOA' && answers[1].data.serial !== answers[0].data.serial;
}

/** An incremental response as its sequences: RRs inside a delete or add section carry no order. */
function incremental(answers: RR[]): string[][] {
  const lines = show(answers);
  const sections: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('SOA')) sections.push([line]);
    else sections.at(-1)!.push(line);
  }
  return sections.map(([soa, ...rrs]) => [soa, ...rrs.sort()]);
}

const show = (rrs: RR[]) => rrs.map((r) => r.type === 'SOA' ? `SOA ${r.data.serial}`
  : `${r.name} ${r.ttl} ${r.type} ${JSON.stringify(r.type === 'TXT' ? r.data.map(String) : r.data)}`);

t('a current client gets a single SOA, also one whose serial is ahead (RFC 1982); after a reload, the difference', async (ctx) => {
  mkdirs(ctx);
  writeFileSync(join(ctx.zones, 'ix.test.zone'), V1);
  await start(ctx);
  assert.equal(show(await ixfr(ctx, 1)), ['SOA 1']);
  assert.equal(show(await ixfr(ctx, 0x80000000)), ['SOA 1']);
  await edit(ctx, V2);
  assert.equal(incremental(await ixfr(ctx, 1)), [
    ['SOA 2'], ['SOA 1', 'old.ix.test 300 A "192.0.2.10"', 'ttl.ix.test 600 TXT ["x"]'],
    ['SOA 2', 'new.ix.test 300 A "192.0.2.20"', 'ttl.ix.test 900 TXT ["x"]'], ['SOA 2'],
  ]);
});

t('several versions behind: one condensed difference', async (ctx) => {
  await edit(ctx, V3);
  // old was deleted (1→2) and re-added (2→3), new added and deleted again: both cancel out.
  assert.equal(incremental(await ixfr(ctx, 1)), [
    ['SOA 3'], ['SOA 1', 'ttl.ix.test 600 TXT ["x"]'], ['SOA 3', 'third.ix.test 300 A "192.0.2.30"', 'ttl.ix.test 900 TXT ["x"]'], ['SOA 3'],
  ]);
  assert.equal(incremental(await ixfr(ctx, 2)), [
    ['SOA 3'], ['SOA 2', 'new.ix.test 300 A "192.0.2.20"'], ['SOA 3', 'old.ix.test 300 A "192.0.2.10"', 'third.ix.test 300 A "192.0.2.30"'], ['SOA 3'],
  ]);
});

t('a serial the journal does not know gets the whole zone; UDP gets the current SOA', async (ctx) => {
  const full = show(await ixfr(ctx, 0));
  assert.is(full[0], 'SOA 3');
  assert.is(full.at(-1), 'SOA 3');
  assert.ok(full.includes('keep.ix.test 300 A "192.0.2.11"'));
  const overUdp = await udp(ctx.s.port, ixfrQuery(1));
  assert.equal(show(overUdp.answers), ['SOA 3']);
  assert.ok(overUdp.flag_aa);
});

t('a reload that does not increase the serial is refused; the old version keeps serving', async (ctx) => {
  await edit(ctx, zoneText(3, 'changed A 192.0.2.99\n'));
  assert.equal(show(await ixfr(ctx, 3)), ['SOA 3']);
  assert.is((await udp(ctx.s.port, dnsPacket.encode({ type: 'query', id: 5, questions: [{ type: 'A', name: 'third.ix.test' }] }))).answers[0].data, '192.0.2.30');
});

t('the journal survives a restart, and its bound makes old serials fall back to AXFR', async (ctx) => {
  writeFileSync(join(ctx.zones, 'ix.test.zone'), V3);
  await ctx.s.close();
  await start(ctx, 2);
  assert.ok(isIncremental(await ixfr(ctx, 2)), 'IXFR from 2 after a restart');
  await edit(ctx, zoneText(4, 'four A 192.0.2.4\n'));
  // Two steps kept: 2→3 and 3→4 would be three with 1→2, so 1 is gone.
  assert.ok(isIncremental(await ixfr(ctx, 2)));
  assert.not.ok(isIncremental(await ixfr(ctx, 1)), 'trimmed serial: full zone');
  await ctx.s.close();
});

function mkdirs(ctx: Ctx): void {
  for (const d of [ctx.zones, ctx.journals]) rmSync(d, { recursive: true, force: true });
  mkdirSync(ctx.zones, { recursive: true });
}

t.run();
