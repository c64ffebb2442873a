// Recordsets and their records, what mdns reports serving, and a zone's records read page by page for AXFR.
import { randomUUID } from 'node:crypto';
import {
  DuplicateError, type DnsRecord, type Page, type PageResult, type RecordInput, type RecordSet, type RecordSetCreate,
  type RecordSetFilter, type RecordSetUpdate, type Tx, type ZoneRecordRow,
} from '../storage.ts';
import type { Statements } from './statements.ts';
import {
  bool, columnsOf, date, dateOrNull, limitOf, num, numOrNull, page, placeholders, recordHash, reverse, str, strOrNull, ts,
  type Row,
} from './values.ts';
import { getZone } from './zones.ts';

const BATCH = 100;
/** Recordsets a multi-row INSERT (12 columns each: well under both engines' limits on parameters). */
const RECORDSET_BATCH = 500;

/** What a record row takes from its recordset. */
type RecordOwner = Pick<RecordSet, 'id' | 'zoneShard' | 'tenantId' | 'zoneId'>;

// Hot mappers (every list row), spelled out as toZone is.
export const toRecordSet = (r: Row): RecordSet => ({
  id: str(r.id), version: num(r.version), createdAt: date(r.created_at), updatedAt: dateOrNull(r.updated_at),
  zoneShard: num(r.zone_shard), tenantId: strOrNull(r.tenant_id), zoneId: str(r.zone_id), name: str(r.name),
  type: str(r.type), ttl: numOrNull(r.ttl), description: strOrNull(r.description), reverseName: str(r.reverse_name),
});

const toRecord = (r: Row): DnsRecord => ({
  id: str(r.id), version: num(r.version), createdAt: date(r.created_at), updatedAt: dateOrNull(r.updated_at),
  zoneShard: num(r.zone_shard), tenantId: strOrNull(r.tenant_id), zoneId: str(r.zone_id),
  recordsetId: str(r.recordset_id), data: str(r.data), description: strOrNull(r.description), hash: str(r.hash),
  managed: bool(r.managed), managedExtra: strOrNull(r.managed_extra), managedPluginType: strOrNull(r.managed_plugin_type),
  managedPluginName: strOrNull(r.managed_plugin_name), managedResourceType: strOrNull(r.managed_resource_type),
  managedResourceRegion: strOrNull(r.managed_resource_region), managedResourceId: strOrNull(r.managed_resource_id),
  managedTenantId: strOrNull(r.managed_tenant_id), status: str(r.status) as DnsRecord['status'],
  action: str(r.action) as DnsRecord['action'], serial: num(r.serial),
});

const RECORDSET_COLUMNS: Record<keyof RecordSetUpdate, string> = { ttl: 'ttl', description: 'description' };

export async function createRecordset(db: Statements, input: RecordSetCreate): Promise<RecordSet> {
  const [id] = await createRecordsets(db, input.zoneId, [input]);
  return getRecordset(db, id);
}

export async function createRecordsets(db: Statements, zoneId: string,
  inputs: readonly Omit<RecordSetCreate, 'zoneId'>[]): Promise<string[]> {
  const zone = await getZone(db, zoneId);
  const ids: string[] = [];
  const now = ts();
  const columns = ['id', 'version', 'created_at', 'updated_at', 'zone_shard', 'tenant_id', 'zone_id', 'name', 'type', 'ttl',
    'description', 'reverse_name'];
  const row = `(${placeholders(columns.length)})`;
  const records: [RecordOwner, RecordInput][] = [];
  for (let start = 0; start < inputs.length; start += RECORDSET_BATCH) {
    const batch = inputs.slice(start, start + RECORDSET_BATCH);
    const params: unknown[] = [];
    for (const input of batch) {
      const owner = { id: randomUUID(), zoneShard: zone.shard, tenantId: input.tenantId === undefined ? zone.tenantId : input.tenantId, zoneId };
      ids.push(owner.id);
      params.push(owner.id, 1, now, null, owner.zoneShard, owner.tenantId, zoneId, input.name, input.type, input.ttl ?? null,
        input.description ?? null, reverse(input.name));
      for (const r of input.records ?? []) records.push([owner, r]);
    }
    await db.run(`INSERT INTO recordsets (${columns.join(', ')}) VALUES ${new Array(batch.length).fill(row).join(', ')}`, params);
  }
  await insertRecordRows(db, records);
  return ids;
}

export async function getRecordset(db: Statements, id: string): Promise<RecordSet> {
  return toRecordSet(await db.one('SELECT * FROM recordsets WHERE id = ?', [id], 'recordset', id));
}

