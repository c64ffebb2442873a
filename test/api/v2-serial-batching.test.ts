// [producer_task:increment_serial] interval > 0: changes inside one interval share one new serial, announced
// once; the zone stays PENDING until then and becomes ACTIVE only when mdns serves the batched serial.
import * as assert from 'uvu/assert';
import type { ZoneChanged } from '../../services/messaging/bus.ts';
import { controlPlaneSuite, createZone } from '../helpers/control-plane.ts';

const INTERVAL = 0.2;

await controlPlaneSuite('api:serial batching', (t) => {
  t('three recordset changes inside one interval share one serial and one announcement', async ({ plane }) => {
    const z = await createZone(plane, 'batch.example.com.');
    const changed: ZoneChanged[] = [];
    plane.bus.subscribe('zone.changed', (m) => void changed.push(m));
    for (const name of ['a', 'b', 'c']) {
      const r = await plane.request('POST', `/v2/zones/${z.id}/recordsets`, { body: { name: `${name}.batch.example.com.`, type: 'A', records: ['192.0.2.1'] } });
      assert.is(r.status, 202, r.text);
    }
    const waiting = (await plane.request('GET', `/v2/zones/${z.id}`)).json;
    assert.is(waiting.serial, z.serial, 'no serial yet');
    assert.is(waiting.status, 'PENDING');
    // A report of the old serial must not make the waiting changes ACTIVE.
    await plane.bus.publish('zone.served', { zoneId: z.id, serial: z.serial });
    await new Promise((r) => setTimeout(r, 50));
    assert.is((await plane.request('GET', `/v2/zones/${z.id}`)).json.status, 'PENDING');

    let batched = waiting;
    for (let i = 0; i < 100 && batched.serial === z.serial; i++) {
      await new Promise((r) => setTimeout(r, 20));
      batched = (await plane.request('GET', `/v2/zones/${z.id}`)).json;
    }
    assert.ok(batched.serial !== z.serial, 'the interval gave the zone a new serial');
    await new Promise((r) => setTimeout(r, INTERVAL * 2000));
    const mine = changed.filter((m) => m.zoneId === z.id);
    assert.equal(mine.map((m) => m.serial), [batched.serial], 'one announcement, of the batched serial');
    const soa = (await plane.request('GET', `/v2/zones/${z.id}/recordsets?type=SOA`)).json.recordsets[0];
    assert.match(soa.records[0], new RegExp(` ${batched.serial} `));

    await plane.bus.publish('zone.served', { zoneId: z.id, serial: batched.serial });
    for (let i = 0; i < 50; i++) {
      const now = (await plane.request('GET', `/v2/zones/${z.id}`)).json;
      if (now.status === 'ACTIVE') {
        const rs = (await plane.request('GET', `/v2/zones/${z.id}/recordsets?type=A`)).json.recordsets;
        assert.ok(rs.length === 3 && rs.every((r: any) => r.status === 'ACTIVE'), JSON.stringify(rs));
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.unreachable('never ACTIVE');
  });
}, { serialBatchInterval: INTERVAL });
