// `zonecast designate-mdns` on master's schema: no negative caching, deletions seen at once, IXFR from the
// versions compiled, status-only updates compiling nothing, one statement per question, TSIG scoping
// (POOL and ZONE keys, keys created and deleted while it runs), a stalled database answered from the
// versions compiled, and a schema it cannot read refused at start.
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import dnsPacket from 'dns-packet';
import { algorithmByName, makeTsigKey, type TsigKey } from '../../engine/tsig/keys.ts';
import { fetchTransfer } from '../../engine/xfr/client.ts';
import { parseIni } from '../../services/config/ini.ts';
import { readSettings } from '../../services/designate-mdns/options.ts';
import { startDesignateMdns, type DesignateMdns } from '../../services/designate-mdns/run.ts';
import { query, udp, type Decoded } from '../helpers/client.ts';
import { DesignateDb, type Zone } from '../helpers/designate-db.ts';
import { captureLog, type LogLine } from '../helpers/log-capture.ts';
import { mariadbUnavailable, MYSQL_URL } from '../helpers/mariadb.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';

const missing = await mariadbUnavailable();
if (missing !== null && process.env.CI === 'true') throw new Error(`MariaDB is required under CI=true: ${missing}`);

interface Ctx { db: DesignateDb; mdns: DesignateMdns; port: number; lines: LogLine[]; zone: Zone }
const t = suite<Ctx>('designate-mdns: freshness and scoping');

async function start(url: string, extra = ''): Promise<{ mdns: DesignateMdns; port: number; lines: LogLine[] }> {
  const doc = parseIni(`[storage:sqlalchemy]\nconnection = ${url}\n[service:mdns]\nlisten = 127.0.0.1:0\n${extra}`);
  const { log, lines } = captureLog();
  const mdns = await startDesignateMdns(readSettings(doc, {}), log);
  return { mdns, port: mdns.endpoints[0].port, lines };
}

const serialOf = (m: Decoded) => (m.answers.find((a) => a.type === 'SOA')?.data as { serial: number } | undefined)?.serial;
const sha256 = algorithmByName('hmac-sha256')!;

/** The transfer's messages decoded, or the rcode of a refusal. */
async function transfer(port: number, zone: string, serial: number | null, key: TsigKey | null = null): Promise<dnsPacket.Packet[] | string> {
  try {
    const fetched = await fetchTransfer({ host: '127.0.0.1', port, key }, zone, serial, 10_000);
    return fetched.messages.map((m) => dnsPacket.decode(Buffer.from(m)));
  } catch (err) {
    return (err as Error).message;
  }
}

