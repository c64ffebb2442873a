// The pool's also_notifies hear every change the worker carries, after the targets took it: a NOTIFY for the
// zone reaches a listener named in pools.yaml `also_notifies` once the zone is created on the target (Knot),
// and again for a recordset change. A change of the pool's ns_records reaches the target's NS RRsets, and
// the NOTIFYs go out as the producer's delayed_notify task announces the zones, one per run here.
import dgram from 'node:dgram';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { updatePools } from '../../services/central/pool-update.ts';
import { parsePoolsYaml } from '../../services/central/pools-yaml.ts';
import { ask, decode } from '../helpers/client.ts';
import { poolYaml, startPooledSystem, type PooledSystem } from '../helpers/pooled-system.ts';
import { startTarget, type TargetDaemon } from '../helpers/targets.ts';
import { until } from '../helpers/until.ts';

interface Ctx {
  target: TargetDaemon | null;
  sys: PooledSystem;
  listener: dgram.Socket;
  heard: string[];
  /** When each NOTIFY arrived (ms), in the order of `heard`. */
  heardAt: number[];
  alsoNotify: string;
}

/** One delayed zone announced per half second, so that the runs are told apart. */
const DELAYED_NOTIFY = { ZONECAST_PRODUCER_TASK_DELAYED_NOTIFY_INTERVAL: '0.5', ZONECAST_PRODUCER_TASK_DELAYED_NOTIFY_BATCH_SIZE: '1' };

const t = suite<Ctx>('worker: also_notifies', {} as Ctx);

t.before(async (ctx) => {
  ctx.heard = [];
  ctx.heardAt = [];
  ctx.listener = dgram.createSocket('udp4');
  ctx.listener.on('message', (msg, from) => {
    const request = decode(msg);
    if (request.opcode !== 'NOTIFY') return;
    ctx.heard.push(request.questions[0].name);
    ctx.heardAt.push(performance.now());
    // The response: the request itself with QR and AA set (RFC 1996 §4.7), so the fan-out counts it acknowledged.
    const reply = Buffer.from(msg);
    reply[2] |= 0x84;
    ctx.listener.send(reply, from.port, from.address);
  });
  await new Promise<void>((r) => ctx.listener.bind(0, '127.0.0.1', r));
  const mdnsPort = await freePort();
  ctx.target = await startTarget('knot2', mdnsPort);
  if (!ctx.target) return;
  ctx.sys = await startPooledSystem(mdnsPort, [ctx.target], DELAYED_NOTIFY, false);
  ctx.alsoNotify = `  also_notifies:\n    - host: 127.0.0.1\n      port: ${ctx.listener.address().port}\n`;
  await updatePools(ctx.sys.all.storage, parsePoolsYaml(poolYaml([ctx.target]) + ctx.alsoNotify));
});

t.after(async (ctx) => {
  await ctx.sys?.close();
  await ctx.target?.cleanup();
  ctx.listener.close();
});

t('a created zone and a recordset change are NOTIFYed to the also_notify', async (ctx) => {
  if (!ctx.target) return;
  const created = await ctx.sys.api('POST', '/v2/zones', { name: 'told.example.', email: 'ops@example.org' });
  assert.is(created.status, 202, created.text);
  await until('the also_notify heard the create', async () => ctx.heard.includes('told.example'));
  await ctx.sys.untilStatus(created.json.id, 'ACTIVE');
  const before = ctx.heard.length;
  const change = await ctx.sys.api('POST', `/v2/zones/${created.json.id}/recordsets`, { name: 'www.told.example.', type: 'A', records: ['192.0.2.2'] });
  assert.is(change.status, 202, change.text);
  await until('the also_notify heard the change', async () => ctx.heard.length > before);
});

t('new ns_records reach the target; delayed_notify NOTIFYs the zones one run apart', async (ctx) => {
  if (!ctx.target) return;
  const names = ['renamed-a.example', 'renamed-b.example'];
  const ids: string[] = [];
  for (const name of names) {
    const created = await ctx.sys.api('POST', '/v2/zones', { name: `${name}.`, email: 'ops@example.org' });
    assert.is(created.status, 202, created.text);
    ids.push(created.json.id);
  }
  for (const id of ids) await ctx.sys.untilStatus(id, 'ACTIVE');
  const before = ctx.heard.length;
  const [result] = await updatePools(ctx.sys.all.storage, parsePoolsYaml(poolYaml([ctx.target], undefined, ['ns-new.example.net.']) + ctx.alsoNotify));
  assert.ok(result.zonesRewritten >= 2, String(result.zonesRewritten));
  for (const id of ids) await ctx.sys.untilStatus(id, 'ACTIVE');
  for (const name of names) {
    const answer = await ask(ctx.target.port, `${name}.`, 'NS');
    assert.equal(answer?.answers.map((rr) => rr.data), ['ns-new.example.net'], `${name} NS on the target`);
  }
  const at = (name: string) => ctx.heardAt[ctx.heard.indexOf(name, before)];
  const gap = Math.abs(at(names[1]) - at(names[0]));
  assert.ok(gap >= 300, `NOTIFYs ${Math.round(gap)} ms apart: one zone per delayed_notify run`);
});

t.run();
