// The fleet cache over two real memcached servers (started here): keys spread by rendezvous hashing in the
// client; a server killed -9 costs only its share of keys, which go to the other server, and it is used again
// after memcache_dead_retry. Three mdns instances over one database: the first reads the zone from storage
// and puts its image in the cache, the second and third serve it from the cache without compiling it; three
// starting together compile a new version once; a corrupted item is detected and never served.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CompilePool } from '../../engine/pool/compile-pool.ts';
import { JOURNAL_DEFAULTS } from '../../engine/xfr/journal.ts';
import { FleetCache } from '../../services/cache/fleet-cache.ts';
import { inProcessBus, type LocalBus } from '../../services/messaging/bus.ts';
import { MDNS_DEFAULTS, MdnsServer } from '../../services/mdns/server.ts';
import { ITEM_BYTES, SharedImages } from '../../services/mdns/shared-images.ts';
import { StoredZones } from '../../services/mdns/stored-zones.ts';
import { ZoneImages } from '../../services/mdns/zone-images.ts';
import { openStorage } from '../../services/storage/open.ts';
import type { Storage, Zone } from '../../services/storage/storage.ts';
import { createLogger } from '../../services/log.ts';
import { query, udp } from '../helpers/client.ts';
import { captureLog, type LogLine } from '../helpers/log-capture.ts';
import { startMemcached, type Memcached } from '../helpers/memcached.ts';
import { until } from '../helpers/until.ts';

interface Ctx {
  memcached: Memcached[];
  storage: Storage;
  pool: CompilePool;
  bus: LocalBus;
  zone: Zone;
}

const t = suite<Ctx>('fleet cache', { memcached: [] } as unknown as Ctx);
const ZONE = 'fleet.test.';
const RECORDS = 30_000; // an image of several items

t.before(async (ctx) => {
  for (let i = 0; i < 2; i++) {
    const m = await startMemcached({ megabytes: 64 });
    if (m === null) return;
    ctx.memcached.push(m);
  }
  ctx.storage = await openStorage('sqlite://');
  await ctx.storage.migrate();
  ctx.pool = new CompilePool(1);
  ctx.bus = inProcessBus(createLogger('bus', process.env.ZONECAST_TEST_LOG ?? 'error'));
  ctx.zone = await ctx.storage.transaction(async (tx) => {
    const zone = await tx.createZone({ name: ZONE, email: 'hostmaster@fleet.test', ttl: 3600, serial: 7 });
    await tx.createRecordset({ zoneId: zone.id, name: ZONE, type: 'SOA', records: [{ data: 'ns1.fleet.test. hostmaster.fleet.test. 7 3600 600 86400 60' }] });
    await tx.createRecordset({ zoneId: zone.id, name: ZONE, type: 'NS', records: [{ data: 'ns1.fleet.test.' }] });
    for (let i = 0; i < RECORDS; i++) {
      await tx.createRecordset({ zoneId: zone.id, name: `host-${i}.${ZONE}`, type: 'TXT', records: [{ data: `"${'x'.repeat(60)} ${i}"` }] });
    }
    return zone;
  });
});

t.after(async (ctx) => {
  for (const m of ctx.memcached) await m.stop();
  await ctx.pool?.close();
  await ctx.bus?.close();
  await ctx.storage?.close();
});

const servers = (ctx: Ctx) => ctx.memcached.map((m) => `127.0.0.1:${m.port}`);
const cacheOf = (ctx: Ctx, log = createLogger('cache', 'silent'), deadRetry = 1) =>
  new FleetCache({ servers: servers(ctx), deadRetry, socketTimeout: 0.5, expirationTime: 0 }, log);

/** An mdns instance whose only image store is the fleet cache; what it logged while starting. */
async function instance(ctx: Ctx): Promise<{ port: number; log: LogLine[]; close(): Promise<void> }> {
  const { log, lines } = captureLog();
  const cache = cacheOf(ctx, log);
  const server = await MdnsServer.start({ ...MDNS_DEFAULTS, listen: [{ host: '127.0.0.1', port: 0 }] }, log);
  const images = new ZoneImages([new SharedImages(cache, log)], { saveDelayMs: 10 }, log);
  const stored = new StoredZones(server.zones, ctx.pool, ctx.storage, ctx.bus, { xfr: server.xfr, journal: JOURNAL_DEFAULTS, images }, log);
  await stored.start();
  return {
    port: server.endpoints[0].port, log: lines,
    async close() {
      await stored.close();
      await server.close();
      cache.close();
    },
  };
}

const txt = async (port: number, i: number) => (await udp(port, query(`host-${i}.fleet.test`, 'TXT'))).answers.map((a) => String(a.data));

t('keys spread over both servers; each is read back from the server it was put on', async (ctx) => {
  if (ctx.memcached.length < 2) return;
  const cache = cacheOf(ctx);
  try {
    const keys = Array.from({ length: 40 }, (_, i) => `zonecast:test:spread:${i}`);
    for (const k of keys) assert.ok(await cache.set(k, Buffer.from(k)));
    const homes = new Set(keys.map((k) => cache.serverFor(k)));
    assert.is(homes.size, 2, 'both servers hold keys');
    const fresh = cacheOf(ctx); // no local tier content: every get goes to memcached
    try {
      for (const k of keys) assert.is((await fresh.get(k))?.toString(), k);
    } finally {
      fresh.close();
    }
  } finally {
    cache.close();
  }
});