if (missing !== null) {
  t.skip('MariaDB not reachable', () => {});
} else {
  t.before(async (ctx) => {
    ctx.db = await DesignateDb.create('master');
    ctx.zone = await ctx.db.createZone('example.com.');
    await ctx.db.addRecordset(ctx.zone, 'www.example.com.', 'A', ['192.0.2.1']);
    Object.assign(ctx, await start(ctx.db.readOnlyUrl));
  });
  t.after(async (ctx) => {
    await ctx.mdns?.close();
    await ctx.db?.drop();
  });

  t('a zone asked for before it exists is answered as soon as it is committed', async ({ db, port }) => {
    assert.is((await udp(port, query('fresh.test', 'SOA'))).rcode, 'REFUSED');
    const zone = await db.createZone('fresh.test.');
    const soa = await udp(port, query('fresh.test', 'SOA'));
    assert.is(soa.rcode, 'NOERROR');
    assert.is(serialOf(soa), zone.serial);
    const axfr = await transfer(port, 'fresh.test.', null);
    assert.ok(Array.isArray(axfr), String(axfr));
  });

  t('a deleted zone is refused at once, its transfer too', async ({ db, port }) => {
    const zone = await db.createZone('gone.test.');
    assert.is((await udp(port, query('gone.test', 'SOA'))).rcode, 'NOERROR');
    await db.deleteZone(zone);
    assert.is((await udp(port, query('gone.test', 'SOA'))).rcode, 'REFUSED');
    assert.match(String(await transfer(port, 'gone.test.', null)), /NOTAUTH/);
  });

  t('IXFR after one change sends that change only', async ({ db, port, zone }) => {
    const before = zone.serial;
    assert.is(serialOf(await udp(port, query('example.com', 'SOA'))), before);
    await db.addRecordset(zone, 'one.example.com.', 'A', ['192.0.2.9']);
    assert.is(serialOf(await udp(port, query('example.com', 'SOA'))), zone.serial);
    const ixfr = await transfer(port, 'example.com.', before);
    assert.ok(Array.isArray(ixfr), String(ixfr));
    const answers = (ixfr as dnsPacket.Packet[]).flatMap((m) => m.answers ?? []);
    // SOA new, SOA old, (nothing deleted but the old SOA), SOA new, the added A, SOA new.
    assert.equal(answers.map((a) => a.type), ['SOA', 'SOA', 'SOA', 'A', 'SOA']);
    assert.is(answers[3].name, 'one.example.com');
  });

  t('a status-only update compiles nothing and serves on', async ({ db, port, zone, lines }) => {
    await udp(port, query('example.com', 'SOA'));
    const compiled = lines.filter((l) => /zone (re)?compiled/.test(l.msg)).length;
    await db.markActive(zone);
    assert.is(serialOf(await udp(port, query('example.com', 'SOA'))), zone.serial);
    assert.is(lines.filter((l) => /zone (re)?compiled/.test(l.msg)).length, compiled);
  });

  t('records changed under the same serial (2023.2+) are served, and IXFR starts over', async ({ db, port, zone }) => {
    const serial = zone.serial;
    await db.addRecordset(zone, 'late.example.com.', 'A', ['192.0.2.7'], { bump: false });
    await db.conn.query('UPDATE zones SET version = version + 1 WHERE id = ?', [zone.id]);
    assert.is((await udp(port, query('late.example.com', 'A'))).answers.length, 1);
    assert.is(serialOf(await udp(port, query('example.com', 'SOA'))), serial);
    await db.bumpSerial(zone);
    const ixfr = await transfer(port, 'example.com.', serial);
    assert.ok(Array.isArray(ixfr));
    const types = (ixfr as dnsPacket.Packet[]).flatMap((m) => m.answers ?? []).map((a) => a.type);
    assert.is(types[1], 'NS', 'a full zone (AXFR-style), not an increment from a serial whose records changed');
  });

  t('a SECONDARY zone before its first transfer (its SOA alone) is SERVFAIL, logged as the normal state it is', async ({ db, port, lines }) => {
    const zone = await db.createZone('awaiting.test.', { type: 'SECONDARY' });
    await db.conn.query("DELETE records, recordsets FROM records JOIN recordsets ON records.recordset_id = recordsets.id WHERE recordsets.zone_id = ? AND recordsets.type = 'NS'", [zone.id]);
    assert.is((await udp(port, query('awaiting.test', 'SOA'))).rcode, 'SERVFAIL');
    assert.ok(lines.some((l) => /not transferred from its masters yet/.test(l.msg) && l.level === 30));
    assert.not.ok(lines.some((l) => l.zone === 'awaiting.test.' && (l.level as number) >= 50), 'no error logged');
  });

  t('an unchanged zone costs one statement per question', async ({ port, mdns }) => {
    await udp(port, query('example.com', 'SOA'));
    const before = mdns.database.statements;
    for (let i = 0; i < 20; i++) await udp(port, query('www.example.com', 'A'));
    assert.is(mdns.database.statements - before, 20);
  });

  t('TSIG scoping: pools, zones, keys created and deleted while serving', async ({ db, port, zone }) => {
    const poolB = randomBytes(16).toString('hex');
    await db.createPool(poolB, 'b', ['ns1.b.test.']);
    const other = await db.createZone('other.test.', { poolId: poolB });
    const twin = await db.createZone('example.com.', { poolId: poolB, serial: 42 });
    // Unsigned questions see the default pool only.
    assert.is((await udp(port, query('other.test', 'SOA'))).rcode, 'REFUSED');
    assert.match(String(await transfer(port, 'other.test.', null)), /NOTAUTH/);
    assert.is(serialOf(await udp(port, query('example.com', 'SOA'))), zone.serial);
    // A POOL key sees its pool: created now, used at once.
    const secret = randomBytes(32).toString('base64');
    const keyId = await db.createTsigKey('pool-b-key', secret, 'POOL', poolB);
    const poolKey = makeTsigKey('pool-b-key', sha256, secret);
    const b = await transfer(port, 'other.test.', null, poolKey);
    assert.ok(Array.isArray(b), String(b));
    const twinSoa = await transfer(port, 'example.com.', null, poolKey) as dnsPacket.Packet[];
    assert.is(((twinSoa[0].answers![0] as { data: { serial: number } }).data).serial, twin.serial);
    // A ZONE key sees its zone only.
    const zoneSecret = randomBytes(32).toString('base64');
    await db.createTsigKey('zone-key', zoneSecret, 'ZONE', other.id);
    const zoneKey = makeTsigKey('zone-key', sha256, zoneSecret);
    assert.ok(Array.isArray(await transfer(port, 'other.test.', null, zoneKey)));
    assert.match(String(await transfer(port, 'example.com.', null, zoneKey)), /NOTAUTH/);
    // A deleted key opens nothing.
    await db.conn.query('DELETE FROM tsigkeys WHERE id = ?', [keyId]);
    const after = await transfer(port, 'other.test.', null, poolKey);
    assert.match(String(after), /TSIG|NOTAUTH/, JSON.stringify(after).slice(0, 300));
  });

  t('a ZONE key sees its zone, not a child zone of the same pool that other questions compiled', async ({ db, port }) => {
    const pool = randomBytes(16).toString('hex');
    await db.createPool(pool, 'c', ['ns1.c.test.']);
    await db.createZone('parent.test.', { poolId: pool });
    const child = await db.createZone('child.parent.test.', { poolId: pool });
    await db.addRecordset(child, 'www.child.parent.test.', 'A', ['192.0.2.55']);
    const poolSecret = randomBytes(32).toString('base64');
    await db.createTsigKey('pool-c-key', poolSecret, 'POOL', pool);
    const zoneSecret = randomBytes(32).toString('base64');
    const parentId = (await db.conn.query("SELECT id FROM zones WHERE name = 'parent.test.'"))[0] as { id: string }[];
    await db.createTsigKey('parent-key', zoneSecret, 'ZONE', parentId[0].id);
    // The pool's key compiles the child zone into the pool's table ...
    assert.ok(Array.isArray(await transfer(port, 'child.parent.test.', null, makeTsigKey('pool-c-key', sha256, poolSecret))));
    const parentKey = makeTsigKey('parent-key', sha256, zoneSecret);
    // ... and the parent's key still sees only the parent.
    assert.ok(Array.isArray(await transfer(port, 'parent.test.', null, parentKey)));
    assert.match(String(await transfer(port, 'child.parent.test.', null, parentKey)), /NOTAUTH|REFUSED/);
  });

  t('a stalled or down database: the versions compiled answer, SERVFAIL where none is; fresh again once it answers', async ({ db }) => {
    const mysql = new URL(MYSQL_URL.replace(/^[a-z0-9+.-]+:\/\//i, 'mysql://'));
    const proxy = await TcpProxy.start(Number(mysql.port || 3306), mysql.hostname);
    const url = db.readOnlyUrl.replace(/@[^/]+\//, `@127.0.0.1:${proxy.port}/`);
    const { mdns, port, lines } = await start(url, 'check_timeout = 0.2\n');
    try {
      const zone = await db.createZone('stall.test.');
      assert.is((await udp(port, query('stall.test', 'SOA'))).rcode, 'NOERROR');
      proxy.stall();
      await db.bumpSerial(zone);
      const started = performance.now();
      const stale = await udp(port, query('stall.test', 'SOA'));
      assert.ok(performance.now() - started < 900, 'answered within the check timeout');
      assert.is(serialOf(stale), zone.serial - 1, 'the version compiled');
      assert.is((await udp(port, query('unknown.test', 'SOA'))).rcode, 'SERVFAIL');
      assert.ok(lines.some((l) => /database check did not finish/.test(l.msg)));
      proxy.resume();
      let fresh: number | undefined;
      for (let i = 0; i < 50 && fresh !== zone.serial; i++) fresh = serialOf(await udp(port, query('stall.test', 'SOA')));
      assert.is(fresh, zone.serial);
      // Down (connections refused at once) rather than stalled: the same answers, without the wait.
      proxy.cut();
      const down = performance.now();
      assert.is(serialOf(await udp(port, query('stall.test', 'SOA'))), zone.serial);
      assert.is((await udp(port, query('unknown.test', 'SOA'))).rcode, 'SERVFAIL');
      assert.ok(performance.now() - down < 900, 'answered at once');
    } finally {
      await mdns.close();
      await proxy.close();
    }
  });

  t('a database that is not Designate\'s is refused at start, naming what is missing', async ({ db }) => {
    const url = db.readOnlyUrl.replace(`/${db.name}?`, '/information_schema?');
    const err = await start(url).then(() => null, (e: Error) => e);
    assert.ok(err !== null);
    assert.match(err!.message, /not a Designate schema.*missing/);
  });
}

t.run();
