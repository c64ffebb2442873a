// The producer's tasks on real data, in one process (SQLite and MariaDB): periodic_secondary_refresh asks for
// a transfer of a SECONDARY zone not transferred for longer than its refresh, and not of one mdns has just
// reported transferred; zone_purge leaves a zone deleted more recently than its threshold.
import * as assert from 'uvu/assert';
import { loadConfig } from '../../services/config/options.ts';
import { LocalCoordination } from '../../services/coordination/local.ts';
import { createLogger } from '../../services/log.ts';
import type { ZoneChanged } from '../../services/messaging/bus.ts';
import { Producer } from '../../services/producer/producer.ts';
import { PRODUCER_TASKS } from '../../services/producer/tasks.ts';
import { controlPlaneSuite, type ControlPlane } from '../helpers/control-plane.ts';

/** A producer over the plane with every task's timer off: runs are made by hand. */
function producer(plane: ControlPlane): Producer {
  const env = Object.fromEntries(PRODUCER_TASKS.map((task) => [`ZONECAST_PRODUCER_TASK_${task.name.toUpperCase()}_INTERVAL`, '0']));
  return new Producer({
    storage: plane.storage, central: plane.central, bus: plane.bus, coordination: new LocalCoordination(), config: loadConfig({ env }),
    log: createLogger('producer', process.env.ZONECAST_TEST_LOG ?? 'silent'), host: 'test',
  });
}

async function run(p: Producer, name: string): Promise<void> {
  await p.runTask(p.tasks().find((t) => t.name === name)!);
}

await controlPlaneSuite('producer tasks', (t) => {
  t('periodic_secondary_refresh: a secondary past its refresh is refreshed, one just transferred is not', async ({ plane }) => {
    const created = await plane.request('POST', '/v2/zones', { body: { name: 'secondary.example.', type: 'SECONDARY', masters: ['192.0.2.53'] } });
    assert.is(created.status, 202, created.text);
    const zone = await plane.storage.transaction((tx) => tx.getZone(created.json.id));
    await plane.storage.transaction((tx) => tx.updateZone(zone.id, { transferredAt: new Date(Date.now() - 2 * zone.refresh * 1000) }));
    const asked: ZoneChanged[] = [];
    plane.bus.subscribe('zone.changed', (m) => void (m.zoneId === zone.id && asked.push(m)));
    const p = producer(plane);
    await p.start();
    try {
      await run(p, 'periodic_secondary_refresh');
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(asked.map((m) => m.action), ['UPDATE'], 'asked to transfer');
      // mdns transferred and reported it: transferred_at is now, and the next run leaves it alone.
      await plane.central.zoneStatuses.served(zone.id, 2024010101, 'mdns-1');
      await run(p, 'periodic_secondary_refresh');
      await new Promise((r) => setTimeout(r, 20));
      assert.is(asked.length, 1, 'not asked again');
    } finally {
      await p.close();
    }
  });

  t('zone_purge leaves a zone deleted more recently than time_threshold', async ({ plane }) => {
    const created = await plane.request('POST', '/v2/zones', { body: { name: 'recent.example.', email: 'ops@example.org' } });
    assert.is((await plane.request('DELETE', `/v2/zones/${created.json.id}`)).status, 202);
    const p = producer(plane);
    await p.start();
    try {
      await run(p, 'zone_purge');
      const stored = await plane.storage.transaction((tx) => tx.findZones({ name: 'recent.example.', includeDeleted: true }));
      assert.is(stored.items.length, 1, 'kept for the threshold (7 days)');
    } finally {
      await p.close();
    }
  });
});
