// The repository methods of a transaction, written once in the SQL both engines accept (`?` placeholders,
// backtick-quoted `key`, LIMIT/OFFSET). An engine supplies an Executor that runs one statement on the
// transaction's connection and turns its native errors into DuplicateError/NotFoundError.
import { createHash, randomUUID } from 'node:crypto';
import { DEFAULT_POOL_ID } from './schema.ts';
import {
  ConflictError, DuplicateError, NotFoundError, StorageError,
  type Blacklist, type BlacklistUpdate, type ListItem, type ListQuery, type ListResource, type SharedZone,
  type TaskStatus, type TldUpdate, type TransferRequestUpdate, type ZoneTask, type ZoneTaskType, type ZoneTaskUpdate,
  type ZoneTransferAccept, type ZoneTransferRequest,
  type DnsRecord, type HostPort, type JournalEntry, type Page, type PageResult, type Pool, type PoolCreate,
  type PoolTarget, type RecordInput, type RecordSet, type RecordSetCreate, type RecordSetFilter,
  type RecordSetUpdate, type ServiceStatus, type ServiceStatusInput, type Tld, type TsigKey, type TsigKeyCreate,
  type TsigKeyUpdate, type Tx, type Zone, type ZoneCreate, type ZoneCriterion, type ZoneExtras, type ZoneRecordRow, type ZoneUpdate,
} from './storage.ts';

export type Param = string | number | bigint | null | Uint8Array;
export type Row = Record<string, unknown>;

export interface Executor {
  all(sql: string, params?: readonly Param[]): Promise<Row[]>;
  run(sql: string, params?: readonly Param[]): Promise<{ changes: number; insertId: number }>;
}

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 10_000;
const BATCH = 100;
/** Recordsets a multi-row INSERT (12 columns each: well under both engines' limits on parameters). */
const RECORDSET_BATCH = 500;

/** What a record row takes from its recordset. */
type RecordOwner = Pick<RecordSet, 'id' | 'zoneShard' | 'tenantId' | 'zoneId'>;

// ---------------------------------------------------------------------------------------------- values

/** Timestamps travel as UTC 'YYYY-MM-DD HH:MM:SS.mmm' text: DATETIME(6) on MySQL, TEXT on SQLite. */
export function ts(date: Date = new Date()): string {
  return date.toISOString().slice(0, 23).replace('T', ' ');
}

/** The decimal digit at `at`, or NaN. */
function digit(s: string, at: number): number {
  const d = s.charCodeAt(at) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
}
const digits2 = (s: string, at: number): number => digit(s, at) * 10 + digit(s, at + 1);

/** Stored text → epoch ms, for the timestamps read again and again (every list shows the same rows' times). */
const knownTimes = new Map<string, number>();

function date(value: unknown): Date {
  if (value instanceof Date) return value;
  const s = String(value);
  const known = knownTimes.get(s);
  if (known !== undefined) return new Date(known);
  const parsed = parseTime(s);
  if (knownTimes.size >= 10_000) knownTimes.clear();
  knownTimes.set(s, parsed.getTime());
  return parsed;
}

function parseTime(s: string): Date {
  // 'YYYY-MM-DD HH:MM:SS[.fff…]' read by hand: Date's string parser costs several times more, on every row of
  // every list. Anything else takes that parser.
  if (s.length >= 19 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && s.charCodeAt(10) === 32 &&
    s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58 && (s.length === 19 || (s.length >= 23 && s.charCodeAt(19) === 46))) {
    const year = digits2(s, 0) * 100 + digits2(s, 2);
    const month = digits2(s, 5);
    const day = digits2(s, 8);
    const hour = digits2(s, 11);
    const minute = digits2(s, 14);
    const second = digits2(s, 17);
    const ms = s.length === 19 ? 0 : digit(s, 20) * 100 + digits2(s, 21);
    // Out of range (or not digits: NaN) goes to the parser, which says Invalid Date where Date.UTC would roll over.
    if (year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59 && ms >= 0) {
      const d = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
      if (day <= 28 || d.getUTCDate() === day) return d;
    }
  }
  return new Date(`${s.slice(0, 23).replace(' ', 'T')}Z`);
}
const dateOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : date(value));
const str = (value: unknown): string => String(value);
const strOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const bool = (value: unknown): boolean => Number(value) !== 0;

function param(value: unknown): Param {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return ts(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return value;
  if (value instanceof Uint8Array) return value;
  throw new StorageError(`cannot store a ${typeof value}`);
}

function limitOf(limit: number | undefined, fallback = DEFAULT_PAGE): number {
  const n = limit ?? fallback;
  // Interpolated rather than bound: MySQL 8 rejects a JS number bound to LIMIT in a prepared statement.
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_PAGE) throw new StorageError(`page limit must be 1..${MAX_PAGE}`);
  return n;
}

/** Designate's `reverse_name`: the name reversed character by character, for suffix searches. */
const reverse = (name: string): string => [...name].reverse().join('');
/** Designate's shard: the first three hex digits of the id (0-4095). */
const shardOf = (id: string): number => parseInt(id.slice(0, 3), 16);
const recordHash = (recordsetId: string, data: string): string =>
  createHash('md5').update(`${recordsetId}:${data}`).digest('hex');

function page<T extends { id: string }>(rows: T[], limit: number): PageResult<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, next: items[items.length - 1].id };
}

const placeholderLists: string[] = [];
/** `?, ?, …` for n values (the common lengths kept: every page of a list asks for the same one). */
function placeholders(n: number): string {
  if (n <= 1000) return (placeholderLists[n] ??= new Array(n).fill('?').join(', '));
  return new Array(n).fill('?').join(', ');
}

// ---------------------------------------------------------------------------------------------- mappers

const audit = (r: Row) => ({
  id: str(r.id), version: num(r.version), createdAt: date(r.created_at), updatedAt: dateOrNull(r.updated_at),
});

// The hot mappers (every list row) spell the audit fields out: one literal, one object shape, no spread.
const toZone = (r: Row): Zone => ({
  id: str(r.id), version: num(r.version), createdAt: date(r.created_at), updatedAt: dateOrNull(r.updated_at),
  deleted: str(r.deleted), deletedAt: dateOrNull(r.deleted_at), shard: num(r.shard), tenantId: strOrNull(r.tenant_id),
  name: str(r.name), email: strOrNull(r.email), description: strOrNull(r.description), type: str(r.type) as Zone['type'],
  transferredAt: dateOrNull(r.transferred_at), ttl: num(r.ttl), serial: num(r.serial), refresh: num(r.refresh),
  retry: num(r.retry), expire: num(r.expire), minimum: num(r.minimum), status: str(r.status) as Zone['status'],
  action: str(r.action) as Zone['action'], delayedNotify: bool(r.delayed_notify),
  incrementSerial: bool(r.increment_serial), parentZoneId: strOrNull(r.parent_zone_id), poolId: str(r.pool_id),
  reverseName: str(r.reverse_name),
});

