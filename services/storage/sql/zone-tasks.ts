// Zone imports and exports.
import { randomUUID } from 'node:crypto';
import type { Page, PageResult, TaskStatus, Tx, ZoneTask, ZoneTaskType, ZoneTaskUpdate } from '../storage.ts';
import type { Statements } from './statements.ts';
import { audit, columnsOf, limitOf, page, str, strOrNull, ts, type Row } from './values.ts';

export const toZoneTask = (r: Row): ZoneTask => ({
  ...audit(r), tenantId: strOrNull(r.tenant_id), zoneId: strOrNull(r.zone_id), taskType: str(r.task_type) as ZoneTaskType,
  message: strOrNull(r.message), status: str(r.status) as TaskStatus, location: strOrNull(r.location),
});

// The inputs as Tx declares them.
export type ZoneTaskCreate = Parameters<Tx['createZoneTask']>[0];
export type ZoneTaskCriterion = Parameters<Tx['findZoneTasks']>[0];

const ZONE_TASK_COLUMNS: Record<keyof ZoneTaskUpdate, string> = {
  zoneId: 'zone_id', message: 'message', status: 'status', location: 'location',
};

export async function createZoneTask(db: Statements, input: ZoneTaskCreate): Promise<ZoneTask> {
  const id = randomUUID();
  await db.insert('zone_tasks', {
    id, version: 1, created_at: ts(), tenant_id: input.tenantId ?? null, zone_id: input.zoneId ?? null,
    task_type: input.taskType, message: input.message ?? null, status: input.status ?? 'PENDING',
    location: input.location ?? null,
  });
  return getZoneTask(db, id);
}

export async function getZoneTask(db: Statements, id: string): Promise<ZoneTask> {
  return toZoneTask(await db.one('SELECT * FROM zone_tasks WHERE id = ?', [id], 'zone_task', id));
}

export async function findZoneTasks(db: Statements, criterion: ZoneTaskCriterion = {}, pageArgs: Page = {}): Promise<PageResult<ZoneTask>> {
  const limit = limitOf(pageArgs.limit);
  const where = ['id > ?'];
  const params: unknown[] = [pageArgs.marker ?? ''];
  if (criterion.tenantId !== undefined) { where.push('tenant_id = ?'); params.push(criterion.tenantId); }
  if (criterion.taskType !== undefined) { where.push('task_type = ?'); params.push(criterion.taskType); }
  if (criterion.status !== undefined) { where.push('status = ?'); params.push(criterion.status); }
  const rows = await db.all(`SELECT * FROM zone_tasks WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${limit + 1}`, params);
  return page(rows.map(toZoneTask), limit);
}

export async function updateZoneTask(db: Statements, id: string, patch: ZoneTaskUpdate, expectedVersion?: number): Promise<ZoneTask> {
  await db.update('zone_tasks', 'zone_task', id, columnsOf('zone task', ZONE_TASK_COLUMNS, patch), expectedVersion);
  return getZoneTask(db, id);
}

export async function deleteZoneTask(db: Statements, id: string): Promise<void> {
  await db.delete('zone_tasks', 'zone_task', id);
}
