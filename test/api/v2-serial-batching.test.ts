// [producer_task:increment_serial] interval > 0: changes only mark the zone; each run of the batch gives every
// marked zone one new serial, announced once, and the zone stays PENDING until that serial serves. The runs
// are driven by hand here, so no tick can land between the test's steps; a second suite checks that the
// producer's increment_serial task runs them every interval.
import * as assert from 'uvu/assert';
import { loadConfig } from '../../services/config/options.ts';
import { LocalCoordination } from '../../services/coordination/local.ts';
import { createLogger } from '../../services/log.ts';
import type { ZoneChanged } from '../../services/messaging/bus.ts';
import { Producer } from '../../services/producer/producer.ts';
import { controlPlaneSuite, createZone, type ControlPlane } from '../helpers/control-plane.ts';

const ADMIN = { projectId: null, isAdmin: true, allProjects: true, editManagedRecords: false, hardDelete: false, deleteShares: false };

async function addRecordsets(plane: ControlPlane, zoneId: string, zoneName: string, names: string[]): Promise<void> {
  for (const name of names) {
    const r = await plane.request('POST', `/v2/zones/${zoneId}/recordsets`, { body: { name: `${name}.${zoneName}`, type: 'A', records: ['192.0.2.1'] } });
    assert.is(r.status, 202, r.text);
  }
}

async function statusBecomes(plane: ControlPlane, zoneId: string, status: string): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const zone = (await plane.request('GET', `/v2/zones/${zoneId}`)).json;
    if (zone.status === status) return zone;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.unreachable(`never ${status}`);
}

await controlPlaneSuite('api:serial batching', (t) => {
  t('changes between two runs share one serial and one announcement', async ({ plane }) => {
    const z = await createZone(plane, 'batch.example.com.');
    const changed: ZoneChanged[] = [];
    plane.bus.subscribe('zone.changed', (m) => void changed.push(m));
    await addRecordsets(plane, z.id, z.name, ['a', 'b', 'c']);
    const waiting = (await plane.request('GET', `/v2/zones/${z.id}`)).json;
    assert.is(waiting.serial, z.serial, 'no serial yet');
    assert.is(waiting.status, 'PENDING');
    // A report of the old serial must not make the waiting changes ACTIVE.
    await plane.bus.publish('zone.served', { zoneId: z.id, serial: z.serial });
    await new Promise((r) => setTimeout(r, 50));
    assert.is((await plane.request('GET', `/v2/zones/${z.id}`)).json.status, 'PENDING');

    assert.is(await plane.central.zoneBatches.incrementSerials(ADMIN), 1);
    assert.is(await plane.central.zoneBatches.incrementSerials(ADMIN), 0, 'nothing left marked');
    const batched = (await plane.request('GET', `/v2/zones/${z.id}`)).json;
    assert.ok(batched.serial !== z.serial, 'the run gave the zone a new serial');
    await new Promise((r) => setImmediate(r));
    assert.equal(changed.filter((m) => m.zoneId === z.id).map((m) => m.serial), [batched.serial], 'one announcement, of the batched serial');
    const soa = (await plane.request('GET', `/v2/zones/${z.id}/recordsets?type=SOA`)).json.recordsets[0];
    assert.match(soa.records[0], new RegExp(` ${batched.serial} `));

    await plane.bus.publish('zone.served', { zoneId: z.id, serial: batched.serial });
    await statusBecomes(plane, z.id, 'ACTIVE');
    const rs = (await plane.request('GET', `/v2/zones/${z.id}/recordsets?type=A`)).json.recordsets;
    assert.ok(rs.length === 3 && rs.every((r: any) => r.status === 'ACTIVE'), JSON.stringify(rs));
  });
}, { serialBatchInterval: 3600 });

await controlPlaneSuite('api:serial batching by the producer', (t) => {
  t("the producer's increment_serial task runs the batch every interval", async ({ plane }) => {
    const config = loadConfig({ env: { ZONECAST_SERVICE_PRODUCER_ENABLED_TASKS: 'increment_serial', ZONECAST_PRODUCER_TASK_INCREMENT_SERIAL_INTERVAL: '0.1' } });
    const producer = new Producer({
      storage: plane.storage, central: plane.central, bus: plane.bus, coordination: new LocalCoordination(), config,
      log: createLogger('producer', process.env.ZONECAST_TEST_LOG ?? 'silent'), host: 'test',
    });
    await producer.start();
    try {
      const z = await createZone(plane, 'timer.example.com.');
      await addRecordsets(plane, z.id, z.name, ['a']);
      for (let i = 0; i < 100; i++) {
        if ((await plane.request('GET', `/v2/zones/${z.id}`)).json.serial !== z.serial) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.unreachable('the producer never gave the zone a new serial');
    } finally {
      await producer.close();
    }
  });
}, { serialBatchInterval: 0.1 });
