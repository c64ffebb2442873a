// Zones with their masters, attributes and shares.
import { randomUUID } from 'node:crypto';
import { DEFAULT_POOL_ID } from '../schema.ts';
import {
  NotFoundError, type HostPort, type Page, type PageResult, type SharedZone, type Zone, type ZoneCreate,
  type ZoneCriterion, type ZoneExtras, type ZoneUpdate,
} from '../storage.ts';
import type { Statements } from './statements.ts';
import {
  audit, bool, columnsOf, date, dateOrNull, limitOf, num, page, placeholders, reverse, shardOf, str, strOrNull, ts, type Row,
} from './values.ts';

// The hot mappers (every list row) spell the audit fields out: one literal, one object shape, no spread.
export const toZone = (r: Row): Zone => ({
  id: str(r.id), version: num(r.version), createdAt: date(r.created_at), updatedAt: dateOrNull(r.updated_at),
  deleted: str(r.deleted), deletedAt: dateOrNull(r.deleted_at), shard: num(r.shard), tenantId: strOrNull(r.tenant_id),
  name: str(r.name), givenName: strOrNull(r.given_name), email: strOrNull(r.email), description: strOrNull(r.description), type: str(r.type) as Zone['type'],
  transferredAt: dateOrNull(r.transferred_at), ttl: num(r.ttl), serial: num(r.serial), refresh: num(r.refresh),
  retry: num(r.retry), expire: num(r.expire), minimum: num(r.minimum), status: str(r.status) as Zone['status'],
  action: str(r.action) as Zone['action'], delayedNotify: bool(r.delayed_notify),
  incrementSerial: bool(r.increment_serial), parentZoneId: strOrNull(r.parent_zone_id), poolId: str(r.pool_id),
  reverseName: str(r.reverse_name),
});

export const toSharedZone = (r: Row): SharedZone => ({
  ...audit(r), zoneId: str(r.zone_id), projectId: str(r.project_id), targetProjectId: str(r.target_project_id),
});

const ZONE_COLUMNS: Record<keyof ZoneUpdate, string> = {
  tenantId: 'tenant_id', email: 'email', description: 'description', transferredAt: 'transferred_at', ttl: 'ttl',
  serial: 'serial', refresh: 'refresh', retry: 'retry', expire: 'expire', minimum: 'minimum', status: 'status',
  action: 'action', delayedNotify: 'delayed_notify', incrementSerial: 'increment_serial',
  parentZoneId: 'parent_zone_id', poolId: 'pool_id',
};

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

export async function createZone(db: Statements, input: ZoneCreate): Promise<Zone> {
  const id = randomUUID();
  const now = ts();
  const type = input.type ?? 'PRIMARY';
  await db.insert('zones', {
    id, version: 1, created_at: now, updated_at: null, deleted: '0', deleted_at: null, shard: shardOf(id),
    tenant_id: input.tenantId ?? null, name: input.name, given_name: input.givenName ?? null, email: input.email ?? null,
    description: input.description ?? null, type, transferred_at: null, ttl: input.ttl ?? 3600,
    serial: input.serial ?? (type === 'SECONDARY' ? 1 : Math.floor(Date.now() / 1000)),
    refresh: input.refresh ?? 3500 + Math.floor(Math.random() * 101), retry: input.retry ?? 600,
    expire: input.expire ?? 86400, minimum: input.minimum ?? 3600, status: input.status ?? 'PENDING',
    action: input.action ?? 'CREATE', delayed_notify: false, increment_serial: false,
    parent_zone_id: input.parentZoneId ?? null, pool_id: input.poolId ?? DEFAULT_POOL_ID,
    reverse_name: reverse(input.name),
  });
  await insertZoneMasters(db, id, input.masters ?? [], now);
  for (const [key, value] of Object.entries(input.attributes ?? {})) {
    await db.insert('zone_attributes', { id: randomUUID(), version: 1, created_at: now, zone_id: id, key, value });
  }
  return getZone(db, id);
}

export async function getZone(db: Statements, id: string,
  opts: { includeDeleted?: boolean; forUpdate?: boolean } = {}): Promise<Zone> {
  const live = opts.includeDeleted ? '' : " AND deleted = '0'";
  const lock = opts.forUpdate ? db.forUpdate : '';
  return toZone(await db.one(`SELECT * FROM zones WHERE id = ?${live}${lock}`, [id], 'zone', id));
}

