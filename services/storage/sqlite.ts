// SQLite engine on node:sqlite (built into Node 24): the single-process default. One DatabaseSync per
// Storage; its API is synchronous while callers are async, so transactions are serialized by an async
// mutex (a transaction holds the connection across its awaits). WAL mode, foreign keys on, busy timeout
// for the odd second process (e.g. `zonecast manage db-sync` next to a running server).
import { AsyncLocalStorage } from 'node:async_hooks';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { missingReference, sqliteDuplicate } from './errors.ts';
import { LATEST_VERSION, MIGRATIONS, MIGRATIONS_TABLE, migrationStatements, migrationsTableSql } from './schema.ts';
import { SqlTx, streamZoneRecords, ts, type Executor, type Param, type Row } from './sql.ts';
import { StorageError, UnavailableError, type Storage, type Tx, type ZoneRecordRow } from './storage.ts';

export interface SqliteOptions {
  /** A file path or ':memory:'. */
  path: string;
  /** Milliseconds to wait for another process's lock (default 5000). */
  busyTimeout?: number;
}

/** A FIFO async mutex: run() resolves in call order, one at a time. */
class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

function translate(err: unknown): unknown {
  const e = err as { code?: string; errcode?: number; message?: string };
  if (e?.code !== 'ERR_SQLITE_ERROR' || typeof e.errcode !== 'number') return err;
  const message = e.message ?? '';
  // Extended result codes: UNIQUE 2067, PRIMARYKEY 1555, FOREIGNKEY 787; BUSY is 5 in its low byte.
  if (e.errcode === 2067 || e.errcode === 1555) return sqliteDuplicate(message);
  if (e.errcode === 787) return missingReference(message);
  if ((e.errcode & 0xff) === 5 || (e.errcode & 0xff) === 6) return new UnavailableError(`sqlite busy: ${message}`, { cause: err });
  return new StorageError(`sqlite: ${message}`, { cause: err });
}

export class SqliteStorage implements Storage {
  readonly engine = 'sqlite' as const;
  readonly path: string;
  #db: DatabaseSync;
  #mutex = new Mutex();
  #statements = new Map<string, StatementSync>();
  #closed = false;
  /** Set inside this storage's transactions: a nested transaction would wait on the mutex forever. */
  #inside = new AsyncLocalStorage<true>();

  constructor(options: SqliteOptions) {
    this.path = options.path;
    try {
      this.#db = new DatabaseSync(options.path);
      this.#db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeout ?? 5000)}`);
      if (options.path !== ':memory:') this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec('PRAGMA synchronous = NORMAL');
      this.#db.exec('PRAGMA foreign_keys = ON');
      // SQLite's LOWER folds ASCII only; list filters compare LOWER()ed text and must match MySQL's.
      this.#db.function('lower', { deterministic: true },
        (value) => (typeof value === 'string' ? value.toLowerCase() : value));
    } catch (err) {
      throw new UnavailableError(`cannot open sqlite database ${options.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      if (this.#statements.size > 500) this.#statements.clear();
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #executor: Executor = {
    all: async (sql: string, params: readonly Param[] = []): Promise<Row[]> => {
      try {
        return this.#prepare(sql).all(...params) as Row[];
      } catch (err) {
        throw translate(err);
      }
    },
    run: async (sql: string, params: readonly Param[] = []) => {
      try {
        const result = this.#prepare(sql).run(...params);
        return { changes: Number(result.changes), insertId: Number(result.lastInsertRowid) };
      } catch (err) {
        throw translate(err);
      }
    },
  };

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StorageError('storage is closed'));
    return this.#mutex.run(fn);
  }

  #begin(): void {
    try {
      this.#db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      throw translate(err);
    }
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.#inside.getStore()) return Promise.reject(new StorageError('nested transaction: use the Tx you were given'));
    return this.#exclusive(() => this.#inside.run(true, async () => {
      this.#begin();
      const tx = new SqlTx(this.#executor);
      try {
        const result = await fn(tx);
        tx.end();
        this.#db.exec('COMMIT');
        return result;
      } catch (err) {
        tx.end();
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
        throw translate(err);
      }
    }));
  }

  #version(): number {
    this.#db.exec(migrationsTableSql('sqlite'));
    const row = this.#db.prepare(`SELECT MAX(version) AS v FROM ${MIGRATIONS_TABLE}`).get() as { v: number | null };
    return Number(row.v ?? 0);
  }

  version(): Promise<number> {
    return this.#exclusive(async () => this.#version());
  }

  migrate(): Promise<number> {
    return this.#exclusive(async () => {
      for (const migration of MIGRATIONS) {
        this.#begin();
        try {
          // Re-read under the write lock: another process may have migrated meanwhile.
          if (this.#version() >= migration.version) {
            this.#db.exec('COMMIT');
            continue;
          }
          for (const statement of migrationStatements('sqlite', migration)) this.#db.exec(statement);
          this.#db.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (version, description, applied_at) VALUES (?, ?, ?)`)
            .run(migration.version, migration.description, ts());
          this.#db.exec('COMMIT');
        } catch (err) {
          if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
          throw new StorageError(`migration ${migration.version} failed: ${(err as Error).message}`, { cause: err });
        }
      }
      const version = this.#version();
      if (version > LATEST_VERSION) throw new StorageError(`database schema ${version} is newer than this zonecast (${LATEST_VERSION})`);
      return version;
    });
  }

  streamZoneRecords(zoneId: string, pageSize?: number): AsyncGenerator<ZoneRecordRow[]> {
    return streamZoneRecords((fn) => this.transaction(fn), zoneId, pageSize);
  }

  close(): Promise<void> {
    return this.#exclusive(async () => {
      this.#closed = true;
      this.#statements.clear();
      this.#db.close();
    });
  }
}
