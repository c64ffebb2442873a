// mdns serving the zones kept in the database (services/mdns/stored-zones.ts): zones written through storage
// answer over DNS; a 'zone.changed' makes the new serial serve and 'zone.served' report it; IXFR from the old
// serial is incremental, also on a second instance started later (the journal lives in storage); a serial
// that does not increase and a version that does not compile are not served; DELETE stops serving.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import dnsPacket from 'dns-packet';
import { CompilePool } from '../../engine/pool/compile-pool.ts';
import { JOURNAL_DEFAULTS } from '../../engine/xfr/journal.ts';
import { inProcessBus, type Bus, type LocalBus, type ZoneFailed, type ZoneServed } from '../../services/messaging/bus.ts';
import { MDNS_DEFAULTS, MdnsServer } from '../../services/mdns/server.ts';
import { journalMarkerStarts } from '../../services/mdns/stored-journal.ts';
import { StoredZones } from '../../services/mdns/stored-zones.ts';
import { openStorage } from '../../services/storage/open.ts';
import type { Storage, Zone } from '../../services/storage/storage.ts';
import { createLogger, type Logger } from '../../services/log.ts';
import { captureLog, type LogLine } from '../helpers/log-capture.ts';
import { query, transferAnswers, udp, type RR } from '../helpers/client.ts';

interface Instance { server: MdnsServer; stored: StoredZones; port: number }
interface Ctx {
  storage: Storage;
  pool: CompilePool;
  bus: LocalBus;
  served: ZoneServed[];
  lines: LogLine[];
  log: Logger;
  zone: Zone;
  a: Instance;
  b: Instance;
}

const t = suite<Ctx>('stored zones');
const ZONE = 'stored.test.';
const soa = (serial: number) => `ns1.stored.test. hostmaster.stored.test. ${serial} 3600 600 86400 60`;

t.before(async (ctx) => {
  ctx.storage = await openStorage('sqlite://');
  await ctx.storage.migrate();
  ctx.pool = new CompilePool(1);
  ctx.bus = inProcessBus(createLogger('bus', process.env.ZONECAST_TEST_LOG ?? 'error'));
  ctx.served = [];
  ctx.bus.subscribe('zone.served', (m) => void ctx.served.push(m));
  // The log is what the tests look at for "exactly one more reload"; ZONECAST_TEST_LOG=debug shows it too.
  ({ log: ctx.log, lines: ctx.lines } = captureLog());
  ctx.zone = await ctx.storage.transaction(async (tx) => {
    const zone = await tx.createZone({ name: ZONE, email: 'hostmaster@stored.test', ttl: 3600, serial: 1 });
    await tx.createRecordset({ zoneId: zone.id, name: ZONE, type: 'SOA', records: [{ data: soa(1) }] });
    await tx.createRecordset({ zoneId: zone.id, name: ZONE, type: 'NS', records: [{ data: 'ns1.stored.test.' }] });
    await tx.createRecordset({ zoneId: zone.id, name: 'ns1.stored.test.', type: 'A', records: [{ data: '192.0.2.1' }] });
    await tx.createRecordset({ zoneId: zone.id, name: 'www.stored.test.', type: 'A', ttl: 300, records: [{ data: '192.0.2.10' }, { data: '192.0.2.11' }] });
    await tx.createRecordset({ zoneId: zone.id, name: 'keep.stored.test.', type: 'TXT', records: [{ data: '"kept"' }] });
    return zone;
  });
  // Not a primary: not served.
  await ctx.storage.transaction((tx) => tx.createZone({ name: 'secondary.test.', type: 'SECONDARY', masters: [{ host: '192.0.2.53', port: 53 }] }));
  ctx.a = await startInstance(ctx, ctx.bus);
});

t.after(async (ctx) => {
  for (const i of [ctx.a, ctx.b]) {
    if (i === undefined) continue;
    await i.stored.close();
    await i.server.close();
  }
  await ctx.pool?.close();
  await ctx.bus?.close();
  await ctx.storage?.close();
});

