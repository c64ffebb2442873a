// `zonecast manage db-sync` as an operator runs it: the real command line, against a SQLite file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

test('db-sync and pool-update on a state_path that does not exist yet create it, as start does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-dbsync-'));
  try {
    const statePath = join(dir, 'not', 'yet');
    const config = join(dir, 'zonecast.conf');
    writeFileSync(config, `[DEFAULT]\nstate_path = ${statePath}\n`);
    const { stdout } = await run(process.execPath, [CLI, 'manage', 'db-sync', '--config', config]);
    assert.match(stdout, /schema at version \d+/);
    assert.ok(existsSync(join(statePath, 'zonecast.db')));
    rmSync(statePath, { recursive: true });
    // pool-update on a missing directory gets as far as the schema check, with its own advice.
    const pools = join(dir, 'pools.yaml');
    writeFileSync(pools, '- name: default\n  ns_records:\n    - hostname: ns1.example.org.\n      priority: 1\n');
    const failed = await run(process.execPath, [CLI, 'manage', 'pool-update', '--config', config, '--file', pools]).then(() => null, (err: { stderr: string }) => err);
    assert.match(failed!.stderr, /run 'zonecast manage db-sync' first/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
