// Designate's database, read-only: a small mysql2 pool whose every statement is bounded in time and
// counted. Reads go to the server `[storage:sqlalchemy] connection` names, as Designate's services read
// the primary; each statement outside `snapshot` is its own autocommit transaction, so it sees every
// commit that preceded it (a long-lived REPEATABLE READ transaction would not). Nothing here writes: the
// database user may have SELECT only.
import type { Connection as CoreConnection } from 'mysql2';
import { createPool, type Pool, type PoolConnection } from 'mysql2/promise';
import { withDeadline } from '../deadline.ts';
import { connectionWithin, type MysqlOptions } from '../storage/mysql.ts';

export type Row = Record<string, unknown>;

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/**
 * SQL text, or with rowsAsArray for rows as arrays (a 100,000-record zone builds no 100,000 objects), and
 * typeCast false for columns as byte views of the packets (nothing decoded).
 */
export type Statement = string | { sql: string; rowsAsArray: true; typeCast?: false };

export interface Reader {
  rows<T = Row>(sql: Statement, params?: readonly (string | number)[]): Promise<T[]>;
  /** The rows handed to `onRow` as they arrive, none kept: a zone's records are used while the rest still come. */
  each<T = Row>(sql: Statement, params: readonly (string | number)[], onRow: (row: T) => void): Promise<void>;
}

export class DesignateDatabase implements Reader {
  readonly label: string;
  readonly database: string;
  /** SQL statements sent, START TRANSACTION and COMMIT included: what `SQL statements per question` counts. */
  statements = 0;
  readonly #pool: Pool;
  readonly #timeoutMs: number;

  constructor(options: MysqlOptions, timeoutMs: number) {
    this.label = options.label ?? `${options.host}/${options.database}`;
    this.database = options.database;
    this.#timeoutMs = timeoutMs;
    this.#pool = createPool({
      host: options.host, port: options.port ?? 3306, user: options.user, password: options.password ?? '',
      database: options.database, socketPath: options.socketPath,
      connectionLimit: options.connectionLimit ?? 8, queueLimit: options.queueLimit ?? 1000, waitForConnections: true,
      // Designate's tables are utf8 (utf8mb3) with case-insensitive collation: names compare as designate-mdns's do.
      charset: 'utf8mb4', dateStrings: true, supportBigNumbers: true, connectTimeout: timeoutMs,
    });
  }

  /** A statement's rows; DatabaseUnavailableError when the server cannot be reached or does not answer in time. */
  rows<T = Row>(sql: Statement, params: readonly (string | number)[] = []): Promise<T[]> {
    return this.#onConnection((conn) => this.#bounded(conn, sql, params)) as Promise<T[]>;
  }

  async each<T = Row>(sql: Statement, params: readonly (string | number)[], onRow: (row: T) => void): Promise<void> {
    await this.#onConnection((conn) => this.#bounded(conn, sql, params, onRow as (row: unknown) => void));
  }

  /**
   * Reads in one InnoDB snapshot (START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY): a zone's row and its
   * records from the same commit, where designate-mdns reads them in separate statements that can tear.
   */
  async snapshot<T>(read: (db: Reader) => Promise<T>): Promise<T> {
    const conn = await this.#connection();
    let broken = false;
    // A statement that failed leaves the connection's state unknown: it is destroyed, not reused.
    const guarded = <R>(work: Promise<R>): Promise<R> => work.catch((err: unknown) => {
      broken = true;
      throw err;
    });
    const inside: Reader = {
      rows: <R>(sql: Statement, params: readonly (string | number)[] = []) => guarded(this.#bounded(conn, sql, params)) as Promise<R[]>,
      each: async <R>(sql: Statement, params: readonly (string | number)[], onRow: (row: R) => void) => {
        await guarded(this.#bounded(conn, sql, params, onRow as (row: unknown) => void));
      },
    };
    try {
      await inside.rows('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      const result = await read(inside);
      await inside.rows('COMMIT');
      return result;
    } catch (err) {
      if (!broken) await inside.rows('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      if (broken) conn.destroy();
      else conn.release();
    }
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(() => undefined);
  }

  /** `work` on a pool connection of its own, released afterwards. */
  async #onConnection<R>(work: (conn: PoolConnection) => Promise<R>): Promise<R> {
    const conn = await this.#connection();
    try {
      return await work(conn);
    } finally {
      conn.release();
    }
  }

  async #connection(): Promise<PoolConnection> {
    try {
      return await connectionWithin(this.#pool, this.#timeoutMs, () => new DatabaseUnavailableError(`no connection to ${this.label} within ${this.#timeoutMs} ms`));
    } catch (err) {
      throw unavailable(err, this.label);
    }
  }

  /**
   * A statement bounded in time, its rows returned or, with `onRow`, handed over one by one as they arrive; a
   * connection whose statement timed out is destroyed (its state is unknown).
   */
  async #bounded(conn: PoolConnection, sql: Statement, params: readonly (string | number)[], onRow?: (row: unknown) => void): Promise<unknown> {
    this.statements++;
    // Text protocol with client-side escaping: IN lists of every length would each be one more prepared statement.
    const work: Promise<[unknown, ...unknown[]]> = onRow === undefined ? conn.query(sql as string, params as (string | number)[]) : streamed(conn, sql, params, onRow);
    try {
      const [rows] = await withDeadline(work, this.#timeoutMs, () => {
        conn.destroy();
        return new DatabaseUnavailableError(`${this.label} did not answer within ${this.#timeoutMs} ms`);
      });
      return rows;
    } catch (err) {
      throw unavailable(err, this.label);
    }
  }
}

/**
 * The rows of a statement handed to `onRow` as mysql2 parses them: the row events of the core connection
 * under the promise wrapper (which mysql2's typings call a promise connection).
 */
function streamed(conn: PoolConnection, sql: Statement, params: readonly (string | number)[], onRow: (row: unknown) => void): Promise<[null]> {
  const core = conn.connection as unknown as CoreConnection;
  return new Promise((resolve, reject) => {
    core.query(typeof sql === 'string' ? { sql } : sql, params as (string | number)[])
      .on('result', onRow)
      .on('error', reject)
      .on('end', () => resolve([null]));
  });
}

/** SQL errors (a missing table, a bad statement) stay themselves; anything about reaching the server is unavailability. */
function unavailable(err: unknown, label: string): Error {
  if (err instanceof DatabaseUnavailableError) return err;
  const e = err as { code?: string; sqlMessage?: string; message?: string };
  if (e.sqlMessage !== undefined && e.code !== 'ER_CON_COUNT_ERROR') return err as Error;
  return new DatabaseUnavailableError(`cannot reach ${label}: ${e.code ?? e.message}`, { cause: err });
}
