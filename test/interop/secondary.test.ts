// Real secondaries pulling from zonecast. Knot, BIND and NSD each complete the first AXFR and serve the zone.
// After a reload with a new serial, zonecast's NOTIFY makes them refresh by IXFR, and they serve the new
// data and serial.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { stopServer, type Server } from '../../native-bench/lib/proc.ts';
import { NotifyPool } from '../../engine/notify/notify-pool.ts';
import { createLogger } from '../../services/log.ts';
import { Notifier } from '../../services/mdns/notifier.ts';
import { ask } from '../helpers/client.ts';
import { startBindSecondary } from '../helpers/bind-secondary.ts';
import { startKnotSecondary } from '../helpers/knot-secondary.ts';
import { startNsdSecondary } from '../helpers/nsd-secondary.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tool } from '../helpers/tools.ts';

const knotd = tool('knotd', 'knot');
const named = tool('named', 'bind9');
const nsd = tool('nsd', 'nsd');

interface Ctx { dir: string; zones: string; zc: TestServer; pool: NotifyPool; secondaries: { name: string; server: Server & { lines: string[] }; port: number }[] }
const t = suite<Ctx>('secondaries');

const zone = (serial: number, extra: string) =>
  `$TTL 300\n@ SOA ns1 hostmaster ${serial} 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.1\n` +
  Array.from({ length: 500 }, (_, i) => `h${i} A 10.1.${i >> 8}.${i & 255}\n`).join('') + extra;

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-secondary-'));
  ctx.zones = join(ctx.dir, 'zones');
  mkdirSync(ctx.zones);
  writeFileSync(join(ctx.zones, 'sec.test.zone'), zone(1, 'old A 192.0.2.10\n'));
  const ports = { knot: await freePort(), bind: await freePort(), nsd: await freePort() };
  const wanted = [knotd ? 'knot' : null, named ? 'bind' : null, nsd ? 'nsd' : null].filter((x) => x !== null) as ('knot' | 'bind' | 'nsd')[];
  ctx.pool = new NotifyPool();
  const notifier = new Notifier(ctx.pool, {
    targets: wanted.map((w) => ({ host: '127.0.0.1', port: ports[w], key: null })), retries: 3, initialTimeoutMs: 300,
  }, createLogger('mdns', 'silent'));
  ctx.zc = await startServer({ allowTransfer: ['127.0.0.1'] }, ctx.zones, {
    journalDir: join(ctx.dir, 'journal'), onServing: (z, s) => notifier.announce(z, s),
  });
  ctx.secondaries = wanted.map((w) => ({
    name: w,
    port: ports[w],
    server: w === 'knot'
      ? startKnotSecondary(knotd!, join(ctx.dir, 'knot'), ports.knot, ctx.zc.port, ['sec.test.'])
      : w === 'bind'
        ? startBindSecondary(named!, join(ctx.dir, 'bind'), ports.bind, ctx.zc.port, ['sec.test.'])
        : startNsdSecondary(nsd!, join(ctx.dir, 'nsd'), ports.nsd, ctx.zc.port, ['sec.test.']),
  }));
});

t.after(async (ctx) => {
  for (const s of ctx.secondaries ?? []) await stopServer(s.server);
  await ctx.zc?.close();
  await ctx.pool?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

async function waitFor(what: string, check: () => Promise<boolean>, log: string[], ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${log.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// How each secondary's log shows the kind of transfer. BIND 9.18 does not name it at the default level, so
// the record count tells: the full zone is 505 records, the increment SOA, SOA, 1 deleted, SOA, 1 added, SOA.
const TRANSFER_LOG = {
  knot: { axfr: /AXFR, incoming.*finished/, ixfr: /IXFR, incoming.*finished/, notAxfr: /AXFR, incoming/ },
  bind: { axfr: /Transfer completed: \d+ messages, 505 records/, ixfr: /Transfer completed: \d+ messages, 6 records/, notAxfr: /505 records/ },
  // NSD names neither; the size does: the full zone is about 10 kB, the increment a few hundred bytes.
  nsd: { axfr: /received update to serial 1 .* of \d{5} bytes/, ixfr: /received update to serial 2 .* of \d{1,3} bytes/, notAxfr: /serial 2 .* of \d{4,} bytes/ },
};

t('first AXFR, then NOTIFY and IXFR after a reload, into Knot, BIND and NSD', async (ctx) => {
  for (const s of ctx.secondaries) {
    await waitFor(`${s.name} to serve serial 1`, async () => (await ask(s.port, 'sec.test', 'SOA'))?.answers[0]?.data.serial === 1, s.server.lines);
    assert.is((await ask(s.port, 'h499.sec.test', 'A'))!.answers[0].data, '10.1.1.243', s.name);
    assert.ok(s.server.lines.some((l) => TRANSFER_LOG[s.name as 'knot'].axfr.test(l)), `${s.name} logged the AXFR:\n${s.server.lines.join('\n')}`);
  }
  const before = ctx.secondaries.map((s) => s.server.lines.length);
  writeFileSync(join(ctx.zones, 'sec.test.zone'), zone(2, 'new A 192.0.2.20\n'));
  await ctx.zc.directory.sync();
  for (const [i, s] of ctx.secondaries.entries()) {
    await waitFor(`${s.name} to serve serial 2`, async () => (await ask(s.port, 'sec.test', 'SOA'))?.answers[0]?.data.serial === 2, s.server.lines);
    const since = s.server.lines.slice(before[i]).join('\n');
    const log = TRANSFER_LOG[s.name as 'knot'];
    assert.match(since, log.ixfr, `${s.name} used IXFR:\n${since}`);
    assert.not.match(since, log.notAxfr, `${s.name} did not fall back to AXFR`);
    assert.is((await ask(s.port, 'new.sec.test', 'A'))!.answers[0].data, '192.0.2.20', s.name);
    assert.is((await ask(s.port, 'old.sec.test', 'A'))!.rcode, 'NXDOMAIN', s.name);
  }
});

t.run();