export async function findRecordsets(db: Statements, zoneId: string, filter: RecordSetFilter = {},
  pageArgs: Page = {}): Promise<PageResult<RecordSet>> {
  const limit = limitOf(pageArgs.limit);
  const where = ['zone_id = ?'];
  const params: unknown[] = [zoneId];
  if (filter.name !== undefined) { where.push('name = ?'); params.push(filter.name); }
  if (filter.type !== undefined) { where.push('type = ?'); params.push(filter.type); }
  if (filter.tenantId !== undefined) { where.push('tenant_id = ?'); params.push(filter.tenantId); }
  if (pageArgs.marker !== undefined) { where.push('id > ?'); params.push(pageArgs.marker); }
  const rows = await db.all(`SELECT * FROM recordsets WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${limit + 1}`, params);
  return page(rows.map(toRecordSet), limit);
}

export async function updateRecordset(db: Statements, id: string, patch: RecordSetUpdate,
  expectedVersion?: number): Promise<RecordSet> {
  await db.update('recordsets', 'recordset', id, columnsOf('recordset', RECORDSET_COLUMNS, patch), expectedVersion);
  return getRecordset(db, id);
}

export async function deleteRecordset(db: Statements, id: string): Promise<void> {
  await db.delete('recordsets', 'recordset', id);
}

/** Records of any recordsets, BATCH rows a statement. */
async function insertRecordRows(db: Statements, records: readonly (readonly [RecordOwner, RecordInput])[]): Promise<void> {
  const now = ts();
  const columns = ['id', 'version', 'created_at', 'zone_shard', 'tenant_id', 'zone_id', 'recordset_id', 'data',
    'description', 'hash', 'managed', 'managed_extra', 'managed_plugin_type', 'managed_plugin_name',
    'managed_resource_type', 'managed_resource_region', 'managed_resource_id', 'managed_tenant_id', 'status',
    'action', 'serial'];
  const row = `(${placeholders(columns.length)})`;
  for (let start = 0; start < records.length; start += BATCH) {
    const batch = records.slice(start, start + BATCH);
    const params: unknown[] = [];
    for (const [rs, r] of batch) {
      params.push(randomUUID(), 1, now, rs.zoneShard, rs.tenantId, rs.zoneId, rs.id, r.data, r.description ?? null,
        recordHash(rs.id, r.data), r.managed ?? false, r.managedExtra ?? null, r.managedPluginType ?? null,
        r.managedPluginName ?? null, r.managedResourceType ?? null, r.managedResourceRegion ?? null,
        r.managedResourceId ?? null, r.managedTenantId ?? null, r.status ?? 'ACTIVE', r.action ?? 'NONE',
        r.serial ?? 1);
    }
    await db.run(`INSERT INTO records (${columns.join(', ')}) VALUES ${new Array(batch.length).fill(row).join(', ')}`, params);
  }
}

export async function replaceRecords(db: Statements, recordsetId: string, records: RecordInput[]): Promise<DnsRecord[]> {
  const rs = await getRecordset(db, recordsetId);
  const wanted = new Map<string, RecordInput>();
  for (const r of records) {
    const hash = recordHash(rs.id, r.data);
    if (wanted.has(hash)) throw new DuplicateError('records', 'data', `duplicate record data ${JSON.stringify(r.data)}`);
    wanted.set(hash, r);
  }
  const existing = await db.all('SELECT id, hash FROM records WHERE recordset_id = ?', [rs.id]);
  const stale = existing.filter((r) => !wanted.has(str(r.hash))).map((r) => str(r.id));
  for (let start = 0; start < stale.length; start += BATCH) {
    const ids = stale.slice(start, start + BATCH);
    await db.run(`DELETE FROM records WHERE id IN (${placeholders(ids.length)})`, ids);
  }
  const kept = new Set(existing.map((r) => str(r.hash)));
  await insertRecordRows(db, [...wanted].filter(([hash]) => !kept.has(hash)).map(([, r]) => [rs, r] as const));
  await db.update('recordsets', 'recordset', rs.id, {});
  return listRecords(db, rs.id);
}

export async function listRecords(db: Statements, recordsetId: string): Promise<DnsRecord[]> {
  const rows = await db.all('SELECT * FROM records WHERE recordset_id = ? ORDER BY created_at, id', [recordsetId]);
  return rows.map(toRecord);
}

export async function recordsOf(db: Statements, recordsetIds: readonly string[]): Promise<Map<string, DnsRecord[]>> {
  const out = new Map<string, DnsRecord[]>(recordsetIds.map((id) => [id, []]));
  if (recordsetIds.length === 0) return out;
  const rows = await db.all(`SELECT * FROM records WHERE recordset_id IN (${placeholders(recordsetIds.length)}) ORDER BY created_at, id`, recordsetIds);
  for (const r of rows) out.get(str(r.recordset_id))!.push(toRecord(r));
  return out;
}

