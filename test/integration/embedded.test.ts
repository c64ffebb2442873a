// The embedded default end to end (`zonecast start`): a zone created through the v2 API answers over DNS,
// changes arrive as new serials with IXFR, the zone turns ACTIVE, deletion stops it answering, and a restart
// over the same data directory serves every zone again. The same again with [storage] connection on MariaDB.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import dnsPacket from 'dns-packet';
import { startAll, type AllServices } from '../../services/all.ts';
import { loadConfig } from '../../services/config/options.ts';
import { createLogger } from '../../services/log.ts';
import { call } from '../api/http.ts';
import { ask, query, transferAnswers, udp, type Decoded } from '../helpers/client.ts';
import { createScratchDatabase, mariadbUnavailable, MYSQL_URL } from '../helpers/mariadb.ts';
import { startServer } from '../helpers/server.ts';

interface Ctx {
  dir: string;
  all: AllServices;
  start(): Promise<AllServices>;
  cleanup(): Promise<void>;
}

function starter(dir: string, connection: string | undefined): () => Promise<AllServices> {
  return () => {
    const cli: Record<string, string | string[]> = { 'data-dir': dir, listen: ['127.0.0.1:0'], 'api-listen': ['127.0.0.1:0'], 'compile-threads': '1' };
    if (connection) cli.connection = connection;
    return startAll(loadConfig({ env: {}, cli }), createLogger('zonecast', process.env.ZONECAST_TEST_LOG ?? 'silent'));
  };
}

const apiPort = (ctx: Ctx) => ctx.all.api.ports[0];
const dnsPort = (ctx: Ctx) => ctx.all.mdns.server.endpoints[0].port;

