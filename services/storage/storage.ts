// The engine-neutral storage interface: plain objects in and out, camelCase fields, typed errors that both
// engines raise identically. Implementations: sqlite.ts (node:sqlite, the single-process default) and
// mysql.ts (MariaDB/MySQL through mysql2); open.ts picks one from a Designate-style connection URL.

export type EngineName = 'sqlite' | 'mysql';

// ---------------------------------------------------------------------------------------------- errors

export class StorageError extends Error {
  override name = 'StorageError';
}

/** A unique constraint was violated; `field` names the offending input field (e.g. `name`). */
export class DuplicateError extends StorageError {
  override name = 'DuplicateError';
  readonly table: string;
  readonly field: string;
  constructor(table: string, field: string, message?: string) {
    super(message ?? `duplicate ${table}.${field}`);
    this.table = table;
    this.field = field;
  }
}

/** The row does not exist (or a referenced row does not exist). */
/**
 * Whether `text` can be a project id: the project columns are 36 wide (Designate's tenant_id; keystone's ids
 * are 32 hex digits), and an id is printable ASCII without spaces, safe in a log line.
 */
export function isProjectId(text: string): boolean {
  return /^[\x21-\x7e]{1,36}$/.test(text);
}

export class NotFoundError extends StorageError {
  override name = 'NotFoundError';
  readonly resource: string;
  readonly id: string | undefined;
  constructor(resource: string, id?: string, message?: string) {
    super(message ?? `${resource} ${id ?? ''} not found`.replace('  ', ' '));
    this.resource = resource;
    this.id = id;
  }
}

/** Optimistic concurrency: the row's version is not the one the caller read. */
export class ConflictError extends StorageError {
  override name = 'ConflictError';
  readonly resource: string;
  readonly id: string;
  constructor(resource: string, id: string, expected: number) {
    super(`${resource} ${id} was changed concurrently (expected version ${expected})`);
    this.resource = resource;
    this.id = id;
  }
}

/** The engine cannot take more work now (MySQL pool queue full) or cannot be reached. */
export class UnavailableError extends StorageError {
  override name = 'UnavailableError';
}

// ---------------------------------------------------------------------------------------------- paging

/** Keyset paging: rows ordered by id, strictly after `marker`. */
export interface Page {
  limit?: number;
  marker?: string;
}

export interface PageResult<T> {
  items: T[];
  /** The marker for the next page, absent on the last page. */
  next?: string;
}

// ---------------------------------------------------------------------------------------------- zones

export type ZoneType = 'PRIMARY' | 'SECONDARY' | 'CATALOG';
export type Status = 'ACTIVE' | 'PENDING' | 'DELETED' | 'ERROR';
export type Action = 'CREATE' | 'DELETE' | 'UPDATE' | 'NONE';

export interface Audit {
  id: string;
  version: number;
  createdAt: Date;
  updatedAt: Date | null;
}

export interface Zone extends Audit {
  deleted: string;
  deletedAt: Date | null;
  shard: number;
  tenantId: string | null;
  /** Lower case: what every comparison (uniqueness, lookups, DNS) uses. */
  name: string;
  /** The name as its owner spelled it, when that differs from `name` in case: what the API shows. */
  givenName: string | null;
  email: string | null;
  description: string | null;
  type: ZoneType;
  transferredAt: Date | null;
  ttl: number;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
  status: Status;
  action: Action;
  delayedNotify: boolean;
  incrementSerial: boolean;
  parentZoneId: string | null;
  poolId: string;
  reverseName: string;
}

/** What the API shows of a zone besides its row. */
export interface ZoneExtras {
  masters: HostPort[];
  attributes: Record<string, string>;
  /** Shared with at least one other project. */
  shared: boolean;
}

export interface HostPort {
  host: string;
  port: number;
}

export interface ZoneCreate {
  name: string;
  givenName?: string | null;
  tenantId?: string | null;
  email?: string | null;
  description?: string | null;
  type?: ZoneType;
  ttl?: number;
  serial?: number;
  refresh?: number;
  retry?: number;
  expire?: number;
  minimum?: number;
  status?: Status;
  action?: Action;
  parentZoneId?: string | null;
  poolId?: string;
  masters?: HostPort[];
  attributes?: Record<string, string>;
}

