// The IXFR journal: each zone change as a from-serial → to-serial entry.
import { StorageError, type JournalEntry } from '../storage.ts';
import type { Statements } from './statements.ts';
import { date, num, str, ts, type Row } from './values.ts';

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return Buffer.from(String(value));
}

const toJournal = (r: Row): JournalEntry => ({
  id: num(r.id), zoneId: str(r.zone_id), fromSerial: num(r.from_serial), toSerial: num(r.to_serial),
  data: toBuffer(r.data), createdAt: date(r.created_at),
});

export async function appendJournal(db: Statements, zoneId: string, fromSerial: number, toSerial: number,
  data: Uint8Array): Promise<JournalEntry> {
  const createdAt = ts();
  const id = await db.insert('zone_journal', {
    zone_id: zoneId, from_serial: fromSerial, to_serial: toSerial, data, created_at: createdAt,
  });
  return { id, zoneId, fromSerial, toSerial, data: toBuffer(data), createdAt: date(createdAt) };
}

export async function readJournal(db: Statements, zoneId: string, fromSerial: number): Promise<JournalEntry[]> {
  const start = await db.all(
    'SELECT id FROM zone_journal WHERE zone_id = ? AND from_serial = ? ORDER BY id DESC LIMIT 1', [zoneId, fromSerial]);
  if (start.length === 0) return [];
  const rows = await db.all('SELECT * FROM zone_journal WHERE zone_id = ? AND id >= ? ORDER BY id', [zoneId, start[0].id]);
  const entries = rows.map(toJournal);
  // Only an unbroken chain can serve IXFR.
  for (let i = 1; i < entries.length; i++) if (entries[i].fromSerial !== entries[i - 1].toSerial) return [];
  return entries;
}

export async function trimJournal(db: Statements, zoneId: string, keep: number): Promise<number> {
  if (!Number.isSafeInteger(keep) || keep < 0) throw new StorageError('keep must be a non-negative integer');
  const cut = await db.all(`SELECT id FROM zone_journal WHERE zone_id = ? ORDER BY id DESC LIMIT 1 OFFSET ${keep}`, [zoneId]);
  if (cut.length === 0) return 0;
  const { changes } = await db.run('DELETE FROM zone_journal WHERE zone_id = ? AND id <= ?', [zoneId, cut[0].id]);
  return changes;
}
