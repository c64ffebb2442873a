// openStorage/dbSync: Designate-style URLs, password-free errors, concurrent db-sync, the MySQL pool's
// queue limit.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dbSync, openStorage, parseStorageUrl, redactUrl } from '../../services/storage/open.ts';
import { LATEST_VERSION } from '../../services/storage/schema.ts';
import { StorageError, UnavailableError } from '../../services/storage/storage.ts';
import { createScratchDatabase, mariadbUnavailable } from '../helpers/mariadb.ts';

const t = suite('storage:open');

t('parses Designate connection URLs', () => {
  assert.equal(parseStorageUrl('sqlite:///var/lib/zonecast.db'), { engine: 'sqlite', path: 'var/lib/zonecast.db' });
  assert.equal(parseStorageUrl('sqlite:////var/lib/zonecast.db'), { engine: 'sqlite', path: '/var/lib/zonecast.db' });
  assert.equal(parseStorageUrl('sqlite://:memory:'), { engine: 'sqlite', path: ':memory:' });
  assert.equal(parseStorageUrl('sqlite://'), { engine: 'sqlite', path: ':memory:' });
  const m = parseStorageUrl('mysql+pymysql://designate:s%40cret@db.example:3307/designate?charset=utf8mb4&max_pool_size=4&queue_limit=9');
  assert.ok(m.engine === 'mysql');
  if (m.engine !== 'mysql') return;
  assert.is(m.options.host, 'db.example');
  assert.is(m.options.port, 3307);
  assert.is(m.options.user, 'designate');
  assert.is(m.options.password, 's@cret');
  assert.is(m.options.database, 'designate');
  assert.is(m.options.connectionLimit, 4);
  assert.is(m.options.queueLimit, 9);
  assert.not.ok(m.options.label!.includes('cret'));
  const plain = parseStorageUrl('mysql://root@127.0.0.1/test');
  assert.ok(plain.engine === 'mysql' && plain.options.port === 3306 && plain.options.password === '');
});

t('errors name the URL without the password', async () => {
  assert.is(redactUrl('mysql+pymysql://u:hunter2@h:1/db'), 'mysql+pymysql://u:***@h:1/db');
  for (const url of ['postgresql://u:hunter2@h/db', 'mysql://u:hunter2@h:1/', 'sqlite:relative.db']) {
    try {
      await openStorage(url);
      assert.unreachable(url);
    } catch (err) {
      assert.instance(err, StorageError);
      assert.not.ok((err as Error).message.includes('hunter2'), (err as Error).message);
    }
  }
  try {
    await openStorage('mysql+pymysql://root:hunter2@127.0.0.1:1/nowhere');
    assert.unreachable('port 1');
  } catch (err) {
    assert.instance(err, UnavailableError);
    const message = (err as Error).message;
    assert.ok(message.includes('mysql+pymysql://root:***@127.0.0.1:1/nowhere'), message);
    assert.not.ok(message.includes('hunter2'), message);
  }
});

t('dbSync on SQLite: concurrent and repeated runs agree', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-dbsync-'));
  try {
    const url = `sqlite:///${join(dir, 'z.db')}`;
    assert.equal(await Promise.all([dbSync(url), dbSync(url)]), [LATEST_VERSION, LATEST_VERSION]);
    assert.is(await dbSync(url), LATEST_VERSION);
    const memory = await openStorage('sqlite://:memory:');
    assert.is(await memory.migrate(), LATEST_VERSION);
    await memory.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const why = await mariadbUnavailable();
if (why === null) {
  t('dbSync on MySQL: concurrent and repeated runs agree', async () => {
    const db = await createScratchDatabase();
    try {
      assert.equal(await Promise.all([dbSync(db.url), dbSync(db.url)]), [LATEST_VERSION, LATEST_VERSION]);
      assert.is(await dbSync(db.url), LATEST_VERSION);
    } finally {
      await db.drop();
    }
  });

  t('MySQL pool: a full queue raises UnavailableError, the rest complete', async () => {
    const db = await createScratchDatabase();
    const storage = await openStorage(db.url, { connectionLimit: 1, queueLimit: 1 });
    try {
      await storage.migrate();
      const slow = () => storage.transaction(async (tx) => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return tx.findTlds();
      });
      const results = await Promise.allSettled([slow(), slow(), slow()]);
      assert.equal(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected']);
      assert.instance((results[2] as PromiseRejectedResult).reason, UnavailableError);
    } finally {
      await storage.close();
      await db.drop();
    }
  });
} else if (process.env.CI === 'true') {
  t('MariaDB is reachable', () => assert.unreachable(`MariaDB unreachable: ${why}`));
}

t.run();
