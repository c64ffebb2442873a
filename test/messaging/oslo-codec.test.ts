// The oslo.messaging envelope, the request context and the DesignateObject primitives that
// `zonecast designate-mdns` casts to a Designate central and worker.
//
// The golden values below were written by hand from Designate 15.0.2's source and the libraries Debian
// bookworm ships with it (oslo.context 5.0.0, oslo.versionedobjects 3.0.1, oslo.messaging 14.0.3):
// - A zone as storage.find_zone(s) loads it: _set_object_from_model (designate/sqlalchemy/base.py:35-47) sets
//   every zones column that is a Zone field (reverse_name is not one; recordsets are not loaded) and calls
//   obj_reset_changes(); _find_zones' _load_relations (storage/impl_sqlalchemy/__init__.py:226-240) adds masters
//   and attributes as lists, reset too. obj_to_primitive (oslo_versionedobjects/base.py:540-578) writes
//   `changes` only when something changed, so a loaded zone and its lists carry no `changes` key.
// - Field forms (designate/objects/fields.py): UUIDFields → str(uuid) with dashes (MySQL's CHAR(32) hex comes
//   back dashed from types.py UUID.process_result_value); DateTimeField → _utils.isotime, '%Y-%m-%dT%H:%M:%SZ'
//   with microseconds dropped; IntegerFields → int; EnumField → its string; BooleanField → bool.
// - ServiceStatus as heartbeat_emitter.py builds it from six keyword arguments: all six in `changes`, sorted
//   by DesignateObject.to_primitive's nested_sort (objects/base.py).
// - Context: RequestContext.to_dict (oslo_context/context.py:329-355 at 5.0.0) updated by
//   DesignateContext.to_dict (designate/context.py:61-98 at 15.0.2); master adds hard_delete, delete_shares.
// The zone and ServiceStatus goldens were then checked against the real thing once, by running Debian's
// python3-designate 15.0.2 (DesignateObjectSerializer over objects built by _set_object_from_model).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  adminContext, dashedUuid, designateHeartbeatArgs, designateObject, isoTime, osloEnvelope, readOsloEnvelope,
  serviceStatusPrimitive, zoneMasterPrimitive, zonePrimitive, type ZoneRow,
} from '../../services/messaging/oslo-codec.ts';

const test = suite('oslo codec');

const ZONE_ID = '0a7b3c5e1f2d4e6a8b9c0d1e2f3a4b5c'; // as MySQL stores it: CHAR(32), no dashes
const POOL_ID = '794ccc2c-d751-44fe-b57f-8894c9f5c842'; // as PostgreSQL returns it

/** A SECONDARY zone row of a 15.x schema (no increment_serial, no shared), with one master and one attribute. */
const zoneRow: ZoneRow = {
  id: ZONE_ID, version: 3, created_at: '2026-08-01 10:00:00', updated_at: new Date('2026-08-02T11:22:33.456Z'),
  deleted: '0', deleted_at: null, shard: 1234, tenant_id: '7d1f4a2b9c8e4f6a8b2c1d3e5f708192', name: 'example.org.',
  email: 'hostmaster@example.org', description: null, type: 'SECONDARY', transferred_at: '2026-08-02 11:00:05',
  ttl: 3600, serial: '1785668405', refresh: 3563, retry: 600, expire: 86400, minimum: 3600, status: 'ACTIVE',
  parent_zone_id: null, action: 'NONE', pool_id: POOL_ID, delayed_notify: 0,
  masters: [{ id: '5E0C9D1A2B3C4D5E8F90A1B2C3D4E5F6', version: 1, created_at: '2026-08-01 10:00:00', updated_at: null, host: '192.0.2.53', port: 53, zone_id: ZONE_ID }],
  attributes: [{ id: 'b3f1e2d4-5a6b-4c7d-9e8f-0a1b2c3d4e5f', version: 1, created_at: '2026-08-01 10:00:00', updated_at: null, key: 'pool_id', value: POOL_ID, zone_id: ZONE_ID }],
};