export async function getZoneByName(db: Statements, name: string, poolId?: string): Promise<Zone> {
  const rows = await db.all(
    `SELECT * FROM zones WHERE name = ? AND deleted = '0'${poolId ? ' AND pool_id = ?' : ''} ORDER BY created_at, id LIMIT 1`,
    poolId ? [name, poolId] : [name]);
  if (rows.length === 0) throw new NotFoundError('zone', name);
  return toZone(rows[0]);
}

export async function findZones(db: Statements, criterion: ZoneCriterion = {},
  pageArgs: Page = {}): Promise<PageResult<Zone>> {
  const limit = limitOf(pageArgs.limit);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, value: unknown) => {
    if (value === undefined) return;
    where.push(`${column} = ?`);
    params.push(value);
  };
  if (criterion.deletedBefore !== undefined) {
    where.push("deleted <> '0'", 'deleted_at < ?');
    params.push(ts(criterion.deletedBefore));
  } else if (!criterion.includeDeleted) where.push("deleted = '0'");
  if (criterion.shards !== undefined) {
    where.push('shard BETWEEN ? AND ?');
    params.push(criterion.shards.first, criterion.shards.last);
  }
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
  const rows = await db.all(`SELECT * FROM zones${clause} ORDER BY id LIMIT ${limit + 1}`, params);
  return page(rows.map(toZone), limit);
}

export async function updateZone(db: Statements, id: string, patch: ZoneUpdate, expectedVersion?: number): Promise<Zone> {
  await db.update('zones', 'zone', id, columnsOf('zone', ZONE_COLUMNS, patch), expectedVersion, " AND deleted = '0'");
  return getZone(db, id);
}

export async function softDeleteZone(db: Statements, id: string, expectedVersion?: number): Promise<Zone> {
  // `deleted = id` is written through a bound value: the unique key is then (name, id, pool_id).
  await db.update('zones', 'zone', id, { deleted: id, deleted_at: ts(), status: 'DELETED', action: 'NONE' },
    expectedVersion, " AND deleted = '0'");
  return getZone(db, id, { includeDeleted: true });
}

export async function purgeZone(db: Statements, id: string): Promise<void> {
  await db.delete('zones', 'zone', id);
}

export async function replaceZoneMasters(db: Statements, zoneId: string, masters: readonly HostPort[]): Promise<void> {
  await db.run('DELETE FROM zone_masters WHERE zone_id = ?', [zoneId]);
  await insertZoneMasters(db, zoneId, masters, ts());
}

async function insertZoneMasters(db: Statements, zoneId: string, masters: readonly HostPort[], now: string): Promise<void> {
  for (const master of masters) {
    await db.insert('zone_masters', { id: randomUUID(), version: 1, created_at: now, zone_id: zoneId, host: master.host, port: master.port });
  }
}

export async function zoneMasters(db: Statements, zoneId: string): Promise<HostPort[]> {
  const rows = await db.all('SELECT host, port FROM zone_masters WHERE zone_id = ? ORDER BY created_at, id', [zoneId]);
  return rows.map((r) => ({ host: str(r.host), port: num(r.port) }));
}

export async function zoneAttributes(db: Statements, zoneId: string): Promise<Record<string, string>> {
  const rows = await db.all('SELECT `key`, value FROM zone_attributes WHERE zone_id = ? ORDER BY `key`', [zoneId]);
  return Object.fromEntries(rows.map((r) => [str(r.key), str(r.value)]));
}

