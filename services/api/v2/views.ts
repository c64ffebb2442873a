// Designate v2 JSON shapes (designate.md §5.4) of central's objects.
import { formatRemote } from '../../central/masters.ts';
import type { RecordsetDetail } from '../../central/recordsets.ts';
import type { ZoneDetail } from '../../central/zones.ts';

/** Designate's timestamps: ISO 8601 in UTC without a zone designator, microseconds. */
export function time(date: Date | null): string | null {
  return date === null ? null : `${date.toISOString().slice(0, 23)}000`;
}

export function zoneView(baseUrl: string, { zone, masters, attributes, shared }: ZoneDetail): Record<string, unknown> & { id: string } {
  return {
    id: zone.id,
    pool_id: zone.poolId,
    project_id: zone.tenantId,
    name: zone.name,
    email: zone.email,
    description: zone.description,
    ttl: zone.ttl,
    serial: zone.serial,
    status: zone.status,
    action: zone.action,
    version: zone.version,
    attributes,
    type: zone.type,
    masters: masters.map(formatRemote),
    shared,
    created_at: time(zone.createdAt),
    updated_at: time(zone.updatedAt),
    transferred_at: time(zone.transferredAt),
    links: { self: `${baseUrl}/v2/zones/${zone.id}` },
  };
}

export function recordsetView(baseUrl: string, d: RecordsetDetail): Record<string, unknown> & { id: string } {
  const rs = d.recordset;
  return {
    id: rs.id,
    zone_id: rs.zoneId,
    zone_name: d.zoneName,
    project_id: rs.tenantId,
    name: rs.name,
    type: rs.type,
    records: d.records.map((r) => r.data),
    ttl: rs.ttl,
    description: rs.description,
    status: d.status,
    action: d.action,
    version: rs.version,
    created_at: time(rs.createdAt),
    updated_at: time(rs.updatedAt),
    links: { self: `${baseUrl}/v2/zones/${rs.zoneId}/recordsets/${rs.id}` },
  };
}

// ---- shared zones, zone ownership transfers, zone imports and exports

type SharedZone = import('../../storage/storage.ts').SharedZone;
type ZoneTask = import('../../storage/storage.ts').ZoneTask;
type TransferRequestDetail = import('../../central/transfers.ts').TransferRequestDetail;
type TransferAcceptDetail = import('../../central/transfers.ts').TransferAcceptDetail;

export function sharedZoneView(baseUrl: string, share: SharedZone): Record<string, unknown> & { id: string } {
  return {
    id: share.id,
    zone_id: share.zoneId,
    project_id: share.projectId,
    target_project_id: share.targetProjectId,
    created_at: time(share.createdAt),
    updated_at: time(share.updatedAt),
    links: {
      self: `${baseUrl}/v2/zones/${share.zoneId}/shares/${share.id}`,
      zone: `${baseUrl}/v2/zones/${share.zoneId}`,
    },
  };
}

/** The owner's (detailed) view has the key, projects and times; others see what they need to accept it. */
export function transferRequestView(baseUrl: string, { request, zoneName, detailed }: TransferRequestDetail): Record<string, unknown> & { id: string } {
  const view: Record<string, unknown> & { id: string } = {
    id: request.id,
    zone_id: request.zoneId,
    zone_name: zoneName,
    description: request.description,
    status: request.status,
  };
  if (detailed) {
    Object.assign(view, {
      key: request.key,
      project_id: request.tenantId,
      target_project_id: request.targetTenantId,
      created_at: time(request.createdAt),
      updated_at: time(request.updatedAt),
    });
  }
  view.links = { self: `${baseUrl}/v2/zones/tasks/transfer_requests/${request.id}` };
  return view;
}

export function transferAcceptView(baseUrl: string, { accept, key }: TransferAcceptDetail): Record<string, unknown> & { id: string } {
  return {
    id: accept.id,
    zone_transfer_request_id: accept.zoneTransferRequestId,
    project_id: accept.tenantId,
    key,
    status: accept.status,
    zone_id: accept.zoneId,
    created_at: time(accept.createdAt),
    updated_at: time(accept.updatedAt),
    links: {
      self: `${baseUrl}/v2/zones/tasks/transfer_accepts/${accept.id}`,
      zone: `${baseUrl}/v2/zones/${accept.zoneId}`,
    },
  };
}

function zoneTaskView(task: ZoneTask, self: string): Record<string, unknown> & { id: string; links: Record<string, string> } {
  return {
    id: task.id,
    status: task.status,
    message: task.message,
    zone_id: task.zoneId,
    project_id: task.tenantId,
    created_at: time(task.createdAt),
    updated_at: time(task.updatedAt),
    version: task.version,
    links: { self },
  };
}

/** links.href is the imported zone, once there is one (Designate's api-ref sample). */
export function zoneImportView(baseUrl: string, task: ZoneTask): Record<string, unknown> & { id: string } {
  const view = zoneTaskView(task, `${baseUrl}/v2/zones/tasks/imports/${task.id}`);
  if (task.zoneId !== null) view.links.href = `${baseUrl}/v2/zones/${task.zoneId}`;
  return view;
}

/** links.export is where the text is, for exports kept by zonecast itself (designate://). */
export function zoneExportView(baseUrl: string, task: ZoneTask): Record<string, unknown> & { id: string } {
  const view = { ...zoneTaskView(task, `${baseUrl}/v2/zones/tasks/exports/${task.id}`), location: task.location };
  if (task.location?.startsWith('designate://')) view.links.export = `${baseUrl}/${task.location.slice('designate://'.length)}`;
  return view;
}
