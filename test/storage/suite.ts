// The storage test body, registered once per engine (sqlite.test.ts, mysql.test.ts): both engines must
// behave identically, errors included.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LATEST_VERSION, MIGRATIONS, UNIQUE_CONSTRAINTS } from '../../services/storage/schema.ts';
import {
  ConflictError, DuplicateError, NotFoundError, StorageError, type ListQuery, type ListResource, type Storage, type Tx,
  type Zone, type ZoneCreate,
} from '../../services/storage/storage.ts';

export interface Opened {
  storage: Storage;
  /** Closes nothing: drops the scratch database or removes files after the storage is closed. */
  cleanup(): Promise<void>;
}

interface Ctx { opened: Opened; s: Storage }

async function rejects<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof type) return err;
    throw new assert.Assertion({ message: `expected ${type.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`, operator: 'rejects', expects: type.name, actual: err });
  }
  throw new assert.Assertion({ message: `expected ${type.name}, got success`, operator: 'rejects', expects: type.name, actual: 'resolved' });
}

const OTHER_POOL = '11111111-2222-3333-4444-555555555555';
const NO_SUCH_ID = '00000000-0000-0000-0000-000000000000';

/** Walks every page of a list; returns the ids in order and every total reported on the way. */
async function walk(s: Storage, resource: ListResource, query: Omit<ListQuery, 'limit' | 'marker'>, limit: number) {
  const ids: string[] = [];
  const totals = new Set<number>();
  let marker: string | undefined;
  for (let pages = 1; ; pages++) {
    if (pages > 1000) assert.unreachable('paging does not end');
    const page = await s.transaction((tx) => tx.list(resource, { ...query, limit, marker }));
    totals.add(page.total);
    ids.push(...page.items.map((item) => item.id));
    if (page.items.length < limit) return { ids, totals: [...totals] };
    marker = ids[ids.length - 1];
  }
}

/** The ids in SQL order: by value (NULLs first), then id; descending is the exact reverse. */
function ordered<T extends { id: string }>(rows: T[], value: (row: T) => unknown, desc: boolean): string[] {
  const norm = (v: unknown) => (v instanceof Date ? v.getTime() : v) as string | number | null;
  const sorted = [...rows].sort((a, b) => {
    const x = norm(value(a));
    const y = norm(value(b));
    if (x === y) return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  });
  if (desc) sorted.reverse();
  return sorted.map((r) => r.id);
}

