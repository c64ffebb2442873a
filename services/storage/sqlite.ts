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

interface Reader {
  statement: StatementSync;
  /** A plain SELECT: it changes nothing. */
  select: boolean;
  /**
   * Builds a row object from the statement's array row. Made after the statement first ran: a statement
   * prepared just after another connection changed the schema describes the old columns until it runs.
   */
  build: ((values: unknown[]) => Row) | null;
  /** A plain SELECT without BLOB columns: its results may be kept while the database does not change. */
  cacheable: boolean;
  /** Kept results by their parameters (emptied whenever the database changes). */
  results: Map<string, Row[]>;
}

/**
 * Results of more rows are not kept (pages of API lists are 20 by default; a zone read for AXFR comes in pages
 * of 1000 and is not read twice), nor more rows than ROWS_CACHED in all.
 */
const MAX_CACHED_RESULT = 256;
const ROWS_CACHED = 20_000;

/** The parameters as an unambiguous key (length-prefixed), or null when one of them cannot be a key (a BLOB). */
function paramsKey(params: readonly Param[]): string | null {
  let key = '';
  for (const p of params) {
    if (typeof p === 'string') key += `s${p.length}:${p}`;
    else if (typeof p === 'number') key += `n${p};`;
    else if (typeof p === 'bigint') key += `b${p};`;
    else if (p === null) key += 'z;';
    else return null;
  }
  return key;
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
  #readers = new Map<string, Reader>();
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
      // Designate's schema indexes recordsets and records many ways over random UUID keys: bulk writes and
      // whole-zone reads touch pages all over each index, and SQLite's default 2 MiB page cache thrashed.
      // Writing 100,000 recordsets took 134 µs each with it, 66 µs with 256 MiB (reading them back: 1,047 ms,
      // 641 ms). The cache fills only as pages are used, so a small database costs no more than before.
      this.#db.exec('PRAGMA cache_size = -262144');
      // SQLite's LOWER folds ASCII only; list filters compare LOWER()ed text and must match MySQL's.
      this.#db.function('lower', { deterministic: true },
        (value) => (typeof value === 'string' ? value.toLowerCase() : value));
    } catch (err) {
      throw new UnavailableError(`cannot open sqlite database ${options.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Every statement, prepared once and kept; writes use only its statement. A SELECT's rows become plain
   * objects here: node:sqlite builds each row object in C++ one named property at a time, which is slow and
   * leaves a dictionary-mode, null-prototype object; it is much cheaper to take the rows as arrays and build
   * the objects with a literal compiled once per statement (same shape for every row).
   */
  #reader(sql: string): Reader {
    let reader = this.#readers.get(sql);
    if (!reader) {
      const statement = this.#db.prepare(sql);
      statement.setReturnArrays(true);
      reader = { statement, select: /^\s*SELECT\s/i.test(sql), build: null, cacheable: false, results: new Map() };
      if (this.#readers.size > 500) {
        this.#invalidate();
        this.#readers.clear();
      }
      this.#readers.set(sql, reader);
    }
    return reader;
  }

  /** Sets the reader's row builder from the columns of the statement as it ran. */
  #describe(reader: Reader): (values: unknown[]) => Row {
    const columns = reader.statement.columns();
    const names = columns.map((c) => c.name);
    // BLOBs come back as Uint8Arrays, which a caller could change (and Buffers made from them share memory).
    reader.cacheable = reader.select && !columns.some((c) => /BLOB/i.test(c.type ?? ''));
    if (names.includes('__proto__')) {
      // Not expressible as a literal key: a null-prototype object, as node:sqlite makes.
      reader.build = (a) => {
        const row: Row = Object.create(null);
        for (let i = 0; i < names.length; i++) row[names[i]] = a[i];
        return row;
      };
    } else {
      // Duplicate names: the last column wins, as in node:sqlite's own objects.
      reader.build = new Function('a', `return {${names.map((n, i) => `${JSON.stringify(n)}: a[${i}]`).join(', ')}};`) as (a: unknown[]) => Row;
    }
    return reader.build;
  }

  // ------------------------------------------------------------------ results kept while nothing changes
  // A SELECT's rows are kept and handed out again (as a new array of the same, never modified, row objects)
  // for as long as the database is exactly as it was: every write on this connection drops them all, and so
  // does a commit by any other connection or process (PRAGMA data_version, checked as each transaction
  // starts; during a transaction the write lock of BEGIN IMMEDIATE keeps the others out). After its first
  // write a transaction neither reads nor fills them (it sees its own uncommitted rows).

  /** The readers that keep results now. */
  #keeping: Reader[] = [];
  #rowsCached = 0;
  #dataVersion: number | null = null;
  #schemaVersion: number | null = null;
  #dataVersionStatement: StatementSync | null = null;
  /** The running transaction has written. */
  #dirty = false;

  /** Drops every kept result. */
  #invalidate(): void {
    for (const reader of this.#keeping) reader.results.clear();
    this.#keeping = [];
    this.#rowsCached = 0;
  }

  /** At the start of each transaction, under its lock: drops everything if another connection committed since. */
  #checkDataVersion(): void {
    this.#dataVersionStatement ??= this.#db.prepare('PRAGMA data_version');
    const version = Number((this.#dataVersionStatement.get() as { data_version: number }).data_version);
    if (version !== this.#dataVersion) {
      this.#dataVersion = version;
      this.#invalidate();
      // Rarer still, the commit changed the schema (another process migrated): readers map columns by position.
      const schema = Number((this.#db.prepare('PRAGMA schema_version').get() as { schema_version: number }).schema_version);
      if (schema !== this.#schemaVersion) {
        if (this.#schemaVersion !== null) this.#readers.clear();
        this.#schemaVersion = schema;
      }
    }
  }

  #wrote(): void {
    this.#dirty = true;
    this.#invalidate();
  }

  #executor: Executor = {
    all: async (sql: string, params: readonly Param[] = []): Promise<Row[]> => {
      try {
        const reader = this.#reader(sql);
        if (!reader.select) this.#wrote(); // not a plain SELECT: it may change something
        const key = reader.cacheable && !this.#dirty ? paramsKey(params) : null;
        if (key !== null) {
          const kept = reader.results.get(key);
          if (kept !== undefined) return kept.slice();
        }
        const rows = reader.statement.all(...params) as unknown[];
        const build = reader.build ?? this.#describe(reader);
        let keep = key !== null && rows.length <= MAX_CACHED_RESULT && this.#rowsCached + rows.length <= ROWS_CACHED;
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i] as unknown[];
          // A BLOB in a column not declared as one (SQLite's typing is dynamic) makes the result not worth the risk.
          if (keep) for (const v of row) if (v instanceof Uint8Array) keep = false;
          rows[i] = build(row);
        }
        if (keep && key !== null) {
          if (reader.results.size === 0) this.#keeping.push(reader);
          reader.results.set(key, rows as Row[]);
          this.#rowsCached += rows.length;
          return rows.slice() as Row[];
        }
        return rows as Row[];
      } catch (err) {
        throw translate(err);
      }
    },
    run: async (sql: string, params: readonly Param[] = []) => {
      this.#wrote();
      try {
        const result = this.#reader(sql).statement.run(...params);
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

  /** BEGIN IMMEDIATE, COMMIT and ROLLBACK, prepared once (exec would parse them for every transaction). */
  #control: { begin: StatementSync; commit: StatementSync; rollback: StatementSync } | null = null;

  #controls(): { begin: StatementSync; commit: StatementSync; rollback: StatementSync } {
    return (this.#control ??= {
      begin: this.#db.prepare('BEGIN IMMEDIATE'),
      commit: this.#db.prepare('COMMIT'),
      rollback: this.#db.prepare('ROLLBACK'),
    });
  }

  #begin(): void {
    try {
      this.#controls().begin.run();
    } catch (err) {
      throw translate(err);
    }
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.#inside.getStore()) return Promise.reject(new StorageError('nested transaction: use the Tx you were given'));
    return this.#exclusive(() => this.#inside.run(true, async () => {
      this.#begin();
      const tx = new SqlTx(this.#executor);
      this.#dirty = false;
      try {
        this.#checkDataVersion();
        const result = await fn(tx);
        tx.end();
        this.#controls().commit.run();
        return result;
      } catch (err) {
        tx.end();
        if (this.#db.isTransaction) this.#controls().rollback.run();
        throw translate(err);
      } finally {
        if (this.#dirty) this.#invalidate();
        this.#dirty = false;
      }
    }));
  }

  #version(): number {
    // DDL outside the executor: nothing kept survives it, and readers map columns by position.
    this.#invalidate();
    this.#readers.clear();
    this.#db.exec(migrationsTableSql('sqlite'));
    const row = this.#db.prepare(`SELECT MAX(version) AS v FROM ${MIGRATIONS_TABLE}`).get() as { v: number | null };
    return Number(row.v ?? 0);
  }

  version(): Promise<number> {
    return this.#exclusive(async () => this.#version());
  }

  migrate(): Promise<number> {
    return this.#exclusive(async () => {
      this.#invalidate();
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
      this.#control = null;
      this.#dataVersionStatement = null;
      this.#invalidate();
      this.#readers.clear();
      this.#db.close();
    });
  }
}
