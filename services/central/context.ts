// What every part of central shares: its dependencies and options, who is calling, and the rules for which
// zones a caller may see or change.
import type { Logger } from '../log.ts';
import type { Bus } from '../messaging/bus.ts';
import type { Notifier } from '../messaging/notifications.ts';
import { NotFoundError, type Storage, type Tx, type Zone } from '../storage/storage.ts';
import { DEFAULT_POOL_ID } from '../storage/schema.ts';
import { Refuse } from './errors.ts';
import { SUPPORTED_RECORD_TYPES } from './validate.ts';

/** The part of the API's request context central acts on. */
export interface Caller {
  /** The effective project (the sudo project when one was honoured). */
  projectId: string | null;
  isAdmin: boolean;
  /** X-Auth-All-Projects (admin only; the API refuses it otherwise). */
  allProjects: boolean;
  editManagedRecords: boolean;
  hardDelete: boolean;
  deleteShares: boolean;
}

export const QUOTA_RESOURCES = ['zones', 'zone_recordsets', 'zone_records', 'recordset_records', 'api_export_size'] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

export interface CentralOptions {
  /** `[service:central] default_pool_id`. */
  defaultPoolId: string;
  /** `[service:central] min_ttl`: lower TTLs need the admin role (Designate's use_low_ttl). */
  minTtl: number;
  /** `[service:central] max_zone_name_len`, `max_recordset_name_len`. */
  maxZoneNameLength: number;
  maxRecordsetNameLength: number;
  /** `[service:central] managed_resource_email`: the SOA RNAME of secondary zones. */
  managedResourceEmail: string;
  /** `[DEFAULT] supported_record_type`. */
  supportedRecordTypes: readonly string[];
  /** `[DEFAULT] quota_*`; a negative value means unlimited. */
  quotas: Record<QuotaResource, number>;
  /** `[DEFAULT] default_ttl`, `default_soa_*`: SOA timers of new zones. */
  defaultTtl: number;
  soaRefreshMin: number;
  soaRefreshMax: number;
  soaRetry: number;
  soaExpire: number;
  soaMinimum: number;
  /**
   * `[producer_task:increment_serial] interval`: seconds over which changes share one serial (Designate
   * batches every 5 s). 0 gives every change its own serial at once.
   */
  serialBatchInterval: number;
  /** `[heartbeat_emitter] heartbeat_interval`: an instance silent for three of these is DOWN. */
  heartbeatInterval: number;
}

export const CENTRAL_DEFAULTS: CentralOptions = {
  defaultPoolId: DEFAULT_POOL_ID,
  minTtl: 0,
  maxZoneNameLength: 255,
  maxRecordsetNameLength: 255,
  managedResourceEmail: 'hostmaster@example.com',
  supportedRecordTypes: SUPPORTED_RECORD_TYPES,
  quotas: { zones: 10, zone_recordsets: 500, zone_records: 500, recordset_records: 20, api_export_size: 1000 },
  defaultTtl: 3600,
  soaRefreshMin: 3500,
  soaRefreshMax: 3600,
  soaRetry: 600,
  soaExpire: 86400,
  soaMinimum: 3600,
  serialBatchInterval: 0,
  heartbeatInterval: 10,
};

export interface CentralDeps {
  storage: Storage;
  bus: Bus;
  options: CentralOptions;
  log: Logger;
  /** Seconds since the Unix epoch, for serials; tests set a clock. */
  now?: () => number;
  /** Notifications out (`[oslo_messaging_notifications] driver`); none when absent. */
  notifier?: Notifier;
}

/** Admins with X-Auth-All-Projects act on every project's resources. */
export const seesAll = (caller: Caller): boolean => caller.isAdmin && caller.allProjects;

export function requireAdmin(caller: Caller): void {
  if (!caller.isAdmin) throw Refuse.forbidden('You are not authorized to perform this action');
}

export function requireProject(caller: Caller): string {
  if (!caller.projectId) throw Refuse.forbidden('A project is required');
  return caller.projectId;
}

/** Whether the zone is shared with the caller's project. */
async function sharedWith(tx: Tx, zone: Zone, caller: Caller): Promise<boolean> {
  if (!caller.projectId) return false;
  return tx.isZoneSharedWith(zone.id, caller.projectId);
}

/**
 * The zone as the caller may read it: their own, one shared with them, or any for an all-projects admin.
 * Anything else is reported as not found, so ids of other projects' zones reveal nothing.
 */
export async function readableZone(tx: Tx, caller: Caller, zoneId: string, opts: { forUpdate?: boolean } = {}): Promise<{ zone: Zone; owner: boolean }> {
  let zone: Zone;
  try {
    zone = await tx.getZone(zoneId, opts);
  } catch (err) {
    if (err instanceof NotFoundError) throw Refuse.notFound('Zone');
    throw err;
  }
  if (seesAll(caller) || zone.tenantId === caller.projectId) return { zone, owner: true };
  if (await sharedWith(tx, zone, caller)) return { zone, owner: false };
  throw Refuse.notFound('Zone');
}

/** The zone, which the caller must own (or act on as an all-projects admin). */
export async function ownedZone(tx: Tx, caller: Caller, zoneId: string, opts: { forUpdate?: boolean } = {}): Promise<Zone> {
  const { zone, owner } = await readableZone(tx, caller, zoneId, opts);
  if (!owner) throw Refuse.forbidden('Only the owner of a shared zone may change it');
  return zone;
}
