// SQLite keeps the results of plain SELECTs while the database is unchanged (services/storage/sqlite.ts):
// every way the database can change must drop them — a write on the same connection, in or after a
// transaction, a rolled-back one, and a commit by another connection (another process, e.g. zonecast manage).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStorage } from '../../services/storage/sqlite.ts';

interface Ctx {
  dir: string;
  path: string;
  a: SqliteStorage;
  b: SqliteStorage;
}

const t = suite<Ctx>('storage:sqlite kept results');

t.before.each(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-cache-'));
  ctx.path = join(ctx.dir, 'zonecast.db');
  ctx.a = new SqliteStorage({ path: ctx.path });
  await ctx.a.migrate();
  ctx.b = new SqliteStorage({ path: ctx.path });
});
t.after.each(async (ctx) => {
  await ctx.a.close();
  await ctx.b.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

const page = { limit: 50, sortKey: 'name' } as const;
const names = (s: SqliteStorage, tenant = 't1') =>
  s.transaction(async (tx) => {
    const { items, total } = await tx.list('zones', { ...page, visibleToProject: tenant });
    return { names: items.map((z) => z.name), total };
  });

t('a write on the same connection is seen by the next read', async ({ a }) => {
  await a.transaction((tx) => tx.createZone({ name: 'one.example.', tenantId: 't1' }));
  assert.equal(await names(a), { names: ['one.example.'], total: 1 });
  assert.equal(await names(a), { names: ['one.example.'], total: 1 });
  const two = await a.transaction((tx) => tx.createZone({ name: 'two.example.', tenantId: 't1' }));
  assert.equal(await names(a), { names: ['one.example.', 'two.example.'], total: 2 });
  await a.transaction((tx) => tx.updateZone(two.id, { ttl: 42 }));
  assert.is((await a.transaction((tx) => tx.getZone(two.id))).ttl, 42);
  await a.transaction((tx) => tx.softDeleteZone(two.id));
  assert.equal(await names(a), { names: ['one.example.'], total: 1 });
});

t('inside a transaction, reads after a write see it', async ({ a }) => {
  const z = await a.transaction((tx) => tx.createZone({ name: 'in.example.', tenantId: 't1', ttl: 300 }));
  await a.transaction(async (tx) => {
    assert.is((await tx.getZone(z.id)).ttl, 300);
    await tx.updateZone(z.id, { ttl: 600 });
    assert.is((await tx.getZone(z.id)).ttl, 600);
    assert.is((await tx.list('zones', { ...page, where: { ttl: 600 } })).total, 1);
  });
  assert.is((await a.transaction((tx) => tx.getZone(z.id))).ttl, 600);
});

t('a rolled-back write leaves nothing behind', async ({ a }) => {
  const z = await a.transaction((tx) => tx.createZone({ name: 'rb.example.', tenantId: 't1', ttl: 300 }));
  assert.is((await a.transaction((tx) => tx.getZone(z.id))).ttl, 300);
  const failed = await a.transaction(async (tx) => {
    await tx.updateZone(z.id, { ttl: 900 });
    assert.is((await tx.getZone(z.id)).ttl, 900); // read after the write, inside: must not be kept
    throw new Error('roll back');
  }).catch((err: Error) => err.message);
  assert.is(failed, 'roll back');
  assert.is((await a.transaction((tx) => tx.getZone(z.id))).ttl, 300);
  assert.equal(await names(a), { names: ['rb.example.'], total: 1 });
});

t('a commit by another connection is seen by the next transaction', async ({ a, b }) => {
  await a.transaction((tx) => tx.createZone({ name: 'mine.example.', tenantId: 't1' }));
  assert.equal(await names(a), { names: ['mine.example.'], total: 1 });
  const theirs = await b.transaction((tx) => tx.createZone({ name: 'theirs.example.', tenantId: 't1', ttl: 300 }));
  assert.equal(await names(a), { names: ['mine.example.', 'theirs.example.'], total: 2 });
  assert.is((await a.transaction((tx) => tx.getZone(theirs.id))).ttl, 300);
  await b.transaction((tx) => tx.updateZone(theirs.id, { ttl: 60 }));
  assert.is((await a.transaction((tx) => tx.getZone(theirs.id))).ttl, 60);
  await b.transaction((tx) => tx.purgeZone(theirs.id));
  assert.equal(await names(a), { names: ['mine.example.'], total: 1 });
});

t('what a caller gets is its own: changing it changes no later answer', async ({ a }) => {
  const z = await a.transaction((tx) => tx.createZone({ name: 'own.example.', tenantId: 't1' }));
  const first = await a.transaction((tx) => tx.list('zones', page));
  first.items.length = 0;
  const again = await a.transaction((tx) => tx.getZone(z.id));
  again.name = 'changed.example.';
  again.createdAt.setTime(0);
  const later = await a.transaction((tx) => tx.list('zones', page));
  assert.equal(later.items.map((i) => i.name), ['own.example.']);
  assert.is.not(later.items[0].createdAt.getTime(), 0);
  assert.is((await a.transaction((tx) => tx.getZone(z.id))).name, 'own.example.');
});

t('BLOBs (the IXFR journal) are read afresh, never shared', async ({ a }) => {
  const z = await a.transaction((tx) => tx.createZone({ name: 'blob.example.', tenantId: 't1' }));
  await a.transaction((tx) => tx.appendJournal(z.id, 1, 2, new Uint8Array([1, 2, 3])));
  const [entry] = await a.transaction((tx) => tx.readJournal(z.id, 1));
  entry.data[0] = 99;
  const [again] = await a.transaction((tx) => tx.readJournal(z.id, 1));
  assert.equal([...again.data], [1, 2, 3]);
});

t('parameters that print alike are told apart', async ({ a }) => {
  await a.transaction(async (tx) => {
    await tx.createZone({ name: 'p1.example.', tenantId: 'ab' });
    await tx.createZone({ name: 'p2.example.', tenantId: 'a' });
  });
  assert.equal((await names(a, 'ab')).names, ['p1.example.']);
  assert.equal((await names(a, 'a')).names, ['p2.example.']);
  // One parameter 'a:b' against two parameters 'a', 'b' would collide if joined naively.
  const q = (where: Record<string, string>) => a.transaction((tx) => tx.list('zones', { ...page, where }));
  assert.is((await q({ tenantId: 'a', name: 'p2.example.' })).total, 1);
  assert.is((await q({ tenantId: 'ab', name: 'p2.example.' })).total, 0);
});

t('a schema change by another process (columns in another order) is read right', async ({ a, path }) => {
  const tld = await a.transaction((tx) => tx.createTld('com', 'commercial'));
  assert.is((await a.transaction((tx) => tx.getTld(tld.id))).name, 'com');
  const other = new DatabaseSync(path);
  other.exec('CREATE TABLE tlds_moved AS SELECT description, name, updated_at, created_at, version, id FROM tlds');
  other.exec('DROP TABLE tlds');
  other.exec('ALTER TABLE tlds_moved RENAME TO tlds');
  other.close();
  const again = await a.transaction((tx) => tx.getTld(tld.id));
  assert.is(again.name, 'com');
  assert.is(again.description, 'commercial');
});

t.run();
