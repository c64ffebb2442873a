// Central's notifications for writes that do not come through the zone and recordset endpoints: a zone
// import notifies dns.zone.create (Designate's import goes through create_zone), and the sink's managed
// records notify dns.recordset.create/update/delete as Designate's create/update/delete_recordset do.
import * as assert from 'uvu/assert';
import type { ManagedRecord } from '../../services/central/managed-records.ts';
import { controlPlaneSuite, createZone, type ControlPlane } from '../helpers/control-plane.ts';

const ADMIN = { projectId: null, isAdmin: true, allProjects: true, editManagedRecords: false, hardDelete: false, deleteShares: false };

const instance = (name: string, data: string, resourceId: string): ManagedRecord => ({
  name, type: 'A', data, pluginType: 'handler', pluginName: 'nova_fixed', resourceType: 'instance', resourceId, tenantId: 'project-a',
});

/** The notifications sent since `from`, as [event type, recordset name, record data]. */
function since(plane: ControlPlane, from: number): [string, unknown, unknown][] {
  return plane.notified.slice(from).map(({ eventType, payload }) =>
    [eventType, payload.name, (payload.records as { data: string }[] | undefined)?.map((r) => r.data).sort()]);
}

await controlPlaneSuite('central notifications: imports and managed records', (t) => {
  t('an import notifies dns.zone.create', async ({ plane }) => {
    const from = plane.notified.length;
    const text = '$ORIGIN imported.example.\n$TTL 300\n@ SOA ns1.example.org. admin.example.org. 7 3600 600 86400 300\n@ NS ns1.example.org.\nwww A 192.0.2.7\n';
    const r = await plane.request('POST', '/v2/zones/tasks/imports', { body: text, headers: { 'content-type': 'text/dns' } });
    assert.is(r.status, 202, r.text);
    await plane.central.imports.idle();
    const created = plane.notified.slice(from).filter((n) => n.eventType === 'dns.zone.create');
    assert.equal(created.map((n) => n.payload.name), ['imported.example.']);
  });

  t('managed records notify their recordsets: created, updated, deleted; a repeat notifies nothing', async ({ plane }) => {
    const zone = await createZone(plane, 'cloud.example.');
    let from = plane.notified.length;
    await plane.central.managedRecords.add(ADMIN, zone.id, [instance('vm1.cloud.example.', '192.0.2.1', 'i-1')]);
    assert.equal(since(plane, from), [['dns.recordset.create', 'vm1.cloud.example.', ['192.0.2.1']]]);

    from = plane.notified.length;
    await plane.central.managedRecords.add(ADMIN, zone.id, [instance('vm1.cloud.example.', '192.0.2.2', 'i-2')]);
    assert.equal(since(plane, from), [['dns.recordset.update', 'vm1.cloud.example.', ['192.0.2.1', '192.0.2.2']]]);

    from = plane.notified.length;
    assert.is(await plane.central.managedRecords.add(ADMIN, zone.id, [instance('vm1.cloud.example.', '192.0.2.2', 'i-2')]), 0);
    assert.equal(since(plane, from), [], 'a duplicate changes nothing and notifies nothing');

    from = plane.notified.length;
    await plane.central.managedRecords.remove(ADMIN, zone.id, 'instance', 'i-1');
    assert.equal(since(plane, from), [['dns.recordset.update', 'vm1.cloud.example.', ['192.0.2.2']]]);

    from = plane.notified.length;
    await plane.central.managedRecords.remove(ADMIN, zone.id, 'instance', 'i-2');
    const [deleted] = plane.notified.slice(from);
    assert.is(deleted.eventType, 'dns.recordset.delete');
    assert.is(deleted.payload.name, 'vm1.cloud.example.');
    assert.is(deleted.payload.action, 'DELETE');
    assert.is(plane.notified.length, from + 1);
  });
});
