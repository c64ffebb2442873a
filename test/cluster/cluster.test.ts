// The distributed mode as operators run it: 2 api + 2 central + 2 mdns processes over RabbitMQ and MariaDB.
// A write storm through both APIs while one of each service is killed with SIGKILL and restarted; a change
// central committed but never announced (killed in between); the broker dropping every connection.
// Afterwards every write that got a 2xx is stored and answered by both mdns instances, and every zone is
// ACTIVE. Under CI=true a missing RabbitMQ or MariaDB fails the suite.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { call, type Reply } from '../api/http.ts';
import { query, transferAnswers } from '../helpers/client.ts';
import { closeBrokerConnections, rabbitmqUnavailable, startCluster, type Cluster, type ServiceInstance } from '../helpers/cluster.ts';
import { runWhenReachable } from '../helpers/reachable.ts';
import { mariadbUnavailable } from '../helpers/mariadb.ts';

interface Ctx {
  cluster: Cluster;
  apis: ServiceInstance[];
  centrals: ServiceInstance[];
  mdns: ServiceInstance[];
  zones: { id: string; name: string }[];
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A request to one of the APIs; one that gets no answer in 30 s fails the test rather than hanging it. */
async function apiCall(ctx: Ctx, method: string, path: string, body?: unknown, which = 0): Promise<Reply> {
  const api = ctx.apis[which % ctx.apis.length];
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${method} ${path} to api ${api.pid}: no answer in 30 s`)), 30_000);
  });
  try {
    return await Promise.race([call(api.port, method, path, { headers: JSON_HEADERS, body: body === undefined ? undefined : JSON.stringify(body) }), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** The A records of every name of `zone` as one mdns serves it (by AXFR): name -> address. */
async function served(port: number, zone: string): Promise<Map<string, string>> {
  const answers = await transferAnswers(port, query(zone, 'AXFR'));
  return new Map(answers.filter((rr) => rr.type === 'A').map((rr) => [`${rr.name}.`.toLowerCase(), String(rr.data)]));
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
}

async function allActive(ctx: Ctx): Promise<true | null> {
  const r = await apiCall(ctx, 'GET', '/v2/zones?limit=100');
  if (r.status !== 200) return null;
  return (r.json.zones as { status: string }[]).every((z) => z.status === 'ACTIVE') ? true : null;
}

const t = suite<Ctx>('cluster: 2 api + 2 central + 2 mdns', {} as Ctx);

t.before(async (ctx) => {
  ctx.cluster = await startCluster();
  ctx.centrals = [await ctx.cluster.start('central'), await ctx.cluster.start('central')];
  ctx.apis = await Promise.all([ctx.cluster.start('api'), ctx.cluster.start('api')]);
  ctx.mdns = await Promise.all([ctx.cluster.start('mdns'), ctx.cluster.start('mdns')]);
  ctx.zones = [];
  for (let i = 0; i < 3; i++) {
    const r = await apiCall(ctx, 'POST', '/v2/zones', { name: `storm${i}.example.`, email: 'hostmaster@example.org' }, i);
    assert.is(r.status, 202, r.text);
    ctx.zones.push({ id: r.json.id, name: r.json.name });
  }
  await until('zones ACTIVE', 20_000, () => allActive(ctx));
});

t.after(async (ctx) => {
  await ctx.cluster?.close();
});

t('every instance heartbeats into service_statuses', async (ctx) => {
  const statuses = await until('six instances UP', 10_000, async () => {
    const r = await apiCall(ctx, 'GET', '/v2/service_statuses');
    const up = (r.json?.service_statuses ?? []).filter((s: { status: string }) => s.status === 'UP');
    return up.length >= 6 ? up : null;
  });
  const names = statuses.map((s: { service_name: string }) => s.service_name).sort();
  assert.equal(names, ['api', 'api', 'central', 'central', 'mdns', 'mdns']);
});

t('write storm through both APIs while one central, one api and one mdns are killed -9 and restarted', async (ctx) => {
  interface Name { zone: number; name: string; data: string | null; certain: boolean }
  const names: Name[] = [];
  for (let i = 0; i < 150; i++) {
    const zone = i % 3;
    names.push({ zone, name: `host${i}.${ctx.zones[zone].name}`, data: null, certain: true });
  }
  const unexpected: string[] = [];
  let done = 0;
  /** One operation; false when its outcome is unknown (the process that had it died). */
  const op = async (n: Name, i: number, method: string, path: string, body: unknown, after: string | null): Promise<boolean> => {
    let r: Reply | null = null;
    for (let attempt = 0; r === null; attempt++) {
      try {
        r = await apiCall(ctx, method, path, body, i + attempt);
      } catch (err) {
        // Refused: that api is dead and the request never left, so the other one takes it. Anything else:
        // the api process was killed with the request in flight, and its outcome is unknown.
        if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || attempt > 20) return false;
      }
    }
    done++;
    if (r.status >= 200 && r.status < 300) {
      n.data = after;
      return true;
    }
    // A call whose central was killed after taking it gets no reply: 503, outcome unknown. Anything else is wrong.
    if (r.status === 503 && /no reply/.test(r.text)) return false;
    unexpected.push(`${method} ${path}: ${r.status} ${r.text}`);
    return false;
  };
  const worker = async (w: number) => {
    for (let i = w; i < names.length; i += 6) {
      const n = names[i];
      const base = `/v2/zones/${ctx.zones[n.zone].id}/recordsets`;
      const created = await op(n, i, 'POST', base, { name: n.name, type: 'A', records: [`192.0.2.${i % 250}`] }, `192.0.2.${i % 250}`);
      if (!created) {
        n.certain = false;
        continue;
      }
      // A read has no outcome to lose: retried (on the other api) until one answers.
      const list = await until(`the id of ${n.name}`, 20_000, async () => {
        const reply = await apiCall(ctx, 'GET', `${base}?name=${n.name}`, undefined, i + 1);
        return reply.status === 200 ? reply : null;
      });
      const id = list.json.recordsets[0]?.id;
      if (!id) {
        n.certain = false;
        continue;
      }
      if (!(await op(n, i + 1, 'PUT', `${base}/${id}`, { records: [`198.51.100.${i % 250}`] }, `198.51.100.${i % 250}`))) {
        n.certain = false;
        continue;
      }
      if (i % 3 === 0 && !(await op(n, i, 'DELETE', `${base}/${id}`, undefined, null))) n.certain = false;
    }
  };
  const storm = Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
  const everyone = [...ctx.apis, ...ctx.centrals, ...ctx.mdns];
  await until('a third of the storm', 60_000, async () => (done >= 120 ? true : null));
  await Promise.all([ctx.cluster.kill9(ctx.centrals[0]), ctx.cluster.kill9(ctx.apis[1]), ctx.cluster.kill9(ctx.mdns[1])]);
  // The dead api's requests fail over to the live one until it is back.
  ctx.apis[1] = ctx.apis[0];
  await sleep(500);
  ctx.centrals[0] = await ctx.cluster.start('central');
  ctx.apis[1] = await ctx.cluster.start('api');
  ctx.mdns[1] = await ctx.cluster.start('mdns');
  everyone.push(ctx.centrals[0], ctx.apis[1], ctx.mdns[1]);
  await storm;
  // What the processes warned of says why, should a call be refused unexpectedly.
  const warnings = everyone.flatMap((i) => i.lines.filter((l) => Number(l.level) >= 40).map((l) => `${i.service} ${i.pid}: ${JSON.stringify(l)}`));
  assert.equal(unexpected, [], `no 5xx but calls in flight on a killed central; warnings:\n${warnings.join('\n')}`);
  const certain = names.filter((n) => n.certain);
  console.log(`  storm: ${done} writes answered, ${names.length - certain.length} of ${names.length} names with an unknown outcome`);
  // Six workers: at most six writes are in flight when the api and the central die.
  assert.ok(certain.length >= names.length - 6, `${names.length - certain.length} writes had unknown outcomes`);

  await until('every zone ACTIVE', 30_000, () => allActive(ctx));
  // Most changes were patched from what their announcements carried, without reading storage; the AXFR
  // comparison below shows that what they carried is what was stored.
  assert.ok(ctx.mdns[0].lines.filter((l) => l.announced === true).length > 50, 'changes patched from their announcements');
  for (const [z, zone] of ctx.zones.entries()) {
    const r = await apiCall(ctx, 'GET', `/v2/zones/${zone.id}/recordsets?type=A&limit=1000`);
    const stored = new Map((r.json.recordsets as { name: string; records: string[] }[]).map((rs) => [rs.name, rs.records[0]]));
    for (const n of certain.filter((c) => c.zone === z)) assert.is(stored.get(n.name) ?? null, n.data, `stored ${n.name}`);
    for (const m of ctx.mdns) {
      const answers = await until(`mdns ${m.pid} serves ${zone.name} as stored`, 15_000, async () => {
        const got = await served(m.port, zone.name);
        return [...stored].every(([name, data]) => got.get(name) === data) && got.size === stored.size ? got : null;
      });
      for (const n of certain.filter((c) => c.zone === z)) assert.is(answers.get(n.name) ?? null, n.data, `mdns ${m.pid}: ${n.name}`);
    }
  }
});

t('a change committed by a central killed before announcing it reaches both mdns', async (ctx) => {
  const zone = ctx.zones[0];
  // Only a central that dies between commit and announcement takes calls now.
  await Promise.all(ctx.centrals.map((c) => ctx.cluster.kill9(c)));
  const faulty = await ctx.cluster.start('central', { ZONECAST_FAULT_KILL_BEFORE_ANNOUNCE: '1' });
  const name = `unannounced.${zone.name}`;
  // The API waits out rpc_response_timeout for a reply that never comes; mdns is watched meanwhile.
  // Until the APIs see the new central (they ask the broker once a second), they answer 503 at once.
  const reply = (async () => {
    for (;;) {
      const r = await apiCall(ctx, 'POST', `/v2/zones/${zone.id}/recordsets`, { name, type: 'A', records: ['203.0.113.7'] });
      if (r.status !== 503 || !/no central service is running/.test(r.text)) return r;
      await sleep(200);
    }
  })();
  await until('the faulty central to take the call and die', 20_000, async () => (faulty.exitedAt === null ? null : true));
  const died = faulty.exitedAt!;
  const ms = await Promise.all(ctx.mdns.map((m) => until(`mdns ${m.pid} serves the unannounced change`, 15_000, async () =>
    ((await served(m.port, zone.name)).get(name) === '203.0.113.7' ? Date.now() - died : null))));
  const r = await reply;
  assert.is(r.status, 503, r.text);
  console.log(`  unannounced change served by both mdns ${Math.max(...ms)} ms after its central died (sync_interval 1 s)`);
  ctx.centrals = [await ctx.cluster.start('central'), await ctx.cluster.start('central')];
  await until('the zone ACTIVE again', 15_000, () => allActive(ctx));
});

t('every service reconnects after the broker drops all connections; changes keep flowing', async (ctx) => {
  closeBrokerConnections(ctx.cluster.vhost);
  const zone = ctx.zones[1];
  const name = `after-reconnect.${zone.name}`;
  const r = await until('a write accepted after the broker came back', 20_000, async () => {
    const reply = await apiCall(ctx, 'POST', `/v2/zones/${zone.id}/recordsets`, { name, type: 'A', records: ['203.0.113.8'] });
    if (reply.status === 503) return null;
    return reply;
  });
  assert.is(r.status, 202, r.text);
  for (const m of ctx.mdns) {
    await until(`mdns ${m.pid} serves the change`, 10_000, async () => ((await served(m.port, zone.name)).get(name) === '203.0.113.8' ? true : null));
  }
  await until('every zone ACTIVE', 15_000, () => allActive(ctx));
});

t('zonecast start with transport_url joins the cluster: its changes reach the other mdns, and theirs reach it', async (ctx) => {
  const start = await ctx.cluster.start('start', { ZONECAST_DEFAULT_STATE_PATH: 'start-data' });
  const zone = ctx.zones[2];
  const viaStart = await call(start.port, 'POST', `/v2/zones/${zone.id}/recordsets`, { headers: JSON_HEADERS, body: JSON.stringify({ name: `from-start.${zone.name}`, type: 'A', records: ['203.0.113.21'] }) });
  assert.is(viaStart.status, 202, viaStart.text);
  const viaCluster = await apiCall(ctx, 'POST', `/v2/zones/${zone.id}/recordsets`, { name: `from-cluster.${zone.name}`, type: 'A', records: ['203.0.113.22'] });
  assert.is(viaCluster.status, 202, viaCluster.text);
  for (const port of [start.dnsPort, ...ctx.mdns.map((m) => m.port)]) {
    await until(`mdns on ${port} serves both changes`, 15_000, async () => {
      const got = await served(port, zone.name);
      return got.get(`from-start.${zone.name}`) === '203.0.113.21' && got.get(`from-cluster.${zone.name}`) === '203.0.113.22' ? true : null;
    });
  }
  await ctx.cluster.stop(start);
  await until('every zone ACTIVE', 15_000, () => allActive(ctx));
});

t('an instance killed -9 turns DOWN, one stopped with SIGTERM reports STOPPED', async (ctx) => {
  const statusOf = async (pid: number) => {
    const r = await apiCall(ctx, 'GET', '/v2/service_statuses?limit=100');
    return (r.json.service_statuses as { hostname: string; status: string }[]).find((s) => s.hostname.endsWith(`-${pid}`))?.status ?? null;
  };
  const [killed, stopped] = [await ctx.cluster.start('mdns'), await ctx.cluster.start('mdns')];
  await until('both UP', 10_000, async () => ((await statusOf(killed.pid)) === 'UP' && (await statusOf(stopped.pid)) === 'UP' ? true : null));
  await ctx.cluster.kill9(killed);
  await ctx.cluster.stop(stopped);
  await until('the stopped one STOPPED', 5000, async () => ((await statusOf(stopped.pid)) === 'STOPPED' ? true : null));
  // Three missed heartbeats (1 s each here), noticed at the next heartbeat central records.
  await until('the killed one DOWN', 10_000, async () => ((await statusOf(killed.pid)) === 'DOWN' ? true : null));
});

runWhenReachable(t, 'cluster: 2 api + 2 central + 2 mdns', rabbitmqUnavailable() ?? (await mariadbUnavailable()));
