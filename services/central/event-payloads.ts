// What Designate's notifications carry: the object as its fields (snake_case, times in ISO 8601), so that
// billing and audit consumers written for Designate read zonecast's the same way.
import type { Zone } from '../storage/storage.ts';
import type { RecordsetDetail } from './recordsets.ts';

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function zonePayload(zone: Zone): Record<string, unknown> {
  return {
    id: zone.id, pool_id: zone.poolId, project_id: zone.tenantId, tenant_id: zone.tenantId, name: zone.name, email: zone.email,
    description: zone.description, ttl: zone.ttl, serial: zone.serial, refresh: zone.refresh, retry: zone.retry, expire: zone.expire,
    minimum: zone.minimum, status: zone.status, action: zone.action, type: zone.type, shard: zone.shard, version: zone.version,
    created_at: iso(zone.createdAt), updated_at: iso(zone.updatedAt), deleted_at: iso(zone.deletedAt),
  };
}

export function recordsetPayload(d: RecordsetDetail): Record<string, unknown> {
  const rs = d.recordset;
  return {
    id: rs.id, zone_id: rs.zoneId, zone_name: d.zoneName, project_id: rs.tenantId, tenant_id: rs.tenantId, name: rs.name, type: rs.type,
    ttl: rs.ttl, description: rs.description, records: d.records.map((r) => ({ id: r.id, data: r.data, managed: r.managed, status: r.status, action: r.action })),
    status: d.status, action: d.action, version: rs.version, created_at: iso(rs.createdAt), updated_at: iso(rs.updatedAt),
  };
}