const meta = (name: string) => ({ 'designate_object.name': name, 'designate_object.namespace': 'designate', 'designate_object.version': '1.0' });
const DASHED_ZONE_ID = '0a7b3c5e-1f2d-4e6a-8b9c-0d1e2f3a4b5c';
const goldenMaster = {
  ...meta('ZoneMaster'),
  'designate_object.data': {
    id: '5e0c9d1a-2b3c-4d5e-8f90-a1b2c3d4e5f6', version: 1, created_at: '2026-08-01T10:00:00Z', updated_at: null,
    host: '192.0.2.53', port: 53, zone_id: DASHED_ZONE_ID,
  },
};
const goldenZone = {
  ...meta('Zone'),
  'designate_object.data': {
    id: DASHED_ZONE_ID, version: 3, created_at: '2026-08-01T10:00:00Z', updated_at: '2026-08-02T11:22:33Z',
    deleted: '0', deleted_at: null, shard: 1234, tenant_id: '7d1f4a2b9c8e4f6a8b2c1d3e5f708192', name: 'example.org.',
    email: 'hostmaster@example.org', description: null, type: 'SECONDARY', transferred_at: '2026-08-02T11:00:05Z',
    ttl: 3600, serial: 1785668405, refresh: 3563, retry: 600, expire: 86400, minimum: 3600, status: 'ACTIVE',
    parent_zone_id: null, action: 'NONE', pool_id: POOL_ID, delayed_notify: false,
    masters: { ...meta('ZoneMasterList'), 'designate_object.data': { objects: [goldenMaster] } },
    attributes: {
      ...meta('ZoneAttributeList'),
      'designate_object.data': {
        objects: [{
          ...meta('ZoneAttribute'),
          'designate_object.data': {
            id: 'b3f1e2d4-5a6b-4c7d-9e8f-0a1b2c3d4e5f', version: 1, created_at: '2026-08-01T10:00:00Z', updated_at: null,
            key: 'pool_id', value: POOL_ID, zone_id: DASHED_ZONE_ID,
          },
        }],
      },
    },
  },
};

test('a zone loaded from the database, as Designate 15.0.2 serializes it', () => {
  assert.equal(zonePrimitive(zoneRow), goldenZone);
});

test('columns of later schemas become fields only where the row has them; a PRIMARY zone has empty masters', () => {
  const later = zonePrimitive({ ...zoneRow, type: 'PRIMARY', masters: [], increment_serial: 1, shared: 0 });
  const data = later['designate_object.data'];
  assert.is(data.increment_serial, true);
  assert.is(data.shared, false);
  assert.equal(data.masters, { ...meta('ZoneMasterList'), 'designate_object.data': { objects: [] } });
  assert.not.ok('increment_serial' in goldenZone['designate_object.data']);
});

test('the master NOTIFY came from, loaded (no changes) or built from host and port (ZoneMaster.from_data)', () => {
  assert.equal(zoneMasterPrimitive(zoneRow.masters[0]), goldenMaster);
  assert.equal(zoneMasterPrimitive({ host: '192.0.2.53', port: '53' }), {
    ...meta('ZoneMaster'), 'designate_object.data': { host: '192.0.2.53', port: 53 }, 'designate_object.changes': ['host', 'port'],
  });
});