t('three instances: the first reads the zone from storage, the second and third serve it from the fleet cache', async (ctx) => {
  if (ctx.memcached.length < 2) return;
  const first = await instance(ctx);
  assert.ok(first.log.some((l) => l.msg === 'zone loaded from storage' && l.serial === 7));
  await until('the image is in the fleet cache', async () => first.log.some((l) => l.msg === 'zone image saved' && l.store === 'fleet cache'), 10_000);
  const others = [await instance(ctx), await instance(ctx)];
  try {
    for (const other of others) {
      const loaded = other.log.find((l) => l.msg === 'zone loaded from its image');
      assert.ok(loaded?.from === 'fleet cache' && loaded.serial === 7 && (loaded.bytes as number) > 2 * ITEM_BYTES, JSON.stringify(loaded));
      assert.not.ok(other.log.some((l) => l.msg === 'zone loaded from storage'), 'not read and compiled again');
      assert.equal(await txt(other.port, 12345), [`${'x'.repeat(60)} 12345`]);
    }
  } finally {
    for (const i of [first, ...others]) await i.close();
  }
});

t('three instances starting together read and compile a new version once: the others wait for its image', async (ctx) => {
  if (ctx.memcached.length < 2) return;
  await ctx.storage.transaction(async (tx) => {
    const soa = await tx.getRecordsetByName(ctx.zone.id, ZONE, 'SOA');
    await tx.replaceRecords(soa.id, [{ data: 'ns1.fleet.test. hostmaster.fleet.test. 8 3600 600 86400 60' }]);
    await tx.updateZone(ctx.zone.id, { serial: 8 });
  });
  const all = await Promise.all([instance(ctx), instance(ctx), instance(ctx)]);
  try {
    const compiled = all.filter((i) => i.log.some((l) => l.msg === 'zone loaded from storage' && l.serial === 8));
    const fetched = all.filter((i) => i.log.some((l) => l.msg === 'zone loaded from its image' && l.serial === 8 && l.from === 'fleet cache'));
    assert.is(compiled.length, 1, 'one instance read the version');
    assert.is(fetched.length, 2, 'the others took its image');
    for (const i of fetched) assert.ok(i.log.some((l) => l.msg === 'another instance is reading and compiling the zone: waiting for its image'));
    for (const i of all) assert.equal(await txt(i.port, 5), [`${'x'.repeat(60)} 5`]);
  } finally {
    for (const i of all) await i.close();
  }
});

t('a corrupted item in the cache is detected and never served: the zone is read from storage', async (ctx) => {
  if (ctx.memcached.length < 2) return;
  const cache = cacheOf(ctx);
  const shared = new SharedImages(cache, createLogger('test', 'silent'));
  try {
    const item = shared.key(ctx.zone.id, '8:1');
    const good = await cache.get(item);
    assert.ok(good !== null && good.length === ITEM_BYTES);
    const bad = Buffer.from(good);
    bad.write('garbage!', 1000);
    assert.ok(await cache.set(item, bad));
  } finally {
    cache.close();
  }
  const next = await instance(ctx);
  try {
    const unusable = next.log.find((l) => l.msg === 'zone image in the fleet cache unusable: the zone is read from storage');
    assert.is(unusable?.problem, 'item 1: checksum mismatch');
    assert.ok(next.log.some((l) => l.msg === 'zone loaded from storage' && l.serial === 8));
    assert.equal(await txt(next.port, 777), [`${'x'.repeat(60)} 777`]);
  } finally {
    await next.close();
  }
});

t('a memcached server killed -9: only its keys miss, they go to the other server, and it is used again after dead_retry', async (ctx) => {
  if (ctx.memcached.length < 2) return;
  const { log, lines } = captureLog();
  const cache = cacheOf(ctx, log, 1);
  try {
    const keys = Array.from({ length: 40 }, (_, i) => `zonecast:test:dead:${i}`);
    for (const k of keys) assert.ok(await cache.set(k, Buffer.alloc(100 * 1024, 1))); // above the local tier's item size
    const victim = ctx.memcached[1];
    const victimServer = `127.0.0.1:${victim.port}`;
    const onVictim = keys.filter((k) => cache.serverFor(k) === victimServer);
    const onSurvivor = keys.filter((k) => cache.serverFor(k) !== victimServer);
    assert.ok(onVictim.length > 0 && onSurvivor.length > 0);
    await victim.kill();

    const started = performance.now();
    assert.is(await cache.get(onVictim[0]), null, 'a miss, not an error');
    assert.ok(performance.now() - started < 2000, 'within the socket timeout, not a hang');
    assert.ok(lines.some((l) => l.msg.startsWith('memcached server failed') && l.server === victimServer));
    for (const k of onSurvivor) assert.ok((await cache.get(k)) !== null, 'the other server\'s keys still hit');
    for (const k of onVictim) assert.is(cache.serverFor(k), `127.0.0.1:${ctx.memcached[0].port}`, 'taken out of the ring');
    assert.ok(await cache.set(onVictim[0], Buffer.from('moved')));
    assert.is((await cache.get(onVictim[0]))?.toString(), 'moved');

    ctx.memcached[1] = (await startMemcached({ port: victim.port, megabytes: 64 }))!;
    await new Promise((r) => setTimeout(r, 1100)); // memcache_dead_retry = 1
    assert.is(cache.serverFor(onVictim[0]), victimServer, 'back in the ring');
    assert.ok(await cache.set(onVictim[0], Buffer.from('home again')));
    assert.is((await cache.get(onVictim[0]))?.toString(), 'home again');
  } finally {
    cache.close();
  }
});

t.run();
