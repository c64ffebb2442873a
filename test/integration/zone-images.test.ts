// Restarts from local zone images (services/mdns/zone-images.ts): a zone first read from storage has its
// compiled image saved; an instance started later serves it from the image (no records read, nothing
// compiled) once storage confirms the serial, and patches the changes announced next without reading the
// zone (an announcement names every RRset a change replaces, deleted ones included); only a change that
// names a deleted recordset by id alone makes it read the zone whole. A zone changed while the instance was down comes back at its new serial: from the image
// and the journal steps other instances stored meanwhile, else read from storage. A damaged image is
// detected, deleted and never served; a deleted zone's image goes.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CompilePool } from '../../engine/pool/compile-pool.ts';
import { JOURNAL_DEFAULTS } from '../../engine/xfr/journal.ts';
import { inProcessBus, type LocalBus, type ZoneServed } from '../../services/messaging/bus.ts';
import { MDNS_DEFAULTS, MdnsServer } from '../../services/mdns/server.ts';
import { StoredZones } from '../../services/mdns/stored-zones.ts';
import { LocalImages } from '../../services/mdns/local-images.ts';
import { ZoneImages } from '../../services/mdns/zone-images.ts';
import { openStorage } from '../../services/storage/open.ts';
import type { Storage, Zone } from '../../services/storage/storage.ts';
import { createLogger, type Logger } from '../../services/log.ts';
import { captureLog, type LogLine } from '../helpers/log-capture.ts';
import { query, udp } from '../helpers/client.ts';
import { until } from '../helpers/until.ts';

interface Instance { server: MdnsServer; stored: StoredZones; port: number }
interface Ctx {
  dir: string;
  storage: Storage;
  pool: CompilePool;
  bus: LocalBus;
  served: ZoneServed[];
  lines: LogLine[];
  log: Logger;
  zone: Zone;
  /** The instance running now, if any. */
  running: Instance | null;
}

const t = suite<Ctx>('zone images: restarts');
const ZONE = 'imaged.test.';
const soa = (serial: number) => `ns1.imaged.test. hostmaster.imaged.test. ${serial} 3600 600 86400 60`;
const imageFile = (ctx: Ctx) => join(ctx.dir, `${ctx.zone.id}.zimg`);

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-images-'));
  ctx.storage = await openStorage('sqlite://');
  await ctx.storage.migrate();
  ctx.pool = new CompilePool(1);
  ctx.bus = inProcessBus(createLogger('bus', process.env.ZONECAST_TEST_LOG ?? 'error'));
  ctx.served = [];
  ctx.bus.subscribe('zone.served', (m) => void ctx.served.push(m));
  ({ log: ctx.log, lines: ctx.lines } = captureLog());
  ctx.zone = await ctx.storage.transaction(async (tx) => {
    const zone = await tx.createZone({ name: ZONE, email: 'hostmaster@imaged.test', ttl: 3600, serial: 1 });
    await tx.createRecordset({ zoneId: zone.id, name: ZONE, type: 'SOA', records: [{ data: soa(1) }] });
    await tx.createRecordset({ zoneId: zone.id, name: ZONE, type: 'NS', records: [{ data: 'ns1.imaged.test.' }] });
    await tx.createRecordset({ zoneId: zone.id, name: 'ns1.imaged.test.', type: 'A', records: [{ data: '192.0.2.1' }] });
    await tx.createRecordset({ zoneId: zone.id, name: 'www.imaged.test.', type: 'A', ttl: 300, records: [{ data: '192.0.2.10' }] });
    return zone;
  });
  ctx.running = null;
});

