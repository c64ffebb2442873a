// Any API list: filters, LIKE, sorting and marker paging over one table, from what a ListQuery names.
import {
  NotFoundError, StorageError, type ListItem, type ListQuery, type ListResource, type Pool,
} from '../storage.ts';
import { toBlacklist } from './blacklists.ts';
import { getPool } from './pools.ts';
import { toRecordSet } from './recordsets.ts';
import { toServiceStatus } from './service-statuses.ts';
import type { Statements } from './statements.ts';
import { toTld } from './tlds.ts';
import { toTransferAccept, toTransferRequest } from './transfers.ts';
import { toTsigKey } from './tsigkeys.ts';
import { placeholders, limitOf, str, type Row } from './values.ts';
import { toZoneTask } from './zone-tasks.ts';
import { toSharedZone, toZone } from './zones.ts';

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

/** A recordset's status as the API reports it (central/recordsets.ts detail()), as an SQL expression. */
const RECORDSET_STATUS = "(CASE WHEN EXISTS (SELECT 1 FROM records r WHERE r.recordset_id = t.id AND r.status = 'PENDING') THEN 'PENDING' ELSE 'ACTIVE' END)";

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

export async function list<R extends ListResource>(db: Statements, resource: R,
  query: ListQuery): Promise<{ items: ListItem<R>[]; total: number }> {
  const spec = LIST_SPECS[resource];
  if (!spec) throw new StorageError(`cannot list ${resource}`);
  const limit = limitOf(query.limit);
  const column = (field: string): string => {
    const c = spec.columns[field];
    if (!c) throw new StorageError(`${resource} cannot be filtered or sorted by ${field}`);
    return `t.${c}`;
  };
  // A filter on `data` tests the recordset's records, and `status` is theirs too (PENDING while one of them
  // waits for mdns, else ACTIVE, as the API shows it); any other field is a column of the row.
  const test = (field: string, condition: (subject: string) => string): string => {
    if (resource === 'recordsets' && field === 'data') return `EXISTS (SELECT 1 FROM records r WHERE r.recordset_id = t.id AND ${condition('r.data')})`;
    if (resource === 'recordsets' && field === 'status') return condition(RECORDSET_STATUS);
    return condition(column(field));
  };

  // The scope: what a marker must be part of.
  const where: string[] = spec.implied ? [spec.implied] : [];
  const params: unknown[] = [];
  if (query.visibleToProject !== undefined) await visibility(db, resource, query.visibleToProject, where, params);
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
  const total = await db.count(`SELECT COUNT(*) AS n FROM ${spec.table} t${clause(where)}`, params);

  const sort = column(query.sortKey ?? 'createdAt');
  if (query.sortDir !== undefined && query.sortDir !== 'asc' && query.sortDir !== 'desc') {
    throw new StorageError(`sort direction must be asc or desc`);
  }
  const desc = query.sortDir === 'desc';
  if (query.marker !== undefined && query.marker !== null) {
    const marker = query.marker;
    const found = await db.all(`SELECT ${sort} AS v FROM ${spec.table} t${clause([...scope.where, 't.id = ?'])}`,
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
  const rows = await db.all(
    `SELECT t.* FROM ${spec.table} t${clause(where)} ORDER BY ${sort} ${dir}, t.id ${dir} LIMIT ${limit}`, params);
  if (spec.toItem) return { items: rows.map(spec.toItem) as ListItem<R>[], total };
  const pools: Pool[] = [];
  for (const r of rows) pools.push(await getPool(db, str(r.id)));
  return { items: pools as ListItem<R>[], total };
}

/** Adds the condition that limits `resource` to what `project` may see. */
async function visibility(db: Statements, resource: ListResource, project: string, where: string[], params: unknown[]): Promise<void> {
  if (resource === 'transfer_requests') {
    where.push('(t.tenant_id = ? OR t.target_tenant_id = ?)');
    params.push(project, project);
    return;
  }
  if (resource !== 'zones' && resource !== 'recordsets') throw new StorageError(`visibleToProject does not apply to ${resource}`);
  // Most projects have no zone shared with them; their zones are then a plain, indexed tenant filter
  // (MySQL cannot use an index for an OR with a subquery).
  const shared = (await db.all('SELECT 1 FROM shared_zones WHERE target_project_id = ? LIMIT 1', [project])).length > 0;
  const zones = (z: string) => (shared
    ? `(${z}.tenant_id = ? OR ${z}.id IN (SELECT s.zone_id FROM shared_zones s WHERE s.target_project_id = ?))`
    : `${z}.tenant_id = ?`);
  where.push(resource === 'zones' ? zones('t') : `EXISTS (SELECT 1 FROM zones z WHERE z.id = t.zone_id AND ${zones('z')})`);
  params.push(project);
  if (shared) params.push(project);
}
