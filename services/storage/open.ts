// Opens a Storage from a Designate `[storage:sqlalchemy] connection` style URL:
//   sqlite:///relative/file.db   sqlite:////absolute/file.db   (SQLAlchemy: three slashes then the path)
//   sqlite://  sqlite://:memory:  sqlite:///:memory:            (in-memory)
//   mysql+pymysql://user:pass@host:3306/designate?charset=utf8mb4   mysql://…   mariadb://…
// MySQL query options: connection_limit (or max_pool_size), queue_limit (or max_overflow), unix_socket,
// statement_timeout_ms (default 5000: a statement, or the wait for a connection, that takes longer fails
// with UnavailableError, so a stalled server gives callers a 503, not a hang).
// Errors show the URL with its password masked.
import { MysqlStorage, type MysqlOptions } from './mysql.ts';
import { SqliteStorage } from './sqlite.ts';
import { StorageError, type Storage } from './storage.ts';

export interface OpenOptions {
  connectionLimit?: number;
  queueLimit?: number;
  busyTimeout?: number;
}

/** The URL with any password replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

export type ParsedUrl =
  | { engine: 'sqlite'; path: string }
  | { engine: 'mysql'; options: MysqlOptions };

export function parseStorageUrl(url: string): ParsedUrl {
  const shown = redactUrl(url);
  const scheme = /^([a-z0-9+.-]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (!scheme) throw new StorageError(`not a storage URL: ${shown}`);
  const dialect = scheme.split('+')[0];
  if (dialect === 'sqlite') {
    const rest = url.slice(scheme.length + 3);
    if (rest === '' || rest === ':memory:' || rest === '/:memory:') return { engine: 'sqlite', path: ':memory:' };
    if (!rest.startsWith('/')) throw new StorageError(`sqlite URL needs three slashes (sqlite:///file.db): ${shown}`);
    const path = decodeURIComponent(rest.slice(1).split('?')[0]);
    if (!path) throw new StorageError(`sqlite URL has no path: ${shown}`);
    return { engine: 'sqlite', path };
  }
  if (dialect === 'mysql' || dialect === 'mariadb') {
    let parsed: URL;
    try {
      parsed = new URL(`mysql://${url.slice(scheme.length + 3)}`);
    } catch {
      throw new StorageError(`invalid storage URL: ${shown}`);
    }
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    if (!database) throw new StorageError(`storage URL names no database: ${shown}`);
    const q = parsed.searchParams;
    const int = (...names: string[]): number | undefined => {
      for (const name of names) {
        const value = q.get(name);
        if (value === null) continue;
        const n = Number(value);
        if (!Number.isSafeInteger(n) || n < 0) throw new StorageError(`${name} must be a non-negative integer: ${shown}`);
        return n;
      }
      return undefined;
    };
    return {
      engine: 'mysql',
      options: {
        host: parsed.hostname || 'localhost',
        port: parsed.port ? Number(parsed.port) : 3306,
        user: decodeURIComponent(parsed.username) || 'root',
        password: decodeURIComponent(parsed.password),
        database,
        socketPath: q.get('unix_socket') ?? undefined,
        connectionLimit: int('connection_limit', 'max_pool_size'),
        queueLimit: int('queue_limit', 'max_overflow'),
        statementTimeoutMs: int('statement_timeout_ms'),
        label: shown,
      },
    };
  }
  throw new StorageError(`unsupported storage engine "${scheme}" in ${shown} (use sqlite:/// or mysql+pymysql://)`);
}

export async function openStorage(url: string, options: OpenOptions = {}): Promise<Storage> {
  const parsed = parseStorageUrl(url);
  if (parsed.engine === 'sqlite') {
    try {
      return new SqliteStorage({ path: parsed.path, busyTimeout: options.busyTimeout });
    } catch (err) {
      throw new StorageError(`cannot open ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
    }
  }
  return MysqlStorage.open({
    ...parsed.options,
    connectionLimit: options.connectionLimit ?? parsed.options.connectionLimit,
    queueLimit: options.queueLimit ?? parsed.options.queueLimit,
  });
}

/** `zonecast manage db-sync`: applies pending migrations and returns the schema version. */
export async function dbSync(url: string): Promise<number> {
  const storage = await openStorage(url);
  try {
    return await storage.migrate();
  } finally {
    await storage.close();
  }
}