async function startInstance(ctx: Ctx, bus: Bus): Promise<Instance> {
  const server = await MdnsServer.start({ ...MDNS_DEFAULTS, listen: [{ host: '127.0.0.1', port: 0 }], allowTransfer: ['127.0.0.1'] }, ctx.log);
  const stored = new StoredZones(server.zones, ctx.pool, ctx.storage, bus, { xfr: server.xfr, journal: JOURNAL_DEFAULTS }, ctx.log);
  const summary = await stored.start();
  assert.equal(summary, { loaded: 1, failed: 0 });
  return { server, stored, port: server.endpoints[0].port };
}

/** Commits a change the way central does: the records, the SOA with its serial and the zone row together. */
async function change(ctx: Ctx, serial: number, www: string[], soaSerial = serial): Promise<void> {
  await ctx.storage.transaction(async (tx) => {
    const [rs] = (await tx.findRecordsets(ctx.zone.id, { name: 'www.stored.test.', type: 'A' })).items;
    await tx.replaceRecords(rs.id, www.map((data) => ({ data })));
    const [soaRs] = (await tx.findRecordsets(ctx.zone.id, { name: ZONE, type: 'SOA' })).items;
    await tx.replaceRecords(soaRs.id, [{ data: soa(soaSerial) }]);
    await tx.updateZone(ctx.zone.id, { serial });
  });
}

