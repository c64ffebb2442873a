// Top-level domains a zone may be created under.
import { randomUUID } from 'node:crypto';
import type { Page, PageResult, Tld, TldUpdate } from '../storage.ts';
import type { Statements } from './statements.ts';
import { audit, columnsOf, limitOf, page, str, strOrNull, ts, type Row } from './values.ts';

export const toTld = (r: Row): Tld => ({ ...audit(r), name: str(r.name), description: strOrNull(r.description) });

const TLD_COLUMNS: Record<keyof TldUpdate, string> = { name: 'name', description: 'description' };

export async function createTld(db: Statements, name: string, description: string | null = null): Promise<Tld> {
  const id = randomUUID();
  await db.insert('tlds', { id, version: 1, created_at: ts(), name, description });
  return getTld(db, id);
}

export async function getTld(db: Statements, id: string): Promise<Tld> {
  return toTld(await db.one('SELECT * FROM tlds WHERE id = ?', [id], 'tld', id));
}

export async function updateTld(db: Statements, id: string, patch: TldUpdate, expectedVersion?: number): Promise<Tld> {
  await db.update('tlds', 'tld', id, columnsOf('tld', TLD_COLUMNS, patch), expectedVersion);
  return getTld(db, id);
}

export async function findTlds(db: Statements, pageArgs: Page = {}): Promise<PageResult<Tld>> {
  const limit = limitOf(pageArgs.limit);
  const marker = pageArgs.marker ?? '';
  const rows = await db.all(`SELECT * FROM tlds WHERE id > ? ORDER BY id LIMIT ${limit + 1}`, [marker]);
  return page(rows.map(toTld), limit);
}

export async function deleteTld(db: Statements, id: string): Promise<void> {
  await db.delete('tlds', 'tld', id);
}