export async function zoneExtras(db: Statements, zoneIds: readonly string[]): Promise<Map<string, ZoneExtras>> {
  const out = new Map<string, ZoneExtras>(zoneIds.map((id) => [id, { masters: [], attributes: {}, shared: false }]));
  if (zoneIds.length === 0) return out;
  const ids = placeholders(zoneIds.length);
  // Most databases have no masters (secondary zones), attributes or shares at all, or only a few: one cheap
  // probe of the three tables spares the IN lookups (the dearer part of a zone list) where there is nothing to find.
  const [any] = await db.all('SELECT EXISTS (SELECT 1 FROM zone_masters) AS m, EXISTS (SELECT 1 FROM zone_attributes) AS a, ' +
    'EXISTS (SELECT 1 FROM shared_zones) AS s');
  if (bool(any.m)) {
    const masters = await db.all(`SELECT zone_id, host, port FROM zone_masters WHERE zone_id IN (${ids}) ORDER BY created_at, id`, zoneIds);
    for (const r of masters) out.get(str(r.zone_id))!.masters.push({ host: str(r.host), port: num(r.port) });
  }
  if (bool(any.a)) {
    const attributes = await db.all(`SELECT zone_id, \`key\`, value FROM zone_attributes WHERE zone_id IN (${ids}) ORDER BY \`key\``, zoneIds);
    for (const r of attributes) out.get(str(r.zone_id))!.attributes[str(r.key)] = str(r.value);
  }
  if (bool(any.s)) {
    const shared = await db.all(`SELECT DISTINCT zone_id FROM shared_zones WHERE zone_id IN (${ids})`, zoneIds);
    for (const r of shared) out.get(str(r.zone_id))!.shared = true;
  }
  return out;
}

export async function countZones(db: Statements, tenantId: string, opts: { forUpdate?: boolean } = {}): Promise<number> {
  const lock = opts.forUpdate ? db.forUpdate : '';
  return db.count(`SELECT COUNT(*) AS n FROM zones WHERE tenant_id = ? AND deleted = '0'${lock}`, [tenantId]);
}

export async function relatedZones(db: Statements, name: string): Promise<Zone[]> {
  // Enclosing zones by exact name (unique_zone_name); zones below as a reverse_name range, so both engines
  // use the index and no LIKE wildcard (`_` is common in DNS names) needs escaping: the reversed names of
  // `*.example.com.` all lie between `.moc.elpmaxe.` and `.moc.elpmaxe/` ('/' follows '.').
  const ancestors = ancestorsOf(name);
  const reversed = reverse(name);
  const below = "SELECT * FROM zones WHERE deleted = '0' AND reverse_name > ? AND reverse_name < ?";
  const sql = ancestors.length === 0 ? below
    : `SELECT * FROM zones WHERE deleted = '0' AND name IN (${placeholders(ancestors.length)}) UNION ALL ${below}`;
  const rows = await db.all(`${sql} ORDER BY reverse_name, id`, [...ancestors, `${reversed}.`, `${reversed}/`]);
  // A name like `a\.example.com.` is in the range but is one label below `com.`.
  return rows.map(toZone).filter((z) => z.name.length < name.length || isBelow(z.name, name));
}

export async function reownZone(db: Statements, zoneId: string, tenantId: string): Promise<void> {
  await db.update('zones', 'zone', zoneId, { tenant_id: tenantId, transferred_at: ts() }, undefined, " AND deleted = '0'");
  // As Designate's update_zone: children change owner in bulk, without a version bump.
  await db.run('UPDATE recordsets SET tenant_id = ? WHERE zone_id = ?', [tenantId, zoneId]);
  await db.run('UPDATE records SET tenant_id = ? WHERE zone_id = ?', [tenantId, zoneId]);
}

export async function shareZone(db: Statements, zoneId: string, projectId: string,
  targetProjectId: string): Promise<SharedZone> {
  const id = randomUUID();
  await db.insert('shared_zones', {
    id, version: 1, created_at: ts(), zone_id: zoneId, project_id: projectId, target_project_id: targetProjectId,
  });
  return getSharedZone(db, id);
}

export async function getSharedZone(db: Statements, id: string): Promise<SharedZone> {
  return toSharedZone(await db.one('SELECT * FROM shared_zones WHERE id = ?', [id], 'shared_zone', id));
}

export async function findSharedZones(db: Statements, zoneId: string): Promise<SharedZone[]> {
  return (await db.all('SELECT * FROM shared_zones WHERE zone_id = ? ORDER BY target_project_id', [zoneId])).map(toSharedZone);
}

export async function isZoneSharedWith(db: Statements, zoneId: string, projectId: string): Promise<boolean> {
  return (await db.all('SELECT 1 AS found FROM shared_zones WHERE zone_id = ? AND target_project_id = ? LIMIT 1',
    [zoneId, projectId])).length > 0;
}

export async function unshareZone(db: Statements, id: string): Promise<void> {
  await db.delete('shared_zones', 'shared_zone', id);
}