export type ZoneUpdate = Partial<Pick<Zone,
  'tenantId' | 'email' | 'description' | 'transferredAt' | 'ttl' | 'serial' | 'refresh' | 'retry' | 'expire' |
  'minimum' | 'status' | 'action' | 'delayedNotify' | 'incrementSerial' | 'parentZoneId' | 'poolId'>>;

export interface ZoneCriterion {
  tenantId?: string;
  name?: string;
  poolId?: string;
  status?: Status;
  action?: Action;
  type?: ZoneType;
  incrementSerial?: boolean;
  delayedNotify?: boolean;
  /** Include soft-deleted zones (default: only live ones). */
  includeDeleted?: boolean;
  /** Only zones whose shard lies in [first, last] (the producer's share). */
  shards?: { first: number; last: number };
  /** Only zones soft-deleted before this moment (zone_purge). */
  deletedBefore?: Date;
}

// ---------------------------------------------------------------------------------------------- recordsets

export interface RecordSet extends Audit {
  zoneShard: number;
  tenantId: string | null;
  zoneId: string;
  name: string;
  type: string;
  ttl: number | null;
  description: string | null;
  reverseName: string;
}

export interface RecordInput {
  data: string;
  description?: string | null;
  managed?: boolean;
  managedExtra?: string | null;
  managedPluginType?: string | null;
  managedPluginName?: string | null;
  managedResourceType?: string | null;
  managedResourceRegion?: string | null;
  managedResourceId?: string | null;
  managedTenantId?: string | null;
  status?: Status;
  action?: Action;
  serial?: number;
}

export interface DnsRecord extends Audit {
  zoneShard: number;
  tenantId: string | null;
  zoneId: string;
  recordsetId: string;
  data: string;
  description: string | null;
  hash: string;
  managed: boolean;
  managedExtra: string | null;
  managedPluginType: string | null;
  managedPluginName: string | null;
  managedResourceType: string | null;
  managedResourceRegion: string | null;
  managedResourceId: string | null;
  managedTenantId: string | null;
  status: Status;
  action: Action;
  serial: number;
}

export interface RecordSetCreate {
  zoneId: string;
  /** The owner, default the zone's: a project the zone is shared with owns the recordsets it creates. */
  tenantId?: string | null;
  name: string;
  type: string;
  ttl?: number | null;
  description?: string | null;
  records?: RecordInput[];
}

export type RecordSetUpdate = Partial<Pick<RecordSet, 'ttl' | 'description'>>;

export interface RecordSetFilter {
  name?: string;
  type?: string;
  tenantId?: string;
}

/** One row of a zone read for AXFR: the record's id is the keyset cursor. */
export interface ZoneRecordRow {
  id: string;
  recordsetId: string;
  name: string;
  type: string;
  /** The recordset TTL; null means the zone's TTL. */
  ttl: number | null;
  data: string;
}

// ---------------------------------------------------------------------------------------------- others

export interface Tld extends Audit {
  name: string;
  description: string | null;
}

export type TldUpdate = Partial<Pick<Tld, 'name' | 'description'>>;

export type TsigScope = 'POOL' | 'ZONE';

export interface TsigKey extends Audit {
  tenantId: string | null;
  name: string;
  algorithm: string;
  secret: string;
  scope: TsigScope;
  resourceId: string;
}

export interface TsigKeyCreate {
  name: string;
  algorithm: string;
  secret: string;
  scope?: TsigScope;
  resourceId: string;
  tenantId?: string | null;
}

export type TsigKeyUpdate = Partial<Pick<TsigKey, 'name' | 'algorithm' | 'secret' | 'scope' | 'resourceId'>>;

export interface PoolNsRecord { hostname: string; priority: number }
export interface PoolNameserver extends HostPort { tsigkeyId?: string | null }
export interface PoolTarget {
  id?: string;
  type: string;
  description?: string | null;
  tsigkeyId?: string | null;
  masters: HostPort[];
  options: Record<string, string>;
}

