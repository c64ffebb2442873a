// The database stalls, then goes down, under a running cluster (a TCP proxy between the services and
// MariaDB holds every byte, then closes every connection): API writes and reads answer 503 with a body
// within a few seconds, /healthcheck says so (503, the database named) for load balancers, mdns keeps
// answering from memory, and once the database answers again everything works without a restart.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { call } from '../api/http.ts';
import { ask } from '../helpers/client.ts';
import { rabbitmqUnavailable, startCluster, type Cluster, type ServiceInstance } from '../helpers/cluster.ts';
import { runWhenReachable } from '../helpers/reachable.ts';
import { mariadbUnavailable } from '../helpers/mariadb.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/until.ts';

interface Ctx {
  cluster: Cluster;
  proxy: TcpProxy;
  api: ServiceInstance;
  mdns: ServiceInstance;
  zoneId: string;
}

const HEADERS = { 'content-type': 'application/json' };

const t = suite<Ctx>('cluster: the database stalls', {} as Ctx);

t.before(async (ctx) => {
  ctx.cluster = await startCluster();
  const mysql = new URL(ctx.cluster.db.url);
  ctx.proxy = await TcpProxy.start(Number(mysql.port || 3306), mysql.hostname);
  mysql.port = String(ctx.proxy.port);
  const viaProxy = { ZONECAST_STORAGE_CONNECTION: mysql.toString() };
  await ctx.cluster.start('central', viaProxy);
  ctx.api = await ctx.cluster.start('api');
  ctx.mdns = await ctx.cluster.start('mdns', viaProxy);
  const zone = await call(ctx.api.port, 'POST', '/v2/zones', { headers: HEADERS, body: JSON.stringify({ name: 'stall.example.', email: 'h@stall.example' }) });
  assert.is(zone.status, 202, zone.text);
  ctx.zoneId = zone.json.id;
  const rs = await call(ctx.api.port, 'POST', `/v2/zones/${ctx.zoneId}/recordsets`, { headers: HEADERS, body: JSON.stringify({ name: 'www.stall.example.', type: 'A', records: ['192.0.2.1'] }) });
  assert.is(rs.status, 202, rs.text);
  await until('www served', async () => (await ask(ctx.mdns.port, 'www.stall.example', 'A'))?.answers.length === 1, 10_000);
});

t.after(async (ctx) => {
  ctx.proxy?.resume();
  await ctx.cluster?.close();
  await ctx.proxy?.close();
});

/** /healthcheck within its bound, in oslo's JSON form: the status and the last reason. */
async function healthSays(ctx: Ctx, status: number, reason: RegExp): Promise<void> {
  const started = Date.now();
  const r = await call(ctx.api.port, 'GET', '/healthcheck', { headers: { accept: 'application/json' } });
  assert.ok(Date.now() - started < 4000, `healthcheck answered after ${Date.now() - started} ms`);
  assert.is(r.status, status, r.text);
  assert.is(r.json.detailed, false);
  assert.ok(reason.test(r.json.reasons.at(-1)), `healthcheck said ${r.text}`);
}

t('writes and reads get 503 within seconds; mdns answers from memory; all recovers without a restart', async (ctx) => {
  ctx.proxy.stall();
  const started = Date.now();
  const [write, read] = await Promise.all([
    call(ctx.api.port, 'POST', `/v2/zones/${ctx.zoneId}/recordsets`, { headers: HEADERS, body: JSON.stringify({ name: 'new.stall.example.', type: 'A', records: ['192.0.2.2'] }) }),
    call(ctx.api.port, 'GET', `/v2/zones/${ctx.zoneId}`),
  ]);
  const ms = Date.now() - started;
  for (const r of [write, read]) {
    assert.is(r.status, 503, r.text);
    assert.is(r.json.type, 'service_unavailable');
  }
  assert.ok(ms < 8000, `answered after ${ms} ms`);
  console.log(`  stalled database: 503 after ${ms} ms`);
  const answer = await ask(ctx.mdns.port, 'www.stall.example', 'A');
  assert.is(answer?.answers[0]?.data, '192.0.2.1', 'mdns keeps answering');
  // Central's own 2 s bound, or the API's on central when central is stuck behind the stalled database.
  await healthSays(ctx, 503, /^FAILED: (central or its )?database: no answer within \d+ ms$/);

  ctx.proxy.resume();
  await until('a write accepted again', async () => {
    const r = await call(ctx.api.port, 'POST', `/v2/zones/${ctx.zoneId}/recordsets`, { headers: HEADERS, body: JSON.stringify({ name: 'after.stall.example.', type: 'A', records: ['192.0.2.3'] }) });
    return r.status === 202;
  }, 20_000);
  await until('the change served', async () => (await ask(ctx.mdns.port, 'after.stall.example', 'A'))?.answers.length === 1, 10_000);
  await healthSays(ctx, 200, /^database: OK/);
});

t('a database that is down: 503 at once, and all recovers when it is back', async (ctx) => {
  ctx.proxy.cut();
  const started = Date.now();
  const write = await call(ctx.api.port, 'POST', `/v2/zones/${ctx.zoneId}/recordsets`, { headers: HEADERS, body: JSON.stringify({ name: 'down.stall.example.', type: 'A', records: ['192.0.2.4'] }) });
  assert.is(write.status, 503, write.text);
  assert.is(write.json.type, 'service_unavailable');
  assert.ok(Date.now() - started < 8000);
  assert.is((await ask(ctx.mdns.port, 'www.stall.example', 'A'))?.answers[0]?.data, '192.0.2.1', 'mdns keeps answering');
  await healthSays(ctx, 503, /^FAILED: (central or its )?database: /);
  ctx.proxy.resume();
  await until('a write accepted again', async () => {
    const r = await call(ctx.api.port, 'POST', `/v2/zones/${ctx.zoneId}/recordsets`, { headers: HEADERS, body: JSON.stringify({ name: 'up.stall.example.', type: 'A', records: ['192.0.2.5'] }) });
    return r.status === 202;
  }, 20_000);
  await until('the change served', async () => (await ask(ctx.mdns.port, 'up.stall.example', 'A'))?.answers.length === 1, 10_000);
});

runWhenReachable(t, 'cluster: the database stalls', rabbitmqUnavailable() ?? (await mariadbUnavailable()));