const toRecordSet = (r: Row): RecordSet => ({
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

const toTld = (r: Row): Tld => ({ ...audit(r), name: str(r.name), description: strOrNull(r.description) });

const toTsigKey = (r: Row): TsigKey => ({
  ...audit(r),
  tenantId: strOrNull(r.tenant_id), name: str(r.name), algorithm: str(r.algorithm), secret: str(r.secret),
  scope: str(r.scope) as TsigKey['scope'], resourceId: str(r.resource_id),
});

const json = (value: unknown): Record<string, unknown> => (value === null || value === undefined ? {} : JSON.parse(String(value)));

const toServiceStatus = (r: Row): ServiceStatus => ({
  ...audit(r),
  serviceName: str(r.service_name), hostname: str(r.hostname), heartbeatedAt: dateOrNull(r.heartbeated_at),
  status: str(r.status) as ServiceStatus['status'], stats: json(r.stats), capabilities: json(r.capabilities),
});

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return Buffer.from(String(value));
}

const toJournal = (r: Row): JournalEntry => ({
  id: num(r.id), zoneId: str(r.zone_id), fromSerial: num(r.from_serial), toSerial: num(r.to_serial),
  data: toBuffer(r.data), createdAt: date(r.created_at),
});

const toBlacklist = (r: Row): Blacklist => ({ ...audit(r), pattern: str(r.pattern), description: strOrNull(r.description) });

const toSharedZone = (r: Row): SharedZone => ({
  ...audit(r), zoneId: str(r.zone_id), projectId: str(r.project_id), targetProjectId: str(r.target_project_id),
});

const toTransferRequest = (r: Row): ZoneTransferRequest => ({
  ...audit(r), key: str(r.key), description: strOrNull(r.description), tenantId: str(r.tenant_id),
  targetTenantId: strOrNull(r.target_tenant_id), zoneId: str(r.zone_id), status: str(r.status) as TaskStatus,
});

const toTransferAccept = (r: Row): ZoneTransferAccept => ({
  ...audit(r), zoneTransferRequestId: str(r.zone_transfer_request_id), tenantId: str(r.tenant_id),
  zoneId: str(r.zone_id), status: str(r.status) as TaskStatus,
});

const toZoneTask = (r: Row): ZoneTask => ({
  ...audit(r), tenantId: strOrNull(r.tenant_id), zoneId: strOrNull(r.zone_id), taskType: str(r.task_type) as ZoneTaskType,
  message: strOrNull(r.message), status: str(r.status) as TaskStatus, location: strOrNull(r.location),
});

const ZONE_TASK_COLUMNS: Record<keyof ZoneTaskUpdate, string> = {
  zoneId: 'zone_id', message: 'message', status: 'status', location: 'location',
};

const ZONE_COLUMNS: Record<keyof ZoneUpdate, string> = {
  tenantId: 'tenant_id', email: 'email', description: 'description', transferredAt: 'transferred_at', ttl: 'ttl',
  serial: 'serial', refresh: 'refresh', retry: 'retry', expire: 'expire', minimum: 'minimum', status: 'status',
  action: 'action', delayedNotify: 'delayed_notify', incrementSerial: 'increment_serial',
  parentZoneId: 'parent_zone_id', poolId: 'pool_id',
};
const RECORDSET_COLUMNS: Record<keyof RecordSetUpdate, string> = { ttl: 'ttl', description: 'description' };
const TSIGKEY_COLUMNS: Record<keyof TsigKeyUpdate, string> = {
  name: 'name', algorithm: 'algorithm', secret: 'secret', scope: 'scope', resourceId: 'resource_id',
};
const TLD_COLUMNS: Record<keyof TldUpdate, string> = { name: 'name', description: 'description' };
const BLACKLIST_COLUMNS: Record<keyof BlacklistUpdate, string> = { pattern: 'pattern', description: 'description' };
const TRANSFER_REQUEST_COLUMNS: Record<keyof TransferRequestUpdate, string> = {
  description: 'description', targetTenantId: 'target_tenant_id', status: 'status',
};

/** A patch object as column → value, refusing fields outside `columns` (the only names that reach SQL). */
function columnsOf<P extends object>(resource: string, columns: Record<keyof P, string>, patch: P): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    const column = columns[field as keyof P];
    if (!column) throw new StorageError(`${resource} field ${field} cannot be updated`);
    if (value !== undefined) set[column] = value;
  }
  return set;
}

// ---------------------------------------------------------------------------------------------- lists

interface ListSpec {
  table: string;
  /** camelCase field → column: the only names a ListQuery can bring into the SQL text. */
  columns: Record<string, string>;
  /** A condition on every row (a constant, never caller text). */
  implied?: string;
  /** Absent for pools, which are loaded whole (ns records, targets…) by id. */
  toItem?: (r: Row) => unknown;
}

const snake = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function listSpec(table: string, fields: string[], toItem?: (r: Row) => unknown, implied?: string): ListSpec {
  const columns = Object.fromEntries(['id', 'createdAt', 'updatedAt', ...fields].map((f) => [f, snake(f)]));
  return { table, columns, toItem, implied };
}

const TASK_FIELDS = ['tenantId', 'zoneId', 'status', 'message', 'location'];

// Secrets (tsigkeys.secret, transfer request keys) are deliberately neither filters nor sort keys.
const LIST_SPECS: Record<ListResource, ListSpec> = {
  zones: listSpec('zones', ['tenantId', 'name', 'email', 'description', 'type', 'transferredAt', 'ttl', 'serial',
    'refresh', 'retry', 'expire', 'minimum', 'status', 'action', 'delayedNotify', 'incrementSerial', 'parentZoneId',
    'poolId', 'shard'], toZone, "t.deleted = '0'"),
  // The recordsets of soft-deleted zones wait for the purge; the API no longer shows them. EXISTS, not IN:
  // SQLite then checks the one zone of a zone's list once, where IN materializes every live zone.
  recordsets: listSpec('recordsets', ['tenantId', 'zoneId', 'zoneShard', 'name', 'type', 'ttl', 'description'], toRecordSet,
    "EXISTS (SELECT 1 FROM zones z WHERE z.id = t.zone_id AND z.deleted = '0')"),
  tlds: listSpec('tlds', ['name', 'description'], toTld),
  tsigkeys: listSpec('tsigkeys', ['tenantId', 'name', 'algorithm', 'scope', 'resourceId'], toTsigKey),
  blacklists: listSpec('blacklists', ['pattern', 'description'], toBlacklist),
  zone_imports: listSpec('zone_tasks', TASK_FIELDS, toZoneTask, "t.task_type = 'IMPORT'"),
  zone_exports: listSpec('zone_tasks', TASK_FIELDS, toZoneTask, "t.task_type = 'EXPORT'"),
  transfer_requests: listSpec('zone_transfer_requests', ['tenantId', 'targetTenantId', 'zoneId', 'status', 'description'],
    toTransferRequest),
  transfer_accepts: listSpec('zone_transfer_accepts', ['tenantId', 'zoneId', 'zoneTransferRequestId', 'status'],
    toTransferAccept),
  shared_zones: listSpec('shared_zones', ['zoneId', 'projectId', 'targetProjectId'], toSharedZone),
  service_statuses: listSpec('service_statuses', ['serviceName', 'hostname', 'status', 'heartbeatedAt'], toServiceStatus),
  pools: listSpec('pools', ['name', 'description', 'tenantId', 'provisioner']),
};

/**
 * Callers escape LIKE patterns with backslashes; the SQL runs them with `ESCAPE '!'` instead, since a
 * backslash in a MySQL string literal is itself an escape (unless NO_BACKSLASH_ESCAPES) and in SQLite's not.
 */
function likePattern(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    let c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      c = pattern[++i];
      if (c === '%' || c === '_') {
        out += `!${c}`;
        continue;
      }
    }
    out += c === '!' ? '!!' : c;
  }
  return out;
}

/** The proper ancestors of a presentation-format name; an escaped dot (`\.`) is no label boundary. */
function ancestorsOf(name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < name.length - 1; i++) {
    if (name[i] === '\\') i++;
    else if (name[i] === '.') out.push(name.slice(i + 1));
  }
  return out;
}

