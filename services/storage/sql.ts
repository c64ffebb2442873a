// The repository methods of a transaction, written once in the SQL both engines accept (`?` placeholders,
// backtick-quoted `key`, LIMIT/OFFSET). Each resource's SQL is its own module under sql/; SqlTx is the Tx
// that hands them this transaction's Statements.
import type {
  Blacklist, BlacklistUpdate, DnsRecord, HostPort, JournalEntry, ListItem, ListQuery, ListResource, Page, PageResult,
  Pool, PoolCreate, PoolNsRecord, RecordInput, RecordSet, RecordSetCreate, RecordSetFilter, RecordSetUpdate, ServiceStatus,
  ServiceStatusInput, SharedZone, TaskStatus, Tld, TldUpdate, TransferRequestUpdate, TsigKey, TsigKeyCreate,
  TsigKeyUpdate, Tx, Zone, ZoneCreate, ZoneCriterion, ZoneExtras, ZoneRecordRow, ZoneTask, ZoneTaskUpdate,
  ZoneTransferAccept, ZoneTransferRequest, ZoneUpdate,
} from './storage.ts';
import * as blacklists from './sql/blacklists.ts';
import * as journal from './sql/journal.ts';
import * as lists from './sql/lists.ts';
import * as pools from './sql/pools.ts';
import * as quotas from './sql/quotas.ts';
import * as recordsets from './sql/recordsets.ts';
import * as serviceStatuses from './sql/service-statuses.ts';
import { Statements, type Executor } from './sql/statements.ts';
import * as tlds from './sql/tlds.ts';
import * as transfers from './sql/transfers.ts';
import * as tsigkeys from './sql/tsigkeys.ts';
import * as zoneTasks from './sql/zone-tasks.ts';
import * as zones from './sql/zones.ts';

export type { Executor } from './sql/statements.ts';
export { ts, type Param, type Row } from './sql/values.ts';
export { streamZoneRecords } from './sql/recordsets.ts';

export class SqlTx implements Tx {
  #db: Statements;

  /** `rowLocks`: the engine has SELECT … FOR UPDATE (MySQL); SQLite transactions are serialized anyway. */
  constructor(exec: Executor, rowLocks = false) {
    this.#db = new Statements(exec, rowLocks);
  }

  /** Called by the engine when the transaction ends: later calls fail instead of running outside it. */
  end(): void {
    this.#db.end();
  }

