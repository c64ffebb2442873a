// The storage suite on SQLite (node:sqlite), in a scratch file per run so WAL mode is exercised.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '../../services/storage/open.ts';
import { storageSuite } from './suite.ts';

storageSuite('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-storage-'));
  const storage = await openStorage(`sqlite:///${join(dir, 'zonecast.db')}`);
  return { storage, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});