export interface PoolCreate {
  id?: string;
  name: string;
  description?: string | null;
  tenantId?: string | null;
  provisioner?: string;
  attributes?: Record<string, string>;
  nsRecords?: PoolNsRecord[];
  nameservers?: PoolNameserver[];
  targets?: PoolTarget[];
  alsoNotifies?: HostPort[];
}

export interface Pool extends Audit {
  name: string;
  description: string | null;
  tenantId: string | null;
  provisioner: string;
  attributes: Record<string, string>;
  nsRecords: PoolNsRecord[];
  nameservers: PoolNameserver[];
  targets: PoolTarget[];
  alsoNotifies: HostPort[];
}

export type ServiceState = 'UP' | 'DOWN' | 'WARNING' | 'STOPPED';

export interface ServiceStatus extends Audit {
  serviceName: string;
  hostname: string;
  heartbeatedAt: Date | null;
  status: ServiceState;
  stats: Record<string, unknown>;
  capabilities: Record<string, unknown>;
}

export interface ServiceStatusInput {
  serviceName: string;
  hostname: string;
  status: ServiceState;
  heartbeatedAt?: Date;
  stats?: Record<string, unknown>;
  capabilities?: Record<string, unknown>;
}

export interface JournalEntry {
  /** Monotonic per database: entries apply in id order (serials wrap, ids do not). */
  id: number;
  zoneId: string;
  fromSerial: number;
  toSerial: number;
  data: Buffer;
  createdAt: Date;
}

export interface Blacklist extends Audit {
  pattern: string;
  description: string | null;
}

export type BlacklistUpdate = Partial<Pick<Blacklist, 'pattern' | 'description'>>;

export interface SharedZone extends Audit {
  zoneId: string;
  projectId: string;
  targetProjectId: string;
}

export type TaskStatus = 'ACTIVE' | 'PENDING' | 'DELETED' | 'ERROR' | 'COMPLETE';

export interface ZoneTransferRequest extends Audit {
  key: string;
  description: string | null;
  tenantId: string;
  targetTenantId: string | null;
  zoneId: string;
  status: TaskStatus;
}

export type TransferRequestUpdate = Partial<Pick<ZoneTransferRequest, 'description' | 'targetTenantId' | 'status'>>;

export interface ZoneTransferAccept extends Audit {
  zoneTransferRequestId: string;
  tenantId: string;
  zoneId: string;
  status: TaskStatus;
}

export type ZoneTaskType = 'IMPORT' | 'EXPORT';

/** Zone imports and exports share one table, as in Designate. */
export interface ZoneTask extends Audit {
  tenantId: string | null;
  zoneId: string | null;
  taskType: ZoneTaskType;
  message: string | null;
  status: TaskStatus;
  location: string | null;
}

export type ZoneTaskUpdate = Partial<Pick<ZoneTask, 'zoneId' | 'message' | 'status' | 'location'>>;

// ---------------------------------------------------------------------------------------------- lists

/** What `Tx.list` returns for each resource (imports and exports are the zone tasks of that type). */
export interface ListItems {
  zones: Zone;
  recordsets: RecordSet;
  tlds: Tld;
  tsigkeys: TsigKey;
  blacklists: Blacklist;
  zone_imports: ZoneTask;
  zone_exports: ZoneTask;
  transfer_requests: ZoneTransferRequest;
  transfer_accepts: ZoneTransferAccept;
  shared_zones: SharedZone;
  service_statuses: ServiceStatus;
  pools: Pool;
}

export type ListResource = keyof ListItems;
export type ListItem<R extends ListResource> = ListItems[R];

/**
 * One page of an API list call. Field names are the resource's camelCase fields, checked against a
 * per-resource whitelist (an unknown one throws StorageError); recordsets also take `data`, matched against
 * any of their records' rdata. Only live zones, and the recordsets of live zones, are listed.
 */