  // zones
  createZone(input: ZoneCreate): Promise<Zone> { return zones.createZone(this.#db, input); }
  getZone(id: string, opts?: { includeDeleted?: boolean; forUpdate?: boolean }): Promise<Zone> { return zones.getZone(this.#db, id, opts); }
  getZoneByName(name: string, poolId?: string): Promise<Zone> { return zones.getZoneByName(this.#db, name, poolId); }
  findZones(criterion?: ZoneCriterion, page?: Page): Promise<PageResult<Zone>> { return zones.findZones(this.#db, criterion, page); }
  updateZone(id: string, patch: ZoneUpdate, expectedVersion?: number): Promise<Zone> {
    return zones.updateZone(this.#db, id, patch, expectedVersion);
  }
  softDeleteZone(id: string, expectedVersion?: number): Promise<Zone> { return zones.softDeleteZone(this.#db, id, expectedVersion); }
  purgeZone(id: string): Promise<void> { return zones.purgeZone(this.#db, id); }
  replaceZoneMasters(zoneId: string, masters: readonly HostPort[]): Promise<void> {
    return zones.replaceZoneMasters(this.#db, zoneId, masters);
  }
  zoneMasters(zoneId: string): Promise<HostPort[]> { return zones.zoneMasters(this.#db, zoneId); }
  zoneAttributes(zoneId: string): Promise<Record<string, string>> { return zones.zoneAttributes(this.#db, zoneId); }
  zoneExtras(zoneIds: readonly string[]): Promise<Map<string, ZoneExtras>> { return zones.zoneExtras(this.#db, zoneIds); }
  countZones(tenantId: string, opts?: { forUpdate?: boolean }): Promise<number> { return zones.countZones(this.#db, tenantId, opts); }
  relatedZones(name: string): Promise<Zone[]> { return zones.relatedZones(this.#db, name); }
  reownZone(zoneId: string, tenantId: string): Promise<void> { return zones.reownZone(this.#db, zoneId, tenantId); }

  // shared zones
  shareZone(zoneId: string, projectId: string, targetProjectId: string): Promise<SharedZone> {
    return zones.shareZone(this.#db, zoneId, projectId, targetProjectId);
  }
  getSharedZone(id: string): Promise<SharedZone> { return zones.getSharedZone(this.#db, id); }
  findSharedZones(zoneId: string): Promise<SharedZone[]> { return zones.findSharedZones(this.#db, zoneId); }
  isZoneSharedWith(zoneId: string, projectId: string): Promise<boolean> { return zones.isZoneSharedWith(this.#db, zoneId, projectId); }
  unshareZone(id: string): Promise<void> { return zones.unshareZone(this.#db, id); }

  // recordsets and records
  createRecordset(input: RecordSetCreate): Promise<RecordSet> { return recordsets.createRecordset(this.#db, input); }
  createRecordsets(zoneId: string, inputs: readonly Omit<RecordSetCreate, 'zoneId'>[]): Promise<string[]> {
    return recordsets.createRecordsets(this.#db, zoneId, inputs);
  }
  getRecordset(id: string): Promise<RecordSet> { return recordsets.getRecordset(this.#db, id); }
  findRecordsets(zoneId: string, filter?: RecordSetFilter, page?: Page): Promise<PageResult<RecordSet>> {
    return recordsets.findRecordsets(this.#db, zoneId, filter, page);
  }
  updateRecordset(id: string, patch: RecordSetUpdate, expectedVersion?: number): Promise<RecordSet> {
    return recordsets.updateRecordset(this.#db, id, patch, expectedVersion);
  }
  deleteRecordset(id: string): Promise<void> { return recordsets.deleteRecordset(this.#db, id); }
  replaceRecords(recordsetId: string, records: RecordInput[]): Promise<DnsRecord[]> {
    return recordsets.replaceRecords(this.#db, recordsetId, records);
  }
  listRecords(recordsetId: string): Promise<DnsRecord[]> { return recordsets.listRecords(this.#db, recordsetId); }
  recordsOf(recordsetIds: readonly string[]): Promise<Map<string, DnsRecord[]>> { return recordsets.recordsOf(this.#db, recordsetIds); }
  findManagedRecords(zoneId: string, resourceType: string, resourceId: string): Promise<DnsRecord[]> { return recordsets.findManagedRecords(this.#db, zoneId, resourceType, resourceId); }
  markRecordsServed(zoneId: string, serial: number): Promise<number> { return recordsets.markRecordsServed(this.#db, zoneId, serial); }
  recordZoneServed(zoneId: string, hostname: string, serial: number): Promise<void> {
    return recordsets.recordZoneServed(this.#db, zoneId, hostname, serial);
  }
  zoneServedBy(zoneId: string): Promise<Map<string, number>> { return recordsets.zoneServedBy(this.#db, zoneId); }
  zoneRecords(zoneId: string, afterId: string, limit: number): Promise<ZoneRecordRow[]> {
    return recordsets.zoneRecords(this.#db, zoneId, afterId, limit);
  }
  countZoneRecords(zoneId: string, opts?: { managed?: boolean }): Promise<number> {
    return recordsets.countZoneRecords(this.#db, zoneId, opts);
  }
  getRecordsetByName(zoneId: string, name: string, type: string): Promise<RecordSet> {
    return recordsets.getRecordsetByName(this.#db, zoneId, name, type);
  }
  recordsetsByName(zoneId: string, name: string): Promise<RecordSet[]> { return recordsets.recordsetsByName(this.#db, zoneId, name); }
  countRecordsets(zoneId: string): Promise<number> { return recordsets.countRecordsets(this.#db, zoneId); }
  countRecords(recordsetId: string): Promise<number> { return recordsets.countRecords(this.#db, recordsetId); }

  // any API list
  list<R extends ListResource>(resource: R, query: ListQuery): Promise<{ items: ListItem<R>[]; total: number }> {
    return lists.list(this.#db, resource, query);
  }

  // tlds
  createTld(name: string, description?: string | null): Promise<Tld> { return tlds.createTld(this.#db, name, description); }
  getTld(id: string): Promise<Tld> { return tlds.getTld(this.#db, id); }
  updateTld(id: string, patch: TldUpdate, expectedVersion?: number): Promise<Tld> {
    return tlds.updateTld(this.#db, id, patch, expectedVersion);
  }
  findTlds(page?: Page): Promise<PageResult<Tld>> { return tlds.findTlds(this.#db, page); }
  deleteTld(id: string): Promise<void> { return tlds.deleteTld(this.#db, id); }

  // tsigkeys
  createTsigKey(input: TsigKeyCreate): Promise<TsigKey> { return tsigkeys.createTsigKey(this.#db, input); }
  getTsigKey(id: string): Promise<TsigKey> { return tsigkeys.getTsigKey(this.#db, id); }
  getTsigKeyByName(name: string): Promise<TsigKey> { return tsigkeys.getTsigKeyByName(this.#db, name); }
  findTsigKeys(page?: Page): Promise<PageResult<TsigKey>> { return tsigkeys.findTsigKeys(this.#db, page); }
  updateTsigKey(id: string, patch: TsigKeyUpdate, expectedVersion?: number): Promise<TsigKey> {
    return tsigkeys.updateTsigKey(this.#db, id, patch, expectedVersion);
  }
  deleteTsigKey(id: string): Promise<void> { return tsigkeys.deleteTsigKey(this.#db, id); }

  // pools
  createPool(input: PoolCreate): Promise<Pool> { return pools.createPool(this.#db, input); }
  getPool(id: string): Promise<Pool> { return pools.getPool(this.#db, id); }
  poolNsRecords(poolId: string): Promise<PoolNsRecord[]> { return pools.poolNsRecords(this.#db, poolId); }
  poolHasTargets(poolId: string): Promise<boolean> { return pools.poolHasTargets(this.#db, poolId); }
  findPools(): Promise<Pool[]> { return pools.findPools(this.#db); }
  deletePool(id: string): Promise<void> { return pools.deletePool(this.#db, id); }

  // quotas
  setQuota(tenantId: string, resource: string, hardLimit: number): Promise<void> {
    return quotas.setQuota(this.#db, tenantId, resource, hardLimit);
  }
  getQuotas(tenantId: string): Promise<Record<string, number>> { return quotas.getQuotas(this.#db, tenantId); }
  resetQuotas(tenantId: string): Promise<void> { return quotas.resetQuotas(this.#db, tenantId); }

  // service statuses
  updateServiceStatus(input: ServiceStatusInput): Promise<ServiceStatus> { return serviceStatuses.updateServiceStatus(this.#db, input); }
  markServicesDown(heartbeatBefore: Date): Promise<number> { return serviceStatuses.markServicesDown(this.#db, heartbeatBefore); }
  findServiceStatuses(): Promise<ServiceStatus[]> { return serviceStatuses.findServiceStatuses(this.#db); }

  // blacklists
  createBlacklist(pattern: string, description?: string | null): Promise<Blacklist> {
    return blacklists.createBlacklist(this.#db, pattern, description);
  }
  getBlacklist(id: string): Promise<Blacklist> { return blacklists.getBlacklist(this.#db, id); }
  updateBlacklist(id: string, patch: BlacklistUpdate, expectedVersion?: number): Promise<Blacklist> {
    return blacklists.updateBlacklist(this.#db, id, patch, expectedVersion);
  }
  findBlacklists(): Promise<Blacklist[]> { return blacklists.findBlacklists(this.#db); }
  deleteBlacklist(id: string): Promise<void> { return blacklists.deleteBlacklist(this.#db, id); }

  // zone ownership transfers
  createTransferRequest(input: transfers.TransferRequestCreate): Promise<ZoneTransferRequest> {
    return transfers.createTransferRequest(this.#db, input);
  }
  getTransferRequest(id: string): Promise<ZoneTransferRequest> { return transfers.getTransferRequest(this.#db, id); }
  updateTransferRequestStatus(id: string, status: TaskStatus): Promise<ZoneTransferRequest> {
    return transfers.updateTransferRequestStatus(this.#db, id, status);
  }
  updateTransferRequest(id: string, patch: TransferRequestUpdate, expectedVersion?: number): Promise<ZoneTransferRequest> {
    return transfers.updateTransferRequest(this.#db, id, patch, expectedVersion);
  }
  deleteTransferRequest(id: string): Promise<void> { return transfers.deleteTransferRequest(this.#db, id); }
  createTransferAccept(input: transfers.TransferAcceptCreate): Promise<ZoneTransferAccept> {
    return transfers.createTransferAccept(this.#db, input);
  }
  getTransferAccept(id: string): Promise<ZoneTransferAccept> { return transfers.getTransferAccept(this.#db, id); }
  updateTransferAcceptStatus(id: string, status: TaskStatus): Promise<ZoneTransferAccept> {
    return transfers.updateTransferAcceptStatus(this.#db, id, status);
  }

  // zone imports/exports
  createZoneTask(input: zoneTasks.ZoneTaskCreate): Promise<ZoneTask> { return zoneTasks.createZoneTask(this.#db, input); }
  getZoneTask(id: string): Promise<ZoneTask> { return zoneTasks.getZoneTask(this.#db, id); }
  findZoneTasks(criterion?: zoneTasks.ZoneTaskCriterion, page?: Page): Promise<PageResult<ZoneTask>> {
    return zoneTasks.findZoneTasks(this.#db, criterion, page);
  }
  updateZoneTask(id: string, patch: ZoneTaskUpdate, expectedVersion?: number): Promise<ZoneTask> {
    return zoneTasks.updateZoneTask(this.#db, id, patch, expectedVersion);
  }
  deleteZoneTask(id: string): Promise<void> { return zoneTasks.deleteZoneTask(this.#db, id); }

  // IXFR journal
  appendJournal(zoneId: string, fromSerial: number, toSerial: number, data: Uint8Array): Promise<JournalEntry> {
    return journal.appendJournal(this.#db, zoneId, fromSerial, toSerial, data);
  }
  readJournal(zoneId: string, fromSerial: number): Promise<JournalEntry[]> { return journal.readJournal(this.#db, zoneId, fromSerial); }
  trimJournal(zoneId: string, keep: number): Promise<number> { return journal.trimJournal(this.#db, zoneId, keep); }
}
