// `zonecast designate-mdns` over each release's Designate schema (fixtures/designate-schema), in MariaDB,
// read by a SELECT-only user, with rows written as Designate's central writes them: every question sees
// the database as it is now (a change, a new zone, a deleted one), AXFR and IXFR, pool and zone scoping by
// TSIG key, and answers from the versions compiled while the database stalls.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import dnsPacket from 'dns-packet';
import { fetchTransfer } from '../../engine/xfr/client.ts';
import { readSettings } from '../../services/designate-mdns/options.ts';
import { startDesignateMdns, type DesignateMdns } from '../../services/designate-mdns/run.ts';
import { parseIni } from '../../services/config/ini.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { query, tcp, udp, udpExchange, type Decoded } from '../helpers/client.ts';
import { buildQuery } from '../helpers/tsig-util.ts';
import { DesignateDb, RELEASES, type DesignateRelease, type Zone } from '../helpers/designate-db.ts';
import { mariadbUnavailable } from '../helpers/mariadb.ts';

const missing = await mariadbUnavailable();
if (missing !== null && process.env.CI === 'true') throw new Error(`MariaDB is required under CI=true: ${missing}`);

async function start(db: DesignateDb, extra = '', url = db.readOnlyUrl): Promise<{ mdns: DesignateMdns; port: number; lines: ReturnType<typeof captureLog>['lines'] }> {
  const doc = parseIni(`[storage:sqlalchemy]\nconnection = ${url}\n[service:mdns]\nlisten = 127.0.0.1:0\n${extra}`);
  const { log, lines } = captureLog();
  const mdns = await startDesignateMdns(readSettings(doc, {}), log);
  return { mdns, port: mdns.endpoints[0].port, lines };
}

const soaSerial = (m: Decoded) => (m.answers.find((a) => a.type === 'SOA')?.data as { serial: number } | undefined)?.serial;

/** The transfer's answers, every message's in order. */
async function transfer(port: number, zone: string): Promise<{ name: string; type: string; data: unknown }[]> {
  const fetched = await fetchTransfer({ host: '127.0.0.1', port, key: null }, zone, null, 10_000);
  return fetched.messages.flatMap((m) => (dnsPacket.decode(Buffer.from(m)).answers ?? []) as { name: string; type: string; data: unknown }[]);
}