export interface ListQuery {
  /** Equality; an array means IN, null means IS NULL. */
  where?: Record<string, string | number | boolean | null | readonly string[]>;
  /**
   * SQL LIKE patterns, case-insensitive on both engines; a backslash escapes `%`, `_` and itself
   * (`\%` is a literal percent sign).
   */
  like?: Record<string, string>;
  /** The field to sort by (default createdAt), then id in the same direction. NULLs sort first ascending. */
  sortKey?: string;
  sortDir?: 'asc' | 'desc';
  /**
   * The id of the last row of the previous page: the page holds the rows after it in (sortKey, id) order.
   * A marker that is not a row of this resource (visible to `visibleToProject`) throws NotFoundError('marker', id).
   */
  marker?: string | null;
  limit: number;
  /**
   * Zones: the project's own live zones and those shared with it (shared_zones.target_project_id);
   * recordsets: the recordsets of those zones; transfer requests: those it made or that name it as target.
   * Other resources refuse it (StorageError): filter them with `where`.
   */
  visibleToProject?: string;
}

// ---------------------------------------------------------------------------------------------- Tx

/** Repository methods, valid only inside the transaction that handed them out. */
export interface Tx {
  // zones
  createZone(input: ZoneCreate): Promise<Zone>;
  /**
   * `forUpdate` locks the zone row until the transaction ends (MySQL; SQLite transactions are serialized).
   * Take it first when the transaction will also update the zone: inserting a child row takes a shared
   * lock on the zone, and two such transactions upgrading to update it deadlock (then get re-run).
   */
  getZone(id: string, opts?: { includeDeleted?: boolean; forUpdate?: boolean }): Promise<Zone>;
  /** The live zone with this name (in `poolId` if given). */
  getZoneByName(name: string, poolId?: string): Promise<Zone>;
  findZones(criterion?: ZoneCriterion, page?: Page): Promise<PageResult<Zone>>;
  /** Updates and bumps `version`; with `expectedVersion`, a concurrent change raises ConflictError. */
  updateZone(id: string, patch: ZoneUpdate, expectedVersion?: number): Promise<Zone>;
  /** Designate's soft delete: `deleted` becomes the zone id, freeing the name for reuse. */
  softDeleteZone(id: string, expectedVersion?: number): Promise<Zone>;
  /** Removes the zone row and (by cascade) its recordsets, records, masters, attributes and journal. */
  purgeZone(id: string): Promise<void>;
  zoneMasters(zoneId: string): Promise<HostPort[]>;
  /** The zone's masters become `masters` (a SECONDARY zone's PATCH); take the zone row lock first. */
  replaceZoneMasters(zoneId: string, masters: readonly HostPort[]): Promise<void>;
  zoneAttributes(zoneId: string): Promise<Record<string, string>>;
  /** Masters, attributes and whether shared, for a page of zones in three queries. */
  zoneExtras(zoneIds: readonly string[]): Promise<Map<string, ZoneExtras>>;
  /** The project's live zones. */
  /**
   * The project's live zones. `forUpdate` locks them (and the gap for new ones) until the transaction ends,
   * so that racing creates count one after the other and a quota holds (MySQL; SQLite is serialized).
   */
  countZones(tenantId: string, opts?: { forUpdate?: boolean }): Promise<number>;
  /**
   * Live zones of any pool and tenant that enclose `name` (`b.example.com.`, `example.com.`, `com.` for
   * `a.b.example.com.`) or lie below it; never `name` itself. Parents first (ordered by reverse_name).
   */
  relatedZones(name: string): Promise<Zone[]>;
  /** Zone ownership transfer: the zone, its recordsets and records change tenant; `transferredAt` is now. */
  reownZone(zoneId: string, tenantId: string): Promise<void>;

