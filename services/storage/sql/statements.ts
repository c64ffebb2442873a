// One transaction's statements. An engine supplies an Executor that runs one statement on the transaction's
// connection and turns its native errors into DuplicateError/NotFoundError; Statements adds what every
// resource's SQL shares: the check that the transaction is still open, parameter conversion, and the shapes
// of INSERT, versioned UPDATE, DELETE and COUNT.
import { ConflictError, NotFoundError, StorageError } from '../storage.ts';
import { num, param, placeholders, ts, type Param, type Row } from './values.ts';

export interface Executor {
  all(sql: string, params?: readonly Param[]): Promise<Row[]>;
  run(sql: string, params?: readonly Param[]): Promise<{ changes: number; insertId: number }>;
}

export class Statements {
  #exec: Executor;
  #open = true;
  /** ` FOR UPDATE` where the engine has row locks, else empty: appended to a SELECT that locks its rows. */
  readonly forUpdate: string;

  /** `rowLocks`: the engine has SELECT … FOR UPDATE (MySQL); SQLite transactions are serialized anyway. */
  constructor(exec: Executor, rowLocks: boolean) {
    this.#exec = exec;
    this.forUpdate = rowLocks ? ' FOR UPDATE' : '';
  }

  /** The transaction has ended: later statements fail instead of running outside it. */
  end(): void {
    this.#open = false;
  }

  #check(): void {
    if (!this.#open) throw new StorageError('transaction already finished');
  }

  async all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    this.#check();
    return this.#exec.all(sql, params.map(param));
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<{ changes: number; insertId: number }> {
    this.#check();
    return this.#exec.run(sql, params.map(param));
  }

  async one(sql: string, params: readonly unknown[], resource: string, id: string): Promise<Row> {
    const rows = await this.all(sql, params);
    if (rows.length === 0) throw new NotFoundError(resource, id);
    return rows[0];
  }

  /** INSERT of one row from a column → value object. */
  async insert(table: string, values: Record<string, unknown>): Promise<number> {
    const columns = Object.keys(values);
    const quoted = columns.map((c) => (c === 'key' ? '`key`' : c)).join(', ');
    const result = await this.run(`INSERT INTO ${table} (${quoted}) VALUES (${placeholders(columns.length)})`,
      Object.values(values));
    return result.insertId;
  }

  /** UPDATE with version bump; `expectedVersion` makes it optimistic. 0 rows → NotFoundError or ConflictError. */
  async update(table: string, resource: string, id: string, set: Record<string, unknown>, expectedVersion?: number,
    extraWhere = ''): Promise<void> {
    const assignments = Object.keys(set).map((c) => `${c} = ?`);
    assignments.push('version = version + 1', 'updated_at = ?');
    const params: unknown[] = [...Object.values(set), ts(), id];
    let sql = `UPDATE ${table} SET ${assignments.join(', ')} WHERE id = ?${extraWhere}`;
    if (expectedVersion !== undefined) {
      sql += ' AND version = ?';
      params.push(expectedVersion);
    }
    const { changes } = await this.run(sql, params);
    if (changes > 0) return;
    const exists = await this.all(`SELECT version FROM ${table} WHERE id = ?${extraWhere}`, [id]);
    if (exists.length === 0 || expectedVersion === undefined) throw new NotFoundError(resource, id);
    throw new ConflictError(resource, id, expectedVersion);
  }

  async count(sql: string, params: readonly unknown[]): Promise<number> {
    return num((await this.all(sql, params))[0].n);
  }

  async delete(table: string, resource: string, id: string): Promise<void> {
    const { changes } = await this.run(`DELETE FROM ${table} WHERE id = ?`, [id]);
    if (changes === 0) throw new NotFoundError(resource, id);
  }
}
