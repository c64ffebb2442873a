// Zone ownership transfers: requests and their accepts.
import { randomUUID } from 'node:crypto';
import type { TaskStatus, TransferRequestUpdate, Tx, ZoneTransferAccept, ZoneTransferRequest } from '../storage.ts';
import type { Statements } from './statements.ts';
import { audit, columnsOf, str, strOrNull, ts, type Row } from './values.ts';

export const toTransferRequest = (r: Row): ZoneTransferRequest => ({
  ...audit(r), key: str(r.key), description: strOrNull(r.description), tenantId: str(r.tenant_id),
  targetTenantId: strOrNull(r.target_tenant_id), zoneId: str(r.zone_id), status: str(r.status) as TaskStatus,
});

export const toTransferAccept = (r: Row): ZoneTransferAccept => ({
  ...audit(r), zoneTransferRequestId: str(r.zone_transfer_request_id), tenantId: str(r.tenant_id),
  zoneId: str(r.zone_id), status: str(r.status) as TaskStatus,
});

// The inputs as Tx declares them.
export type TransferRequestCreate = Parameters<Tx['createTransferRequest']>[0];
export type TransferAcceptCreate = Parameters<Tx['createTransferAccept']>[0];

const TRANSFER_REQUEST_COLUMNS: Record<keyof TransferRequestUpdate, string> = {
  description: 'description', targetTenantId: 'target_tenant_id', status: 'status',
};

export async function createTransferRequest(db: Statements, input: TransferRequestCreate): Promise<ZoneTransferRequest> {
  const id = randomUUID();
  await db.insert('zone_transfer_requests', {
    id, version: 1, created_at: ts(), key: input.key, description: input.description ?? null,
    tenant_id: input.tenantId, target_tenant_id: input.targetTenantId ?? null, zone_id: input.zoneId, status: 'ACTIVE',
  });
  return getTransferRequest(db, id);
}

export async function getTransferRequest(db: Statements, id: string): Promise<ZoneTransferRequest> {
  return toTransferRequest(await db.one('SELECT * FROM zone_transfer_requests WHERE id = ?', [id], 'zone_transfer_request', id));
}

export async function updateTransferRequestStatus(db: Statements, id: string, status: TaskStatus): Promise<ZoneTransferRequest> {
  await db.update('zone_transfer_requests', 'zone_transfer_request', id, { status });
  return getTransferRequest(db, id);
}

export async function updateTransferRequest(db: Statements, id: string, patch: TransferRequestUpdate,
  expectedVersion?: number): Promise<ZoneTransferRequest> {
  await db.update('zone_transfer_requests', 'zone_transfer_request', id,
    columnsOf('zone_transfer_request', TRANSFER_REQUEST_COLUMNS, patch), expectedVersion);
  return getTransferRequest(db, id);
}

export async function deleteTransferRequest(db: Statements, id: string): Promise<void> {
  await db.delete('zone_transfer_requests', 'zone_transfer_request', id);
}

export async function createTransferAccept(db: Statements, input: TransferAcceptCreate): Promise<ZoneTransferAccept> {
  const id = randomUUID();
  await db.insert('zone_transfer_accepts', {
    id, version: 1, created_at: ts(), zone_transfer_request_id: input.zoneTransferRequestId,
    tenant_id: input.tenantId, zone_id: input.zoneId, status: input.status ?? 'ACTIVE',
  });
  return getTransferAccept(db, id);
}

export async function getTransferAccept(db: Statements, id: string): Promise<ZoneTransferAccept> {
  return toTransferAccept(await db.one('SELECT * FROM zone_transfer_accepts WHERE id = ?', [id], 'zone_transfer_accept', id));
}

export async function updateTransferAcceptStatus(db: Statements, id: string, status: TaskStatus): Promise<ZoneTransferAccept> {
  await db.update('zone_transfer_accepts', 'zone_transfer_accept', id, { status });
  return getTransferAccept(db, id);
}
