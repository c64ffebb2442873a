// Maps each engine's constraint errors onto the typed storage errors, so callers see the same
// DuplicateError (with the same field) whichever engine raised it.
import { UNIQUE_CONSTRAINTS } from './schema.ts';
import { DuplicateError, NotFoundError } from './storage.ts';

/** SQLite names the columns: "UNIQUE constraint failed: zones.name, zones.deleted, zones.pool_id". */
export function sqliteDuplicate(message: string): DuplicateError {
  const list = /constraint failed: (.*)$/.exec(message)?.[1] ?? '';
  const parts = list.split(',').map((s) => s.trim().split('.'));
  const table = parts[0]?.[0] ?? 'unknown';
  const columns = parts.map((p) => p[1]).sort().join(',');
  const hit = UNIQUE_CONSTRAINTS.find((u) => u.table === table && [...u.columns].sort().join(',') === columns);
  return new DuplicateError(table, hit?.field ?? (columns || 'id'), message);
}

/** MySQL/MariaDB name the key: "Duplicate entry 'x' for key 'zones.unique_zone_name'" (or without the table). */
export function mysqlDuplicate(message: string): DuplicateError {
  const key = /for key '([^']+)'/.exec(message)?.[1] ?? '';
  const [table, name] = key.includes('.') ? key.split('.', 2) : ['', key];
  const hit = UNIQUE_CONSTRAINTS.find((u) => u.name === name && (!table || u.table === table));
  if (hit) return new DuplicateError(hit.table, hit.field, message);
  return new DuplicateError(table || 'unknown', name === 'PRIMARY' ? 'id' : name || 'unknown', message);
}

export function missingReference(message: string): NotFoundError {
  return new NotFoundError('reference', undefined, `referenced row not found (${message})`);
}
