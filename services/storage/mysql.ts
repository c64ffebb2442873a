// MariaDB/MySQL engine on mysql2/promise: a pool with a connection limit and a bounded wait queue, every
// statement a server-side prepared statement (`execute`), each transaction pinned to one connection.
// Deadlocks and lock wait timeouts re-run the transaction a few times, as oslo.db's retry does for Designate.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createPool, type Pool, type PoolConnection } from 'mysql2/promise';
import { missingReference, mysqlDuplicate } from './errors.ts';
import { LATEST_VERSION, MIGRATIONS, MIGRATIONS_TABLE, migrationStatements, migrationsTableSql } from './schema.ts';
import { SqlTx, streamZoneRecords, ts, type Executor, type Param, type Row } from './sql.ts';
import { StorageError, UnavailableError, type Storage, type Tx, type ZoneRecordRow } from './storage.ts';

export interface MysqlOptions {
  host: string;
  port?: number;
  user: string;
  password?: string;
  database: string;
  socketPath?: string;
  /** Open connections at most (default 10). */
  connectionLimit?: number;
  /** Callers waiting for a connection at most; beyond it UnavailableError (default 1000). */
  queueLimit?: number;
  /** Attempts for a transaction that hits a deadlock or lock wait timeout (default 10). */
  retries?: number;
  /** How the URL is shown in errors (no password). */
  label?: string;
}

const DEADLOCK = 1213;
const LOCK_WAIT_TIMEOUT = 1205;
const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR']);

function translate(err: unknown): unknown {
  if (err instanceof StorageError) return err;
  const e = err as { errno?: number; code?: string; message?: string };
  const message = e?.message ?? String(err);
  if (e?.errno === 1062) return mysqlDuplicate(message);
  if (e?.errno === 1452) return missingReference(message);
  if (message === 'Queue limit reached.') return new UnavailableError('mysql pool queue limit reached', { cause: err });
  if (e?.code && UNAVAILABLE.has(e.code)) return new UnavailableError(`mysql unavailable: ${message}`, { cause: err });
  if (e?.errno === DEADLOCK || e?.errno === LOCK_WAIT_TIMEOUT) return err;
  // Server errors carry an errno; anything else (the caller's own errors) passes through unchanged.
  if (typeof e?.errno !== 'number') return err;
  return new StorageError(`mysql: ${message}`, { cause: err });
}

const isRetryable = (err: unknown): boolean => {
  const errno = (err as { errno?: number })?.errno;
  return errno === DEADLOCK || errno === LOCK_WAIT_TIMEOUT;
};

/** mysql2 binds Buffers (not bare Uint8Arrays) as binary, and wants no bigint. */
function bind(params: readonly Param[]): (string | number | null | Buffer)[] {
  return params.map((p) => (p instanceof Uint8Array ? (Buffer.isBuffer(p) ? p : Buffer.from(p)) : typeof p === 'bigint' ? p.toString() : p));
}