  // recordsets and records
  createRecordset(input: RecordSetCreate): Promise<RecordSet>;
  /**
   * Recordsets of one zone with their records, in multi-row statements (a zone import writes a few hundred a
   * round trip); returns their ids in the order given.
   */
  createRecordsets(zoneId: string, inputs: readonly Omit<RecordSetCreate, 'zoneId'>[]): Promise<string[]>;
  getRecordset(id: string): Promise<RecordSet>;
  findRecordsets(zoneId: string, filter?: RecordSetFilter, page?: Page): Promise<PageResult<RecordSet>>;
  updateRecordset(id: string, patch: RecordSetUpdate, expectedVersion?: number): Promise<RecordSet>;
  deleteRecordset(id: string): Promise<void>;
  /** Makes the recordset hold exactly these records (unchanged rdata keeps its row and id); bumps the RRset version. */
  replaceRecords(recordsetId: string, records: RecordInput[]): Promise<DnsRecord[]>;
  listRecords(recordsetId: string): Promise<DnsRecord[]>;
  /** The records of a page of recordsets in one query, by recordset id. */
  recordsOf(recordsetIds: readonly string[]): Promise<Map<string, DnsRecord[]>>;
  /**
   * The zone is served at `serial`: its PENDING and ERROR records with a serial not newer than it (RFC 1982)
   * become ACTIVE/NONE, as Designate's update_status does on SUCCESS. Returns how many changed.
   */
  markRecordsServed(zoneId: string, serial: number): Promise<number>;
  /** The zone's records a plugin manages for one resource (managed_resource_type and _id). */
  findManagedRecords(zoneId: string, resourceType: string, resourceId: string): Promise<DnsRecord[]>;
  /** mdns instance `hostname` serves `serial` of the zone (replacing what it reported before). */
  recordZoneServed(zoneId: string, hostname: string, serial: number): Promise<void>;
  /** What each mdns instance last reported serving of the zone: hostname -> serial. */
  zoneServedBy(zoneId: string): Promise<Map<string, number>>;
  /** One keyset page of a zone's records for AXFR: ids strictly after `afterId` ('' for the start), in id order. */
  zoneRecords(zoneId: string, afterId: string, limit: number): Promise<ZoneRecordRow[]>;
  /** With `managed`, only the records whose managed flag is that value. */
  countZoneRecords(zoneId: string, opts?: { managed?: boolean }): Promise<number>;
  /** The recordset of this owner name and type in the zone. */
  getRecordsetByName(zoneId: string, name: string, type: string): Promise<RecordSet>;
  /** Every recordset (any type) at this owner name in the zone, by type. */
  recordsetsByName(zoneId: string, name: string): Promise<RecordSet[]>;
  countRecordsets(zoneId: string): Promise<number>;
  countRecords(recordsetId: string): Promise<number>;

  // any API list
  list<R extends ListResource>(resource: R, query: ListQuery): Promise<{ items: ListItem<R>[]; total: number }>;

  // tlds
  createTld(name: string, description?: string | null): Promise<Tld>;
  getTld(id: string): Promise<Tld>;
  updateTld(id: string, patch: TldUpdate, expectedVersion?: number): Promise<Tld>;
  findTlds(page?: Page): Promise<PageResult<Tld>>;
  deleteTld(id: string): Promise<void>;

  // tsigkeys
  createTsigKey(input: TsigKeyCreate): Promise<TsigKey>;
  getTsigKey(id: string): Promise<TsigKey>;
  getTsigKeyByName(name: string): Promise<TsigKey>;
  findTsigKeys(page?: Page): Promise<PageResult<TsigKey>>;
  updateTsigKey(id: string, patch: TsigKeyUpdate, expectedVersion?: number): Promise<TsigKey>;
  deleteTsigKey(id: string): Promise<void>;

  // pools
  createPool(input: PoolCreate): Promise<Pool>;
  getPool(id: string): Promise<Pool>;
  /** The pool's NS records alone (a zone's SOA and NS need no more of the pool). */
  poolNsRecords(poolId: string): Promise<PoolNsRecord[]>;
  /** Whether the pool has targets (real nameservers the worker provisions). */
  poolHasTargets(poolId: string): Promise<boolean>;
  findPools(): Promise<Pool[]>;
  deletePool(id: string): Promise<void>;

  // quotas
  setQuota(tenantId: string, resource: string, hardLimit: number): Promise<void>;
  getQuotas(tenantId: string): Promise<Record<string, number>>;
  resetQuotas(tenantId: string): Promise<void>;

