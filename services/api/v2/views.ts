// Designate v2 JSON shapes (designate.md §5.4) of central's objects.
import { formatRemote } from '../../central/masters.ts';
import type { RecordsetDetail } from '../../central/recordsets.ts';
import { shownName, type ZoneDetail } from '../../central/zones.ts';

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** Epoch ms → its text: lists show the same rows' times again and again. */
const formatted = new Map<number, string>();

/** Designate's timestamps: ISO 8601 in UTC without a zone designator, microseconds. */
export function time(date: Date | null): string | null {
  if (date === null) return null;
  const t = date.getTime();
  let text = formatted.get(t);
  if (text !== undefined) return text;
  // By hand: toISOString and slicing cost about three times as much.
  const year = date.getUTCFullYear();
  if (!(year >= 1000 && year <= 9999)) return `${date.toISOString().slice(0, 23)}000`; // (an invalid date throws here)
  const ms = date.getUTCMilliseconds();
  text = `${year}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}T${pad2(date.getUTCHours())}:` +
    `${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}000`;
  if (formatted.size >= 10_000) formatted.clear();
  formatted.set(t, text);
  return text;
}

export function zoneView(baseUrl: string, { zone, masters, attributes, shared }: ZoneDetail): Record<string, unknown> & { id: string } {
  return {
    id: zone.id,
    pool_id: zone.poolId,
    project_id: zone.tenantId,
    // As its owner spelled it (Designate keeps the case); lookups and filters use the lower-case name.
    name: shownName(zone),
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
type ZoneTransferAccept = import('../../storage/storage.ts').ZoneTransferAccept;

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

/** `key` is always null, as Designate shows it: an accept never echoes the secret it was made with. */
export function transferAcceptView(baseUrl: string, accept: ZoneTransferAccept): Record<string, unknown> & { id: string } {
  return {
    id: accept.id,
    zone_transfer_request_id: accept.zoneTransferRequestId,
    project_id: accept.tenantId,
    key: null,
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

/** links.zone is the imported zone, once there is one, as Designate 15 links it. */
export function zoneImportView(baseUrl: string, task: ZoneTask): Record<string, unknown> & { id: string } {
  const view = zoneTaskView(task, `${baseUrl}/v2/zones/tasks/imports/${task.id}`);
  if (task.zoneId !== null) view.links.zone = `${baseUrl}/v2/zones/${task.zoneId}`;
  return view;
}

/** links.export is where the text is, for exports kept by zonecast itself (designate://). */
export function zoneExportView(baseUrl: string, task: ZoneTask): Record<string, unknown> & { id: string } {
  const view = { ...zoneTaskView(task, `${baseUrl}/v2/zones/tasks/exports/${task.id}`), location: task.location };
  if (task.location?.startsWith('designate://')) view.links.export = `${baseUrl}/${task.location.slice('designate://'.length)}`;
  return view;
}
