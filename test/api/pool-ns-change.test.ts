// A pool's ns_records changed by pool-update (Designate's update_pool with _add_ns/_delete_ns): every zone of
// the pool gets the new apex NS RRset and SOA MNAME under a new serial, flagged delayed_notify, and nothing is
// announced until the producer's delayed_notify task does it, batch_size zones per run. With serial batching
// on, a delayed zone's batched serial is given by increment_serial but announced by delayed_notify only.
import * as assert from 'uvu/assert';
import { updatePools } from '../../services/central/pool-update.ts';
import { parsePoolsYaml } from '../../services/central/pools-yaml.ts';
import { loadConfig } from '../../services/config/options.ts';
import { LocalCoordination } from '../../services/coordination/local.ts';
import { createLogger } from '../../services/log.ts';
import type { ZoneChanged } from '../../services/messaging/bus.ts';
import { Producer } from '../../services/producer/producer.ts';
import { PRODUCER_TASKS } from '../../services/producer/tasks.ts';
import { controlPlaneSuite, createZone, type ControlPlane } from '../helpers/control-plane.ts';

/** The default pool with these NS hostnames (priority in list order). */
const defaultPool = (...hostnames: string[]) => parsePoolsYaml(['- name: default', '  description: Default pool', '  ns_records:',
  ...hostnames.flatMap((h, i) => [`    - hostname: ${h}`, `      priority: ${i + 1}`])].join('\n'));

/** A producer over the plane with every task's timer off (runs are made by hand) and `env` options. */
function producer(plane: ControlPlane, env: Record<string, string> = {}): Producer {
  for (const task of PRODUCER_TASKS) env[`ZONECAST_PRODUCER_TASK_${task.name.toUpperCase()}_INTERVAL`] = '0';
  return new Producer({
    storage: plane.storage, central: plane.central, bus: plane.bus, coordination: new LocalCoordination(), config: loadConfig({ env }),
    log: createLogger('producer', process.env.ZONECAST_TEST_LOG ?? 'silent'), host: 'test',
  });
}

async function run(p: Producer, name: string): Promise<void> {
  await p.runTask(p.tasks().find((t) => t.name === name)!);
}

async function apex(plane: ControlPlane, zoneId: string, type: 'NS' | 'SOA'): Promise<string[]> {
  const r = await plane.request('GET', `/v2/zones/${zoneId}/recordsets?type=${type}`);
  assert.is(r.status, 200, r.text);
  return [...r.json.recordsets[0].records].sort();
}

/** Records every zone.changed from now on. */
function announcements(plane: ControlPlane): ZoneChanged[] {
  const seen: ZoneChanged[] = [];
  plane.bus.subscribe('zone.changed', (m) => void seen.push(m));
  return seen;
}

const settle = () => new Promise((r) => setTimeout(r, 20));

