// Values between JavaScript and the SQL both engines accept: bound parameters, stored timestamps, row fields,
// pages, and the columns Designate derives from the data (reverse_name, shard, record hash).
import { createHash } from 'node:crypto';
import { StorageError, type PageResult } from '../storage.ts';

export type Param = string | number | bigint | null | Uint8Array;
export type Row = Record<string, unknown>;

const DEFAULT_PAGE = 100;
const MAX_PAGE = 10_000;

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

export function date(value: unknown): Date {
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
export const dateOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : date(value));
export const str = (value: unknown): string => String(value);
export const strOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
export const num = (value: unknown): number => Number(value);
export const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
export const bool = (value: unknown): boolean => Number(value) !== 0;

export function param(value: unknown): Param {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return ts(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return value;
  if (value instanceof Uint8Array) return value;
  throw new StorageError(`cannot store a ${typeof value}`);
}

export function limitOf(limit: number | undefined, fallback = DEFAULT_PAGE): number {
  const n = limit ?? fallback;
  // Interpolated rather than bound: MySQL 8 rejects a JS number bound to LIMIT in a prepared statement.
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_PAGE) throw new StorageError(`page limit must be 1..${MAX_PAGE}`);
  return n;
}

/** Designate's `reverse_name`: the name reversed character by character, for suffix searches. */
export const reverse = (name: string): string => [...name].reverse().join('');
/** Designate's shard: the first three hex digits of the id (0-4095). */
export const shardOf = (id: string): number => parseInt(id.slice(0, 3), 16);
export const recordHash = (recordsetId: string, data: string): string =>
  createHash('md5').update(`${recordsetId}:${data}`).digest('hex');

export function page<T extends { id: string }>(rows: T[], limit: number): PageResult<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, next: items[items.length - 1].id };
}

const placeholderLists: string[] = [];
/** `?, ?, …` for n values (the common lengths kept: every page of a list asks for the same one). */
export function placeholders(n: number): string {
  if (n <= 1000) return (placeholderLists[n] ??= new Array(n).fill('?').join(', '));
  return new Array(n).fill('?').join(', ');
}

export const audit = (r: Row) => ({
  id: str(r.id), version: num(r.version), createdAt: date(r.created_at), updatedAt: dateOrNull(r.updated_at),
});

/** A patch object as column → value, refusing fields outside `columns` (the only names that reach SQL). */
export function columnsOf<P extends object>(resource: string, columns: Record<keyof P, string>, patch: P): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    const column = columns[field as keyof P];
    if (!column) throw new StorageError(`${resource} field ${field} cannot be updated`);
    if (value !== undefined) set[column] = value;
  }
  return set;
}
