// The storage suite on MariaDB/MySQL, in a scratch database per run (dropped afterwards). Under CI=true
// an unreachable server fails the suite; elsewhere it is skipped with a notice.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStorage } from '../../services/storage/open.ts';
import { createScratchDatabase, mariadbUnavailable, MYSQL_URL } from '../helpers/mariadb.ts';
import { storageSuite } from './suite.ts';

const why = await mariadbUnavailable();
if (why === null) {
  storageSuite('mysql', async () => {
    const db = await createScratchDatabase();
    try {
      const storage = await openStorage(db.url, { connectionLimit: 8, queueLimit: 100 });
      return { storage, cleanup: db.drop };
    } catch (err) {
      await db.drop();
      throw err;
    }
  });
} else if (process.env.CI === 'true') {
  const t = suite('storage:mysql');
  t('MariaDB is reachable', () => {
    assert.unreachable(`MariaDB at ${MYSQL_URL.replace(/:[^:@/]*@/, ':***@')} is unreachable: ${why}`);
  });
  t.run();
} else {
  console.log(`storage:mysql skipped: MariaDB at ${MYSQL_URL.replace(/:[^:@/]*@/, ':***@')} is unreachable (${why})`);
}