function executor(conn: PoolConnection): Executor {
  return {
    async all(sql, params = []) {
      try {
        const [rows] = await conn.execute(sql, bind(params));
        return rows as Row[];
      } catch (err) {
        throw translate(err);
      }
    },
    async run(sql, params = []) {
      try {
        const [result] = await conn.execute(sql, bind(params));
        const header = result as { affectedRows: number; insertId: number };
        return { changes: header.affectedRows, insertId: Number(header.insertId) };
      } catch (err) {
        throw translate(err);
      }
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class MysqlStorage implements Storage {
  readonly engine = 'mysql' as const;
  readonly label: string;
  readonly pool: Pool;
  #retries: number;
  #inside = new AsyncLocalStorage<true>();
  /** Transactions re-run after a deadlock or lock wait timeout. */
  readonly stats = { retried: 0 };

  private constructor(options: MysqlOptions) {
    this.label = options.label ?? `mysql://${options.user}@${options.host}:${options.port ?? 3306}/${options.database}`;
    this.#retries = options.retries ?? 10;
    this.pool = createPool({
      host: options.host, port: options.port ?? 3306, user: options.user, password: options.password ?? '',
      database: options.database, socketPath: options.socketPath,
      connectionLimit: options.connectionLimit ?? 10, queueLimit: options.queueLimit ?? 1000, waitForConnections: true,
      // Timestamps stay UTC text (as on SQLite); no session time zone can shift them.
      dateStrings: true, charset: 'utf8mb4', connectTimeout: 10_000,
      // Prepared statements are cached per connection; the server's max_prepared_stmt_count (16382 by
      // default) is shared by every connection of every process.
      maxPreparedStatements: 256,
    });
  }

  /** Creates the pool and checks the server answers; errors name the URL without its password. */
  static async open(options: MysqlOptions): Promise<MysqlStorage> {
    const storage = new MysqlStorage(options);
    try {
      await storage.pool.query('SELECT 1');
    } catch (err) {
      await storage.pool.end().catch(() => undefined);
      throw new UnavailableError(`cannot connect to ${storage.label}: ${(err as Error).message}`, { cause: err });
    }
    return storage;
  }

  async #connection(): Promise<PoolConnection> {
    try {
      return await this.pool.getConnection();
    } catch (err) {
      throw translate(err);
    }
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    // As on SQLite: a nested transaction is a bug (here it could exhaust the pool and deadlock).
    if (this.#inside.getStore()) throw new StorageError('nested transaction: use the Tx you were given');
    return this.#inside.run(true, () => this.#attempts(fn));
  }

  async #attempts<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const conn = await this.#connection();
      const tx = new SqlTx(executor(conn), true);
      try {
        await conn.beginTransaction();
        const result = await fn(tx);
        tx.end();
        await conn.commit();
        return result;
      } catch (err) {
        tx.end();
        await conn.rollback().catch(() => undefined);
        const cause = (err as { cause?: unknown })?.cause ?? err;
        if ((isRetryable(err) || isRetryable(cause)) && attempt < this.#retries) {
          this.stats.retried++;
          await sleep(5 * attempt + Math.random() * 20 * attempt);
          continue;
        }
        throw translate(err);
      } finally {
        conn.release();
      }
    }
  }

  async #versionOn(conn: PoolConnection): Promise<number> {
    await conn.query(migrationsTableSql('mysql'));
    const [rows] = await conn.query(`SELECT MAX(version) AS v FROM ${MIGRATIONS_TABLE}`);
    return Number((rows as Row[])[0].v ?? 0);
  }

  async version(): Promise<number> {
    const conn = await this.#connection();
    try {
      return await this.#versionOn(conn);
    } catch (err) {
      throw translate(err);
    } finally {
      conn.release();
    }
  }

  /**
   * DDL commits implicitly on MySQL, so migrations are serialized across processes with a named lock
   * and each version is recorded once all its statements ran.
   */
  async migrate(): Promise<number> {
    const conn = await this.#connection();
    try {
      const [lock] = await conn.query("SELECT GET_LOCK('zonecast_migrate', 60) AS ok");
      if (Number((lock as Row[])[0].ok) !== 1) throw new UnavailableError(`${this.label}: migration lock busy`);
      try {
        let current = await this.#versionOn(conn);
        for (const migration of MIGRATIONS) {
          if (migration.version <= current) continue;
          for (const statement of migrationStatements('mysql', migration)) {
            try {
              await conn.query(statement);
            } catch (err) {
              throw new StorageError(`migration ${migration.version} failed: ${(err as Error).message}`, { cause: err });
            }
          }
          await conn.execute(`INSERT INTO ${MIGRATIONS_TABLE} (version, description, applied_at) VALUES (?, ?, ?)`,
            [migration.version, migration.description, ts()]);
          current = migration.version;
        }
        if (current > LATEST_VERSION) throw new StorageError(`database schema ${current} is newer than this zonecast (${LATEST_VERSION})`);
        return current;
      } finally {
        await conn.query("SELECT RELEASE_LOCK('zonecast_migrate')");
      }
    } catch (err) {
      throw translate(err);
    } finally {
      conn.release();
    }
  }

  streamZoneRecords(zoneId: string, pageSize?: number): AsyncGenerator<ZoneRecordRow[]> {
    return streamZoneRecords((fn) => this.transaction(fn), zoneId, pageSize);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