/** `child` ends with `.parent` and that dot is a label boundary (not preceded by an odd run of backslashes). */
function isBelow(child: string, parent: string): boolean {
  if (!child.endsWith(`.${parent}`)) return false;
  let slashes = 0;
  for (let i = child.length - parent.length - 2; i >= 0 && child[i] === '\\'; i--) slashes++;
  return slashes % 2 === 0;
}

// ---------------------------------------------------------------------------------------------- SqlTx

export class SqlTx implements Tx {
  #exec: Executor;
  #open = true;
  #forUpdate: string;

  /** `rowLocks`: the engine has SELECT … FOR UPDATE (MySQL); SQLite transactions are serialized anyway. */
  constructor(exec: Executor, rowLocks = false) {
    this.#exec = exec;
    this.#forUpdate = rowLocks ? ' FOR UPDATE' : '';
  }

  /** Called by the engine when the transaction ends: later calls fail instead of running outside it. */
  end(): void {
    this.#open = false;
  }

  #check(): void {
    if (!this.#open) throw new StorageError('transaction already finished');
  }

  async #all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    this.#check();
    return this.#exec.all(sql, params.map(param));
  }

  async #run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number; insertId: number }> {
    this.#check();
    return this.#exec.run(sql, params.map(param));
  }

  async #one(sql: string, params: readonly unknown[], resource: string, id: string): Promise<Row> {
    const rows = await this.#all(sql, params);
    if (rows.length === 0) throw new NotFoundError(resource, id);
    return rows[0];
  }

  /** INSERT of one row from a column → value object. */
  async #insert(table: string, values: Record<string, unknown>): Promise<number> {
    const columns = Object.keys(values);
    const quoted = columns.map((c) => (c === 'key' ? '`key`' : c)).join(', ');
    const result = await this.#run(`INSERT INTO ${table} (${quoted}) VALUES (${placeholders(columns.length)})`,
      Object.values(values));
    return result.insertId;
  }

  /** UPDATE with version bump; `expectedVersion` makes it optimistic. 0 rows → NotFoundError or ConflictError. */
  async #update(table: string, resource: string, id: string, set: Record<string, unknown>, expectedVersion?: number,
    extraWhere = ''): Promise<void> {
    const assignments = Object.keys(set).map((c) => `${c} = ?`);
    assignments.push('version = version + 1', 'updated_at = ?');
    const params: unknown[] = [...Object.values(set), ts(), id];
    let sql = `UPDATE ${table} SET ${assignments.join(', ')} WHERE id = ?${extraWhere}`;
    if (expectedVersion !== undefined) {
      sql += ' AND version = ?';
      params.push(expectedVersion);
    }
    const { changes } = await this.#run(sql, params);
    if (changes > 0) return;
    const exists = await this.#all(`SELECT version FROM ${table} WHERE id = ?${extraWhere}`, [id]);
    if (exists.length === 0 || expectedVersion === undefined) throw new NotFoundError(resource, id);
    throw new ConflictError(resource, id, expectedVersion);
  }

  async #count(sql: string, params: readonly unknown[]): Promise<number> {
    return num((await this.#all(sql, params))[0].n);
  }

  async #delete(table: string, resource: string, id: string): Promise<void> {
    const { changes } = await this.#run(`DELETE FROM ${table} WHERE id = ?`, [id]);
    if (changes === 0) throw new NotFoundError(resource, id);
  }

  // -------------------------------------------------------------------------------------------- zones

  async createZone(input: ZoneCreate): Promise<Zone> {
    const id = randomUUID();
    const now = ts();
    const type = input.type ?? 'PRIMARY';
    await this.#insert('zones', {
      id, version: 1, created_at: now, updated_at: null, deleted: '0', deleted_at: null, shard: shardOf(id),
      tenant_id: input.tenantId ?? null, name: input.name, email: input.email ?? null,
      description: input.description ?? null, type, transferred_at: null, ttl: input.ttl ?? 3600,
      serial: input.serial ?? (type === 'SECONDARY' ? 1 : Math.floor(Date.now() / 1000)),
      refresh: input.refresh ?? 3500 + Math.floor(Math.random() * 101), retry: input.retry ?? 600,
      expire: input.expire ?? 86400, minimum: input.minimum ?? 3600, status: input.status ?? 'PENDING',
      action: input.action ?? 'CREATE', delayed_notify: false, increment_serial: false,
      parent_zone_id: input.parentZoneId ?? null, pool_id: input.poolId ?? DEFAULT_POOL_ID,
      reverse_name: reverse(input.name),
    });
    await this.#insertZoneMasters(id, input.masters ?? [], now);
    for (const [key, value] of Object.entries(input.attributes ?? {})) {
      await this.#insert('zone_attributes', { id: randomUUID(), version: 1, created_at: now, zone_id: id, key, value });
    }
    return this.getZone(id);
  }

  async getZone(id: string, opts: { includeDeleted?: boolean; forUpdate?: boolean } = {}): Promise<Zone> {
    const live = opts.includeDeleted ? '' : " AND deleted = '0'";
    const lock = opts.forUpdate ? this.#forUpdate : '';
    return toZone(await this.#one(`SELECT * FROM zones WHERE id = ?${live}${lock}`, [id], 'zone', id));
  }

  async getZoneByName(name: string, poolId?: string): Promise<Zone> {
    const rows = await this.#all(
      `SELECT * FROM zones WHERE name = ? AND deleted = '0'${poolId ? ' AND pool_id = ?' : ''} ORDER BY created_at, id LIMIT 1`,
      poolId ? [name, poolId] : [name]);
    if (rows.length === 0) throw new NotFoundError('zone', name);
    return toZone(rows[0]);
  }

  async findZones(criterion: ZoneCriterion = {}, pageArgs: Page = {}): Promise<PageResult<Zone>> {
    const limit = limitOf(pageArgs.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (column: string, value: unknown) => {
      if (value === undefined) return;
      where.push(`${column} = ?`);
      params.push(value);
    };
    if (!criterion.includeDeleted) where.push("deleted = '0'");
    add('tenant_id', criterion.tenantId);
    add('name', criterion.name);
    add('pool_id', criterion.poolId);
    add('status', criterion.status);
    add('action', criterion.action);
    add('type', criterion.type);
    add('increment_serial', criterion.incrementSerial);
    add('delayed_notify', criterion.delayedNotify);
    if (pageArgs.marker !== undefined) {
      where.push('id > ?');
      params.push(pageArgs.marker);
    }
    const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const rows = await this.#all(`SELECT * FROM zones${clause} ORDER BY id LIMIT ${limit + 1}`, params);
    return page(rows.map(toZone), limit);
  }

  async updateZone(id: string, patch: ZoneUpdate, expectedVersion?: number): Promise<Zone> {
    const set: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(patch)) {
      const column = ZONE_COLUMNS[field as keyof ZoneUpdate];
      if (!column) throw new StorageError(`zone field ${field} cannot be updated`);
      if (value !== undefined) set[column] = value;
    }
    await this.#update('zones', 'zone', id, set, expectedVersion, " AND deleted = '0'");
    return this.getZone(id);
  }

  async softDeleteZone(id: string, expectedVersion?: number): Promise<Zone> {
    // `deleted = id` is written through a bound value: the unique key is then (name, id, pool_id).
    await this.#update('zones', 'zone', id, { deleted: id, deleted_at: ts(), status: 'DELETED', action: 'NONE' },
      expectedVersion, " AND deleted = '0'");
    return this.getZone(id, { includeDeleted: true });
  }

  async purgeZone(id: string): Promise<void> {
    await this.#delete('zones', 'zone', id);
  }

  async replaceZoneMasters(zoneId: string, masters: readonly HostPort[]): Promise<void> {
    await this.#run('DELETE FROM zone_masters WHERE zone_id = ?', [zoneId]);
    await this.#insertZoneMasters(zoneId, masters, ts());
  }

  async #insertZoneMasters(zoneId: string, masters: readonly HostPort[], now: string): Promise<void> {
    for (const master of masters) {
      await this.#insert('zone_masters', { id: randomUUID(), version: 1, created_at: now, zone_id: zoneId, host: master.host, port: master.port });
    }
  }

  async zoneMasters(zoneId: string): Promise<HostPort[]> {
    const rows = await this.#all('SELECT host, port FROM zone_masters WHERE zone_id = ? ORDER BY created_at, id', [zoneId]);
    return rows.map((r) => ({ host: str(r.host), port: num(r.port) }));
  }

  async zoneAttributes(zoneId: string): Promise<Record<string, string>> {
    const rows = await this.#all('SELECT `key`, value FROM zone_attributes WHERE zone_id = ? ORDER BY `key`', [zoneId]);
    return Object.fromEntries(rows.map((r) => [str(r.key), str(r.value)]));
  }

  async zoneExtras(zoneIds: readonly string[]): Promise<Map<string, ZoneExtras>> {
    const out = new Map<string, ZoneExtras>(zoneIds.map((id) => [id, { masters: [], attributes: {}, shared: false }]));
    if (zoneIds.length === 0) return out;
    const ids = placeholders(zoneIds.length);
    // Most databases have no masters (secondary zones), attributes or shares at all, or only a few: one cheap
    // probe of the three tables spares the IN lookups (the dearer part of a zone list) where there is nothing to find.
    const [any] = await this.#all('SELECT EXISTS (SELECT 1 FROM zone_masters) AS m, EXISTS (SELECT 1 FROM zone_attributes) AS a, ' +
      'EXISTS (SELECT 1 FROM shared_zones) AS s');
    if (bool(any.m)) {
      const masters = await this.#all(`SELECT zone_id, host, port FROM zone_masters WHERE zone_id IN (${ids}) ORDER BY created_at, id`, zoneIds);
      for (const r of masters) out.get(str(r.zone_id))!.masters.push({ host: str(r.host), port: num(r.port) });
    }
    if (bool(any.a)) {
      const attributes = await this.#all(`SELECT zone_id, \`key\`, value FROM zone_attributes WHERE zone_id IN (${ids}) ORDER BY \`key\``, zoneIds);
      for (const r of attributes) out.get(str(r.zone_id))!.attributes[str(r.key)] = str(r.value);
    }
    if (bool(any.s)) {
      const shared = await this.#all(`SELECT DISTINCT zone_id FROM shared_zones WHERE zone_id IN (${ids})`, zoneIds);
      for (const r of shared) out.get(str(r.zone_id))!.shared = true;
    }
    return out;
  }

  async countZones(tenantId: string, opts: { forUpdate?: boolean } = {}): Promise<number> {
    const lock = opts.forUpdate ? this.#forUpdate : '';
    return this.#count(`SELECT COUNT(*) AS n FROM zones WHERE tenant_id = ? AND deleted = '0'${lock}`, [tenantId]);
  }

  async relatedZones(name: string): Promise<Zone[]> {
    // Enclosing zones by exact name (unique_zone_name); zones below as a reverse_name range, so both engines
    // use the index and no LIKE wildcard (`_` is common in DNS names) needs escaping: the reversed names of
    // `*.example.com.` all lie between `.moc.elpmaxe.` and `.moc.elpmaxe/` ('/' follows '.').
    const ancestors = ancestorsOf(name);
    const reversed = reverse(name);
    const below = "SELECT * FROM zones WHERE deleted = '0' AND reverse_name > ? AND reverse_name < ?";
    const sql = ancestors.length === 0 ? below
      : `SELECT * FROM zones WHERE deleted = '0' AND name IN (${placeholders(ancestors.length)}) UNION ALL ${below}`;
    const rows = await this.#all(`${sql} ORDER BY reverse_name, id`, [...ancestors, `${reversed}.`, `${reversed}/`]);
    // A name like `a\.example.com.` is in the range but is one label below `com.`.
    return rows.map(toZone).filter((z) => z.name.length < name.length || isBelow(z.name, name));
  }

  async reownZone(zoneId: string, tenantId: string): Promise<void> {
    await this.#update('zones', 'zone', zoneId, { tenant_id: tenantId, transferred_at: ts() }, undefined, " AND deleted = '0'");
    // As Designate's update_zone: children change owner in bulk, without a version bump.
    await this.#run('UPDATE recordsets SET tenant_id = ? WHERE zone_id = ?', [tenantId, zoneId]);
    await this.#run('UPDATE records SET tenant_id = ? WHERE zone_id = ?', [tenantId, zoneId]);
  }

  // -------------------------------------------------------------------------------------------- recordsets

  async createRecordset(input: RecordSetCreate): Promise<RecordSet> {
    const [id] = await this.createRecordsets(input.zoneId, [input]);
    return this.getRecordset(id);
  }

  async createRecordsets(zoneId: string, inputs: readonly Omit<RecordSetCreate, 'zoneId'>[]): Promise<string[]> {
    const zone = await this.getZone(zoneId);
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
      await this.#run(`INSERT INTO recordsets (${columns.join(', ')}) VALUES ${new Array(batch.length).fill(row).join(', ')}`, params);
    }
    await this.#insertRecordRows(records);
    return ids;
  }

  async getRecordset(id: string): Promise<RecordSet> {
    return toRecordSet(await this.#one('SELECT * FROM recordsets WHERE id = ?', [id], 'recordset', id));
  }

  async findRecordsets(zoneId: string, filter: RecordSetFilter = {}, pageArgs: Page = {}): Promise<PageResult<RecordSet>> {
    const limit = limitOf(pageArgs.limit);
    const where = ['zone_id = ?'];
    const params: unknown[] = [zoneId];
    if (filter.name !== undefined) { where.push('name = ?'); params.push(filter.name); }
    if (filter.type !== undefined) { where.push('type = ?'); params.push(filter.type); }
    if (filter.tenantId !== undefined) { where.push('tenant_id = ?'); params.push(filter.tenantId); }
    if (pageArgs.marker !== undefined) { where.push('id > ?'); params.push(pageArgs.marker); }
    const rows = await this.#all(`SELECT * FROM recordsets WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${limit + 1}`, params);
    return page(rows.map(toRecordSet), limit);
  }

  async updateRecordset(id: string, patch: RecordSetUpdate, expectedVersion?: number): Promise<RecordSet> {
    const set: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(patch)) {
      const column = RECORDSET_COLUMNS[field as keyof RecordSetUpdate];
      if (!column) throw new StorageError(`recordset field ${field} cannot be updated`);
      if (value !== undefined) set[column] = value;
    }
    await this.#update('recordsets', 'recordset', id, set, expectedVersion);
    return this.getRecordset(id);
  }

  async deleteRecordset(id: string): Promise<void> {
    await this.#delete('recordsets', 'recordset', id);
  }

  /** Records of any recordsets, BATCH rows a statement. */
  async #insertRecordRows(records: readonly (readonly [RecordOwner, RecordInput])[]): Promise<void> {
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
      await this.#run(`INSERT INTO records (${columns.join(', ')}) VALUES ${new Array(batch.length).fill(row).join(', ')}`, params);
    }
  }

  async replaceRecords(recordsetId: string, records: RecordInput[]): Promise<DnsRecord[]> {
    const rs = await this.getRecordset(recordsetId);
    const wanted = new Map<string, RecordInput>();
    for (const r of records) {
      const hash = recordHash(rs.id, r.data);
      if (wanted.has(hash)) throw new DuplicateError('records', 'data', `duplicate record data ${JSON.stringify(r.data)}`);
      wanted.set(hash, r);
    }
    const existing = await this.#all('SELECT id, hash FROM records WHERE recordset_id = ?', [rs.id]);
    const stale = existing.filter((r) => !wanted.has(str(r.hash))).map((r) => str(r.id));
    for (let start = 0; start < stale.length; start += BATCH) {
      const ids = stale.slice(start, start + BATCH);
      await this.#run(`DELETE FROM records WHERE id IN (${placeholders(ids.length)})`, ids);
    }
    const kept = new Set(existing.map((r) => str(r.hash)));
    await this.#insertRecordRows([...wanted].filter(([hash]) => !kept.has(hash)).map(([, r]) => [rs, r] as const));
    await this.#update('recordsets', 'recordset', rs.id, {});
    return this.listRecords(rs.id);
  }

  async listRecords(recordsetId: string): Promise<DnsRecord[]> {
    const rows = await this.#all('SELECT * FROM records WHERE recordset_id = ? ORDER BY created_at, id', [recordsetId]);
    return rows.map(toRecord);
  }

  async recordsOf(recordsetIds: readonly string[]): Promise<Map<string, DnsRecord[]>> {
    const out = new Map<string, DnsRecord[]>(recordsetIds.map((id) => [id, []]));
    if (recordsetIds.length === 0) return out;
    const rows = await this.#all(`SELECT * FROM records WHERE recordset_id IN (${placeholders(recordsetIds.length)}) ORDER BY created_at, id`, recordsetIds);
    for (const r of rows) out.get(str(r.recordset_id))!.push(toRecord(r));
    return out;
  }

  async markRecordsServed(zoneId: string, serial: number): Promise<number> {
    // RFC 1982: a record's serial is not newer than `serial` when (serial - record serial) mod 2^32 < 2^31.
    const { changes } = await this.#run(
      "UPDATE records SET status = 'ACTIVE', action = 'NONE', version = version + 1, updated_at = ? " +
      "WHERE zone_id = ? AND status IN ('PENDING', 'ERROR') AND (? - serial + 4294967296) % 4294967296 < 2147483648",
      [ts(), zoneId, serial]);
    return changes;
  }

  async recordZoneServed(zoneId: string, hostname: string, serial: number): Promise<void> {
    const { changes } = await this.#run('UPDATE zone_served SET serial = ?, served_at = ? WHERE zone_id = ? AND hostname = ?', [serial, ts(), zoneId, hostname]);
    if (changes === 0) await this.#run('INSERT INTO zone_served (zone_id, hostname, serial, served_at) VALUES (?, ?, ?, ?)', [zoneId, hostname, serial, ts()]);
  }

  async zoneServedBy(zoneId: string): Promise<Map<string, number>> {
    const rows = await this.#all('SELECT hostname, serial FROM zone_served WHERE zone_id = ?', [zoneId]);
    return new Map(rows.map((r) => [str(r.hostname), num(r.serial)]));
  }

  async zoneRecords(zoneId: string, afterId: string, limit: number): Promise<ZoneRecordRow[]> {
    const n = limitOf(limit);
    // The page is cut from records_zone_id (zone_id, id) first and only then joined: with a plain join
    // MariaDB's optimizer may start from recordsets and sort the whole zone for every page.
    const rows = await this.#all(
      'SELECT r.id, r.recordset_id, rs.name, rs.type, rs.ttl, r.data FROM (SELECT id, recordset_id, data FROM records ' +
      `WHERE zone_id = ? AND id > ? ORDER BY id LIMIT ${n}) r JOIN recordsets rs ON rs.id = r.recordset_id ORDER BY r.id`,
      [zoneId, afterId]);
    return rows.map((r) => ({
      id: str(r.id), recordsetId: str(r.recordset_id), name: str(r.name), type: str(r.type), ttl: numOrNull(r.ttl), data: str(r.data),
    }));
  }

  async countZoneRecords(zoneId: string, opts: { managed?: boolean } = {}): Promise<number> {
    if (opts.managed === undefined) return this.#count('SELECT COUNT(*) AS n FROM records WHERE zone_id = ?', [zoneId]);
    return this.#count('SELECT COUNT(*) AS n FROM records WHERE zone_id = ? AND managed = ?', [zoneId, opts.managed]);
  }

  async getRecordsetByName(zoneId: string, name: string, type: string): Promise<RecordSet> {
    return toRecordSet(await this.#one('SELECT * FROM recordsets WHERE zone_id = ? AND name = ? AND type = ?',
      [zoneId, name, type], 'recordset', `${name} ${type}`));
  }

  async recordsetsByName(zoneId: string, name: string): Promise<RecordSet[]> {
    return (await this.#all('SELECT * FROM recordsets WHERE zone_id = ? AND name = ? ORDER BY type', [zoneId, name]))
      .map(toRecordSet);
  }

  async countRecordsets(zoneId: string): Promise<number> {
    return this.#count('SELECT COUNT(*) AS n FROM recordsets WHERE zone_id = ?', [zoneId]);
  }

  async countRecords(recordsetId: string): Promise<number> {
    return this.#count('SELECT COUNT(*) AS n FROM records WHERE recordset_id = ?', [recordsetId]);
  }

  // -------------------------------------------------------------------------------------------- lists

  async list<R extends ListResource>(resource: R, query: ListQuery): Promise<{ items: ListItem<R>[]; total: number }> {
    const spec = LIST_SPECS[resource];
    if (!spec) throw new StorageError(`cannot list ${resource}`);
    const limit = limitOf(query.limit);
    const column = (field: string): string => {
      const c = spec.columns[field];
      if (!c) throw new StorageError(`${resource} cannot be filtered or sorted by ${field}`);
      return `t.${c}`;
    };
    // A filter on `data` tests the recordset's records; any other field is a column of the row.
    const test = (field: string, condition: (subject: string) => string): string =>
      resource === 'recordsets' && field === 'data'
        ? `EXISTS (SELECT 1 FROM records r WHERE r.recordset_id = t.id AND ${condition('r.data')})`
        : condition(column(field));

    // The scope: what a marker must be part of.
    const where: string[] = spec.implied ? [spec.implied] : [];
    const params: unknown[] = [];
    if (query.visibleToProject !== undefined) await this.#visibility(resource, query.visibleToProject, where, params);
    const scope = { where: [...where], params: [...params] };

    for (const [field, value] of Object.entries(query.where ?? {})) {
      if (value === undefined) continue;
      if (value === null) {
        where.push(test(field, (s) => `${s} IS NULL`));
      } else if (Array.isArray(value)) {
        where.push(value.length === 0 ? '1 = 0' : test(field, (s) => `${s} IN (${placeholders(value.length)})`));
        params.push(...value);
      } else {
        where.push(test(field, (s) => `${s} = ?`));
        params.push(value);
      }
    }
    for (const [field, pattern] of Object.entries(query.like ?? {})) {
      // LOWER on both sides: MySQL's columns are utf8mb4_bin (case-sensitive), SQLite's LIKE folds ASCII
      // only; sqlite.ts makes its LOWER fold Unicode as MySQL's does.
      where.push(test(field, (s) => `LOWER(${s}) LIKE LOWER(?) ESCAPE '!'`));
      params.push(likePattern(pattern));
    }
    const clause = (conditions: string[]) => (conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '');
    const total = await this.#count(`SELECT COUNT(*) AS n FROM ${spec.table} t${clause(where)}`, params);

    const sort = column(query.sortKey ?? 'createdAt');
    if (query.sortDir !== undefined && query.sortDir !== 'asc' && query.sortDir !== 'desc') {
      throw new StorageError(`sort direction must be asc or desc`);
    }
    const desc = query.sortDir === 'desc';
    if (query.marker !== undefined && query.marker !== null) {
      const marker = query.marker;
      const found = await this.#all(`SELECT ${sort} AS v FROM ${spec.table} t${clause([...scope.where, 't.id = ?'])}`,
        [...scope.params, marker]);
      if (found.length === 0) throw new NotFoundError('marker', marker);
      const v = found[0].v;
      // Both engines sort NULLs first ascending (last descending).
      if (v === null || v === undefined) {
        where.push(desc ? `(${sort} IS NULL AND t.id < ?)` : `((${sort} IS NULL AND t.id > ?) OR ${sort} IS NOT NULL)`);
        params.push(marker);
      } else {
        const op = desc ? '<' : '>';
        where.push(`(${sort} ${op} ? OR (${sort} = ? AND t.id ${op} ?)${desc ? ` OR ${sort} IS NULL` : ''})`);
        params.push(v, v, marker);
      }
    }
    const dir = desc ? 'DESC' : 'ASC';
    const rows = await this.#all(
      `SELECT t.* FROM ${spec.table} t${clause(where)} ORDER BY ${sort} ${dir}, t.id ${dir} LIMIT ${limit}`, params);
    if (spec.toItem) return { items: rows.map(spec.toItem) as ListItem<R>[], total };
    const pools: Pool[] = [];
    for (const r of rows) pools.push(await this.getPool(str(r.id)));
    return { items: pools as ListItem<R>[], total };
  }

  /** Adds the condition that limits `resource` to what `project` may see. */
  async #visibility(resource: ListResource, project: string, where: string[], params: unknown[]): Promise<void> {
    if (resource === 'transfer_requests') {
      where.push('(t.tenant_id = ? OR t.target_tenant_id = ?)');
      params.push(project, project);
      return;
    }
    if (resource !== 'zones' && resource !== 'recordsets') throw new StorageError(`visibleToProject does not apply to ${resource}`);
    // Most projects have no zone shared with them; their zones are then a plain, indexed tenant filter
    // (MySQL cannot use an index for an OR with a subquery).
    const shared = (await this.#all('SELECT 1 FROM shared_zones WHERE target_project_id = ? LIMIT 1', [project])).length > 0;
    const zones = (z: string) => (shared
      ? `(${z}.tenant_id = ? OR ${z}.id IN (SELECT s.zone_id FROM shared_zones s WHERE s.target_project_id = ?))`
      : `${z}.tenant_id = ?`);
    where.push(resource === 'zones' ? zones('t') : `EXISTS (SELECT 1 FROM zones z WHERE z.id = t.zone_id AND ${zones('z')})`);
    params.push(project);
    if (shared) params.push(project);
  }

  // -------------------------------------------------------------------------------------------- tlds

  async createTld(name: string, description: string | null = null): Promise<Tld> {
    const id = randomUUID();
    await this.#insert('tlds', { id, version: 1, created_at: ts(), name, description });
    return this.getTld(id);
  }

  async getTld(id: string): Promise<Tld> {
    return toTld(await this.#one('SELECT * FROM tlds WHERE id = ?', [id], 'tld', id));
  }

  async updateTld(id: string, patch: TldUpdate, expectedVersion?: number): Promise<Tld> {
    await this.#update('tlds', 'tld', id, columnsOf('tld', TLD_COLUMNS, patch), expectedVersion);
    return this.getTld(id);
  }

  async findTlds(pageArgs: Page = {}): Promise<PageResult<Tld>> {
    const limit = limitOf(pageArgs.limit);
    const marker = pageArgs.marker ?? '';
    const rows = await this.#all(`SELECT * FROM tlds WHERE id > ? ORDER BY id LIMIT ${limit + 1}`, [marker]);
    return page(rows.map(toTld), limit);
  }

  async deleteTld(id: string): Promise<void> {
    await this.#delete('tlds', 'tld', id);
  }

  // -------------------------------------------------------------------------------------------- tsigkeys

  async createTsigKey(input: TsigKeyCreate): Promise<TsigKey> {
    const id = randomUUID();
    await this.#insert('tsigkeys', {
      id, version: 1, created_at: ts(), tenant_id: input.tenantId ?? null, name: input.name,
      algorithm: input.algorithm, secret: input.secret, scope: input.scope ?? 'POOL', resource_id: input.resourceId,
    });
    return this.getTsigKey(id);
  }

  async getTsigKey(id: string): Promise<TsigKey> {
    return toTsigKey(await this.#one('SELECT * FROM tsigkeys WHERE id = ?', [id], 'tsigkey', id));
  }

  async getTsigKeyByName(name: string): Promise<TsigKey> {
    return toTsigKey(await this.#one('SELECT * FROM tsigkeys WHERE name = ?', [name], 'tsigkey', name));
  }

  async findTsigKeys(pageArgs: Page = {}): Promise<PageResult<TsigKey>> {
    const limit = limitOf(pageArgs.limit);
    const rows = await this.#all(`SELECT * FROM tsigkeys WHERE id > ? ORDER BY id LIMIT ${limit + 1}`, [pageArgs.marker ?? '']);
    return page(rows.map(toTsigKey), limit);
  }

  async updateTsigKey(id: string, patch: TsigKeyUpdate, expectedVersion?: number): Promise<TsigKey> {
    const set: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(patch)) {
      const column = TSIGKEY_COLUMNS[field as keyof TsigKeyUpdate];
      if (!column) throw new StorageError(`tsigkey field ${field} cannot be updated`);
      if (value !== undefined) set[column] = value;
    }
    await this.#update('tsigkeys', 'tsigkey', id, set, expectedVersion);
    return this.getTsigKey(id);
  }

  async deleteTsigKey(id: string): Promise<void> {
    await this.#delete('tsigkeys', 'tsigkey', id);
  }

  // -------------------------------------------------------------------------------------------- pools

  async createPool(input: PoolCreate): Promise<Pool> {
    const id = input.id ?? randomUUID();
    const now = ts();
    const base = () => ({ id: randomUUID(), version: 1, created_at: now });
    await this.#insert('pools', {
      id, version: 1, created_at: now, name: input.name, description: input.description ?? null,
      tenant_id: input.tenantId ?? null, provisioner: input.provisioner ?? 'UNMANAGED',
    });
    for (const [key, value] of Object.entries(input.attributes ?? {})) {
      await this.#insert('pool_attributes', { ...base(), pool_id: id, key, value });
    }
    for (const ns of input.nsRecords ?? []) {
      await this.#insert('pool_ns_records', { ...base(), pool_id: id, priority: ns.priority, hostname: ns.hostname });
    }
    for (const ns of input.nameservers ?? []) {
      await this.#insert('pool_nameservers', { ...base(), pool_id: id, host: ns.host, port: ns.port, tsigkey_id: ns.tsigkeyId ?? null });
    }
    for (const target of input.targets ?? []) {
      const targetId = target.id ?? randomUUID();
      await this.#insert('pool_targets', {
        id: targetId, version: 1, created_at: now, pool_id: id, type: target.type,
        tsigkey_id: target.tsigkeyId ?? null, description: target.description ?? null,
      });
      for (const m of target.masters) {
        await this.#insert('pool_target_masters', { ...base(), pool_target_id: targetId, host: m.host, port: m.port });
      }
      for (const [key, value] of Object.entries(target.options)) {
        await this.#insert('pool_target_options', { ...base(), pool_target_id: targetId, key, value });
      }
    }
    for (const an of input.alsoNotifies ?? []) {
      await this.#insert('pool_also_notifies', { ...base(), pool_id: id, host: an.host, port: an.port });
    }
    return this.getPool(id);
  }

  async getPool(id: string): Promise<Pool> {
    const r = await this.#one('SELECT * FROM pools WHERE id = ?', [id], 'pool', id);
    const attributes = await this.#all('SELECT `key`, value FROM pool_attributes WHERE pool_id = ? ORDER BY `key`', [id]);
    const nsRecords = await this.#all('SELECT hostname, priority FROM pool_ns_records WHERE pool_id = ? ORDER BY priority, hostname', [id]);
    const nameservers = await this.#all('SELECT host, port, tsigkey_id FROM pool_nameservers WHERE pool_id = ? ORDER BY created_at, id', [id]);
    const alsoNotifies = await this.#all('SELECT host, port FROM pool_also_notifies WHERE pool_id = ? ORDER BY created_at, id', [id]);
    const targetRows = await this.#all('SELECT * FROM pool_targets WHERE pool_id = ? ORDER BY created_at, id', [id]);
    const targets: PoolTarget[] = [];
    for (const t of targetRows) {
      const masters = await this.#all('SELECT host, port FROM pool_target_masters WHERE pool_target_id = ? ORDER BY created_at, id', [t.id]);
      const options = await this.#all('SELECT `key`, value FROM pool_target_options WHERE pool_target_id = ? ORDER BY `key`', [t.id]);
      targets.push({
        id: str(t.id), type: str(t.type), description: strOrNull(t.description), tsigkeyId: strOrNull(t.tsigkey_id),
        masters: masters.map((m) => ({ host: str(m.host), port: num(m.port) })),
        options: Object.fromEntries(options.map((o) => [str(o.key), str(o.value)])),
      });
    }
    return {
      ...audit(r), name: str(r.name), description: strOrNull(r.description), tenantId: strOrNull(r.tenant_id),
      provisioner: str(r.provisioner),
      attributes: Object.fromEntries(attributes.map((a) => [str(a.key), str(a.value)])),
      nsRecords: nsRecords.map((n) => ({ hostname: str(n.hostname), priority: num(n.priority) })),
      nameservers: nameservers.map((n) => ({ host: str(n.host), port: num(n.port), tsigkeyId: strOrNull(n.tsigkey_id) })),
      targets,
      alsoNotifies: alsoNotifies.map((a) => ({ host: str(a.host), port: num(a.port) })),
    };
  }

  async findPools(): Promise<Pool[]> {
    const rows = await this.#all('SELECT id FROM pools ORDER BY name');
    const pools: Pool[] = [];
    for (const r of rows) pools.push(await this.getPool(str(r.id)));
    return pools;
  }

  async deletePool(id: string): Promise<void> {
    await this.#delete('pools', 'pool', id);
  }

  // -------------------------------------------------------------------------------------------- quotas

  async setQuota(tenantId: string, resource: string, hardLimit: number): Promise<void> {
    const { changes } = await this.#run(
      'UPDATE quotas SET hard_limit = ?, version = version + 1, updated_at = ? WHERE tenant_id = ? AND resource = ?',
      [hardLimit, ts(), tenantId, resource]);
    if (changes > 0) return;
    await this.#insert('quotas', { id: randomUUID(), version: 1, created_at: ts(), tenant_id: tenantId, resource, hard_limit: hardLimit });
  }

  async getQuotas(tenantId: string): Promise<Record<string, number>> {
    const rows = await this.#all('SELECT resource, hard_limit FROM quotas WHERE tenant_id = ? ORDER BY resource', [tenantId]);
    return Object.fromEntries(rows.map((r) => [str(r.resource), num(r.hard_limit)]));
  }

  async resetQuotas(tenantId: string): Promise<void> {
    await this.#run('DELETE FROM quotas WHERE tenant_id = ?', [tenantId]);
  }

  // -------------------------------------------------------------------------------------------- service statuses

  async updateServiceStatus(input: ServiceStatusInput): Promise<ServiceStatus> {
    const values = [input.status, input.heartbeatedAt ?? new Date(), JSON.stringify(input.stats ?? {}),
      JSON.stringify(input.capabilities ?? {})];
    const { changes } = await this.#run(
      'UPDATE service_statuses SET status = ?, heartbeated_at = ?, stats = ?, capabilities = ?, version = version + 1, ' +
      'updated_at = ? WHERE service_name = ? AND hostname = ?', [...values, ts(), input.serviceName, input.hostname]);
    if (changes === 0) {
      await this.#insert('service_statuses', {
        id: randomUUID(), version: 1, created_at: ts(), service_name: input.serviceName, hostname: input.hostname,
        status: values[0], heartbeated_at: values[1], stats: values[2], capabilities: values[3],
      });
    }
    const rows = await this.#all('SELECT * FROM service_statuses WHERE service_name = ? AND hostname = ?',
      [input.serviceName, input.hostname]);
    return toServiceStatus(rows[0]);
  }

  async markServicesDown(heartbeatBefore: Date): Promise<number> {
    const { changes } = await this.#run("UPDATE service_statuses SET status = 'DOWN', version = version + 1, updated_at = ? " +
      "WHERE status = 'UP' AND heartbeated_at < ?", [ts(), heartbeatBefore]);
    return changes;
  }

  async findServiceStatuses(): Promise<ServiceStatus[]> {
    const rows = await this.#all('SELECT * FROM service_statuses ORDER BY service_name, hostname');
    return rows.map(toServiceStatus);
  }

  // -------------------------------------------------------------------------------------------- blacklists

  async createBlacklist(pattern: string, description: string | null = null): Promise<Blacklist> {
    const id = randomUUID();
    await this.#insert('blacklists', { id, version: 1, created_at: ts(), pattern, description });
    return this.getBlacklist(id);
  }

  async getBlacklist(id: string): Promise<Blacklist> {
    return toBlacklist(await this.#one('SELECT * FROM blacklists WHERE id = ?', [id], 'blacklist', id));
  }

  async updateBlacklist(id: string, patch: BlacklistUpdate, expectedVersion?: number): Promise<Blacklist> {
    await this.#update('blacklists', 'blacklist', id, columnsOf('blacklist', BLACKLIST_COLUMNS, patch), expectedVersion);
    return this.getBlacklist(id);
  }

  async findBlacklists(): Promise<Blacklist[]> {
    return (await this.#all('SELECT * FROM blacklists ORDER BY pattern')).map(toBlacklist);
  }

  async deleteBlacklist(id: string): Promise<void> {
    await this.#delete('blacklists', 'blacklist', id);
  }

  // -------------------------------------------------------------------------------------------- shared zones

  async shareZone(zoneId: string, projectId: string, targetProjectId: string): Promise<SharedZone> {
    const id = randomUUID();
    await this.#insert('shared_zones', {
      id, version: 1, created_at: ts(), zone_id: zoneId, project_id: projectId, target_project_id: targetProjectId,
    });
    return this.getSharedZone(id);
  }

  async getSharedZone(id: string): Promise<SharedZone> {
    return toSharedZone(await this.#one('SELECT * FROM shared_zones WHERE id = ?', [id], 'shared_zone', id));
  }

  async findSharedZones(zoneId: string): Promise<SharedZone[]> {
    return (await this.#all('SELECT * FROM shared_zones WHERE zone_id = ? ORDER BY target_project_id', [zoneId])).map(toSharedZone);
  }

  async isZoneSharedWith(zoneId: string, projectId: string): Promise<boolean> {
    return (await this.#all('SELECT 1 AS found FROM shared_zones WHERE zone_id = ? AND target_project_id = ? LIMIT 1',
      [zoneId, projectId])).length > 0;
  }

  async unshareZone(id: string): Promise<void> {
    await this.#delete('shared_zones', 'shared_zone', id);
  }

  // -------------------------------------------------------------------------------------------- transfers

  async createTransferRequest(input: { zoneId: string; key: string; tenantId: string; targetTenantId?: string | null;
    description?: string | null }): Promise<ZoneTransferRequest> {
    const id = randomUUID();
    await this.#insert('zone_transfer_requests', {
      id, version: 1, created_at: ts(), key: input.key, description: input.description ?? null,
      tenant_id: input.tenantId, target_tenant_id: input.targetTenantId ?? null, zone_id: input.zoneId, status: 'ACTIVE',
    });
    return this.getTransferRequest(id);
  }

  async getTransferRequest(id: string): Promise<ZoneTransferRequest> {
    return toTransferRequest(await this.#one('SELECT * FROM zone_transfer_requests WHERE id = ?', [id], 'zone_transfer_request', id));
  }

  async updateTransferRequestStatus(id: string, status: TaskStatus): Promise<ZoneTransferRequest> {
    await this.#update('zone_transfer_requests', 'zone_transfer_request', id, { status });
    return this.getTransferRequest(id);
  }

  async updateTransferRequest(id: string, patch: TransferRequestUpdate, expectedVersion?: number): Promise<ZoneTransferRequest> {
    await this.#update('zone_transfer_requests', 'zone_transfer_request', id,
      columnsOf('zone_transfer_request', TRANSFER_REQUEST_COLUMNS, patch), expectedVersion);
    return this.getTransferRequest(id);
  }

  async deleteTransferRequest(id: string): Promise<void> {
    await this.#delete('zone_transfer_requests', 'zone_transfer_request', id);
  }

  async createTransferAccept(input: { zoneTransferRequestId: string; tenantId: string; zoneId: string;
    status?: TaskStatus }): Promise<ZoneTransferAccept> {
    const id = randomUUID();
    await this.#insert('zone_transfer_accepts', {
      id, version: 1, created_at: ts(), zone_transfer_request_id: input.zoneTransferRequestId,
      tenant_id: input.tenantId, zone_id: input.zoneId, status: input.status ?? 'ACTIVE',
    });
    return this.getTransferAccept(id);
  }

  async getTransferAccept(id: string): Promise<ZoneTransferAccept> {
    return toTransferAccept(await this.#one('SELECT * FROM zone_transfer_accepts WHERE id = ?', [id], 'zone_transfer_accept', id));
  }

  async updateTransferAcceptStatus(id: string, status: TaskStatus): Promise<ZoneTransferAccept> {
    await this.#update('zone_transfer_accepts', 'zone_transfer_accept', id, { status });
    return this.getTransferAccept(id);
  }

  // -------------------------------------------------------------------------------------------- zone tasks

  async createZoneTask(input: { taskType: ZoneTaskType; tenantId?: string | null; zoneId?: string | null;
    status?: TaskStatus; message?: string | null; location?: string | null }): Promise<ZoneTask> {
    const id = randomUUID();
    await this.#insert('zone_tasks', {
      id, version: 1, created_at: ts(), tenant_id: input.tenantId ?? null, zone_id: input.zoneId ?? null,
      task_type: input.taskType, message: input.message ?? null, status: input.status ?? 'PENDING',
      location: input.location ?? null,
    });
    return this.getZoneTask(id);
  }

  async getZoneTask(id: string): Promise<ZoneTask> {
    return toZoneTask(await this.#one('SELECT * FROM zone_tasks WHERE id = ?', [id], 'zone_task', id));
  }

  async findZoneTasks(criterion: { tenantId?: string; taskType?: ZoneTaskType; status?: TaskStatus } = {},
    pageArgs: Page = {}): Promise<PageResult<ZoneTask>> {
    const limit = limitOf(pageArgs.limit);
    const where = ['id > ?'];
    const params: unknown[] = [pageArgs.marker ?? ''];
    if (criterion.tenantId !== undefined) { where.push('tenant_id = ?'); params.push(criterion.tenantId); }
    if (criterion.taskType !== undefined) { where.push('task_type = ?'); params.push(criterion.taskType); }
    if (criterion.status !== undefined) { where.push('status = ?'); params.push(criterion.status); }
    const rows = await this.#all(`SELECT * FROM zone_tasks WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${limit + 1}`, params);
    return page(rows.map(toZoneTask), limit);
  }

  async updateZoneTask(id: string, patch: ZoneTaskUpdate, expectedVersion?: number): Promise<ZoneTask> {
    const set: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(patch)) {
      const column = ZONE_TASK_COLUMNS[field as keyof ZoneTaskUpdate];
      if (!column) throw new StorageError(`zone task field ${field} cannot be updated`);
      if (value !== undefined) set[column] = value;
    }
    await this.#update('zone_tasks', 'zone_task', id, set, expectedVersion);
    return this.getZoneTask(id);
  }

  async deleteZoneTask(id: string): Promise<void> {
    await this.#delete('zone_tasks', 'zone_task', id);
  }

  // -------------------------------------------------------------------------------------------- journal

  async appendJournal(zoneId: string, fromSerial: number, toSerial: number, data: Uint8Array): Promise<JournalEntry> {
    const createdAt = ts();
    const id = await this.#insert('zone_journal', {
      zone_id: zoneId, from_serial: fromSerial, to_serial: toSerial, data, created_at: createdAt,
    });
    return { id, zoneId, fromSerial, toSerial, data: toBuffer(data), createdAt: date(createdAt) };
  }

  async readJournal(zoneId: string, fromSerial: number): Promise<JournalEntry[]> {
    const start = await this.#all(
      'SELECT id FROM zone_journal WHERE zone_id = ? AND from_serial = ? ORDER BY id DESC LIMIT 1', [zoneId, fromSerial]);
    if (start.length === 0) return [];
    const rows = await this.#all('SELECT * FROM zone_journal WHERE zone_id = ? AND id >= ? ORDER BY id', [zoneId, start[0].id]);
    const entries = rows.map(toJournal);
    // Only an unbroken chain can serve IXFR.
    for (let i = 1; i < entries.length; i++) if (entries[i].fromSerial !== entries[i - 1].toSerial) return [];
    return entries;
  }

  async trimJournal(zoneId: string, keep: number): Promise<number> {
    if (!Number.isSafeInteger(keep) || keep < 0) throw new StorageError('keep must be a non-negative integer');
    const cut = await this.#all(`SELECT id FROM zone_journal WHERE zone_id = ? ORDER BY id DESC LIMIT 1 OFFSET ${keep}`, [zoneId]);
    if (cut.length === 0) return 0;
    const { changes } = await this.#run('DELETE FROM zone_journal WHERE zone_id = ? AND id <= ?', [zoneId, cut[0].id]);
    return changes;
  }
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