t.after(async (ctx) => {
  await stop(ctx);
  await ctx.pool?.close();
  await ctx.bus?.close();
  await ctx.storage?.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

/** An mdns instance over the shared storage with images in the suite's directory; the log from here on. */
async function start(ctx: Ctx): Promise<{ instance: Instance; log: LogLine[] }> {
  const from = ctx.lines.length;
  const server = await MdnsServer.start({ ...MDNS_DEFAULTS, listen: [{ host: '127.0.0.1', port: 0 }], allowTransfer: ['127.0.0.1'] }, ctx.log);
  const images = new ZoneImages([new LocalImages(ctx.dir, ctx.log)], { saveDelayMs: 50 }, ctx.log);
  const stored = new StoredZones(server.zones, ctx.pool, ctx.storage, ctx.bus, { xfr: server.xfr, journal: JOURNAL_DEFAULTS, images }, ctx.log);
  await stored.start();
  ctx.running = { server, stored, port: server.endpoints[0].port };
  return { instance: ctx.running, log: ctx.lines.slice(from) };
}

/** Stops the running instance as a clean shutdown does (images still waiting are written). */
async function stop(ctx: Ctx): Promise<void> {
  if (ctx.running === null) return;
  await ctx.running.stored.close();
  await ctx.running.server.close();
  ctx.running = null;
}

/** Commits a change as central does and, with `announce`, tells the running instance with its delta. */
async function change(ctx: Ctx, serial: number, www: string): Promise<string> {
  return ctx.storage.transaction(async (tx) => {
    const rs = await tx.getRecordsetByName(ctx.zone.id, 'www.imaged.test.', 'A');
    await tx.replaceRecords(rs.id, [{ data: www }]);
    const soaRs = await tx.getRecordsetByName(ctx.zone.id, ZONE, 'SOA');
    await tx.replaceRecords(soaRs.id, [{ data: soa(serial) }]);
    await tx.updateZone(ctx.zone.id, { serial });
    return rs.id;
  });
}

const ask = (port: number, name: string, type: string) => udp(port, query(name, type));
const www = async (port: number) => (await ask(port, 'www.imaged.test', 'A')).answers.map((a) => a.data as string);
const serialOf = async (port: number) => (await ask(port, 'imaged.test', 'SOA')).answers[0].data.serial as number;
const messages = (log: LogLine[]) => log.map((l) => l.msg);

t('a zone read from storage has its image saved; the next start serves the image without reading the zone', async (ctx) => {
  const first = await start(ctx);
  assert.ok(messages(first.log).includes('zone loaded from storage'));
  await until('the image is saved', async () => readdirSync(ctx.dir).includes(`${ctx.zone.id}.zimg`), 5000);
  await stop(ctx);

  const second = await start(ctx);
  const loaded = second.log.find((l) => l.msg === 'zone loaded from its image');
  assert.ok(loaded && loaded.serial === 1 && loaded.records === 4, JSON.stringify(second.log.map((l) => l.msg)));
  assert.not.ok(messages(second.log).includes('zone loaded from storage'), 'nothing compiled');
  assert.equal(await www(second.instance.port), ['192.0.2.10']);
  assert.ok(ctx.served.some((m) => m.serial === 1), 'served reported');
});

t('after a start from the image, the next change is patched without reading the zone', async (ctx) => {
  const port = ctx.running!.port;
  const wwwId = await change(ctx, 2, '192.0.2.20');
  const soaId = await ctx.storage.transaction(async (tx) => (await tx.getRecordsetByName(ctx.zone.id, ZONE, 'SOA')).id);
  await ctx.bus.publish('zone.changed', { zoneId: ctx.zone.id, name: ZONE, serial: 2, action: 'UPDATE', delta: { previousSerial: 1, recordsetIds: [wwwId, soaId] } });
  await until('serial 2 serves', async () => (await serialOf(port)) === 2, 5000);
  const loaded = ctx.lines.find((l) => l.msg === 'zone loaded from storage' && l.serial === 2);
  assert.ok(loaded?.patched === true, JSON.stringify(loaded));
  assert.equal(await www(port), ['192.0.2.20']);
});

t('a zone changed while the instance was down comes back at its new serial', async (ctx) => {
  await stop(ctx); // writes the image of serial 2
  await change(ctx, 3, '192.0.2.30');
  const { instance, log } = await start(ctx);
  assert.ok(log.some((l) => l.msg === 'zone image is of another serial: not used' && l.image === 2 && l.stored === 3), JSON.stringify(log.map((l) => l.msg)));
  assert.is(await serialOf(instance.port), 3);
  assert.equal(await www(instance.port), ['192.0.2.30']);
});

t('a zone changed while another instance served it catches up from its image with the stored journal', async (ctx) => {
  await stop(ctx); // the image of serial 3
  // Another instance, without images, serves serial 4 and stores the journal step 3 → 4.
  const server = await MdnsServer.start({ ...MDNS_DEFAULTS, listen: [{ host: '127.0.0.1', port: 0 }] }, ctx.log);
  const other = new StoredZones(server.zones, ctx.pool, ctx.storage, ctx.bus, { xfr: server.xfr, journal: JOURNAL_DEFAULTS }, ctx.log);
  try {
    await other.start();
    await change(ctx, 4, '192.0.2.40');
    await ctx.bus.publish('zone.changed', { zoneId: ctx.zone.id, name: ZONE, serial: 4, action: 'UPDATE' });
    await until('the other instance serves 4', async () => (await serialOf(server.endpoints[0].port)) === 4, 5000);
  } finally {
    await other.close();
    await server.close();
  }
  const { instance, log } = await start(ctx);
  const loaded = log.find((l) => l.msg === 'zone loaded from its image');
  assert.ok(loaded && loaded.serial === 4 && loaded.image === 3 && loaded.journalSteps === 1, JSON.stringify(log.map((l) => l.msg)));
  assert.not.ok(log.some((l) => l.msg === 'zone loaded from storage'), 'nothing read whole');
  assert.equal(await www(instance.port), ['192.0.2.40']);
  assert.is(await serialOf(instance.port), 4);
});

t('served from its image, announced creates and deletes are patched by name; a delete known by id alone reads the zone', async (ctx) => {
  await stop(ctx); // the image of serial 4
  const { instance } = await start(ctx);
  const port = instance.port;
  const soaRs = await ctx.storage.transaction((tx) => tx.getRecordsetByName(ctx.zone.id, ZONE, 'SOA'));
  const soaAt = (serial: number) => ({ name: ZONE, type: 'SOA', ttl: null, records: [soa(serial)] });
  /** Commits `body` with the SOA at `serial`, as central's transaction does. */
  const commit = (serial: number, body: (tx: Parameters<Parameters<Storage['transaction']>[0]>[0]) => Promise<string>) => ctx.storage.transaction(async (tx) => {
    const id = await body(tx);
    await tx.replaceRecords(soaRs.id, [{ data: soa(serial) }]);
    await tx.updateZone(ctx.zone.id, { serial });
    return id;
  });
  const loadedAt = (serial: number) => ctx.lines.find((l) => l.msg === 'zone loaded from storage' && l.serial === serial);

  const tmpId = await commit(5, async (tx) => (await tx.createRecordset({ zoneId: ctx.zone.id, name: 'tmp.imaged.test.', type: 'A', records: [{ data: '192.0.2.55' }] })).id);
  const tmp = { name: 'tmp.imaged.test.', type: 'A', ttl: null };
  await ctx.bus.publish('zone.changed', {
    zoneId: ctx.zone.id, name: ZONE, serial: 5, action: 'UPDATE',
    delta: { previousSerial: 4, recordsetIds: [tmpId], rrsets: { [tmpId]: { ...tmp, records: ['192.0.2.55'] }, [soaRs.id]: soaAt(5) } },
  });
  await until('serial 5 serves', async () => (await serialOf(port)) === 5, 5000);
  assert.ok(loadedAt(5)?.patched === true && loadedAt(5)?.announced === true, JSON.stringify(loadedAt(5)));
  assert.equal((await ask(port, 'tmp.imaged.test', 'A')).answers.map((a) => a.data), ['192.0.2.55']);

  await commit(6, async (tx) => { await tx.deleteRecordset(tmpId); return tmpId; });
  await ctx.bus.publish('zone.changed', {
    zoneId: ctx.zone.id, name: ZONE, serial: 6, action: 'UPDATE',
    delta: { previousSerial: 5, recordsetIds: [tmpId], rrsets: { [tmpId]: { ...tmp, records: [] }, [soaRs.id]: soaAt(6) } },
  });
  await until('serial 6 serves', async () => (await serialOf(port)) === 6, 5000);
  assert.ok(loadedAt(6)?.patched === true && loadedAt(6)?.announced === true, JSON.stringify(loadedAt(6)));
  assert.is((await ask(port, 'tmp.imaged.test', 'A')).rcode, 'NXDOMAIN');

  // An announcement without contents (a batched serial): the deleted recordset's name is not in the image's model.
  const goneId = await commit(7, async (tx) => (await tx.createRecordset({ zoneId: ctx.zone.id, name: 'gone.imaged.test.', type: 'A', records: [{ data: '192.0.2.77' }] })).id);
  await ctx.bus.publish('zone.changed', { zoneId: ctx.zone.id, name: ZONE, serial: 7, action: 'UPDATE', delta: { previousSerial: 6, recordsetIds: [goneId, soaRs.id] } });
  await until('serial 7 serves', async () => (await serialOf(port)) === 7, 5000);
  assert.ok(loadedAt(7)?.patched === true, 'a create known by id is read and patched');
  await commit(8, async (tx) => { await tx.deleteRecordset(goneId); return goneId; });
  await ctx.bus.publish('zone.changed', { zoneId: ctx.zone.id, name: ZONE, serial: 8, action: 'UPDATE', delta: { previousSerial: 7, recordsetIds: [goneId, soaRs.id] } });
  await until('serial 8 serves', async () => (await serialOf(port)) === 8, 5000);
  assert.ok(loadedAt(8) !== undefined && loadedAt(8)!.patched === undefined, `read whole: ${JSON.stringify(loadedAt(8))}`);
  assert.is((await ask(port, 'gone.imaged.test', 'A')).rcode, 'NXDOMAIN');
  assert.equal(await www(port), ['192.0.2.40']);
});

t('a damaged image is detected, deleted and never served: the zone is read from storage', async (ctx) => {
  await stop(ctx); // the image of serial 8
  const size = statSync(imageFile(ctx)).size;
  const fd = openSync(imageFile(ctx), 'r+');
  writeSync(fd, Buffer.from('garbage!'), 0, 8, size - 100);
  closeSync(fd);
  const { instance, log } = await start(ctx);
  const unusable = log.find((l) => l.msg === 'zone image unusable: deleted, the zone is read from storage');
  assert.is(unusable?.problem, 'checksum mismatch');
  assert.ok(log.some((l) => l.msg === 'zone loaded from storage' && l.serial === 8));
  assert.equal(await www(instance.port), ['192.0.2.40']);

  await stop(ctx);
  writeFileSync(imageFile(ctx), 'not an image at all');
  const again = await start(ctx);
  assert.is(again.log.find((l) => l.msg === 'zone image unusable: deleted, the zone is read from storage')?.problem, 'not a zone image');
  assert.equal(await www(again.instance.port), ['192.0.2.40']);
});

t('a zone deleted while the instance was down has its image removed at start', async (ctx) => {
  await stop(ctx);
  writeFileSync(join(ctx.dir, '00000000-0000-0000-0000-000000000000.zimg'), 'a zone long gone');
  writeFileSync(join(ctx.dir, `${ctx.zone.id}.zimg.999999.tmp`), 'a save cut short');
  await start(ctx);
  assert.equal(readdirSync(ctx.dir).sort(), [`${ctx.zone.id}.zimg`]);
});

t.run();