export function storageSuite(name: string, open: () => Promise<Opened>): void {
  const t = suite<Ctx>(`storage:${name}`);

  t.before(async (ctx) => {
    ctx.opened = await open();
    ctx.s = ctx.opened.storage;
  });
  t.after(async (ctx) => {
    await ctx.s?.close();
    await ctx.opened?.cleanup();
  });

  const zone = (ctx: Ctx, zoneName: string, extra: Partial<ZoneCreate> = {}) =>
    ctx.s.transaction((tx) => tx.createZone({ name: zoneName, email: 'admin@example.org', tenantId: 'tenant-a', ...extra }));

  t('migrations are idempotent and versioned', async (ctx) => {
    assert.is(await ctx.s.version(), 0);
    assert.is(await ctx.s.migrate(), LATEST_VERSION);
    assert.is(await ctx.s.migrate(), LATEST_VERSION);
    assert.is(await ctx.s.version(), LATEST_VERSION);
    assert.equal(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
    const ddl = MIGRATIONS.flatMap((m) => m.statements).join('\n');
    for (const u of UNIQUE_CONSTRAINTS) assert.ok(ddl.includes(`CONSTRAINT ${u.name} UNIQUE`), u.name);
    assert.is(ctx.s.engine, name);
  });

  t('zones: create, get, update with version bump, optimistic conflict', async (ctx) => {
    const z = await ctx.s.transaction((tx) => tx.createZone({
      name: 'crud.example.', email: 'a@crud.example', tenantId: 't1', ttl: 300,
      masters: [{ host: '2001:db8:ffff:ffff:ffff:ffff:ffff:1', port: 53 }], attributes: { tier: 'gold' },
    }));
    assert.is(z.version, 1);
    assert.is(z.deleted, '0');
    assert.is(z.status, 'PENDING');
    assert.is(z.reverseName, '.elpmaxe.durc');
    assert.ok(z.shard >= 0 && z.shard < 4096);
    assert.ok(z.createdAt instanceof Date && Math.abs(z.createdAt.getTime() - Date.now()) < 60_000);
    await ctx.s.transaction(async (tx) => {
      assert.equal(await tx.getZone(z.id), z);
      assert.equal(await tx.getZoneByName('crud.example.'), z);
      assert.equal(await tx.zoneMasters(z.id), [{ host: '2001:db8:ffff:ffff:ffff:ffff:ffff:1', port: 53 }]);
      assert.equal(await tx.zoneAttributes(z.id), { tier: 'gold' });
      const u = await tx.updateZone(z.id, { serial: 4294967295, incrementSerial: true, status: 'ACTIVE' }, 1);
      assert.is(u.version, 2);
      assert.is(u.serial, 4294967295);
      assert.is(u.incrementSerial, true);
      assert.ok(u.updatedAt instanceof Date);
      await rejects(tx.updateZone(z.id, { ttl: 1 }, 1), ConflictError);
      await rejects(tx.updateZone('00000000-0000-0000-0000-000000000000', { ttl: 1 }), NotFoundError);
      await rejects(tx.getZone('00000000-0000-0000-0000-000000000000'), NotFoundError);
      await rejects(tx.getZoneByName('nope.example.'), NotFoundError);
    });
  });

  t('zones: duplicates per pool, soft delete frees the name', async (ctx) => {
    const first = await zone(ctx, 'dup.example.');
    const dup = await rejects(zone(ctx, 'dup.example.'), DuplicateError);
    assert.is(dup.field, 'name');
    assert.is(dup.table, 'zones');
    const other = await zone(ctx, 'dup.example.', { poolId: OTHER_POOL });
    assert.is(other.poolId, OTHER_POOL);
    const deleted = await ctx.s.transaction((tx) => tx.softDeleteZone(first.id));
    assert.is(deleted.deleted, first.id);
    assert.is(deleted.status, 'DELETED');
    assert.ok(deleted.deletedAt instanceof Date);
    await rejects(ctx.s.transaction((tx) => tx.getZone(first.id)), NotFoundError);
    await rejects(ctx.s.transaction((tx) => tx.softDeleteZone(first.id)), NotFoundError);
    const again = await zone(ctx, 'dup.example.');
    assert.is.not(again.id, first.id);
    const found = await ctx.s.transaction((tx) => tx.findZones({ name: 'dup.example.' }));
    assert.equal(found.items.map((z) => z.id).sort(), [again.id, other.id].sort());
    const all = await ctx.s.transaction((tx) => tx.findZones({ name: 'dup.example.', includeDeleted: true }));
    assert.is(all.items.length, 3);
    assert.is((await ctx.s.transaction((tx) => tx.getZoneByName('dup.example.', OTHER_POOL))).id, other.id);
  });

  t('zones: masters replaced as a whole, other zones untouched', async (ctx) => {
    const a = await zone(ctx, 'remaster-a.example.', { type: 'SECONDARY', masters: [{ host: '192.0.2.1', port: 53 }, { host: '192.0.2.2', port: 53 }] });
    const b = await zone(ctx, 'remaster-b.example.', { type: 'SECONDARY', masters: [{ host: '192.0.2.1', port: 53 }] });
    await ctx.s.transaction((tx) => tx.replaceZoneMasters(a.id, [{ host: '192.0.2.2', port: 53 }, { host: '2001:db8::9', port: 5354 }]));
    await ctx.s.transaction(async (tx) => {
      const masters = (await tx.zoneMasters(a.id)).map((m) => `${m.host} ${m.port}`).sort();
      assert.equal(masters, ['192.0.2.2 53', '2001:db8::9 5354'], 'a master kept in the new list is not a duplicate');
      assert.equal((await tx.zoneExtras([b.id])).get(b.id)!.masters, [{ host: '192.0.2.1', port: 53 }]);
    });
  });

  t('zones: criterion and keyset paging', async (ctx) => {
    const ids: string[] = [];
    await ctx.s.transaction(async (tx) => {
      for (let i = 0; i < 25; i++) ids.push((await tx.createZone({ name: `page${i}.example.`, tenantId: 'pager' })).id);
    });
    const seen: Zone[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const result = await ctx.s.transaction((tx) => tx.findZones({ tenantId: 'pager' }, { limit: 10, marker }));
      seen.push(...result.items);
      marker = result.next;
      pages++;
    } while (marker);
    assert.is(pages, 3);
    assert.equal(seen.map((z) => z.id), [...ids].sort());
    const none = await ctx.s.transaction((tx) => tx.findZones({ tenantId: 'pager', status: 'ACTIVE' }));
    assert.is(none.items.length, 0);
  });

  t('recordsets and records', async (ctx) => {
    const z = await zone(ctx, 'rrs.example.');
    const rs = await ctx.s.transaction((tx) => tx.createRecordset({
      zoneId: z.id, name: 'www.rrs.example.', type: 'A', ttl: 60,
      records: [{ data: '192.0.2.1' }, { data: '192.0.2.2', managed: true, managedPluginName: 'sink' }],
    }));
    assert.is(rs.tenantId, 'tenant-a');
    assert.is(rs.zoneShard, z.shard);
    const dup = await rejects(ctx.s.transaction((tx) => tx.createRecordset({ zoneId: z.id, name: 'www.rrs.example.', type: 'A' })), DuplicateError);
    assert.is(dup.field, 'name');
    await rejects(ctx.s.transaction((tx) => tx.createRecordset({ zoneId: '00000000-0000-0000-0000-000000000000', name: 'x.', type: 'A' })), NotFoundError);
    await ctx.s.transaction(async (tx) => {
      const before = await tx.listRecords(rs.id);
      assert.equal(before.map((r) => r.data).sort(), ['192.0.2.1', '192.0.2.2']);
      assert.is(before.find((r) => r.data === '192.0.2.2')!.managed, true);
      const after = await tx.replaceRecords(rs.id, [{ data: '192.0.2.2' }, { data: '192.0.2.3' }]);
      assert.equal(after.map((r) => r.data).sort(), ['192.0.2.2', '192.0.2.3']);
      // Unchanged rdata keeps its row.
      assert.is(after.find((r) => r.data === '192.0.2.2')!.id, before.find((r) => r.data === '192.0.2.2')!.id);
      assert.is((await tx.getRecordset(rs.id)).version, 2);
      const d = await rejects(tx.replaceRecords(rs.id, [{ data: 'x' }, { data: 'x' }]), DuplicateError);
      assert.is(d.field, 'data');
      await tx.createRecordset({ zoneId: z.id, name: 'www.rrs.example.', type: 'AAAA', records: [{ data: '2001:db8::1' }] });
      await tx.createRecordset({ zoneId: z.id, name: 'mail.rrs.example.', type: 'MX', records: [{ data: '10 mx.rrs.example.' }] });
      assert.is((await tx.findRecordsets(z.id)).items.length, 3);
      assert.is((await tx.findRecordsets(z.id, { name: 'www.rrs.example.' })).items.length, 2);
      assert.equal((await tx.findRecordsets(z.id, { type: 'MX' })).items.map((r) => r.name), ['mail.rrs.example.']);
      const p1 = await tx.findRecordsets(z.id, {}, { limit: 2 });
      assert.is(p1.items.length, 2);
      const p2 = await tx.findRecordsets(z.id, {}, { limit: 2, marker: p1.next });
      assert.is(p2.items.length, 1);
      assert.is(p2.next, undefined);
      const u = await tx.updateRecordset(rs.id, { ttl: null, description: 'web' }, 2);
      assert.is(u.ttl, null);
      assert.is(u.version, 3);
      await rejects(tx.updateRecordset(rs.id, { ttl: 5 }, 2), ConflictError);
      const rows = await tx.zoneRecords(z.id, '', 100);
      assert.is(rows.length, 4);
      const mx = rows.find((r) => r.type === 'MX')!;
      assert.equal(mx, { id: mx.id, recordsetId: mx.recordsetId, name: 'mail.rrs.example.', type: 'MX', ttl: null, data: '10 mx.rrs.example.' });
      assert.is((await tx.getRecordset(mx.recordsetId)).name, 'mail.rrs.example.');
      await tx.deleteRecordset(rs.id);
      await rejects(tx.getRecordset(rs.id), NotFoundError);
      await rejects(tx.deleteRecordset(rs.id), NotFoundError);
      assert.is(await tx.countZoneRecords(z.id), 2);
      await tx.purgeZone(z.id);
      assert.is(await tx.countZoneRecords(z.id), 0);
      assert.is((await tx.findRecordsets(z.id)).items.length, 0);
    });
  });

  t('createRecordsets writes many recordsets with their records as createRecordset does, or none', async (ctx) => {
    const z = await zone(ctx, 'bulk.example.');
    // More than one statement's worth of recordsets and of records.
    const inputs = Array.from({ length: 1203 }, (_, i) => ({
      name: `h${i}.bulk.example.`, type: 'A', ttl: i % 2 ? 60 : null,
      records: i % 3 ? [{ data: `10.1.${i >> 8}.${i & 255}`, status: 'PENDING' as const, serial: 7 }] : [{ data: '192.0.2.1' }, { data: '192.0.2.2' }],
    }));
    await ctx.s.transaction((tx) => tx.createRecordsets(z.id, inputs));
    await ctx.s.transaction(async (tx) => {
      assert.is(await tx.countRecordsets(z.id), 1203);
      assert.is(await tx.countZoneRecords(z.id), 1203 + 401);
      const one = await tx.getRecordsetByName(z.id, 'h4.bulk.example.', 'A');
      assert.equal([one.tenantId, one.zoneShard, one.ttl, one.version], ['tenant-a', z.shard, null, 1]);
      assert.equal((await tx.listRecords(one.id)).map((r) => [r.data, r.status, r.serial]), [['10.1.0.4', 'PENDING', 7]]);
      const two = await tx.getRecordsetByName(z.id, 'h3.bulk.example.', 'A');
      assert.equal((await tx.listRecords(two.id)).map((r) => r.data).sort(), ['192.0.2.1', '192.0.2.2']);
    });
    // A recordset already there fails the whole call, in the caller's transaction.
    await rejects(ctx.s.transaction((tx) => tx.createRecordsets(z.id, [{ name: 'new.bulk.example.', type: 'A' }, { name: 'h0.bulk.example.', type: 'A' }])), DuplicateError);
    await rejects(ctx.s.transaction((tx) => tx.getRecordsetByName(z.id, 'new.bulk.example.', 'A')), NotFoundError);
  });

  t('keyset pages over 10,000 records return each exactly once', async (ctx) => {
    const z = await zone(ctx, 'big.example.');
    await ctx.s.transaction(async (tx) => {
      for (let i = 0; i < 100; i++) {
        const records = Array.from({ length: 100 }, (_, j) => ({ data: `10.0.${i}.${j}` }));
        await tx.createRecordset({ zoneId: z.id, name: `h${i}.big.example.`, type: 'A', ttl: 30, records });
      }
    });
    assert.is(await ctx.s.transaction((tx) => tx.countZoneRecords(z.id)), 10_000);
    const seen = new Set<string>();
    const data = new Set<string>();
    let after = '';
    let pages = 0;
    for (;;) {
      const rows = await ctx.s.transaction((tx) => tx.zoneRecords(z.id, after, 777));
      if (rows.length === 0) break;
      pages++;
      for (const r of rows) {
        assert.ok(r.id > after, 'ids ascend');
        assert.not.ok(seen.has(r.id), 'no repeats');
        seen.add(r.id);
        data.add(`${r.name} ${r.data}`);
        after = r.id;
      }
    }
    assert.is(pages, Math.ceil(10_000 / 777));
    assert.is(seen.size, 10_000);
    assert.is(data.size, 10_000);
    let streamed = 0;
    for await (const rows of ctx.s.streamZoneRecords(z.id, 1000)) streamed += rows.length;
    assert.is(streamed, 10_000);
  });

  t('transactions roll back on error', async (ctx) => {
    const boom = new Error('boom');
    try {
      await ctx.s.transaction(async (tx) => {
        const z = await tx.createZone({ name: 'rollback.example.' });
        await tx.createRecordset({ zoneId: z.id, name: 'a.rollback.example.', type: 'A', records: [{ data: '192.0.2.9' }] });
        throw boom;
      });
      assert.unreachable('should throw');
    } catch (err) {
      assert.is(err, boom);
    }
    await rejects(ctx.s.transaction((tx) => tx.getZoneByName('rollback.example.')), NotFoundError);
    // A failed statement rolls back the earlier ones of the same transaction too.
    await zone(ctx, 'taken.example.');
    await rejects(ctx.s.transaction(async (tx) => {
      await tx.createTld('rolledback');
      await tx.createZone({ name: 'taken.example.' });
    }), DuplicateError);
    const tlds = await ctx.s.transaction((tx) => tx.findTlds());
    assert.not.ok(tlds.items.some((t) => t.name === 'rolledback'));
    // A nested transaction is refused (on SQLite it would wait for itself forever).
    const nested = await rejects(ctx.s.transaction(() => ctx.s.transaction((tx) => tx.findTlds())), Error);
    assert.match(nested.message, /nested transaction/);
    // A transaction object cannot be used after it ended.
    let leaked: Tx | undefined;
    await ctx.s.transaction(async (tx) => { leaked = tx; });
    await rejects(leaked!.findTlds(), Error);
  });

  t('tlds, tsigkeys, pools round trip', async (ctx) => {
    await ctx.s.transaction(async (tx) => {
      const tld = await tx.createTld('org', 'the org tld');
      assert.equal(await tx.getTld(tld.id), tld);
      assert.is((await rejects(tx.createTld('org'), DuplicateError)).field, 'name');
    });
    await ctx.s.transaction(async (tx) => {
      const tlds = await tx.findTlds();
      assert.ok(tlds.items.some((t) => t.name === 'org'));
      const tld = tlds.items.find((t) => t.name === 'org')!;
      await tx.deleteTld(tld.id);
      await rejects(tx.getTld(tld.id), NotFoundError);

      const key = await tx.createTsigKey({ name: 'pool-key', algorithm: 'hmac-sha256', secret: 'c2VjcmV0', resourceId: OTHER_POOL });
      assert.is(key.scope, 'POOL');
      assert.equal(await tx.getTsigKeyByName('pool-key'), key);
      const u = await tx.updateTsigKey(key.id, { secret: 'bmV3' }, 1);
      assert.is(u.secret, 'bmV3');
      assert.is(u.version, 2);
      await rejects(tx.updateTsigKey(key.id, { secret: 'x' }, 1), ConflictError);
      assert.is((await rejects(tx.createTsigKey({ name: 'pool-key', algorithm: 'hmac-md5', secret: 's', resourceId: OTHER_POOL }), DuplicateError)).field, 'name');

      const pool = await tx.createPool({
        id: OTHER_POOL, name: 'secondary', description: 'second pool', attributes: { region: 'eu' },
        nsRecords: [{ hostname: 'ns2.example.org.', priority: 2 }, { hostname: 'ns1.example.org.', priority: 1 }],
        nameservers: [{ host: '192.0.2.53', port: 53, tsigkeyId: key.id }],
        targets: [{ type: 'bind9', description: 'b', tsigkeyId: key.id, masters: [{ host: '127.0.0.1', port: 5354 }], options: { rndc_host: '127.0.0.1', rndc_port: '953' } }],
        alsoNotifies: [{ host: '2001:db8::53', port: 53 }],
      });
      assert.is(pool.id, OTHER_POOL);
      assert.equal(pool.attributes, { region: 'eu' });
      assert.equal(pool.nsRecords, [{ hostname: 'ns1.example.org.', priority: 1 }, { hostname: 'ns2.example.org.', priority: 2 }]);
      assert.equal(await tx.poolNsRecords(pool.id), pool.nsRecords, 'the NS records alone, in the same order');
      assert.equal(pool.nameservers, [{ host: '192.0.2.53', port: 53, tsigkeyId: key.id }]);
      assert.is(pool.targets.length, 1);
      assert.equal(pool.targets[0].masters, [{ host: '127.0.0.1', port: 5354 }]);
      assert.equal(pool.targets[0].options, { rndc_host: '127.0.0.1', rndc_port: '953' });
      assert.equal(pool.alsoNotifies, [{ host: '2001:db8::53', port: 53 }]);
      assert.equal(await tx.getPool(OTHER_POOL), pool);
      assert.equal((await tx.findPools()).map((p) => p.name), ['secondary']);
      assert.is((await rejects(tx.createPool({ name: 'secondary' }), DuplicateError)).field, 'name');
      // Deleting the key detaches it from the pool instead of failing.
      await tx.deleteTsigKey(key.id);
      assert.is((await tx.getPool(OTHER_POOL)).nameservers[0].tsigkeyId, null);
      await tx.deletePool(OTHER_POOL);
      await rejects(tx.getPool(OTHER_POOL), NotFoundError);
    });
  });

  t('quotas and service statuses', async (ctx) => {
    await ctx.s.transaction(async (tx) => {
      await tx.setQuota('t9', 'zones', 5);
      await tx.setQuota('t9', 'zones', 7);
      await tx.setQuota('t9', 'zone_records', -1);
      assert.equal(await tx.getQuotas('t9'), { zone_records: -1, zones: 7 });
      await tx.resetQuotas('t9');
      assert.equal(await tx.getQuotas('t9'), {});
      const beat = new Date('2026-01-02T03:04:05.678Z');
      const a = await tx.updateServiceStatus({ serviceName: 'mdns', hostname: 'h1', status: 'UP', heartbeatedAt: beat, stats: { zones: 3 } });
      assert.is(a.version, 1);
      assert.equal(a.heartbeatedAt, beat);
      assert.equal(a.stats, { zones: 3 });
      const b = await tx.updateServiceStatus({ serviceName: 'mdns', hostname: 'h1', status: 'STOPPED', capabilities: { ixfr: true } });
      assert.is(b.id, a.id);
      assert.is(b.version, 2);
      assert.is(b.status, 'STOPPED');
      assert.equal(b.capabilities, { ixfr: true });
      assert.is((await tx.findServiceStatuses()).length, 1);
    });
  });

  t('blacklists, shared zones, transfers, zone tasks', async (ctx) => {
    const z = await zone(ctx, 'misc.example.');
    await ctx.s.transaction(async (tx) => {
      const b = await tx.createBlacklist('^evil\\.', 'no evil');
      assert.is((await rejects(tx.createBlacklist('^evil\\.'), DuplicateError)).field, 'pattern');
      assert.equal(await tx.findBlacklists(), [b]);
      await tx.deleteBlacklist(b.id);
      assert.equal(await tx.findBlacklists(), []);

      const share = await tx.shareZone(z.id, 'tenant-a', 'tenant-b');
      assert.is((await rejects(tx.shareZone(z.id, 'tenant-a', 'tenant-b'), DuplicateError)).field, 'target_project_id');
      assert.equal(await tx.findSharedZones(z.id), [share]);
      await tx.unshareZone(share.id);
      assert.equal(await tx.findSharedZones(z.id), []);

      const req = await tx.createTransferRequest({ zoneId: z.id, key: 'ABCD1234', tenantId: 'tenant-a', targetTenantId: 'tenant-b' });
      assert.is(req.status, 'ACTIVE');
      const acc = await tx.createTransferAccept({ zoneTransferRequestId: req.id, tenantId: 'tenant-b', zoneId: z.id });
      assert.is((await tx.updateTransferRequestStatus(req.id, 'COMPLETE')).status, 'COMPLETE');
      const done = await tx.updateTransferAcceptStatus(acc.id, 'COMPLETE');
      assert.is(done.version, 2);
      assert.equal(await tx.getTransferAccept(acc.id), done);

      const imp = await tx.createZoneTask({ taskType: 'IMPORT', tenantId: 'tenant-a' });
      const exp = await tx.createZoneTask({ taskType: 'EXPORT', tenantId: 'tenant-a', zoneId: z.id });
      assert.is(imp.status, 'PENDING');
      const fin = await tx.updateZoneTask(imp.id, { status: 'COMPLETE', zoneId: z.id, message: 'imported' }, 1);
      assert.is(fin.zoneId, z.id);
      await rejects(tx.updateZoneTask(imp.id, { status: 'ERROR' }, 1), ConflictError);
      assert.equal((await tx.findZoneTasks({ taskType: 'EXPORT' })).items, [exp]);
      assert.is((await tx.findZoneTasks({ tenantId: 'tenant-a' })).items.length, 2);
      await tx.deleteZoneTask(exp.id);
      await rejects(tx.getZoneTask(exp.id), NotFoundError);
    });
  });

  t('zone journal append, read, trim', async (ctx) => {
    const z = await zone(ctx, 'journal.example.');
    await ctx.s.transaction(async (tx) => {
      const payload = (n: number) => new Uint8Array([0, n, 255, n]);
      for (let serial = 4294967293; serial < 4294967293 + 5; serial++) {
        const from = serial % 2 ** 32;
        const to = (serial + 1) % 2 ** 32;
        const e = await tx.appendJournal(z.id, from, to, payload(from % 256));
        assert.ok(Buffer.isBuffer(e.data));
      }
      // Serials wrap: 4294967293 → 4294967294 → 4294967295 → 0 → 1 → 2.
      const chain = await tx.readJournal(z.id, 4294967294);
      assert.equal(chain.map((e) => [e.fromSerial, e.toSerial]), [[4294967294, 4294967295], [4294967295, 0], [0, 1], [1, 2]]);
      assert.ok(Buffer.from([0, 0, 255, 0]).equals(chain[2].data));
      assert.ok(chain[0].createdAt instanceof Date);
      assert.equal(await tx.readJournal(z.id, 77), []);
      assert.is(await tx.trimJournal(z.id, 2), 3);
      assert.equal(await tx.readJournal(z.id, 4294967294), []);
      assert.equal((await tx.readJournal(z.id, 0)).map((e) => e.toSerial), [1, 2]);
      assert.is(await tx.trimJournal(z.id, 2), 0);
      await rejects(tx.appendJournal('00000000-0000-0000-0000-000000000000', 1, 2, new Uint8Array(1)), NotFoundError);
    });
  });

  t('list: keyset pages in every sort order, equal values tie-broken by id', async (ctx) => {
    const zones = await ctx.s.transaction(async (tx) => {
      const out: Zone[] = [];
      // Few distinct ttls and descriptions (some NULL), and rows created within the same millisecond.
      for (let i = 0; i < 13; i++) {
        out.push(await tx.createZone({
          name: `sort${i}.lists.`, tenantId: 'sorter', ttl: 300 * (i % 3), description: i % 4 === 0 ? null : `d${i % 2}`,
        }));
      }
      return out;
    });
    const keys: [string, (z: Zone) => unknown][] = [
      ['createdAt', (z) => z.createdAt], ['ttl', (z) => z.ttl], ['name', (z) => z.name], ['description', (z) => z.description],
      ['id', (z) => z.id],
    ];
    for (const [sortKey, value] of keys) {
      for (const sortDir of ['asc', 'desc'] as const) {
        for (const limit of [1, 4, 13]) {
          const { ids, totals } = await walk(ctx.s, 'zones', { where: { tenantId: 'sorter' }, sortKey, sortDir }, limit);
          assert.equal(ids, ordered(zones, value, sortDir === 'desc'), `${sortKey} ${sortDir} by ${limit}`);
          assert.equal(totals, [13]);
        }
      }
    }
    // The default order is createdAt ascending.
    const first = await ctx.s.transaction((tx) => tx.list('zones', { where: { tenantId: 'sorter' }, limit: 13 }));
    assert.equal(first.items.map((z) => z.id), ordered(zones, (z) => z.createdAt, false));
    assert.equal(first.items[0], zones.find((z) => z.id === first.items[0].id));
  });

  t('list: where equality, IN, NULL, booleans; totals ignore marker and limit; soft-deleted zones never listed', async (ctx) => {
    const made = await ctx.s.transaction(async (tx) => {
      const a = await tx.createZone({ name: 'a.where.', tenantId: 'wherer', type: 'PRIMARY', description: 'x' });
      const b = await tx.createZone({ name: 'b.where.', tenantId: 'wherer', type: 'SECONDARY', description: null });
      const c = await tx.createZone({ name: 'c.where.', tenantId: 'wherer', type: 'CATALOG', description: 'y' });
      await tx.updateZone(c.id, { incrementSerial: true });
      const gone = await tx.createZone({ name: 'gone.where.', tenantId: 'wherer' });
      await tx.softDeleteZone(gone.id);
      return { a, b, c, gone };
    });
    await ctx.s.transaction(async (tx) => {
      const ids = async (query: Omit<ListQuery, 'limit'>, limit = 50) =>
        (await tx.list('zones', { ...query, where: { tenantId: 'wherer', ...query.where }, limit })).items.map((z) => z.name).sort();
      assert.equal(await ids({}), ['a.where.', 'b.where.', 'c.where.']);
      assert.equal(await ids({ where: { type: ['PRIMARY', 'CATALOG'] } }), ['a.where.', 'c.where.']);
      assert.equal(await ids({ where: { type: [] } }), []);
      assert.equal(await ids({ where: { description: null } }), ['b.where.']);
      assert.equal(await ids({ where: { incrementSerial: true } }), ['c.where.']);
      assert.equal(await ids({ where: { incrementSerial: false, status: 'PENDING' } }), ['a.where.', 'b.where.']);
      assert.equal(await ids({ where: { name: 'gone.where.' } }), []);
      const cut = await tx.list('zones', { where: { tenantId: 'wherer' }, limit: 1, sortKey: 'name' });
      assert.equal([cut.items.map((z) => z.name), cut.total], [['a.where.'], 3]);
      const rest = await tx.list('zones', { where: { tenantId: 'wherer' }, limit: 1, sortKey: 'name', marker: cut.items[0].id });
      assert.equal([rest.items.map((z) => z.name), rest.total], [['b.where.'], 3]);
      const err = await rejects(tx.list('zones', { limit: 5, marker: made.gone.id }), NotFoundError);
      assert.equal([err.resource, err.id], ['marker', made.gone.id]);
      assert.is((await rejects(tx.list('zones', { limit: 5, marker: NO_SUCH_ID }), NotFoundError)).resource, 'marker');
      // A marker must be a row of the listed resource.
      assert.is((await rejects(tx.list('tlds', { limit: 5, marker: made.a.id }), NotFoundError)).resource, 'marker');
      assert.equal(await tx.list('zones', { limit: 5, marker: null, where: { name: 'a.where.' } }), { items: [await tx.getZone(made.a.id)], total: 1 });
    });
  });

  t('list: LIKE wildcards, backslash-escaped literals, case-insensitive on both engines', async (ctx) => {
    const descriptions = ['100% sure', '100 percent', 'a_b', 'axb', 'back\\slash', 'MiXeD Case', 'ÜNÏCODE text', 'wow!', 'x!%y'];
    await ctx.s.transaction(async (tx) => {
      for (const [i, description] of descriptions.entries()) await tx.createZone({ name: `like${i}.lists.`, tenantId: 'liker', description });
    });
    await ctx.s.transaction(async (tx) => {
      const like = async (pattern: string) => {
        const page = await tx.list('zones', { where: { tenantId: 'liker' }, like: { description: pattern }, limit: 50 });
        assert.is(page.total, page.items.length);
        return page.items.map((z) => z.description).sort();
      };
      assert.equal(await like('100%'), ['100 percent', '100% sure']);
      assert.equal(await like('100\\%%'), ['100% sure']);
      assert.equal(await like('a_b'), ['a_b', 'axb']);
      assert.equal(await like('a\\_b'), ['a_b']);
      assert.equal(await like('%\\\\%'), ['back\\slash']);
      assert.equal(await like('%mixed%'), ['MiXeD Case']);
      assert.equal(await like('ünï%'), ['ÜNÏCODE text']);
      assert.equal(await like('%!'), ['wow!']);
      assert.equal(await like('x!\\%y'), ['x!%y']);
      assert.equal(await like('nothing%'), []);
      assert.equal((await tx.list('zones', { like: { name: 'like_.lists.' }, limit: 50 })).total, descriptions.length);
    });
  });

  t('list: fields are whitelisted per resource', async (ctx) => {
    await ctx.s.transaction(async (tx) => {
      await rejects(tx.list('tsigkeys', { where: { secret: 'x' }, limit: 5 }), StorageError);
      await rejects(tx.list('transfer_requests', { where: { key: 'ABCD1234' }, limit: 5 }), StorageError);
      await rejects(tx.list('zones', { where: { "name = '' OR 1 = 1 --": 'x' }, limit: 5 }), StorageError);
      await rejects(tx.list('zones', { like: { tenant_id: 'x' }, limit: 5 }), StorageError);
      await rejects(tx.list('zones', { sortKey: 'created_at', limit: 5 }), StorageError);
      await rejects(tx.list('zones', { sortKey: 'name', sortDir: 'sideways' as 'asc', limit: 5 }), StorageError);
      await rejects(tx.list('zones', { where: { deleted: '0' }, limit: 5 }), StorageError);
      await rejects(tx.list('recordsets', { sortKey: 'data', limit: 5 }), StorageError);
      await rejects(tx.list('tlds', { where: { data: 'x' }, limit: 5 }), StorageError);
      await rejects(tx.list('tlds', { visibleToProject: 'p', limit: 5 }), StorageError);
      await rejects(tx.list('zones', { limit: 0 }), StorageError);
      await rejects(tx.list('nope' as ListResource, { limit: 5 }), StorageError);
    });
  });

  t('list: visibleToProject sees own and shared zones, and their recordsets', async (ctx) => {
    const { own, shared, hidden, sharedElsewhere } = await ctx.s.transaction(async (tx) => {
      const own = await tx.createZone({ name: 'own.vis.', tenantId: 'viewer' });
      const shared = await tx.createZone({ name: 'shared.vis.', tenantId: 'vis-owner' });
      const hidden = await tx.createZone({ name: 'hidden.vis.', tenantId: 'vis-owner' });
      const sharedElsewhere = await tx.createZone({ name: 'elsewhere.vis.', tenantId: 'vis-owner' });
      await tx.shareZone(shared.id, 'vis-owner', 'viewer');
      await tx.shareZone(sharedElsewhere.id, 'vis-owner', 'someone-else');
      for (const z of [own, shared, hidden, sharedElsewhere]) {
        await tx.createRecordset({ zoneId: z.id, name: `www.${z.name}`, type: 'A', records: [{ data: '192.0.2.7' }] });
      }
      return { own, shared, hidden, sharedElsewhere };
    });
    await ctx.s.transaction(async (tx) => {
      const names = async (resource: 'zones' | 'recordsets', project: string, where = {}) => {
        const page = await tx.list(resource, { visibleToProject: project, where, like: { name: '%.vis.' }, limit: 50, sortKey: 'name' });
        assert.is(page.total, page.items.length);
        return page.items.map((item) => item.name);
      };
      assert.equal(await names('zones', 'viewer'), ['own.vis.', 'shared.vis.']);
      assert.equal(await names('recordsets', 'viewer'), ['www.own.vis.', 'www.shared.vis.']);
      assert.equal(await names('recordsets', 'viewer', { zoneId: hidden.id }), []);
      assert.equal(await names('recordsets', 'viewer', { zoneId: shared.id }), ['www.shared.vis.']);
      // A project with no shares takes the plain tenant filter.
      assert.equal(await names('zones', 'vis-owner'), ['elsewhere.vis.', 'hidden.vis.', 'shared.vis.']);
      assert.equal(await names('zones', 'nobody'), []);
      // A marker the project cannot see does not exist for it.
      const err = await rejects(tx.list('zones', { visibleToProject: 'viewer', marker: hidden.id, limit: 5 }), NotFoundError);
      assert.is(err.resource, 'marker');
      const next = await tx.list('zones', { visibleToProject: 'viewer', marker: own.id, limit: 5, sortKey: 'name' });
      assert.equal(next.items.map((z) => z.id), [shared.id]);
      assert.is(sharedElsewhere.tenantId, 'vis-owner');
    });
  });

  t('list: recordset data filter, zone tasks by type, transfers, shares, statuses, pools', async (ctx) => {
    const z = await zone(ctx, 'data.lists.', { tenantId: 'lister' });
    await ctx.s.transaction(async (tx) => {
      await tx.createRecordset({ zoneId: z.id, name: 'a.data.lists.', type: 'A', records: [{ data: '192.0.2.1' }, { data: '192.0.2.2' }] });
      await tx.createRecordset({ zoneId: z.id, name: 'b.data.lists.', type: 'A', records: [{ data: '198.51.100.1' }] });
      await tx.createRecordset({ zoneId: z.id, name: 'c.data.lists.', type: 'TXT', records: [{ data: '"Hello_World"' }] });
      const names = async (query: Omit<ListQuery, 'limit'>) => {
        const page = await tx.list('recordsets', { ...query, where: { zoneId: z.id, ...query.where }, limit: 50, sortKey: 'name' });
        assert.is(page.total, page.items.length);
        return page.items.map((rs) => rs.name);
      };
      assert.equal(await names({ where: { data: '192.0.2.2' } }), ['a.data.lists.']);
      assert.equal(await names({ where: { data: ['192.0.2.1', '198.51.100.1'] } }), ['a.data.lists.', 'b.data.lists.']);
      assert.equal(await names({ like: { data: '192.0.2.%' } }), ['a.data.lists.']);
      assert.equal(await names({ like: { data: '%hello\\_world%' } }), ['c.data.lists.']);
      assert.equal(await names({ where: { type: 'A' }, like: { data: '%.1' } }), ['a.data.lists.', 'b.data.lists.']);
      assert.equal(await names({ where: { ttl: null, description: null } }), ['a.data.lists.', 'b.data.lists.', 'c.data.lists.']);
      const dead = await tx.createZone({ name: 'dead.lists.', tenantId: 'lister' });
      await tx.createRecordset({ zoneId: dead.id, name: 'a.dead.lists.', type: 'A', records: [{ data: '192.0.2.1' }] });
      await tx.softDeleteZone(dead.id);
      assert.equal(await tx.list('recordsets', { like: { name: '%.dead.lists.' }, limit: 5 }), { items: [], total: 0 });

      const imp = await tx.createZoneTask({ taskType: 'IMPORT', tenantId: 'lister' });
      const exp = await tx.createZoneTask({ taskType: 'EXPORT', tenantId: 'lister', zoneId: z.id });
      assert.equal(await tx.list('zone_imports', { where: { tenantId: 'lister' }, limit: 10 }), { items: [imp], total: 1 });
      assert.equal(await tx.list('zone_exports', { where: { tenantId: 'lister' }, limit: 10 }), { items: [exp], total: 1 });
      assert.is((await rejects(tx.list('zone_exports', { marker: imp.id, limit: 10 }), NotFoundError)).resource, 'marker');

      const mine = await tx.createTransferRequest({ zoneId: z.id, key: 'KEY00001', tenantId: 'lister' });
      const toMe = await tx.createTransferRequest({ zoneId: z.id, key: 'KEY00002', tenantId: 'giver', targetTenantId: 'lister' });
      await tx.createTransferRequest({ zoneId: z.id, key: 'KEY00003', tenantId: 'giver', targetTenantId: 'third' });
      const requests = await tx.list('transfer_requests', { visibleToProject: 'lister', limit: 10, sortKey: 'tenantId', sortDir: 'desc' });
      assert.equal(requests, { items: [mine, toMe], total: 2 });
      const accept = await tx.createTransferAccept({ zoneTransferRequestId: toMe.id, tenantId: 'lister', zoneId: z.id });
      assert.equal((await tx.list('transfer_accepts', { where: { zoneTransferRequestId: toMe.id }, limit: 10 })).items, [accept]);

      const share = await tx.shareZone(z.id, 'lister', 'friend');
      assert.equal(await tx.list('shared_zones', { where: { zoneId: z.id, targetProjectId: 'friend' }, limit: 10 }), { items: [share], total: 1 });

      const status = await tx.updateServiceStatus({ serviceName: 'api', hostname: 'lists-host', status: 'UP' });
      assert.equal((await tx.list('service_statuses', { where: { hostname: 'lists-host' }, limit: 10 })).items, [status]);

      const pool = await tx.createPool({ name: 'listed', nsRecords: [{ hostname: 'ns1.listed.', priority: 1 }] });
      const pools = await tx.list('pools', { where: { name: ['listed'] }, limit: 10 });
      assert.equal(pools, { items: [pool], total: 1 });
      assert.equal(pools.items[0].nsRecords, [{ hostname: 'ns1.listed.', priority: 1 }]);
      const tld = await tx.createTld('listedtld');
      assert.equal(await tx.list('tlds', { where: { name: ['listedtld', 'nosuchtld'] }, limit: 10 }), { items: [tld], total: 1 });
      const key = await tx.createTsigKey({ name: 'listed-key', algorithm: 'hmac-sha256', secret: 'c2VjcmV0', resourceId: pool.id });
      assert.equal((await tx.list('tsigkeys', { like: { name: 'listed-%' }, limit: 10 })).items, [key]);
      const bl = await tx.createBlacklist('^listed\\.');
      assert.equal((await tx.list('blacklists', { like: { pattern: '^listed\\\\%' }, limit: 10 })).items, [bl]);
    });
  });

  t('relatedZones: enclosing and enclosed live zones of any pool and tenant; `_` is no wildcard', async (ctx) => {
    const names = ['reltest.', 'a_b.reltest.', 'axb.reltest.', 'q.axb.reltest.', 'x.a_b.reltest.', 'deep.x.a_b.reltest.',
      'xa_b.reltest.', 'c\\.a_b.reltest.'];
    const made = await ctx.s.transaction(async (tx) => {
      const out: Record<string, Zone> = {};
      for (const [i, name] of names.entries()) out[name] = await tx.createZone({ name, tenantId: `rel${i % 3}` });
      out.other = await tx.createZone({ name: 'y.a_b.reltest.', poolId: OTHER_POOL, tenantId: 'elsewhere' });
      const gone = await tx.createZone({ name: 'gone.a_b.reltest.' });
      await tx.softDeleteZone(gone.id);
      return out;
    });
    await ctx.s.transaction(async (tx) => {
      const related = async (name: string) => (await tx.relatedZones(name)).map((z) => z.name);
      assert.equal(await related('a_b.reltest.'), ['reltest.', 'x.a_b.reltest.', 'deep.x.a_b.reltest.', 'y.a_b.reltest.']);
      assert.equal(await related('new.x.a_b.reltest.'), ['reltest.', 'a_b.reltest.', 'x.a_b.reltest.']);
      assert.equal(await related('axb.reltest.'), ['reltest.', 'q.axb.reltest.']);
      assert.equal(await related('zzz.reltest.'), ['reltest.']);
      assert.equal(await related('reltest.').then((r) => r.length), names.length);
      assert.equal(await related('unrelated.'), []);
      assert.is((await tx.relatedZones('a_b.reltest.')).find((z) => z.name === 'y.a_b.reltest.')!.id, made.other.id);
    });
  });

  t('reownZone moves the zone, its recordsets and records to the new tenant', async (ctx) => {
    const z = await zone(ctx, 'reown.example.', { tenantId: 'giver' });
    await ctx.s.transaction(async (tx) => {
      await tx.createRecordset({ zoneId: z.id, name: 'www.reown.example.', type: 'A', records: [{ data: '192.0.2.1' }, { data: '192.0.2.2' }] });
      assert.is(await tx.countZones('taker'), 0);
      await tx.reownZone(z.id, 'taker');
      const moved = await tx.getZone(z.id);
      assert.is(moved.tenantId, 'taker');
      assert.is(moved.version, z.version + 1);
      assert.ok(moved.transferredAt instanceof Date && Math.abs(moved.transferredAt.getTime() - Date.now()) < 60_000);
      assert.is(await tx.countZones('taker'), 1);
      assert.is(await tx.countZones('giver'), 0);
      const rs = await tx.getRecordsetByName(z.id, 'www.reown.example.', 'A');
      assert.is(rs.tenantId, 'taker');
      assert.equal((await tx.listRecords(rs.id)).map((r) => r.tenantId), ['taker', 'taker']);
      await rejects(tx.reownZone(NO_SUCH_ID, 'taker'), NotFoundError);
      await tx.softDeleteZone(z.id);
      await rejects(tx.reownZone(z.id, 'giver'), NotFoundError);
      assert.is(await tx.countZones('taker'), 0);
    });
  });

  t('counts and recordsets by name', async (ctx) => {
    const z = await zone(ctx, 'count.example.', { tenantId: 'counter' });
    await ctx.s.transaction(async (tx) => {
      const www = await tx.createRecordset({ zoneId: z.id, name: 'www.count.example.', type: 'A', records: [{ data: '192.0.2.1' }, { data: '192.0.2.2' }] });
      const aaaa = await tx.createRecordset({ zoneId: z.id, name: 'www.count.example.', type: 'AAAA', records: [{ data: '2001:db8::1' }] });
      const ns = await tx.createRecordset({ zoneId: z.id, name: 'count.example.', type: 'NS', records: [{ data: 'ns1.example.', managed: true }] });
      assert.is(await tx.countZones('counter'), 1);
      assert.is(await tx.countRecordsets(z.id), 3);
      assert.is(await tx.countRecords(www.id), 2);
      assert.is(await tx.countRecords(NO_SUCH_ID), 0);
      assert.is(await tx.countZoneRecords(z.id), 4);
      assert.is(await tx.countZoneRecords(z.id, { managed: false }), 3);
      assert.is(await tx.countZoneRecords(z.id, { managed: true }), 1);
      assert.equal(await tx.getRecordsetByName(z.id, 'count.example.', 'NS'), ns);
      const missing = await rejects(tx.getRecordsetByName(z.id, 'count.example.', 'MX'), NotFoundError);
      assert.is(missing.resource, 'recordset');
      assert.equal(await tx.recordsetsByName(z.id, 'www.count.example.'), [www, aaaa]);
      assert.equal(await tx.recordsetsByName(z.id, 'nope.count.example.'), []);
    });
  });

  t('recordsets owned by a shared project; records marked served up to a serial (RFC 1982)', async (ctx) => {
    const z = await zone(ctx, 'served.example.', { tenantId: 'owner-s' });
    await ctx.s.transaction(async (tx) => {
      const guest = await tx.createRecordset({ zoneId: z.id, name: 'guest.served.example.', type: 'A', tenantId: 'guest', records: [{ data: '192.0.2.1' }] });
      assert.is(guest.tenantId, 'guest');
      assert.equal((await tx.listRecords(guest.id)).map((r) => r.tenantId), ['guest']);
      const records = [
        { data: '"old"', serial: 4294967290, status: 'PENDING' as const },
        { data: '"wrapped"', serial: 3, status: 'ERROR' as const },
        { data: '"newer"', serial: 10, status: 'PENDING' as const },
        { data: '"done"', serial: 1, status: 'ACTIVE' as const, action: 'NONE' as const },
      ].map((r) => ({ action: 'UPDATE' as const, ...r }));
      const rs = await tx.createRecordset({ zoneId: z.id, name: 'txt.served.example.', type: 'TXT', records });
      assert.is(await tx.markRecordsServed(z.id, 5), 2);
      const after = Object.fromEntries((await tx.listRecords(rs.id)).map((r) => [r.data, [r.status, r.action, r.version]]));
      assert.equal(after, {
        '"old"': ['ACTIVE', 'NONE', 2], '"wrapped"': ['ACTIVE', 'NONE', 2], '"newer"': ['PENDING', 'UPDATE', 1], '"done"': ['ACTIVE', 'NONE', 1],
      });
      assert.is(await tx.markRecordsServed(z.id, 5), 0);
    });
  });

  t('tld, blacklist, shared zone, transfer request: get, update, delete', async (ctx) => {
    const z = await zone(ctx, 'edits.example.');
    await ctx.s.transaction(async (tx) => {
      const tld = await tx.createTld('edits', 'old');
      await tx.createTld('taken');
      const t2 = await tx.updateTld(tld.id, { description: null }, 1);
      assert.equal([t2.name, t2.description, t2.version], ['edits', null, 2]);
      assert.equal(await tx.getTld(tld.id), t2);
      assert.is((await tx.updateTld(tld.id, { name: 'edited' })).name, 'edited');
      assert.is((await rejects(tx.updateTld(tld.id, { name: 'taken' }), DuplicateError)).field, 'name');
      await rejects(tx.updateTld(tld.id, { description: 'x' }, 1), ConflictError);
      await rejects(tx.updateTld(NO_SUCH_ID, { description: 'x' }), NotFoundError);
      await rejects(tx.updateTld(tld.id, { id: 'x' } as never), StorageError);

      const bl = await tx.createBlacklist('^edits\\.', 'd');
      assert.equal(await tx.getBlacklist(bl.id), bl);
      const b2 = await tx.updateBlacklist(bl.id, { pattern: '^edited\\.' }, 1);
      assert.equal([b2.pattern, b2.description, b2.version], ['^edited\\.', 'd', 2]);
      await rejects(tx.getBlacklist(NO_SUCH_ID), NotFoundError);
      await rejects(tx.updateBlacklist(NO_SUCH_ID, { description: null }), NotFoundError);

      const share = await tx.shareZone(z.id, 'tenant-a', 'tenant-c');
      assert.equal(await tx.getSharedZone(share.id), share);
      await tx.unshareZone(share.id);
      await rejects(tx.getSharedZone(share.id), NotFoundError);

      const req = await tx.createTransferRequest({ zoneId: z.id, key: 'EDIT0001', tenantId: 'tenant-a', description: 'first' });
      const r2 = await tx.updateTransferRequest(req.id, { description: null, targetTenantId: 'tenant-d' }, 1);
      assert.equal([r2.description, r2.targetTenantId, r2.status, r2.key, r2.version], [null, 'tenant-d', 'ACTIVE', 'EDIT0001', 2]);
      assert.is((await tx.updateTransferRequest(req.id, { status: 'DELETED' })).status, 'DELETED');
      await rejects(tx.updateTransferRequest(req.id, { key: 'STOLEN00' } as never), StorageError);
      const acc = await tx.createTransferAccept({ zoneTransferRequestId: req.id, tenantId: 'tenant-d', zoneId: z.id });
      await tx.deleteTransferRequest(req.id);
      await rejects(tx.getTransferRequest(req.id), NotFoundError);
      await rejects(tx.getTransferAccept(acc.id), NotFoundError);
      await rejects(tx.deleteTransferRequest(req.id), NotFoundError);
    });
  });

  for (const lockFirst of [true, false]) {
    t(`20 concurrent transactions in one zone all land (${lockFirst ? 'zone locked first' : 'deadlocks re-run'})`, async (ctx) => {
      const z = await zone(ctx, `busy${lockFirst ? 1 : 2}.example.`);
      const stats = (ctx.s as { stats?: { retried: number } }).stats;
      const retriedBefore = stats?.retried ?? 0;
      const created = await Promise.all(Array.from({ length: 20 }, (_, i) => ctx.s.transaction(async (tx) => {
        if (lockFirst) await tx.getZone(z.id, { forUpdate: true });
        const rs = await tx.createRecordset({ zoneId: z.id, name: `c${i}.busy.example.`, type: 'TXT', records: [{ data: `"${i}"` }] });
        // Designate marks the zone for a serial bump on every change: all writers contend on the zone row.
        await tx.updateZone(z.id, { incrementSerial: true, action: 'UPDATE' });
        return rs.id;
      })));
      assert.is(new Set(created).size, 20);
      await ctx.s.transaction(async (tx) => {
        assert.is((await tx.findRecordsets(z.id, {}, { limit: 100 })).items.length, 20);
        assert.is(await tx.countZoneRecords(z.id), 20);
        assert.is((await tx.getZone(z.id)).version, 21);
      });
      if (stats && lockFirst) assert.is(stats.retried, retriedBefore, 'locking the zone first avoids deadlocks');
    });
  }

  t('zoneExtras and recordsOf read a page in batches, with empty entries for ids without rows', async (ctx) => {
    const a = await zone(ctx, 'extras-a.example.', { masters: [{ host: '192.0.2.1', port: 5300 }], attributes: { tier: 'gold' } });
    const b = await zone(ctx, 'extras-b.example.');
    await ctx.s.transaction((tx) => tx.shareZone(b.id, 'tenant-a', 'tenant-z'));
    const extras = await ctx.s.transaction((tx) => tx.zoneExtras([a.id, b.id]));
    assert.equal(extras.get(a.id), { masters: [{ host: '192.0.2.1', port: 5300 }], attributes: { tier: 'gold' }, shared: false });
    assert.equal(extras.get(b.id), { masters: [], attributes: {}, shared: true });
    assert.equal((await ctx.s.transaction((tx) => tx.zoneExtras([]))).size, 0);

    const [x, y] = await ctx.s.transaction(async (tx) => [
      await tx.createRecordset({ zoneId: a.id, name: 'x.extras-a.example.', type: 'A', records: [{ data: '192.0.2.1' }, { data: '192.0.2.2' }] }),
      await tx.createRecordset({ zoneId: a.id, name: 'y.extras-a.example.', type: 'TXT' }),
    ]);
    const records = await ctx.s.transaction((tx) => tx.recordsOf([x.id, y.id]));
    assert.equal(records.get(x.id)!.map((r) => r.data).sort(), ['192.0.2.1', '192.0.2.2']);
    assert.equal(records.get(y.id), []);
  });

  t.run();
}