/** Publishes 'zone.changed' and waits for `count` instances to report `serial` served. */
async function publishAndWait(ctx: Ctx, serial: number, count = 1): Promise<void> {
  const before = ctx.served.filter((m) => m.zoneId === ctx.zone.id && m.serial === serial).length;
  await ctx.bus.publish('zone.changed', { zoneId: ctx.zone.id, name: ZONE, serial, action: 'UPDATE' });
  const deadline = Date.now() + 5000;
  while (ctx.served.filter((m) => m.zoneId === ctx.zone.id && m.serial === serial).length < before + count) {
    if (Date.now() > deadline) throw new Error(`zone.served ${serial} not published (got ${JSON.stringify(ctx.served)})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const ask = (port: number, name: string, type: string) => udp(port, query(name, type));
const addresses = async (port: number) => (await ask(port, 'www.stored.test', 'A')).answers.map((a) => a.data as string).sort();

function ixfrQuery(serial: number): Buffer {
  return dnsPacket.encode({
    type: 'query', id: 78, flags: 0, questions: [{ type: 'IXFR', name: 'stored.test' } as never],
    authorities: [{ type: 'SOA', name: 'stored.test', data: { mname: 'ns1.stored.test', rname: 'h.stored.test', serial, refresh: 1, retry: 1, expire: 1, minimum: 1 } } as never],
  });
}

/** An incremental response as its sections, each SOA followed by its (sorted) RRs. */
async function ixfr(port: number, serial: number): Promise<string[][]> {
  const answers: RR[] = await transferAnswers(port, ixfrQuery(serial));
  const sections: string[][] = [];
  for (const r of answers) {
    if (r.type === 'SOA') sections.push([`SOA ${r.data.serial}`]);
    else sections.at(-1)!.push(`${r.name} ${r.ttl} ${r.type} ${r.data}`);
  }
  return sections.map(([head, ...rrs]) => [head, ...rrs.sort()]);
}

t('a stored primary zone answers; a recordset without a TTL takes the zone TTL; other zones are not served', async (ctx) => {
  const www = await ask(ctx.a.port, 'www.stored.test', 'A');
  assert.is(www.rcode, 'NOERROR');
  assert.ok(www.flag_aa);
  assert.equal(www.answers.map((a) => `${a.ttl} ${a.data}`).sort(), ['300 192.0.2.10', '300 192.0.2.11']);
  const keep = await ask(ctx.a.port, 'keep.stored.test', 'TXT');
  assert.equal(keep.answers.map((a) => `${a.ttl} ${String(a.data)}`), ['3600 kept']);
  const apex = await ask(ctx.a.port, 'stored.test', 'SOA');
  assert.is(apex.answers[0].data.serial, 1);
  assert.is((await ask(ctx.a.port, 'www.secondary.test', 'A')).rcode, 'REFUSED');
  const loaded = ctx.lines.find((l) => l.msg === 'zone loaded from storage');
  assert.ok(loaded && loaded.zone === ZONE && loaded.serial === 1 && loaded.records === 6 && typeof loaded.ms === 'number', JSON.stringify(loaded));
  // The first load published zone.served too (central turns that into ACTIVE).
  assert.ok(ctx.served.some((m) => m.zoneId === ctx.zone.id && m.serial === 1));
});

t('a change with a newer serial serves after zone.changed, and zone.served reports the serial', async (ctx) => {
  await change(ctx, 2, ['192.0.2.10', '192.0.2.20']);
  assert.equal(await addresses(ctx.a.port), ['192.0.2.10', '192.0.2.11'], 'not before the change is announced');
  await publishAndWait(ctx, 2);
  assert.equal(await addresses(ctx.a.port), ['192.0.2.10', '192.0.2.20']);
  assert.is((await ask(ctx.a.port, 'stored.test', 'SOA')).answers[0].data.serial, 2);
});

t('IXFR from the old serial returns the difference', async (ctx) => {
  assert.equal(await ixfr(ctx.a.port, 1), [
    ['SOA 2'], ['SOA 1', 'www.stored.test 300 A 192.0.2.11'], ['SOA 2', 'www.stored.test 300 A 192.0.2.20'], ['SOA 2'],
  ]);
  assert.equal(await ixfr(ctx.a.port, 2), [['SOA 2']]);
});

t('another instance started after the change answers IXFR from the old serial with the journal from storage', async (ctx) => {
  ctx.b = await startInstance(ctx, ctx.bus);
  assert.ok(ctx.lines.some((l) => l.msg === 'IXFR journal restored from storage' && l.from === 1 && l.to === 2));
  assert.equal(await ixfr(ctx.b.port, 1), [
    ['SOA 2'], ['SOA 1', 'www.stored.test 300 A 192.0.2.11'], ['SOA 2', 'www.stored.test 300 A 192.0.2.20'], ['SOA 2'],
  ]);
  // Both instances follow the next change; the step is stored once, and both answer IXFR across both steps.
  await change(ctx, 3, ['192.0.2.30']);
  await publishAndWait(ctx, 3, 2);
  const condensed = [['SOA 3'], ['SOA 1', 'www.stored.test 300 A 192.0.2.10', 'www.stored.test 300 A 192.0.2.11'], ['SOA 3', 'www.stored.test 300 A 192.0.2.30'], ['SOA 3']];
  assert.equal(await ixfr(ctx.a.port, 1), condensed);
  assert.equal(await ixfr(ctx.b.port, 1), condensed);
  const rows = await ctx.storage.transaction((tx) => tx.readJournal(ctx.zone.id, 1));
  assert.equal(rows.map((r) => `${r.fromSerial}>${r.toSerial}`), ['1>2', '2>2', '2>3', '3>3']);
  assert.equal(journalMarkerStarts(rows[3]), [1, 2]);
});

t('a serial that did not increase is not served over the newer one; a burst of reloads makes exactly one more', async (ctx) => {
  // Same serial, other data: already serving, zone.served repeats the serial.
  await change(ctx, 3, ['192.0.2.99']);
  await publishAndWait(ctx, 3, 2);
  assert.equal(await addresses(ctx.a.port), ['192.0.2.30']);
  // An older serial: refused, the newer version keeps serving.
  await change(ctx, 3, ['192.0.2.98'], 2);
  assert.is(await ctx.a.stored.reload(ctx.zone.id), false);
  assert.equal(await addresses(ctx.a.port), ['192.0.2.30']);
  assert.is((await ask(ctx.a.port, 'stored.test', 'SOA')).answers[0].data.serial, 3);
  assert.ok(ctx.lines.some((l) => l.msg.startsWith('stored serial is not newer') && l.serial === 2 && l.serving === 3));

  await change(ctx, 4, ['192.0.2.40']);
  const mark = ctx.lines.length;
  const first = ctx.a.stored.reload(ctx.zone.id);
  assert.is(ctx.a.stored.reload(ctx.zone.id), first);
  assert.is(ctx.a.stored.reload(ctx.zone.id), first);
  assert.is(await first, true);
  const logged = ctx.lines.slice(mark).filter((l) => l.msg === 'zone loaded from storage' || l.msg === 'stored serial already serving');
  assert.equal(logged.map((l) => `${l.msg} ${l.serial}`), ['zone loaded from storage 4', 'stored serial already serving 4']);
  assert.equal(await addresses(ctx.a.port), ['192.0.2.40']);
});

t('a version that does not compile is logged and the previous one keeps serving', async (ctx) => {
  const failed: ZoneFailed[] = [];
  const unsubscribe = ctx.bus.subscribe('zone.failed', (m) => void failed.push(m));
  await change(ctx, 5, ['not-an-address']);
  assert.is(await ctx.a.stored.reload(ctx.zone.id), false);
  assert.ok(ctx.lines.some((l) => l.msg === 'reload from storage failed: serial 4 keeps serving'));
  await new Promise((resolve) => setImmediate(resolve));
  unsubscribe();
  assert.is(failed.length, 1, 'zone.failed tells central');
  assert.is(failed[0].zoneId, ctx.zone.id);
  assert.is(failed[0].serial, 5);
  assert.match(failed[0].reason, /not-an-address/);
  assert.equal(await addresses(ctx.a.port), ['192.0.2.40']);
  await change(ctx, 6, ['192.0.2.60']);
  await publishAndWait(ctx, 6, 2);
  assert.equal(await addresses(ctx.a.port), ['192.0.2.60']);
  // The failed serial was never served: the journal steps over it.
  assert.equal(await ixfr(ctx.a.port, 4), [['SOA 6'], ['SOA 4', 'www.stored.test 300 A 192.0.2.40'], ['SOA 6', 'www.stored.test 300 A 192.0.2.60'], ['SOA 6']]);
});

t('a change committed while the zone is read in pages is not mixed in: the zone is read again', async (ctx) => {
  // A third instance whose storage commits serial 7 between the first and second page of its read.
  let inject: (() => Promise<void>) | null = null;
  const storage = new Proxy(ctx.storage, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== 'streamZoneRecords') return typeof value === 'function' ? value.bind(target) : value;
      return async function* (zoneId: string, pageSize?: number) {
        for await (const page of target.streamZoneRecords(zoneId, pageSize)) {
          yield page;
          const run = inject;
          inject = null;
          await run?.();
        }
      };
    },
  });
  const server = await MdnsServer.start({ ...MDNS_DEFAULTS, listen: [{ host: '127.0.0.1', port: 0 }] }, ctx.log);
  const stored = new StoredZones(server.zones, ctx.pool, storage, inProcessBus(createLogger('bus', 'silent')), { xfr: server.xfr, journal: JOURNAL_DEFAULTS, pageSize: 2 }, ctx.log);
  try {
    await stored.start();
    await change(ctx, 7, ['192.0.2.69']);
    inject = () => change(ctx, 8, ['192.0.2.80']);
    assert.is(await stored.reload(ctx.zone.id), true);
    assert.ok(ctx.lines.some((l) => l.msg.startsWith('zone changed while it was read') && l.before === 7 && l.after === 8));
    const port = server.endpoints[0].port;
    assert.is((await ask(port, 'stored.test', 'SOA')).answers[0].data.serial, 8);
    assert.equal(await addresses(port), ['192.0.2.80']);
  } finally {
    await stored.close();
    await server.close();
  }
});

t('a change announced with its recordsets is read as a delta and patched onto the serving version; a gap reads the whole zone', async (ctx) => {
  const s0 = (await ask(ctx.a.port, 'stored.test', 'SOA')).answers[0].data.serial as number;
  const ids = await ctx.storage.transaction(async (tx) => ({
    www: (await tx.getRecordsetByName(ctx.zone.id, 'www.stored.test.', 'A')).id,
    keep: (await tx.getRecordsetByName(ctx.zone.id, 'keep.stored.test.', 'TXT')).id,
  }));
  const commit = async (serial: number, www: string, dropKeep = false) => {
    await change(ctx, serial, [www]);
    if (dropKeep) await ctx.storage.transaction((tx) => tx.deleteRecordset(ids.keep));
  };
  const announce = async (serial: number, previousSerial: number) => {
    const instances = [ctx.a, ctx.b].filter(Boolean).length;
    const before = ctx.served.filter((m) => m.serial === serial).length;
    await ctx.bus.publish('zone.changed', {
      zoneId: ctx.zone.id, name: ZONE, serial, action: 'UPDATE', delta: { previousSerial, recordsetIds: [ids.www, ids.keep] },
    });
    for (let i = 0; ctx.served.filter((m) => m.serial === serial).length < before + instances; i++) {
      if (i > 1000) throw new Error(`serial ${serial} not served`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const loaded = (serial: number) => ctx.lines.filter((l) => l.msg === 'zone loaded from storage' && l.serial === serial);

  await commit(s0 + 1, '192.0.2.90', true);
  await announce(s0 + 1, s0);
  assert.ok(loaded(s0 + 1).length > 0 && loaded(s0 + 1).every((l) => l.changed === 3 && l.patched === true), JSON.stringify(loaded(s0 + 1)));
  for (const i of [ctx.a, ctx.b].filter(Boolean)) {
    assert.equal(await addresses(i.port), ['192.0.2.90']);
    assert.is((await ask(i.port, 'keep.stored.test', 'TXT')).rcode, 'NXDOMAIN', 'a deleted recordset leaves the model');
  }
  // The patch brings its own journal step: IXFR from the version before is incremental.
  const [, deleted, added] = await ixfr(ctx.a.port, s0);
  assert.ok(deleted.includes('keep.stored.test 3600 TXT kept'), JSON.stringify(deleted));
  assert.equal(added, [`SOA ${s0 + 1}`, 'www.stored.test 300 A 192.0.2.90']);

  await commit(s0 + 2, '192.0.2.91'); // never announced
  await commit(s0 + 3, '192.0.2.92');
  await announce(s0 + 3, s0 + 2);
  assert.ok(loaded(s0 + 3).length > 0 && loaded(s0 + 3).every((l) => l.changed === undefined), 'the gap makes a whole read');
  assert.equal(await addresses(ctx.a.port), ['192.0.2.92']);
});

t('a change that makes a zone cut is built whole instead of patched, and serves', async (ctx) => {
  const s0 = (await ask(ctx.a.port, 'stored.test', 'SOA')).answers[0].data.serial as number;
  await change(ctx, s0 + 1, ['192.0.2.93']);
  const ids = await ctx.storage.transaction(async (tx) => [
    (await tx.createRecordset({ zoneId: ctx.zone.id, name: 'sub.stored.test.', type: 'NS', records: [{ data: 'ns.elsewhere.example.' }] })).id,
    (await tx.getRecordsetByName(ctx.zone.id, 'www.stored.test.', 'A')).id,
  ]);
  const before = ctx.served.length;
  await ctx.bus.publish('zone.changed', { zoneId: ctx.zone.id, name: ZONE, serial: s0 + 1, action: 'UPDATE', delta: { previousSerial: s0, recordsetIds: ids } });
  for (let i = 0; !ctx.served.slice(before).some((m) => m.serial === s0 + 1); i++) {
    if (i > 1000) throw new Error(`serial ${s0 + 1} not served`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(ctx.lines.some((l) => l.msg === 'change needs a whole build of the zone' && /sub\.stored\.test\.: a zone cut appears/.test(String(l.reason))));
  assert.ok(ctx.lines.some((l) => l.msg === 'zone loaded from storage' && l.serial === s0 + 1 && l.patched === false));
  const referral = await ask(ctx.a.port, 'x.sub.stored.test', 'A');
  assert.is(referral.flag_aa, false);
  assert.equal(referral.authorities.map((a) => `${a.name} ${a.type} ${a.data}`), ['sub.stored.test NS ns.elsewhere.example']);
});

t('DELETE stops serving the zone: its names are REFUSED', async (ctx) => {
  await ctx.storage.transaction((tx) => tx.softDeleteZone(ctx.zone.id));
  await ctx.bus.publish('zone.changed', { zoneId: ctx.zone.id, name: ZONE, serial: 6, action: 'DELETE' });
  await new Promise((resolve) => setImmediate(resolve));
  for (const i of [ctx.a, ctx.b]) {
    assert.is((await ask(i.port, 'www.stored.test', 'A')).rcode, 'REFUSED');
    assert.is(i.stored.hosted(ctx.zone.id), null);
  }
  assert.is(ctx.a.server.zones.size, 0);
});

t.run();
