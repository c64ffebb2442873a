// `zonecast manage db-sync` as an operator runs it: the real command line, against a SQLite file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../bin/zonecast.ts');

test('db-sync creates the schema, a second run changes nothing, errors hide passwords', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-dbsync-'));
  try {
    const url = `sqlite:///${join(dir, 'z.db')}`;
    for (let i = 0; i < 2; i++) {
      const { stdout } = await run(process.execPath, [CLI, 'manage', 'db-sync', '--connection', url]);
      assert.match(stdout, /schema at version \d+/);
    }
    const bad = await run(process.execPath, [CLI, 'manage', 'db-sync', '--connection', 'mysql://admin:s3cret@127.0.0.1:1/none'])
      .then(() => null, (err: { stderr: string; code: number }) => err);
    assert.ok(bad, 'an unreachable database fails the command');
    assert.is(bad!.code, 2);
    assert.not.match(bad!.stderr, /s3cret/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
