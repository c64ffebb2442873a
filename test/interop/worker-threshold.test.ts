// threshold_percentage over a pool of three different real targets (BIND, Knot, NSD), each also a nameserver:
// with all three up a zone turns ACTIVE; with NSD down a new zone turns ERROR at 100 % and ACTIVE at 66 %
// (two of three serve it), and the targets that are up serve it either way.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { soaOf } from '../helpers/backend-checks.ts';
import { startPooledSystem } from '../helpers/pooled-system.ts';
import { startTarget, type TargetDaemon } from '../helpers/targets.ts';

interface Ctx {
  mdnsPort: number;
  targets: TargetDaemon[];
  ready: boolean;
}

const t = suite<Ctx>('worker threshold_percentage over three targets', {} as Ctx);

t.before(async (ctx) => {
  ctx.mdnsPort = await freePort();
  ctx.targets = [];
  for (const type of ['bind9', 'knot2', 'nsd4'] as const) {
    const target = await startTarget(type, ctx.mdnsPort);
    if (target) ctx.targets.push(target);
  }
  ctx.ready = ctx.targets.length === 3;
});

t.after(async (ctx) => {
  for (const target of ctx.targets) await target.cleanup();
});

/** Creates `name` in a fresh `zonecast start` with `threshold`; returns the status it settles in and its serial. */
async function settle(ctx: Ctx, threshold: number, name: string, expect: string): Promise<number> {
  const sys = await startPooledSystem(ctx.mdnsPort, ctx.targets, { ZONECAST_SERVICE_WORKER_THRESHOLD_PERCENTAGE: String(threshold) });
  try {
    const created = await sys.api('POST', '/v2/zones', { name, email: 'ops@example.org' });
    assert.is(created.status, 202, created.text);
    return (await sys.untilStatus(created.json.id, expect, 20_000)).serial;
  } finally {
    await sys.close();
  }
}

t('all three up: ACTIVE at 100 %, served by every target', async (ctx) => {
  if (!ctx.ready) return;
  const serial = await settle(ctx, 100, 'all.threshold.example.', 'ACTIVE');
  for (const target of ctx.targets) assert.is((await soaOf(target.port, 'all.threshold.example.')).serial, serial, target.type);
});

t('one of three down: ERROR at 100 %', async (ctx) => {
  if (!ctx.ready) return;
  await ctx.targets[2].stop();
  const serial = await settle(ctx, 100, 'strict.threshold.example.', 'ERROR');
  for (const target of ctx.targets.slice(0, 2)) assert.is((await soaOf(target.port, 'strict.threshold.example.')).serial, serial, `${target.type} serves it anyway`);
});

t('one of three down: ACTIVE at 66 %', async (ctx) => {
  if (!ctx.ready) return;
  const serial = await settle(ctx, 66, 'lenient.threshold.example.', 'ACTIVE');
  for (const target of ctx.targets.slice(0, 2)) assert.is((await soaOf(target.port, 'lenient.threshold.example.')).serial, serial, target.type);
  await ctx.targets[2].start();
});

t.run();
