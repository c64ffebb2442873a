// Three `zonecast producer` processes on one Redis, then on one memcached ([coordination] backend_url): they
// divide the 4096 zone shards with no overlap and no gap; one killed with SIGKILL has its shards taken over
// by the other two within about three heartbeats and a task interval (4 s here); zone_purge purges a zone
// deleted longer ago than its threshold, once. Without a backend, two producers each take every shard and
// warn about the other.
// Under CI=true a missing Redis, memcached, RabbitMQ or MariaDB fails the suite.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStorage } from '../../services/storage/open.ts';
import { call } from '../api/http.ts';
import { rabbitmqUnavailable, startCluster, type Cluster, type ServiceInstance } from '../helpers/cluster.ts';
import { mariadbUnavailable } from '../helpers/mariadb.ts';
import { runWhenReachable } from '../helpers/reachable.ts';
import { startMemcached } from '../helpers/memcached.ts';
import { redisUnavailable, scratchNamespace } from '../helpers/redis.ts';
import { until } from '../helpers/until.ts';

interface Ctx {
  cluster: Cluster;
  api: ServiceInstance;
  producers: ServiceInstance[];
  /** Removes what the backend kept for this run. */
  cleanup(): Promise<void>;
}

/** A coordination backend of this run's own: its backend_url and how to remove it. */
type Backend = () => Promise<{ url: string; cleanup(): Promise<void> } | null>;

const HEARTBEAT_S = 0.5;
const INTERVAL_S = 0.5;

/** Each live producer's shards in its latest zone_purge run since `since` (ms epoch). */
function latestRanges(producers: ServiceInstance[], since: number): Map<number, [number, number]> {
  const ranges = new Map<number, [number, number]>();
  for (const p of producers) {
    const run = p.lines.filter((l) => l.msg === 'task run' && l.task === 'zone_purge' && Date.parse(l.time as string) >= since).at(-1);
    if (run) ranges.set(p.pid, [run.first as number, run.last as number]);
  }
  return ranges;
}

/** Whether `ranges` cover 0..4095 exactly once each. */
function partition(ranges: [number, number][]): boolean {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let next = 0;
  for (const [first, last] of sorted) {
    if (first !== next) return false;
    next = last + 1;
  }
  return next === 4096;
}

function threeProducers(name: string, backend: Backend): void {
  const t = suite<Ctx>(`three producers on ${name}`, {} as Ctx);

  t.before(async (ctx) => {
    const made = await backend();
    if (made === null) throw new Error(`${name} is not installed`);
    ctx.cleanup = made.cleanup;
    ctx.cluster = await startCluster({
      ZONECAST_COORDINATION_BACKEND_URL: made.url,
      ZONECAST_COORDINATION_HEARTBEAT_INTERVAL: String(HEARTBEAT_S),
      ZONECAST_SERVICE_PRODUCER_ENABLED_TASKS: 'zone_purge',
      ZONECAST_PRODUCER_TASK_ZONE_PURGE_INTERVAL: String(INTERVAL_S),
      ZONECAST_PRODUCER_TASK_ZONE_PURGE_TIME_THRESHOLD: '2',
    });
    await ctx.cluster.start('central');
    ctx.api = await ctx.cluster.start('api');
    ctx.producers = await Promise.all([ctx.cluster.start('producer'), ctx.cluster.start('producer'), ctx.cluster.start('producer')]);
  });

  t.after(async (ctx) => {
    await ctx.cluster?.close();
    await ctx.cleanup?.();
  });

  t('the shards are divided among the three with no overlap and no gap', async (ctx) => {
    const since = Date.now() + HEARTBEAT_S * 1000;
    await until('every producer ran over its share', async () => {
      const ranges = latestRanges(ctx.producers, since);
      return ranges.size === 3 && partition([...ranges.values()]);
    }, 10_000);
  });

  t('one killed -9: the other two take its shards over once its membership expires', async (ctx) => {
    const [victim, ...survivors] = ctx.producers;
    await ctx.cluster.kill9(victim);
    const killedAt = Date.now();
    // A membership expires after three heartbeats (memcached: rounded up to whole seconds, plus up to one
    // second of its clock); the survivors see it at their next run.
    const bound = (Math.ceil(3 * HEARTBEAT_S) + 1 + 2 * INTERVAL_S) * 1000;
    await until('the two survivors cover every shard', async () => {
      const ranges = latestRanges(survivors, Date.now() - INTERVAL_S * 1000);
      return ranges.size === 2 && partition([...ranges.values()]);
    }, bound);
    assert.ok(Date.now() - killedAt <= bound, `taken over within ${bound} ms`);
  });

  t('zone_purge purges a zone deleted longer ago than time_threshold, once', async (ctx) => {
    const headers = { 'content-type': 'application/json' };
    const created = await call(ctx.api.port, 'POST', '/v2/zones', { headers, body: JSON.stringify({ name: 'purged.example.', email: 'ops@example.org' }) });
    assert.is(created.status, 202, created.text);
    assert.is((await call(ctx.api.port, 'DELETE', `/v2/zones/${created.json.id}`, { headers })).status, 202);
    const storage = await openStorage(ctx.cluster.db.url);
    try {
      const stored = () => storage.transaction((tx) => tx.findZones({ name: 'purged.example.', includeDeleted: true }));
      assert.is((await stored()).items.length, 1, 'soft-deleted, still stored');
      await until('the zone purged', async () => (await stored()).items.length === 0, 15_000);
    } finally {
      await storage.close();
    }
    const purges = ctx.producers.flatMap((p) => p.lines).filter((l) => (l.zones as string[] | undefined)?.includes('purged.example.'));
    assert.is(purges.length, 1, 'purged by one producer, in one run');
  });

  t.run();
}

const alone = suite<{ cluster: Cluster; producers: ServiceInstance[] }>('two producers without a coordination backend', {} as never);

alone.before(async (ctx) => {
  ctx.cluster = await startCluster({ ZONECAST_SERVICE_PRODUCER_ENABLED_TASKS: 'zone_purge', ZONECAST_PRODUCER_TASK_ZONE_PURGE_INTERVAL: String(INTERVAL_S) });
  await ctx.cluster.start('central');
  ctx.producers = await Promise.all([ctx.cluster.start('producer'), ctx.cluster.start('producer')]);
});

alone.after(async (ctx) => {
  await ctx.cluster?.close();
});

alone('each takes every shard, and warns that the other one runs the same tasks', async (ctx) => {
  await until('both warned', async () => ctx.producers.every((p) => p.lines.some((l) => /another producer is running/.test(String(l.msg)))), 10_000);
  // The warning comes at the start of a run, its `task run` line at the end.
  await until('both ran', async () => ctx.producers.every((p) => latestRanges([p], 0).size === 1), 5000);
  for (const p of ctx.producers) assert.equal([...latestRanges([p], 0).values()], [[0, 4095]]);
});

runWhenReachable(alone, 'two producers without a coordination backend', rabbitmqUnavailable() ?? (await mariadbUnavailable()));

const servers = rabbitmqUnavailable() ?? (await mariadbUnavailable());
if (servers === null && (await redisUnavailable()) === null) {
  threeProducers('Redis', async () => {
    const ns = scratchNamespace();
    return { url: ns.url, cleanup: ns.drop };
  });
} else runWhenReachable({ run() {} }, 'three producers on Redis', servers ?? (await redisUnavailable()));
if (servers === null) {
  threeProducers('memcached', async () => {
    const memcached = await startMemcached();
    return memcached && { url: `memcached://127.0.0.1:${memcached.port}`, cleanup: memcached.stop };
  });
}
