// Two `zonecast worker` processes on one RabbitMQ, beside a central, an api, an mdns and a producer (its
// recovery re-drives what failed), with a pool of two real targets (Knot and BIND) pulling from that mdns. Each change is carried by exactly one worker; one
// worker killed with SIGKILL in the middle of a burst of zone creates and recordset changes leaves its casts
// unacknowledged, the other worker carries them, and every zone ends ACTIVE and served by both targets at
// its serial. Under CI=true a missing RabbitMQ, MariaDB or daemon fails the suite.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { updatePools } from '../../services/central/pool-update.ts';
import { parsePoolsYaml } from '../../services/central/pools-yaml.ts';
import { openStorage } from '../../services/storage/open.ts';
import { call, type Reply } from '../api/http.ts';
import { soaOf } from '../helpers/backend-checks.ts';
import { rabbitmqUnavailable, startCluster, type Cluster, type ServiceInstance } from '../helpers/cluster.ts';
import { mariadbUnavailable } from '../helpers/mariadb.ts';
import { poolYaml } from '../helpers/pooled-system.ts';
import { runWhenReachable } from '../helpers/reachable.ts';
import { startTarget, type TargetDaemon } from '../helpers/targets.ts';
import { until } from '../helpers/until.ts';

interface Ctx {
  cluster: Cluster;
  api: ServiceInstance;
  workers: ServiceInstance[];
  targets: TargetDaemon[];
}

const api = (ctx: Ctx, method: string, path: string, body?: unknown): Promise<Reply> =>
  call(ctx.api.port, method, path, { headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

/** The worker's outcome lines: one per change it carried to the end. */
const carried = (w: ServiceInstance) => w.lines.filter((l) => l.msg === 'zone served by the pool' || l.msg === 'zone deleted from the pool');

/** What was last seen wrong, for the failure message. */
let mismatch = '';

async function everyZoneActiveAndServed(ctx: Ctx): Promise<boolean> {
  const zones = (await api(ctx, 'GET', '/v2/zones?limit=1000')).json.zones as { name: string; status: string; action: string; serial: number }[];
  for (const z of zones) {
    if (z.status !== 'ACTIVE') return !(mismatch = `${z.name} ${z.status}/${z.action}`);
    for (const target of ctx.targets) {
      const seen = await soaOf(target.port, z.name);
      if (seen.serial !== z.serial) return !(mismatch = `${z.name} serial ${z.serial}, ${target.type} ${seen.rcode} ${seen.serial}`);
    }
  }
  return true;
}

/** The workers' warnings and errors about `zone`, for a failure's message. */
const complaints = (ctx: Ctx, zone: string) => ctx.workers.flatMap((w) => w.lines)
  .filter((l) => (l.level as number) >= 40 && String(l.zone ?? '').startsWith(zone))
  .map((l) => `${l.msg} ${JSON.stringify(l.failed ?? l.nameservers ?? l.err ?? '')}`).slice(-8).join('\n');

const settled = (ctx: Ctx, timeoutMs: number) =>
  until('every zone ACTIVE and served by both targets at its serial', () => everyZoneActiveAndServed(ctx), timeoutMs)
    .catch((err: Error) => assert.unreachable(`${err.message}; last seen: ${mismatch}\n${complaints(ctx, mismatch.split(' ')[0])}`));

const t = suite<Ctx>('two workers on one RabbitMQ', {} as Ctx);

t.before(async (ctx) => {
  const mdnsPort = await freePort();
  ctx.targets = [];
  for (const type of ['knot2', 'bind9'] as const) {
    const target = await startTarget(type, mdnsPort);
    if (target) ctx.targets.push(target);
  }
  ctx.cluster = await startCluster({
    ZONECAST_SERVICE_WORKER_POLL_DELAY: '2', ZONECAST_SERVICE_WORKER_POLL_RETRY_INTERVAL: '0.5', ZONECAST_SERVICE_WORKER_POLL_MAX_RETRIES: '10',
    ZONECAST_DEFAULT_QUOTA_ZONES: '100',
    ZONECAST_PRODUCER_TASK_WORKER_PERIODIC_RECOVERY_INTERVAL: '2',
  });
  await ctx.cluster.start('central');
  const storage = await openStorage(ctx.cluster.db.url);
  try {
    await updatePools(storage, parsePoolsYaml(poolYaml(ctx.targets)));
  } finally {
    await storage.close();
  }
  ctx.api = await ctx.cluster.start('api');
  await ctx.cluster.start('mdns', { ZONECAST_SERVICE_MDNS_LISTEN: `127.0.0.1:${mdnsPort}` });
  ctx.workers = [await ctx.cluster.start('worker'), await ctx.cluster.start('worker')];
  // Its worker_periodic_recovery casts recover_shard: a change that failed under the burst is carried again.
  await ctx.cluster.start('producer');
});

t.after(async (ctx) => {
  await ctx.cluster?.close();
  for (const target of ctx.targets ?? []) await target.cleanup();
});

t('each change is carried by one worker', async (ctx) => {
  assert.is(ctx.targets.length, 2, 'knotd and named are installed');
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) {
    const r = await api(ctx, 'POST', '/v2/zones', { name: `once${i}.workers.example.`, email: 'ops@example.org' });
    assert.is(r.status, 202, r.text);
    ids.push(r.json.id);
  }
  await settled(ctx, 30_000);
  const lines = ctx.workers.flatMap(carried).filter((l) => ids.includes(l.zone_id as string));
  const perZone = new Map<string, number>();
  for (const l of lines) perZone.set(l.zone_id as string, (perZone.get(l.zone_id as string) ?? 0) + 1);
  assert.equal([...perZone.values()], ids.map(() => 1), 'one outcome per create, from one worker');
  assert.ok(ctx.workers.every((w) => carried(w).length > 0), 'both workers took creates');
});

t('a worker killed -9 in a burst: the other carries its changes, every zone ends ACTIVE', async (ctx) => {
  const [victim] = ctx.workers;
  const before = carried(victim).length;
  const writes: Promise<Reply>[] = [];
  for (let i = 0; i < 20; i++) writes.push(api(ctx, 'POST', '/v2/zones', { name: `burst${i}.workers.example.`, email: 'ops@example.org' }));
  const zones = (await api(ctx, 'GET', '/v2/zones?limit=1000')).json.zones as { id: string; name: string }[];
  for (const z of zones.filter((z) => z.name.startsWith('once'))) {
    writes.push(api(ctx, 'POST', `/v2/zones/${z.id}/recordsets`, { name: `burst.${z.name}`, type: 'A', records: ['192.0.2.7'] }));
  }
  // Killed while it has changes in hand: after its first outcome of the burst, before the burst is over.
  await until('the victim carries part of the burst', async () => carried(victim).length > before, 30_000);
  await ctx.cluster.kill9(victim);
  for (const r of await Promise.all(writes)) assert.is(r.status, 202, r.text);
  await settled(ctx, 60_000);
  const answer = await soaOf(ctx.targets[0].port, 'burst19.workers.example.');
  assert.is(answer.rcode, 'NOERROR');
});

runWhenReachable(t, 'two workers on one RabbitMQ', rabbitmqUnavailable() ?? (await mariadbUnavailable()));
