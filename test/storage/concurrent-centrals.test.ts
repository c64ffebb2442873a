// Two central instances on one MariaDB database, each with its own connection pool, racing: quotas hold
// under concurrent creates, and concurrent changes to one zone each get a serial of their own and are all
// kept. Under CI=true an unreachable MariaDB fails the suite.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Central } from '../../services/central/central.ts';
import { CENTRAL_DEFAULTS, type Caller } from '../../services/central/context.ts';
import { CentralError } from '../../services/central/errors.ts';
import { createLogger } from '../../services/log.ts';
import { inProcessBus, type LocalBus } from '../../services/messaging/bus.ts';
import { openStorage } from '../../services/storage/open.ts';
import { DEFAULT_POOL_ID } from '../../services/storage/schema.ts';
import type { Storage } from '../../services/storage/storage.ts';
import { createScratchDatabase, mariadbUnavailable, type ScratchDatabase } from '../helpers/mariadb.ts';
import { runWhenReachable } from '../helpers/reachable.ts';

interface Ctx {
  db: ScratchDatabase;
  storages: Storage[];
  buses: LocalBus[];
  centrals: Central[];
}

const caller = (projectId: string): Caller => ({
  projectId, isAdmin: false, allProjects: false, editManagedRecords: false, hardDelete: false, deleteShares: false,
});

const t = suite<Ctx>('two centrals on one MariaDB database', {} as Ctx);

t.before(async (ctx) => {
  ctx.db = await createScratchDatabase();
  const log = createLogger('central', process.env.ZONECAST_TEST_LOG ?? 'silent');
  ctx.storages = [await openStorage(ctx.db.url), await openStorage(ctx.db.url)];
  await ctx.storages[0].migrate();
  await ctx.storages[0].transaction((tx) => tx.createPool({
    id: DEFAULT_POOL_ID, name: 'default', description: 'Default pool', nsRecords: [{ hostname: 'ns1.example.org.', priority: 1 }],
  }));
  ctx.buses = ctx.storages.map(() => inProcessBus(log));
  ctx.centrals = ctx.storages.map((storage, i) =>
    new Central({ storage, bus: ctx.buses[i], options: { ...CENTRAL_DEFAULTS, quotas: { ...CENTRAL_DEFAULTS.quotas, zones: 3 } }, log }));
});

t.after(async (ctx) => {
  for (const c of ctx.centrals ?? []) await c.close();
  for (const b of ctx.buses ?? []) await b.close();
  for (const s of ctx.storages ?? []) await s.close();
  await ctx.db?.drop();
});

t('the zone quota holds when creates race through both centrals', async (ctx) => {
  const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) =>
    ctx.centrals[i % 2].zones.create(caller('racer'), { name: `race${i}.example.`, email: 'h@example.org' })));
  const created = results.filter((r) => r.status === 'fulfilled').length;
  const refused = results.filter((r) => r.status === 'rejected' && r.reason instanceof CentralError && r.reason.status === 413).length;
  const other = results.filter((r) => r.status === 'rejected' && !(r.reason instanceof CentralError && r.reason.status === 413));
  assert.equal(other.map((r) => String((r as PromiseRejectedResult).reason)), []);
  assert.is(created, 3, 'exactly the quota');
  assert.is(refused, 7);
  assert.is(await ctx.storages[0].transaction((tx) => tx.countZones('racer')), 3);
});

t('concurrent changes to one zone through both centrals: none lost, each its own serial', async (ctx) => {
  const zone = (await ctx.centrals[0].zones.create(caller('writer'), { name: 'busy.example.', email: 'h@example.org' })).zone;
  const before = zone.serial;
  const n = 20;
  await Promise.all(Array.from({ length: n }, (_, i) =>
    ctx.centrals[i % 2].recordsets.create(caller('writer'), zone.id, { name: `r${i}.busy.example.`, type: 'A', records: [`192.0.2.${i + 1}`] })));
  const after = (await ctx.centrals[1].zones.get(caller('writer'), zone.id)).zone.serial;
  const { total } = await ctx.centrals[0].recordsets.list(caller('writer'), zone.id, { where: { type: 'A' }, limit: 100 });
  assert.is(total, n, 'every change kept');
  // Each change bumps the serial past the one it read under the zone's row lock: never the same one twice.
  assert.ok(after - before >= n, `serial moved ${after - before} for ${n} changes`);
});

runWhenReachable(t, 'two centrals on one MariaDB database', await mariadbUnavailable());