  // service statuses
  updateServiceStatus(input: ServiceStatusInput): Promise<ServiceStatus>;
  /** Instances still UP whose last heartbeat is older than `heartbeatBefore` turn DOWN; returns how many. */
  markServicesDown(heartbeatBefore: Date): Promise<number>;
  findServiceStatuses(): Promise<ServiceStatus[]>;

  // blacklists
  createBlacklist(pattern: string, description?: string | null): Promise<Blacklist>;
  getBlacklist(id: string): Promise<Blacklist>;
  updateBlacklist(id: string, patch: BlacklistUpdate, expectedVersion?: number): Promise<Blacklist>;
  findBlacklists(): Promise<Blacklist[]>;
  deleteBlacklist(id: string): Promise<void>;

  // shared zones
  shareZone(zoneId: string, projectId: string, targetProjectId: string): Promise<SharedZone>;
  getSharedZone(id: string): Promise<SharedZone>;
  findSharedZones(zoneId: string): Promise<SharedZone[]>;
  /** Whether the zone is shared with this project (one indexed probe, not the zone's shares). */
  isZoneSharedWith(zoneId: string, projectId: string): Promise<boolean>;
  unshareZone(id: string): Promise<void>;

  // zone ownership transfers
  createTransferRequest(input: { zoneId: string; key: string; tenantId: string; targetTenantId?: string | null; description?: string | null }): Promise<ZoneTransferRequest>;
  getTransferRequest(id: string): Promise<ZoneTransferRequest>;
  updateTransferRequestStatus(id: string, status: TaskStatus): Promise<ZoneTransferRequest>;
  updateTransferRequest(id: string, patch: TransferRequestUpdate, expectedVersion?: number): Promise<ZoneTransferRequest>;
  /** Also removes its accepts (cascade). */
  deleteTransferRequest(id: string): Promise<void>;
  createTransferAccept(input: { zoneTransferRequestId: string; tenantId: string; zoneId: string; status?: TaskStatus }): Promise<ZoneTransferAccept>;
  getTransferAccept(id: string): Promise<ZoneTransferAccept>;
  updateTransferAcceptStatus(id: string, status: TaskStatus): Promise<ZoneTransferAccept>;

  // zone imports/exports
  createZoneTask(input: { taskType: ZoneTaskType; tenantId?: string | null; zoneId?: string | null; status?: TaskStatus; message?: string | null; location?: string | null }): Promise<ZoneTask>;
  getZoneTask(id: string): Promise<ZoneTask>;
  findZoneTasks(criterion?: { tenantId?: string; taskType?: ZoneTaskType; status?: TaskStatus }, page?: Page): Promise<PageResult<ZoneTask>>;
  updateZoneTask(id: string, patch: ZoneTaskUpdate, expectedVersion?: number): Promise<ZoneTask>;
  deleteZoneTask(id: string): Promise<void>;

  // IXFR journal
  appendJournal(zoneId: string, fromSerial: number, toSerial: number, data: Uint8Array): Promise<JournalEntry>;
  /** The chain from `fromSerial` to the newest entry, in order; [] when the journal does not reach back. */
  readJournal(zoneId: string, fromSerial: number): Promise<JournalEntry[]>;
  /** Keeps the newest `keep` entries of the zone; returns how many were removed. */
  trimJournal(zoneId: string, keep: number): Promise<number>;
}

export interface Storage {
  readonly engine: EngineName;
  /** Applies pending migrations; returns the schema version. Safe to run twice or from two processes. */
  migrate(): Promise<number>;
  /** The applied schema version (0 for an empty database). */
  version(): Promise<number>;
  /**
   * Runs `fn` in one database transaction: committed when it resolves, rolled back when it throws.
   * On MySQL a deadlock or lock wait timeout re-runs `fn` (a few times), so `fn` should have no side
   * effects outside the database.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Reads a whole zone as keyset pages of `pageSize` rows, each page in its own short transaction. */
  streamZoneRecords(zoneId: string, pageSize?: number): AsyncGenerator<ZoneRecordRow[]>;
  close(): Promise<void>;
}
