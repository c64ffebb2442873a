// TSIG keys.
import { randomUUID } from 'node:crypto';
import type { Page, PageResult, TsigKey, TsigKeyCreate, TsigKeyUpdate } from '../storage.ts';
import type { Statements } from './statements.ts';
import { audit, columnsOf, limitOf, page, str, strOrNull, ts, type Row } from './values.ts';

export const toTsigKey = (r: Row): TsigKey => ({
  ...audit(r),
  tenantId: strOrNull(r.tenant_id), name: str(r.name), algorithm: str(r.algorithm), secret: str(r.secret),
  scope: str(r.scope) as TsigKey['scope'], resourceId: str(r.resource_id),
});

const TSIGKEY_COLUMNS: Record<keyof TsigKeyUpdate, string> = {
  name: 'name', algorithm: 'algorithm', secret: 'secret', scope: 'scope', resourceId: 'resource_id',
};

export async function createTsigKey(db: Statements, input: TsigKeyCreate): Promise<TsigKey> {
  const id = randomUUID();
  await db.insert('tsigkeys', {
    id, version: 1, created_at: ts(), tenant_id: input.tenantId ?? null, name: input.name,
    algorithm: input.algorithm, secret: input.secret, scope: input.scope ?? 'POOL', resource_id: input.resourceId,
  });
  return getTsigKey(db, id);
}

export async function getTsigKey(db: Statements, id: string): Promise<TsigKey> {
  return toTsigKey(await db.one('SELECT * FROM tsigkeys WHERE id = ?', [id], 'tsigkey', id));
}

export async function getTsigKeyByName(db: Statements, name: string): Promise<TsigKey> {
  return toTsigKey(await db.one('SELECT * FROM tsigkeys WHERE name = ?', [name], 'tsigkey', name));
}

export async function findTsigKeys(db: Statements, pageArgs: Page = {}): Promise<PageResult<TsigKey>> {
  const limit = limitOf(pageArgs.limit);
  const rows = await db.all(`SELECT * FROM tsigkeys WHERE id > ? ORDER BY id LIMIT ${limit + 1}`, [pageArgs.marker ?? '']);
  return page(rows.map(toTsigKey), limit);
}

export async function updateTsigKey(db: Statements, id: string, patch: TsigKeyUpdate, expectedVersion?: number): Promise<TsigKey> {
  await db.update('tsigkeys', 'tsigkey', id, columnsOf('tsigkey', TSIGKEY_COLUMNS, patch), expectedVersion);
  return getTsigKey(db, id);
}

export async function deleteTsigKey(db: Statements, id: string): Promise<void> {
  await db.delete('tsigkeys', 'tsigkey', id);
}