function api(ctx: Ctx, method: string, path: string, body?: unknown) {
  return call(apiPort(ctx), method, path, {
    headers: { 'content-type': 'application/json', 'x-auth-project-id': 'embedded' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Polls until the zone shows `status` through the API (mdns reports on the bus in the background). */
async function untilStatus(ctx: Ctx, zoneId: string, status: string): Promise<any> {
  let zone: any = null;
  for (let i = 0; i < 200 && zone?.status !== status; i++) {
    if (zone !== null) await new Promise((r) => setTimeout(r, 25));
    zone = (await api(ctx, 'GET', `/v2/zones/${zoneId}`)).json;
  }
  assert.is(zone.status, status, `zone ${zoneId}: ${JSON.stringify(zone)}`);
  return zone;
}

/** The rcode of a NOTIFY for `zone` sent from 127.0.0.1. */
async function notify(ctx: Ctx, zone: string): Promise<string> {
  return (await udp(dnsPort(ctx), query(zone, 'SOA', { opcode: 4, flags: 0, edns: false }))).rcode;
}

/**
 * Polls until `check` accepts the answer to name/type (mdns compiles in the background). The deadline (about
 * 10 s) is generous: a restart on a busy 2-core machine starts threads and compiles with a cold cache.
 */
async function until(ctx: Ctx, name: string, type: string, check: (d: Decoded) => boolean): Promise<Decoded> {
  let last: Decoded | null = null;
  for (let i = 0; i < 400; i++) {
    last = await ask(dnsPort(ctx), name, type);
    if (last && check(last)) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new assert.Assertion({ message: `${name} ${type} never satisfied the check; last: ${JSON.stringify(last)}`, operator: 'until', expects: true, actual: false });
}

function register(engine: string, database: () => Promise<{ url?: string; drop(): Promise<void> }>): void {
  const t = suite<Ctx>(`embedded: api + central + mdns (${engine})`, {} as Ctx);

  t.before(async (ctx) => {
    ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-embedded-'));
    const db = await database();
    ctx.start = starter(ctx.dir, db.url);
    ctx.cleanup = db.drop;
    ctx.all = await ctx.start();
  });

  t.after(async (ctx) => {
    await ctx.all?.close();
    await ctx.cleanup?.();
    rmSync(ctx.dir, { recursive: true, force: true });
  });

  t('a zone created through the API answers on DNS and becomes ACTIVE', async (ctx) => {
    const z = await api(ctx, 'POST', '/v2/zones', { name: 'embedded.example.', email: 'hostmaster@embedded.example' });
    assert.is(z.status, 202, z.text);
    const soa = await until(ctx, 'embedded.example', 'SOA', (d) => d.rcode === 'NOERROR' && d.answers.length === 1);
    assert.is(soa.answers[0].data.serial, z.json.serial);
    assert.is(soa.answers[0].data.mname, 'ns1.example.org');
    for (let i = 0; i < 100; i++) {
      if ((await api(ctx, 'GET', `/v2/zones/${z.json.id}`)).json.status === 'ACTIVE') return;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.unreachable('the zone never became ACTIVE');
  });

  t('a recordset change serves a new serial, and IXFR carries the difference', async (ctx) => {
    const zone = (await api(ctx, 'GET', '/v2/zones?name=embedded.example.')).json.zones[0];
    const before = zone.serial;
    const rs = await api(ctx, 'POST', `/v2/zones/${zone.id}/recordsets`, { name: 'www.embedded.example.', type: 'A', records: ['192.0.2.10'] });
    assert.is(rs.status, 202, rs.text);
    const a = await until(ctx, 'www.embedded.example', 'A', (d) => d.answers.length === 1);
    assert.is(a.answers[0].data, '192.0.2.10');
    const after = (await api(ctx, 'GET', `/v2/zones/${zone.id}`)).json.serial;
    assert.ok(after !== before);

    const ixfr = dnsPacket.encode({
      type: 'query', id: 9, flags: 0, questions: [{ type: 'IXFR', name: 'embedded.example', class: 'IN' } as never],
      authorities: [{ type: 'SOA', name: 'embedded.example', ttl: 0, data: { mname: 'x.', rname: 'x.', serial: before, refresh: 0, retry: 0, expire: 0, minimum: 0 } } as never],
    });
    let answers = await transferAnswers(dnsPort(ctx), ixfr);
    for (let i = 0; i < 100 && answers.length > 0 && answers[1]?.type !== 'SOA'; i++) {
      // The journal step lands just after the new serial starts serving; until then IXFR falls back to AXFR.
      await new Promise((r) => setTimeout(r, 20));
      answers = await transferAnswers(dnsPort(ctx), ixfr);
    }
    const shape = answers.map((r) => `${r.type}${r.type === 'SOA' ? ` ${r.data.serial}` : ` ${r.name} ${r.data}`}`);
    assert.equal(shape, [`SOA ${after}`, `SOA ${before}`, `SOA ${after}`, 'A www.embedded.example 192.0.2.10', `SOA ${after}`]);

    const axfr = await transferAnswers(dnsPort(ctx), dnsPacket.encode({
      type: 'query', id: 10, flags: 0, questions: [{ type: 'AXFR', name: 'embedded.example', class: 'IN' } as never],
    }));
    assert.equal(axfr.map((r) => r.type).sort(), ['A', 'NS', 'SOA', 'SOA']);
  });

  t('a restart over the same data directory serves every zone again', async (ctx) => {
    const created = await api(ctx, 'POST', '/v2/zones', { name: 'second.example.', email: 'a@second.example' });
    assert.is(created.status, 202);
    await until(ctx, 'second.example', 'SOA', (d) => d.answers.length === 1);
    await ctx.all.close();
    ctx.all = await ctx.start();
    await until(ctx, 'www.embedded.example', 'A', (d) => d.answers.length === 1 && d.answers[0].data === '192.0.2.10');
    await until(ctx, 'second.example', 'SOA', (d) => d.answers.length === 1);
    const zones = (await api(ctx, 'GET', '/v2/zones')).json.zones.map((z: any) => z.name).sort();
    assert.equal(zones, ['embedded.example.', 'second.example.']);
  });

  t('a SECONDARY zone created through the API is transferred in from its master and becomes ACTIVE', async (ctx) => {
    const primary = await startServer({ allowTransfer: ['127.0.0.1'] });
    try {
      const created = await api(ctx, 'POST', '/v2/zones', { name: 'example.net.', type: 'SECONDARY', masters: [`127.0.0.1:${primary.port}`] });
      assert.is(created.status, 202, created.text);
      const soa = await until(ctx, 'example.net', 'SOA', (d) => d.answers.length === 1);
      assert.is(soa.answers[0].data.serial, 2026112201, "the master's serial");
      assert.is((await until(ctx, 'mail.example.net', 'A', (d) => d.answers.length > 0)).answers[0].data, '198.51.100.25');
      let zone = created.json;
      for (let i = 0; i < 100 && zone.status !== 'ACTIVE'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        zone = (await api(ctx, 'GET', `/v2/zones/${created.json.id}`)).json;
      }
      assert.is(zone.status, 'ACTIVE');
      assert.is(zone.serial, 2026112201, 'the zone records the transferred serial');
      const xfr = await api(ctx, 'POST', `/v2/zones/${zone.id}/tasks/xfr`);
      assert.is(xfr.status, 202, xfr.text);
      assert.is((await api(ctx, 'DELETE', `/v2/zones/${zone.id}`)).status, 202);
      await until(ctx, 'example.net', 'SOA', (d) => d.rcode === 'REFUSED');
    } finally {
      await primary.close();
    }
  });

  t('PATCHed masters of a SECONDARY zone take over: transfers, refreshes and NOTIFY', async (ctx) => {
    // The wrong master answers SOA queries at once but refuses the transfer, so no version can come from it.
    const wrong = await startServer({ listen: [{ host: '127.0.0.2', port: 0 }], allowTransfer: [] });
    const first = await startServer({ allowTransfer: ['127.0.0.1'] });
    const second = await startServer({ allowTransfer: ['127.0.0.1'] });
    const running = new Set([wrong, first, second]);
    try {
      const created = await api(ctx, 'POST', '/v2/zones', { name: 'example.net.', type: 'SECONDARY', masters: [`127.0.0.2:${wrong.port}`] });
      assert.is(created.status, 202, created.text);
      const id = created.json.id;
      await until(ctx, 'example.net', 'SOA', (d) => d.rcode === 'SERVFAIL'); // hosted, with nothing to serve
      assert.is(await notify(ctx, 'example.net'), 'REFUSED', '127.0.0.1 is not a master yet');

      const patched = await api(ctx, 'PATCH', `/v2/zones/${id}`, { masters: [`127.0.0.1:${first.port}`] });
      assert.is(patched.status, 202, patched.text);
      assert.equal(patched.json.masters, [`127.0.0.1:${first.port}`]);
      assert.is((await until(ctx, 'mail.example.net', 'A', (d) => d.answers.length > 0)).answers[0].data, '198.51.100.25');
      assert.is((await untilStatus(ctx, id, 'ACTIVE')).serial, 2026112201, "the new master's serial");

      // Another master of the same version: nothing new to transfer, yet the zone, PENDING since the PATCH, turns
      // ACTIVE again with the master's serial, which only a refresh reaching the new master reports (the first is gone).
      running.delete(first);
      await first.close();
      const moved = await api(ctx, 'PATCH', `/v2/zones/${id}`, { masters: [`127.0.0.1:${second.port}`] });
      assert.is(moved.status, 202, moved.text);
      assert.is((await untilStatus(ctx, id, 'ACTIVE')).serial, 2026112201);
      assert.is((await ask(dnsPort(ctx), 'mail.example.net', 'A'))?.answers[0].data, '198.51.100.25', 'the version held kept answering');
      assert.is(await notify(ctx, 'example.net'), 'NOERROR', 'NOTIFY from the new master is accepted');
      assert.is((await api(ctx, 'DELETE', `/v2/zones/${id}`)).status, 202);
      await until(ctx, 'example.net', 'SOA', (d) => d.rcode === 'REFUSED');
    } finally {
      await Promise.all([...running].map((server) => server.close()));
    }
  });

  t('a deleted zone stops answering', async (ctx) => {
    const zone = (await api(ctx, 'GET', '/v2/zones?name=second.example.')).json.zones[0];
    assert.is((await api(ctx, 'DELETE', `/v2/zones/${zone.id}`)).status, 202);
    await until(ctx, 'second.example', 'SOA', (d) => d.rcode === 'REFUSED');
  });

  t.run();
}

register('sqlite', async () => ({ drop: async () => {} }));
const why = await mariadbUnavailable();
if (why === null) register('mysql', async () => createScratchDatabase());
else if (process.env.CI === 'true') throw new Error(`MariaDB at ${MYSQL_URL} is unreachable: ${why}`);
else console.log(`embedded (mysql) skipped: MariaDB is unreachable (${why})`);
