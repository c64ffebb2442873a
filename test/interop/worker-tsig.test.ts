// TSIG between a target and mdns (pools.yaml `tsigkey_id` on the target and its nameserver): Knot gets the key
// through knotc, PowerDNS through its API, and each signs its transfers from mdns with it (mdns allows no
// unsigned transfer here, and answers this key because its scope is the pool). Knot's ACL then takes only
// NOTIFY signed with it, so a change that arrives at once came by the worker's signed NOTIFY. The zone turns
// ACTIVE both times.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { updatePools } from '../../services/central/pool-update.ts';
import { parsePoolsYaml } from '../../services/central/pools-yaml.ts';
import { DEFAULT_POOL_ID } from '../../services/storage/schema.ts';
import { soaOf } from '../helpers/backend-checks.ts';
import { query, tcp } from '../helpers/client.ts';
import { poolYaml, startPooledSystem, type PooledSystem } from '../helpers/pooled-system.ts';
import { startTarget, type TargetDaemon, type TargetType } from '../helpers/targets.ts';

interface Ctx {
  target: TargetDaemon | null;
  sys: PooledSystem;
}

function signedTarget(type: TargetType): void {
  const t = suite<Ctx>(`worker: TSIG between a ${type} target and mdns`, {} as Ctx);

  t.before(async (ctx) => {
    const mdnsPort = await freePort();
    ctx.target = await startTarget(type, mdnsPort);
    // No address may transfer unsigned: only a request signed with a stored key in scope is answered.
    if (ctx.target) ctx.sys = await startPooledSystem(mdnsPort, [ctx.target], { ZONECAST_SERVICE_MDNS_ALLOW_TRANSFER: '192.0.2.255/32' }, false);
  });

  t.after(async (ctx) => {
    await ctx.sys?.close();
    await ctx.target?.cleanup();
  });

  t('a zone reaches the target over a signed transfer, a change by signed NOTIFY; both turn ACTIVE', async (ctx) => {
    if (!ctx.target) return;
    const key = await ctx.sys.api('POST', '/v2/tsigkeys', {
      name: 'pool-transfer', algorithm: 'hmac-sha256', secret: Buffer.from('zonecast pool transfer key 32byt').toString('base64'),
      scope: 'POOL', resource_id: DEFAULT_POOL_ID,
    });
    assert.is(key.status, 201, key.text);
    await updatePools(ctx.sys.all.storage, parsePoolsYaml(poolYaml([ctx.target], key.json.id)));
    const created = await ctx.sys.api('POST', '/v2/zones', { name: 'signed.example.', email: 'ops@example.org' });
    assert.is(created.status, 202, created.text);
    const zone = await ctx.sys.untilStatus(created.json.id, 'ACTIVE');
    assert.is((await soaOf(ctx.target.port, 'signed.example.')).serial, zone.serial);
    const mdnsPort = ctx.sys.all.mdns.server.endpoints[0].port;
    assert.is((await tcp(mdnsPort, query('signed.example.', 'AXFR'))).rcode, 'REFUSED', 'an unsigned transfer is refused: the target signed its own');
    const change = await ctx.sys.api('POST', `/v2/zones/${zone.id}/recordsets`, { name: 'www.signed.example.', type: 'A', records: ['192.0.2.1'] });
    assert.is(change.status, 202, change.text);
    const changed = await ctx.sys.untilStatus(zone.id, 'ACTIVE');
    assert.is((await soaOf(ctx.target.port, 'signed.example.')).serial, changed.serial, 'the change arrived by signed NOTIFY');
  });

  t.run();
}

for (const type of ['knot2', 'pdns4'] as const) signedTarget(type);
