// MariaDB/MySQL engine on mysql2/promise: a pool with a connection limit and a bounded wait queue, every
// statement a server-side prepared statement (`execute`), each transaction pinned to one connection.
// Deadlocks and lock wait timeouts re-run the transaction a few times, as oslo.db's retry does for Designate.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createPool, type Pool, type PoolConnection } from 'mysql2/promise';
import { withDeadline } from '../deadline.ts';
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
  /** Milliseconds a statement (or the wait for a connection) may take before UnavailableError (default 5000). */
  statementTimeoutMs?: number;
  /** How the URL is shown in errors (no password). */
  label?: string;
}

const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;
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

/**
 * One transaction's connection, every statement bounded in time: a server that stops answering (stalled,
 * cut off behind a firewall) costs a caller `timeoutMs`, then UnavailableError, never a hang. A connection
 * that timed out is destroyed, not returned to the pool, since its state is unknown.
 */
class Guarded {
  readonly conn: PoolConnection;
  readonly timeoutMs: number;
  destroyed = false;

  constructor(conn: PoolConnection, timeoutMs: number) {
    this.conn = conn;
    this.timeoutMs = timeoutMs;
  }

  bounded<T>(what: string, work: Promise<T>): Promise<T> {
    return withDeadline(work, this.timeoutMs, () => {
      this.destroyed = true;
      this.conn.destroy();
      return new UnavailableError(`mysql did not answer ${what} within ${this.timeoutMs} ms`);
    });
  }

  release(): void {
    if (!this.destroyed) this.conn.release();
  }
}

function executor(guarded: Guarded): Executor {
  const { conn } = guarded;
  return {
    async all(sql, params = []) {
      try {
        const [rows] = await guarded.bounded('a query', conn.execute(sql, bind(params)));
        return rows as Row[];
      } catch (err) {
        throw translate(err);
      }
    },
    async run(sql, params = []) {
      try {
        const [result] = await guarded.bounded('a statement', conn.execute(sql, bind(params)));
        const header = result as { affectedRows: number; insertId: number };
        return { changes: header.affectedRows, insertId: Number(header.insertId) };
      } catch (err) {
        throw translate(err);
      }
    },
  };
}

/**
 * A connection from `pool` within `ms`, else the error `onTimeout` makes: every connection may be stuck on a
 * stalled server. One that arrives after its caller gave up goes back to the pool.
 */
export async function connectionWithin(pool: Pool, ms: number, onTimeout: () => Error): Promise<PoolConnection> {
  let late = false;
  const getting = pool.getConnection();
  void getting.then((conn) => late && conn.release(), () => undefined);
  return withDeadline(getting, ms, () => {
    late = true;
    return onTimeout();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class MysqlStorage implements Storage {
  readonly engine = 'mysql' as const;
  readonly label: string;
  readonly pool: Pool;
  #retries: number;
  #statementTimeoutMs: number;
  #inside = new AsyncLocalStorage<true>();
  /** Transactions re-run after a deadlock or lock wait timeout. */
  readonly stats = { retried: 0 };

  private constructor(options: MysqlOptions) {
    this.label = options.label ?? `mysql://${options.user}@${options.host}:${options.port ?? 3306}/${options.database}`;
    this.#retries = options.retries ?? 10;
    this.#statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    this.pool = createPool({
      host: options.host, port: options.port ?? 3306, user: options.user, password: options.password ?? '',
      database: options.database, socketPath: options.socketPath,
      connectionLimit: options.connectionLimit ?? 10, queueLimit: options.queueLimit ?? 1000, waitForConnections: true,
      // Timestamps stay UTC text (as on SQLite); no session time zone can shift them.
      dateStrings: true, charset: 'utf8mb4', connectTimeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
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

  /** A pooled connection, waiting at most the statement timeout (every connection may be stuck on a stalled server). */
  async #connection(): Promise<PoolConnection> {
    try {
      return await connectionWithin(this.pool, this.#statementTimeoutMs, () => new UnavailableError(`no connection to ${this.label} within ${this.#statementTimeoutMs} ms`));
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
      const guarded = new Guarded(await this.#connection(), this.#statementTimeoutMs);
      const tx = new SqlTx(executor(guarded), true);
      try {
        await guarded.bounded('START TRANSACTION', guarded.conn.beginTransaction());
        const result = await fn(tx);
        tx.end();
        // A COMMIT without an answer may or may not have committed: the caller gets 503, not a success.
        await guarded.bounded('COMMIT', guarded.conn.commit());
        return result;
      } catch (err) {
        tx.end();
        if (!guarded.destroyed) await guarded.bounded('ROLLBACK', guarded.conn.rollback()).catch(() => undefined);
        const cause = (err as { cause?: unknown })?.cause ?? err;
        if ((isRetryable(err) || isRetryable(cause)) && attempt < this.#retries) {
          this.stats.retried++;
          await sleep(5 * attempt + Math.random() * 20 * attempt);
          continue;
        }
        throw translate(err);
      } finally {
        guarded.release();
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
