// Knot and BIND following zonecast's catalog zone (RFC 9432): configured with the catalog alone, each serves
// the member zones it lists. When zonecast starts serving a new zone, the catalog changes, NOTIFY reaches
// the consumer, and it adds the zone and transfers it; a zone that leaves the catalog leaves the consumer.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { stopServer } from '../../native-bench/lib/proc.ts';
import { NotifyPool } from '../../engine/notify/notify-pool.ts';
import { createLogger } from '../../services/log.ts';
import { Notifier } from '../../services/mdns/notifier.ts';
import { ask } from '../helpers/client.ts';
import { startCatalogServer, type CatalogTestServer } from '../helpers/catalog-server.ts';
import { startBindConsumer, startKnotConsumer, type CatalogConsumer } from '../helpers/catalog-consumers.ts';
import { tool } from '../helpers/tools.ts';

const knotd = tool('knotd', 'knot');
const named = tool('named', 'bind9');
const CATALOG = 'cat.test.';

interface Consumer { name: string; port: number; server: CatalogConsumer }
interface Ctx { dir: string; zones: string; zc: CatalogTestServer; pool: NotifyPool; consumers: Consumer[] }
const t = suite<Ctx>('catalog consumers');

const zoneText = (serial: number, host: string) =>
  `$TTL 300\n@ SOA ns1 hostmaster ${serial} 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.1\nwww A ${host}\n`;

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-catalog-interop-'));
  ctx.zones = join(ctx.dir, 'zones');
  mkdirSync(ctx.zones);
  writeFileSync(join(ctx.zones, 'first.test.zone'), zoneText(1, '192.0.2.10'));
  const wanted = [knotd ? 'knot' : null, named ? 'bind' : null].filter((x) => x !== null) as ('knot' | 'bind')[];
  const ports = { knot: await freePort(), bind: await freePort() };
  ctx.pool = new NotifyPool();
  // Every zone is announced, as the mdns command does; the consumers act on the catalog's NOTIFY.
  const notifier = new Notifier(ctx.pool, {
    targets: wanted.map((w) => ({ host: '127.0.0.1', port: ports[w], key: null })), retries: 3, initialTimeoutMs: 300,
  }, createLogger('mdns', 'silent'));
  const announce = notifier.announce.bind(notifier);
  ctx.zc = await startCatalogServer({ allowTransfer: ['127.0.0.1'] }, ctx.zones, { onServing: announce }, { name: CATALOG, onServing: announce });
  ctx.consumers = wanted.map((w) => ({
    name: w,
    port: ports[w],
    server: w === 'knot'
      ? startKnotConsumer(knotd!, join(ctx.dir, 'knot'), ports.knot, ctx.zc.port, CATALOG)
      : startBindConsumer(named!, join(ctx.dir, 'bind'), ports.bind, ctx.zc.port, CATALOG),
  }));
});

t.after(async (ctx) => {
  for (const c of ctx.consumers ?? []) await stopServer(c.server);
  await ctx.zc?.close();
  await ctx.pool?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

async function waitFor(what: string, check: () => Promise<boolean>, c: Consumer, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${c.name} to ${what}\n${c.server.lines.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const serves = async (c: Consumer, zone: string, host: string) => {
  const reply = await ask(c.port, `www.${zone}`, 'A');
  return reply?.rcode === 'NOERROR' && reply.flag_aa && reply.answers[0]?.data === host;
};

t('each consumer serves the zones of the catalog it was given', async (ctx) => {
  for (const c of ctx.consumers) await waitFor('serve first.test', () => serves(c, 'first.test', '192.0.2.10'), c);
});

t('a zone zonecast starts serving: the catalog changes, NOTIFY, and the consumers add and serve it', async (ctx) => {
  const before = ctx.zc.catalog.zone.snapshot!.serial;
  writeFileSync(join(ctx.zones, 'second.test.zone'), zoneText(7, '192.0.2.20'));
  await ctx.zc.sync();
  assert.is.not(ctx.zc.catalog.zone.snapshot!.serial, before);
  for (const c of ctx.consumers) {
    await waitFor('serve second.test', () => serves(c, 'second.test', '192.0.2.20'), c);
    assert.is((await ask(c.port, 'second.test', 'SOA'))!.answers[0].data.serial, 7, c.name);
  }
});

t('a zone zonecast stops serving leaves the catalog, and the consumers drop it', async (ctx) => {
  unlinkSync(join(ctx.zones, 'first.test.zone'));
  await ctx.zc.sync();
  for (const c of ctx.consumers) {
    await waitFor('drop first.test', async () => (await ask(c.port, 'www.first.test', 'A'))?.rcode === 'REFUSED', c);
    assert.ok(await serves(c, 'second.test', '192.0.2.20'), `${c.name} still serves second.test`);
  }
});

t.run();