await controlPlaneSuite('pool ns_records change: delayed_notify', (t) => {
  t('every zone gets the new NS and SOA at once; delayed_notify announces batch_size per run', async ({ plane }) => {
    const zones = [await createZone(plane, 'one.example.'), await createZone(plane, 'two.example.'), await createZone(plane, 'three.example.')];
    for (const z of zones) await plane.bus.publish('zone.served', { zoneId: z.id, serial: z.serial });
    const secondary = await plane.request('POST', '/v2/zones', { body: { name: 'pulled.example.', type: 'SECONDARY', masters: ['192.0.2.53'] } });
    assert.is(secondary.status, 202, secondary.text);
    const seen = announcements(plane);

    const [result] = await updatePools(plane.storage, defaultPool('ns-a.example.net.', 'ns-b.example.net.'));
    assert.is(result.outcome, 'updated');
    assert.is(result.zonesRewritten, 3, 'the primary zones; a secondary has no NS of its own');
    for (const z of zones) {
      const now = (await plane.request('GET', `/v2/zones/${z.id}`)).json;
      assert.ok(now.serial !== z.serial, 'a new serial');
      assert.is(now.status, 'PENDING');
      assert.is(now.action, 'UPDATE');
      assert.equal(await apex(plane, z.id, 'NS'), ['ns-a.example.net.', 'ns-b.example.net.']);
      const [soa] = await apex(plane, z.id, 'SOA');
      assert.ok(soa.startsWith('ns-a.example.net. '), soa);
      assert.match(soa, new RegExp(` ${now.serial} `));
      const ns = (await plane.request('GET', `/v2/zones/${z.id}/nameservers`)).json.nameservers.map((n: any) => n.hostname);
      assert.equal(ns, ['ns-a.example.net.', 'ns-b.example.net.']);
    }
    await settle();
    assert.is(seen.length, 0, 'pool-update announces nothing');

    const p = producer(plane, { ZONECAST_PRODUCER_TASK_DELAYED_NOTIFY_BATCH_SIZE: '2' });
    await p.start();
    try {
      await run(p, 'delayed_notify');
      await settle();
      assert.is(seen.length, 2, 'batch_size zones in the first run');
      await run(p, 'delayed_notify');
      await settle();
      assert.is(seen.length, 3, 'the rest in the next');
      await run(p, 'delayed_notify');
      await settle();
      assert.is(seen.length, 3, 'each zone announced once');
    } finally {
      await p.close();
    }
    for (const z of zones) {
      const now = (await plane.request('GET', `/v2/zones/${z.id}`)).json;
      assert.equal(seen.filter((m) => m.zoneId === z.id).map((m) => [m.serial, m.action]), [[now.serial, 'UPDATE']]);
      const stored = await plane.storage.transaction((tx) => tx.getZone(z.id));
      assert.is(stored.delayedNotify, false, 'flag cleared');
      await plane.bus.publish('zone.served', { zoneId: z.id, serial: now.serial });
    }
    await settle();
    for (const z of zones) assert.is((await plane.request('GET', `/v2/zones/${z.id}`)).json.status, 'ACTIVE');
  });

  t('unchanged ns_records rewrite nothing; a zone being deleted is left alone', async ({ plane }) => {
    // The suite's zones so far and this test's: the pool first gets one known NS set.
    await updatePools(plane.storage, defaultPool('ns-x.example.net.'));
    const kept = await createZone(plane, 'kept.example.');
    const leaving = await createZone(plane, 'leaving.example.');
    assert.is((await plane.request('DELETE', `/v2/zones/${leaving.id}`)).status, 202);
    const [same] = await updatePools(plane.storage, defaultPool('ns-x.example.net.'));
    assert.is(same.outcome, 'unchanged');
    assert.is((await plane.storage.transaction((tx) => tx.getZone(kept.id))).serial, kept.serial);
    const [moved] = await updatePools(plane.storage, defaultPool('ns9.example.org.'));
    assert.ok(moved.zonesRewritten >= 1, String(moved.zonesRewritten));
    assert.equal(await apex(plane, kept.id, 'NS'), ['ns9.example.org.']);
    const stored = await plane.storage.transaction((tx) => tx.getZone(leaving.id, { includeDeleted: true }));
    assert.is(stored.delayedNotify, false);
    assert.is(stored.serial, leaving.serial);
  });
});

const ADMIN = { projectId: null, isAdmin: true, allProjects: true, editManagedRecords: false, hardDelete: false, deleteShares: false };

await controlPlaneSuite('pool ns_records change with serial batching', (t) => {
  t('increment_serial gives a delayed zone its serial; delayed_notify announces it once', async ({ plane }) => {
    const z = await createZone(plane, 'batched.example.');
    await plane.central.zoneBatches.incrementSerials(ADMIN);
    await updatePools(plane.storage, defaultPool('ns-new.example.net.'));
    const seen = announcements(plane);
    const change = await plane.request('POST', `/v2/zones/${z.id}/recordsets`, { body: { name: `www.${z.name}`, type: 'A', records: ['192.0.2.1'] } });
    assert.is(change.status, 202, change.text);

    assert.is(await plane.central.zoneBatches.notifyDelayed(ADMIN), 0, 'waits for the batched serial');
    assert.is(await plane.central.zoneBatches.incrementSerials(ADMIN), 1);
    await settle();
    assert.is(seen.length, 0, 'increment_serial leaves a delayed zone to delayed_notify');
    assert.is(await plane.central.zoneBatches.notifyDelayed(ADMIN), 1);
    await settle();
    const now = (await plane.request('GET', `/v2/zones/${z.id}`)).json;
    assert.equal(seen.map((m) => m.serial), [now.serial], 'one announcement, of the final serial');
    assert.equal(await apex(plane, z.id, 'NS'), ['ns-new.example.net.']);
  });
}, { serialBatchInterval: 3600 });