for (const release of RELEASES) {
  const t = suite<{ db: DesignateDb; mdns: DesignateMdns; port: number; zone: Zone }>(`designate-mdns on ${release}'s schema`);
  if (missing !== null) {
    t.skip('MariaDB not reachable', () => {});
    t.run();
    continue;
  }
  t.before(async (ctx) => {
    ctx.db = await DesignateDb.create(release as DesignateRelease);
    ctx.zone = await ctx.db.createZone('Example.COM.');
    await ctx.db.addRecordset(ctx.zone, 'www.example.com.', 'A', ['192.0.2.1', '192.0.2.2'], { ttl: 300 });
    const started = await start(ctx.db);
    ctx.mdns = started.mdns;
    ctx.port = started.port;
  });
  t.after(async (ctx) => {
    await ctx.mdns?.close();
    await ctx.db?.drop();
  });

  t('serves the zone: SOA, A, NXDOMAIN with the SOA, the same over TCP', async ({ port, zone }) => {
    const soa = await udp(port, query('example.com', 'SOA'));
    assert.is(soa.rcode, 'NOERROR');
    assert.ok(soa.flag_aa);
    assert.is(soaSerial(soa), zone.serial);
    const a = await udp(port, query('WWW.example.com', 'A'));
    assert.equal(a.answers.map((r) => r.data).sort(), ['192.0.2.1', '192.0.2.2']);
    assert.is(a.answers[0].ttl, 300);
    const nx = await udp(port, query('nope.example.com', 'A'));
    assert.is(nx.rcode, 'NXDOMAIN');
    assert.is(nx.authorities[0].type, 'SOA');
    const overTcp = await tcp(port, query('www.example.com', 'A'));
    assert.is(overTcp.answers.length, 2);
  });

  t('a committed change is answered by the next question', async ({ db, port, zone }) => {
    await db.addRecordset(zone, 'new.example.com.', 'TXT', ['"hello"']);
    const soa = await udp(port, query('example.com', 'SOA'));
    assert.is(soaSerial(soa), zone.serial);
    const txt = await udp(port, query('new.example.com', 'TXT'));
    assert.is(txt.rcode, 'NOERROR');
    assert.is(txt.answers.length, 1);
  });

  t('AXFR streams the zone as stored, SOA first and last', async ({ port, zone }) => {
    const answers = await transfer(port, 'example.com.');
    assert.is(answers[0].type, 'SOA');
    assert.is(answers.at(-1)!.type, 'SOA');
    assert.is((answers[0].data as { serial: number }).serial, zone.serial);
    assert.ok(answers.some((a) => a.name === 'www.example.com' && a.type === 'A'));
    assert.ok(answers.some((a) => a.name === 'new.example.com' && a.type === 'TXT'));
  });

  const catalogs = release === '2024.1' || release === 'master';
  (catalogs ? t : t.skip)('a catalog zone lists the pool\'s zones as Designate generates it, current at every question', async ({ db, port, zone }) => {
    const catalog = await db.createCatalogZone('catalog.example.org.', zone.poolId);
    const member = await db.createZone('member.test.');
    // In the engine's (canonical) order, where designate-mdns sends them by creation: the same set.
    const ptrs = async () => (await transfer(port, 'catalog.example.org.')).filter((a) => a.type === 'PTR').map((a) => [a.name, a.data]).sort();
    const all = await transfer(port, 'catalog.example.org.');
    assert.equal(all.map((a) => a.type), ['SOA', 'NS', 'TXT', 'PTR', 'PTR', 'SOA']);
    assert.is(all[1].data, 'invalid');
    assert.equal(all[2].data, [Buffer.from('2')]);
    const dashed = (id: string) => `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
    assert.equal(await ptrs(), [
      [`${dashed(zone.id)}.zones.catalog.example.org`, 'Example.COM'],
      [`${dashed(member.id)}.zones.catalog.example.org`, 'member.test'],
    ].sort());
    // A member being deleted leaves the catalog at once; so does one moved to another pool, though no catalog row changes.
    await db.markDeleting(member);
    assert.is((await ptrs()).length, 1);
    await db.conn.query("UPDATE zones SET pool_id = '0123456789abcdef0123456789abcdef' WHERE id = ?", [zone.id]);
    assert.is((await ptrs()).length, 0);
    await db.conn.query('UPDATE zones SET pool_id = ? WHERE id = ?', [catalog.poolId, zone.id]);
  });

  const svcb = release === 'master';
  (svcb ? t : t.skip)('HTTPS, SVCB and TLSA records where the schema has them', async ({ db, port, zone }) => {
    await db.addRecordset(zone, 'svc.example.com.', 'HTTPS', ['1 . alpn="h2,h3"']);
    await db.addRecordset(zone, '_svc.example.com.', 'SVCB', ['1 svc.example.com. port=8443']);
    await db.addRecordset(zone, '_443._tcp.example.com.', 'TLSA', ['3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef']);
    // dns-packet knows none of the three: the questions are built by type number, the answers counted in the header.
    for (const [name, type] of [['svc.example.com.', 65], ['_svc.example.com.', 64], ['_443._tcp.example.com.', 52]] as const) {
      const [buf, len] = buildQuery(name, type);
      const reply = (await udpExchange(port, buf.subarray(0, len)))!;
      assert.is(reply[3] & 0xf, 0, `type ${type}: NOERROR`);
      assert.is(reply.readUInt16BE(6), 1, `type ${type}: one answer`);
    }
  });

  t('an unknown name outside every zone is refused', async ({ port }) => {
    const refused = await udp(port, query('example.net', 'SOA'));
    assert.is(refused.rcode, 'REFUSED');
  });

  t.run();
}

