// A catalog zone (RFC 9432) served beside the zones it lists: AXFR shows the serving zones, adding or
// removing a zone publishes a newer serial, and IXFR from the older one shows just the PTR that changed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import { nameFromText } from '../../engine/codec/name.ts';
import type { HostedZone } from '../../engine/answer/zone-table.ts';
import { XFR_DEFAULTS } from '../../engine/xfr/options.ts';
import { createLogger } from '../../services/log.ts';
import { CatalogService } from '../../services/mdns/catalog.ts';
import { query, transferAnswers, udp, type RR } from '../helpers/client.ts';
import { startCatalogServer, type CatalogTestServer } from '../helpers/catalog-server.ts';

const CLOCK = 1767225600;
const zoneText = (serial: number) => `$TTL 300\n@ SOA ns1 hostmaster ${serial} 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.1\n`;

interface Ctx { dir: string; zones: string; s: CatalogTestServer; announced: string[] }
const t = suite<Ctx>('catalog');

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-catalog-'));
  ctx.zones = join(ctx.dir, 'zones');
  mkdirSync(ctx.zones);
  writeFileSync(join(ctx.zones, 'a.test.zone'), zoneText(1));
  writeFileSync(join(ctx.zones, 'b.test.zone'), zoneText(1));
  writeFileSync(join(ctx.zones, 'broken.test.zone'), '@ SOA ns1 hostmaster 1 3600 600 86400 60\n'); // no NS: never serves
  ctx.announced = [];
  ctx.s = await startCatalogServer({ allowTransfer: ['127.0.0.1'] }, ctx.zones, {}, {
    name: 'cat.test.', now: () => CLOCK, minIntervalMs: 200,
    onServing: (zone: HostedZone, snapshot) => ctx.announced.push(`${zone.text} ${snapshot.serial}`),
  });
});
t.after(async (ctx) => {
  await ctx.s?.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

const ptrOwner = (member: string) => `${createHash('sha256').update(nameFromText(member)).digest('hex').slice(0, 16)}.zones.cat.test`;

/** Reads messages until the transfer is complete (see ixfr.test.ts): a lone SOA, or the closing SOA. */
const transfer = (ctx: Ctx, msg: Uint8Array): Promise<RR[]> => transferAnswers(ctx.s.port, msg);

const axfr = (ctx: Ctx) => transfer(ctx, query('cat.test', 'AXFR', { edns: false }));

function ixfr(ctx: Ctx, serial: number): Promise<RR[]> {
  return transfer(ctx, dnsPacket.encode({
    type: 'query', id: 9, flags: 0, questions: [{ type: 'IXFR', name: 'cat.test' } as never],
    authorities: [{ type: 'SOA', name: 'cat.test', data: { mname: 'invalid', rname: 'invalid', serial, refresh: 1, retry: 1, expire: 1, minimum: 1 } } as never],
  }));
}

const show = (rrs: RR[]) => rrs.map((r) => r.type === 'SOA' ? `SOA ${r.data.serial}` : `${r.name} ${r.type} ${r.type === 'TXT' ? r.data.map(String).join(' ') : r.data}`);

t('AXFR of the catalog: SOA, NS invalid., version "2" and a PTR for each serving zone', async (ctx) => {
  const records = show(await axfr(ctx));
  assert.is(records[0], `SOA ${CLOCK}`);
  assert.is(records.at(-1), `SOA ${CLOCK}`);
  assert.equal(records.slice(1, -1).sort(), [
    `${ptrOwner('a.test.')} PTR a.test`,
    `${ptrOwner('b.test.')} PTR b.test`,
    'cat.test NS invalid',
    'version.cat.test TXT 2',
  ].sort(), 'broken.test never served, so it is not a member; the catalog does not list itself');
  assert.ok(ctx.announced.includes(`cat.test. ${CLOCK}`), 'onServing announced the first version');
});

t('answered like any zone: SOA with AA, the PTR of a member', async (ctx) => {
  const soa = await udp(ctx.s.port, query('cat.test', 'SOA'));
  assert.ok(soa.flag_aa);
  assert.is(soa.answers[0].data.expire, 2147483646);
  const ptr = await udp(ctx.s.port, query(ptrOwner('a.test.'), 'PTR'));
  assert.is(ptr.answers[0].data, 'a.test');
});

t('a new zone: a newer serial, announced, and IXFR from the old one adds its PTR', async (ctx) => {
  writeFileSync(join(ctx.zones, 'c.test.zone'), zoneText(1));
  await ctx.s.sync();
  // The clock stands still: within one second the serial still moves on, by one.
  assert.is(ctx.s.catalog.zone.snapshot!.serial, CLOCK + 1);
  assert.ok(ctx.announced.includes(`cat.test. ${CLOCK + 1}`));
  assert.equal(show(await ixfr(ctx, CLOCK)), [
    `SOA ${CLOCK + 1}`, `SOA ${CLOCK}`, `SOA ${CLOCK + 1}`, `${ptrOwner('c.test.')} PTR c.test`, `SOA ${CLOCK + 1}`,
  ]);
});

t('a removed zone: IXFR deletes its PTR; a reload that keeps the membership changes nothing', async (ctx) => {
  unlinkSync(join(ctx.zones, 'a.test.zone'));
  writeFileSync(join(ctx.zones, 'b.test.zone'), zoneText(22));
  await ctx.s.sync();
  assert.is(ctx.s.catalog.zone.snapshot!.serial, CLOCK + 2, 'one new version for the removal; the reload of b.test adds none');
  assert.equal(show(await ixfr(ctx, CLOCK + 1)), [
    `SOA ${CLOCK + 2}`, `SOA ${CLOCK + 1}`, `${ptrOwner('a.test.')} PTR a.test`, `SOA ${CLOCK + 2}`, `SOA ${CLOCK + 2}`,
  ]);
  assert.equal(show(await ixfr(ctx, CLOCK + 2)), [`SOA ${CLOCK + 2}`], 'a current client gets a single SOA');
});

t('a burst of new zones makes one or two versions, not one per zone', async (ctx) => {
  const before = ctx.s.catalog.zone.snapshot!.serial;
  const burst = ['d', 'e', 'f', 'g', 'h'].map((z) => `${z}.test.`);
  for (const zone of burst) writeFileSync(join(ctx.zones, `${zone}zone`), zoneText(1));
  await ctx.s.sync();
  // Each version adds one to the serial (the clock stands still): the first zone to load may make one at
  // once, and the others wait out minIntervalMs together.
  const versions = ctx.s.catalog.zone.snapshot!.serial - before;
  assert.ok(versions >= 1 && versions <= 2, `${versions} versions`);
  const listed = show(await axfr(ctx)).filter((r) => r.includes(' PTR '));
  for (const zone of burst) assert.ok(listed.includes(`${ptrOwner(zone)} PTR ${zone.slice(0, -1)}`), zone);
});

t('nothing is published before start() or after close()', async (ctx) => {
  const options = { name: 'later.test', xfr: XFR_DEFAULTS, minIntervalMs: 0 }; // relative to the root
  const later = new CatalogService(ctx.s.server.zones, ctx.s.pool, options, createLogger('mdns', 'silent'));
  try {
    await later.update();
    assert.is(later.zone.snapshot, null, 'update() before start()');
    assert.is((await udp(ctx.s.port, query('later.test', 'SOA'))).rcode, 'SERVFAIL');
    await later.start();
    const first = later.zone.snapshot!.serial;
    later.close();
    writeFileSync(join(ctx.zones, 'i.test.zone'), zoneText(1));
    await ctx.s.sync();
    await later.update();
    assert.is(later.zone.snapshot!.serial, first, 'no new version after close()');
  } finally {
    ctx.s.server.zones.remove(later.zone);
  }
});

t('a zone file with the catalog\'s name is not served in its place', async (ctx) => {
  writeFileSync(join(ctx.zones, 'cat.test.zone'), zoneText(99));
  await ctx.s.sync();
  const soa = await udp(ctx.s.port, query('cat.test', 'SOA'));
  assert.is(soa.answers[0].data.serial, ctx.s.catalog.zone.snapshot!.serial);
  assert.is(soa.answers[0].data.mname, 'invalid');
});

t.run();