export async function markRecordsServed(db: Statements, zoneId: string, serial: number): Promise<number> {
  // RFC 1982: a record's serial is not newer than `serial` when (serial - record serial) mod 2^32 < 2^31.
  const { changes } = await db.run(
    "UPDATE records SET status = 'ACTIVE', action = 'NONE', version = version + 1, updated_at = ? " +
    "WHERE zone_id = ? AND status IN ('PENDING', 'ERROR') AND (? - serial + 4294967296) % 4294967296 < 2147483648",
    [ts(), zoneId, serial]);
  return changes;
}

export async function recordZoneServed(db: Statements, zoneId: string, hostname: string, serial: number): Promise<void> {
  const { changes } = await db.run('UPDATE zone_served SET serial = ?, served_at = ? WHERE zone_id = ? AND hostname = ?', [serial, ts(), zoneId, hostname]);
  if (changes === 0) await db.run('INSERT INTO zone_served (zone_id, hostname, serial, served_at) VALUES (?, ?, ?, ?)', [zoneId, hostname, serial, ts()]);
}

export async function zoneServedBy(db: Statements, zoneId: string): Promise<Map<string, number>> {
  const rows = await db.all('SELECT hostname, serial FROM zone_served WHERE zone_id = ?', [zoneId]);
  return new Map(rows.map((r) => [str(r.hostname), num(r.serial)]));
}

export async function zoneRecords(db: Statements, zoneId: string, afterId: string, limit: number): Promise<ZoneRecordRow[]> {
  const n = limitOf(limit);
  // The page is cut from records_zone_id (zone_id, id) first and only then joined: with a plain join
  // MariaDB's optimizer may start from recordsets and sort the whole zone for every page.
  const rows = await db.all(
    'SELECT r.id, r.recordset_id, rs.name, rs.type, rs.ttl, r.data FROM (SELECT id, recordset_id, data FROM records ' +
    `WHERE zone_id = ? AND id > ? ORDER BY id LIMIT ${n}) r JOIN recordsets rs ON rs.id = r.recordset_id ORDER BY r.id`,
    [zoneId, afterId]);
  return rows.map((r) => ({
    id: str(r.id), recordsetId: str(r.recordset_id), name: str(r.name), type: str(r.type), ttl: numOrNull(r.ttl), data: str(r.data),
  }));
}

export async function countZoneRecords(db: Statements, zoneId: string, opts: { managed?: boolean } = {}): Promise<number> {
  if (opts.managed === undefined) return db.count('SELECT COUNT(*) AS n FROM records WHERE zone_id = ?', [zoneId]);
  return db.count('SELECT COUNT(*) AS n FROM records WHERE zone_id = ? AND managed = ?', [zoneId, opts.managed]);
}

export async function getRecordsetByName(db: Statements, zoneId: string, name: string, type: string): Promise<RecordSet> {
  return toRecordSet(await db.one('SELECT * FROM recordsets WHERE zone_id = ? AND name = ? AND type = ?',
    [zoneId, name, type], 'recordset', `${name} ${type}`));
}

export async function recordsetsByName(db: Statements, zoneId: string, name: string): Promise<RecordSet[]> {
  return (await db.all('SELECT * FROM recordsets WHERE zone_id = ? AND name = ? ORDER BY type', [zoneId, name]))
    .map(toRecordSet);
}

export async function countRecordsets(db: Statements, zoneId: string): Promise<number> {
  return db.count('SELECT COUNT(*) AS n FROM recordsets WHERE zone_id = ?', [zoneId]);
}

export async function countRecords(db: Statements, recordsetId: string): Promise<number> {
  return db.count('SELECT COUNT(*) AS n FROM records WHERE recordset_id = ?', [recordsetId]);
}

/** Storage.streamZoneRecords over any transaction runner. */
export async function* streamZoneRecords(
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>, zoneId: string, pageSize = 1000,
): AsyncGenerator<ZoneRecordRow[]> {
  let after = '';
  for (;;) {
    const rows = await transaction((tx) => tx.zoneRecords(zoneId, after, pageSize));
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1].id;
  }
}

/** The zone's records a plugin (the sink) manages for one resource (an instance, a floating IP). */
export async function findManagedRecords(db: Statements, zoneId: string, resourceType: string, resourceId: string): Promise<DnsRecord[]> {
  const rows = await db.all('SELECT * FROM records WHERE zone_id = ? AND managed_resource_type = ? AND managed_resource_id = ? ORDER BY created_at, id', [zoneId, resourceType, resourceId]);
  return rows.map(toRecord);
}