test('a ServiceStatus as the heartbeat builds it: every field changed, sorted', () => {
  assert.equal(serviceStatusPrimitive({
    service_name: 'mdns', hostname: 'mdns-1', status: 'UP', heartbeated_at: new Date('2026-08-02T11:22:33.999Z'), stats: {}, capabilities: {},
  }), {
    ...meta('ServiceStatus'),
    'designate_object.data': { service_name: 'mdns', hostname: 'mdns-1', status: 'UP', heartbeated_at: '2026-08-02T11:22:33Z', stats: {}, capabilities: {} },
    'designate_object.changes': ['capabilities', 'heartbeated_at', 'hostname', 'service_name', 'stats', 'status'],
  });
  const { service_status } = designateHeartbeatArgs({ serviceName: 'mdns', hostname: 'h', status: 'UP', stats: { zones: 1 }, capabilities: {} });
  assert.is(service_status['designate_object.name'], 'ServiceStatus');
  assert.equal(service_status['designate_object.data'].stats, { zones: 1 });
  assert.match(String(service_status['designate_object.data'].heartbeated_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('changes list only fields present in data, sorted; none means no key', () => {
  assert.equal(designateObject('X', { b: 1, a: 2 }, ['b', 'gone', 'a'])['designate_object.changes'], ['a', 'b']);
  assert.not.ok('designate_object.changes' in designateObject('X', { a: 1 }, ['gone']));
});

test('the admin context: get_admin_context().to_dict() keys and values', () => {
  const ctx = adminContext({ requestId: 'req-00000000-0000-4000-8000-000000000000' });
  assert.equal(ctx, {
    user: null, project_id: null, system_scope: null, project: null, domain: null, user_domain: null, project_domain: null,
    is_admin: true, read_only: false, show_deleted: false, auth_token: null, request_id: 'req-00000000-0000-4000-8000-000000000000',
    global_request_id: null, resource_uuid: null, roles: ['admin', 'reader'], user_identity: '- - - - -', is_admin_project: true,
    original_project_id: null, service_catalog: null, all_tenants: true, abandon: null, edit_managed_records: false,
    hard_delete: false, tsigkey_id: null, hide_counts: false, client_addr: null, delete_shares: false,
  });
  assert.is(adminContext({ systemScope: 'all', allTenants: false }).system_scope, 'all');
  assert.is(adminContext({ allTenants: false }).all_tenants, false);
  assert.match(String(adminContext().request_id), /^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.is.not(adminContext().request_id, adminContext().request_id);
});

test('envelope: 2.0 around a JSON string with method, args, version, _unique_id and _context_ keys; read back', () => {
  const ctx = adminContext();
  const args = { zone: goldenZone, servers: [goldenMaster] };
  const envelope = osloEnvelope('perform_zone_xfr', args, '1.1', ctx);
  assert.equal(Object.keys(envelope), ['oslo.version', 'oslo.message']);
  assert.is(envelope['oslo.version'], '2.0');
  const inner = JSON.parse(envelope['oslo.message']) as Record<string, unknown>;
  assert.equal(Object.keys(inner).slice(0, 4), ['method', 'args', 'version', '_unique_id']);
  assert.match(String(inner._unique_id), /^[0-9a-f]{32}$/);
  assert.is(inner._context_is_admin, true);
  assert.not.ok('namespace' in inner || '_msg_id' in inner || '_reply_q' in inner, 'a cast: no namespace, no reply');
  const read = readOsloEnvelope(Buffer.from(JSON.stringify(envelope)));
  assert.equal(read, { method: 'perform_zone_xfr', args, version: '1.1', uniqueId: inner._unique_id, context: ctx });
  assert.is.not(readOsloEnvelope(osloEnvelope('m', {}, '6.0', ctx)).uniqueId, read.uniqueId);
  assert.throws(() => readOsloEnvelope('{"method":"m"}'), /not an oslo.messaging 2.x envelope/);
  assert.throws(() => readOsloEnvelope({ 'oslo.version': '2.0', 'oslo.message': '{"args":{}}' }), /without method/);
});

test('timestamps and ids in the forms Designate writes them', () => {
  assert.is(isoTime('2026-01-02 03:04:05.123456'), '2026-01-02T03:04:05Z');
  assert.is(isoTime('2026-01-02T03:04:05Z'), '2026-01-02T03:04:05Z');
  assert.is(isoTime(null), null);
  assert.throws(() => isoTime('2026-01-02 03:04:05+02:00'), /not a UTC timestamp/);
  assert.throws(() => isoTime(new Date(NaN)), /invalid date/);
  assert.is(dashedUuid('794CCC2CD75144FEB57F8894C9F5C842'), POOL_ID);
  assert.is(dashedUuid(POOL_ID), POOL_ID);
  assert.throws(() => dashedUuid('not-a-uuid'), /is not a UUID/);
  assert.throws(() => zonePrimitive({ ...zoneRow, serial: '12.5' }), /is not an integer/);
});

test.run();
