// Blacklisted zone name patterns.
import { randomUUID } from 'node:crypto';
import type { Blacklist, BlacklistUpdate } from '../storage.ts';
import type { Statements } from './statements.ts';
import { audit, columnsOf, str, strOrNull, ts, type Row } from './values.ts';

export const toBlacklist = (r: Row): Blacklist => ({ ...audit(r), pattern: str(r.pattern), description: strOrNull(r.description) });

const BLACKLIST_COLUMNS: Record<keyof BlacklistUpdate, string> = { pattern: 'pattern', description: 'description' };

export async function createBlacklist(db: Statements, pattern: string, description: string | null = null): Promise<Blacklist> {
  const id = randomUUID();
  await db.insert('blacklists', { id, version: 1, created_at: ts(), pattern, description });
  return getBlacklist(db, id);
}

export async function getBlacklist(db: Statements, id: string): Promise<Blacklist> {
  return toBlacklist(await db.one('SELECT * FROM blacklists WHERE id = ?', [id], 'blacklist', id));
}

export async function updateBlacklist(db: Statements, id: string, patch: BlacklistUpdate, expectedVersion?: number): Promise<Blacklist> {
  await db.update('blacklists', 'blacklist', id, columnsOf('blacklist', BLACKLIST_COLUMNS, patch), expectedVersion);
  return getBlacklist(db, id);
}

export async function findBlacklists(db: Statements): Promise<Blacklist[]> {
  return (await db.all('SELECT * FROM blacklists ORDER BY pattern')).map(toBlacklist);
}

export async function deleteBlacklist(db: Statements, id: string): Promise<void> {
  await db.delete('blacklists', 'blacklist', id);
}
