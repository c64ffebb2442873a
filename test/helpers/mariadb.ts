// A scratch MariaDB/MySQL database per test run: `zonecast_test_<pid>_<random>`, dropped afterwards.
// The server comes from ZONECAST_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306/test).
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { parseStorageUrl } from '../../services/storage/open.ts';

export const MYSQL_URL = process.env.ZONECAST_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

export interface ScratchDatabase {
  name: string;
  /** The storage URL of the scratch database. */
  url: string;
  drop(): Promise<void>;
}

function server() {
  const parsed = parseStorageUrl(MYSQL_URL);
  if (parsed.engine !== 'mysql') throw new Error(`ZONECAST_TEST_MYSQL_URL is not a MySQL URL`);
  const o = parsed.options;
  return { host: o.host, port: o.port, user: o.user, password: o.password, database: o.database, socketPath: o.socketPath };
}

async function admin<T>(fn: (conn: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
  const conn = await createConnection({ ...server(), connectTimeout: 3000 });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

/** Null when the server answers, else why it does not. */
export async function mariadbUnavailable(): Promise<string | null> {
  try {
    await admin((conn) => conn.query('SELECT 1'));
    return null;
  } catch (err) {
    return `${(err as Error).message || (err as { code?: string }).code || String(err)}`;
  }
}

export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `zonecast_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((conn) => conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`));
  const base = new URL(MYSQL_URL.replace(/^[a-z0-9+.-]+:\/\//i, 'mysql://'));
  base.pathname = `/${name}`;
  return {
    name,
    url: base.toString(),
    drop: () => admin((conn) => conn.query(`DROP DATABASE IF EXISTS \`${name}\``)).then(() => undefined),
  };
}
