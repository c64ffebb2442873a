// The worker end to end through `zonecast start`, once per backend against its real daemon as the pool's one
// target: a zone created through the API is pulled from mdns by the target and turns ACTIVE; a recordset
// change reaches the target (NOTIFY, then IXFR) and turns ACTIVE; a delete removes the zone from the target
// and then from the API; a target that is down makes a new zone ERROR, and once it is back the recovery run
// creates the zone there and turns it ACTIVE.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { ask } from '../helpers/client.ts';
import { soaOf } from '../helpers/backend-checks.ts';
import { startPooledSystem, type PooledSystem } from '../helpers/pooled-system.ts';
import { startTarget, type TargetDaemon, type TargetType } from '../helpers/targets.ts';
import { until } from '../helpers/until.ts';

interface Ctx {
  target: TargetDaemon | null;
  sys: PooledSystem;
  zoneId: string;
}

const ZONE = 'pushed.example.';

function backendScenario(type: TargetType): void {
  const t = suite<Ctx>(`worker with a ${type} target`, {} as Ctx);
  t.before(async (ctx) => {
    const mdnsPort = await freePort();
    ctx.target = await startTarget(type, mdnsPort);
    if (ctx.target) ctx.sys = await startPooledSystem(mdnsPort, [ctx.target]);
  });
  t.after(async (ctx) => {
    await ctx.sys?.close();
    await ctx.target?.cleanup();
  });

  t('a zone created through the API is served by the target and turns ACTIVE', async (ctx) => {
    if (!ctx.target) return;
    const created = await ctx.sys.api('POST', '/v2/zones', { name: ZONE, email: 'ops@example.org' });
    assert.is(created.status, 202, created.text);
    ctx.zoneId = created.json.id;
    const zone = await ctx.sys.untilStatus(ctx.zoneId, 'ACTIVE');
    const served = await soaOf(ctx.target.port, ZONE);
    assert.is(served.rcode, 'NOERROR');
    assert.is(served.serial, zone.serial, 'the target serves the serial the API shows');
  });

  t('a recordset change reaches the target and turns ACTIVE', async (ctx) => {
    if (!ctx.target) return;
    const rs = await ctx.sys.api('POST', `/v2/zones/${ctx.zoneId}/recordsets`, { name: `www.${ZONE}`, type: 'A', records: ['192.0.2.10'] });
    assert.is(rs.status, 202, rs.text);
    const zone = await ctx.sys.untilStatus(ctx.zoneId, 'ACTIVE');
    assert.is((await soaOf(ctx.target.port, ZONE)).serial, zone.serial);
    const answer = await ask(ctx.target.port, `www.${ZONE}`, 'A');
    assert.equal(answer?.answers.map((a) => a.data), ['192.0.2.10']);
    const recordset = (await ctx.sys.api('GET', `/v2/zones/${ctx.zoneId}/recordsets/${rs.json.id}`)).json;
    assert.is(recordset.status, 'ACTIVE', 'the recordset is ACTIVE with its zone');
  });

  t('a delete removes the zone from the target, then from the API', async (ctx) => {
    if (!ctx.target) return;
    const deleted = await ctx.sys.api('DELETE', `/v2/zones/${ctx.zoneId}`);
    assert.is(deleted.status, 202, deleted.text);
    await until('the target no longer serves the zone', async () => (await soaOf(ctx.target!.port, ZONE)).rcode !== 'NOERROR');
    await until('the zone is gone from the API', async () => (await ctx.sys.api('GET', `/v2/zones/${ctx.zoneId}`)).status === 404);
  });

  t('a target that is down makes a new zone ERROR; back up, recovery turns it ACTIVE', async (ctx) => {
    if (!ctx.target) return;
    await ctx.target.stop();
    const created = await ctx.sys.api('POST', '/v2/zones', { name: `down.${ZONE}`, email: 'ops@example.org' });
    assert.is(created.status, 202, created.text);
    await ctx.sys.untilStatus(created.json.id, 'ERROR');
    await ctx.target.start();
    const zone = await ctx.sys.untilStatus(created.json.id, 'ACTIVE', 20_000);
    assert.is((await soaOf(ctx.target.port, `down.${ZONE}`)).serial, zone.serial);
  });

  t.run();
}

for (const type of ['bind9', 'knot2', 'nsd4', 'pdns4'] as const) backendScenario(type);
