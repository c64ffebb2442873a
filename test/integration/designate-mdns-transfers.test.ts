// `zonecast designate-mdns`: the first AXFR of a version not compiled yet is sent while the zone is read
// from Designate's database, not after the read and the compile. The database is reached through a proxy
// that lets it answer slowly, so the read takes seconds: the first message must arrive before the read has
// ended (the compile, which needs the whole zone, has not begun), and the whole transfer holds exactly what
// the compiled version then transfers. Signed transfers are signed the same way; transfers arriving
// together share the one read.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createConnection } from 'node:net';
import dnsPacket from 'dns-packet';
import { algorithmByName, makeTsigKey } from '../../engine/tsig/keys.ts';
import { fetchTransfer } from '../../engine/xfr/client.ts';
import { parseIni } from '../../services/config/ini.ts';
import { readSettings } from '../../services/designate-mdns/options.ts';
import { startDesignateMdns, type DesignateMdns } from '../../services/designate-mdns/run.ts';
import { DEFAULT_POOL, DesignateDb } from '../helpers/designate-db.ts';
import { captureLog, type LogLine } from '../helpers/log-capture.ts';
import { mariadbUnavailable, MYSQL_URL } from '../helpers/mariadb.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/until.ts';

const missing = await mariadbUnavailable();
if (missing !== null && process.env.CI === 'true') throw new Error(`MariaDB is required under CI=true: ${missing}`);

interface Ctx { db: DesignateDb; proxy: TcpProxy; mdns: DesignateMdns; port: number; lines: LogLine[] }
const t = suite<Ctx>('designate-mdns: AXFR while the zone is read');

const RECORDS = 10_000;
const streamed = (lines: LogLine[], zone: string, serial?: number) =>
  lines.filter((l) => l.msg === 'AXFR sent as the zone is read' && l.zone === zone && (serial === undefined || l.serial === serial)).length;
const compiled = (lines: LogLine[], zone: string) => lines.filter((l) => /^zone (re)?compiled$/.test(String(l.msg)) && l.zone === zone).length;

const compiledOnce = (lines: LogLine[], zone: string) => until(`${zone} compiled`, async () => compiled(lines, zone) >= 1, 10_000);

/** An unsigned AXFR: its records (name, type, data) in order, and `onFirst` called when the first message is in. */
function axfr(port: number, zone: string, onFirst: () => void = () => {}): Promise<string[]> {
  const request = dnsPacket.streamEncode({ type: 'query', id: 7, flags: 0, questions: [{ name: zone, type: 'AXFR', class: 'IN' }] });
  return new Promise((resolve, reject) => {
    const records: string[] = [];
    let pending = Buffer.alloc(0);
    let soas = 0;
    const socket = createConnection(port, '127.0.0.1', () => socket.write(request));
    const timer = setTimeout(() => fail(new Error(`${zone}: AXFR not done within 30 s`)), 30_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error(`${zone}: connection closed after ${records.length} records`)));
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const message = dnsPacket.decode(pending.subarray(2, 2 + pending.readUInt16BE(0)));
        pending = pending.subarray(2 + pending.readUInt16BE(0));
        if (records.length === 0) onFirst();
        for (const rr of (message.answers ?? []) as { name: string; type: string; data: unknown }[]) {
          records.push(JSON.stringify([rr.name.toLowerCase(), rr.type, rr.data]));
          if (rr.type === 'SOA' && ++soas === 2) {
            clearTimeout(timer);
            socket.removeAllListeners('close');
            socket.destroy();
            return resolve(records);
          }
        }
      }
    });
  });
}

if (missing !== null) {
  t.skip('MariaDB not reachable', () => {});
} else {
  t.before(async (ctx) => {
    ctx.db = await DesignateDb.create('zed');
    const mysql = new URL(MYSQL_URL.replace(/^[a-z0-9+.-]+:\/\//i, 'mysql://'));
    ctx.proxy = await TcpProxy.start(Number(mysql.port || 3306), mysql.hostname);
    const url = ctx.db.readOnlyUrl.replace(/@[^/]+\//, `@127.0.0.1:${ctx.proxy.port}/`);
    const { log, lines } = captureLog();
    ctx.mdns = await startDesignateMdns(readSettings(parseIni(`[storage:sqlalchemy]\nconnection = ${url}\n[service:mdns]\nlisten = 127.0.0.1:0\n`), {}), log);
    ctx.port = ctx.mdns.endpoints[0].port;
    ctx.lines = lines;
  });
  t.after(async (ctx) => {
    await ctx.mdns?.close();
    await ctx.proxy?.close();
    await ctx.db?.drop();
  });

  t('the first message of a new version goes out before the read ends; the whole is what the compiled version sends', async ({ db, proxy, port, lines }) => {
    const zone = await db.createZone('stream.test.');
    // Few recordsets, many records: the records, which the transfer is made of, are most of what is read.
    await db.addBulk(zone, RECORDS, 50);
    // About 0.6 MB of rows at 200 KB/s: the read takes about three seconds.
    proxy.throttle(200_000);
    let compiledAtFirst = -1;
    const started = performance.now();
    let firstMs = 0;
    const sent = await axfr(port, 'stream.test.', () => {
      compiledAtFirst = compiled(lines, 'stream.test.');
      firstMs = performance.now() - started;
    }).finally(() => proxy.throttle(null));
    const totalMs = performance.now() - started;
    assert.is(streamed(lines, 'stream.test.'), 1, 'streamed from the read');
    assert.is(compiledAtFirst, 0, 'the first message came before the read ended');
    assert.ok(firstMs < totalMs / 2, `first message at ${Math.round(firstMs)} ms of ${Math.round(totalMs)} ms`);
    assert.is(sent.length, RECORDS + 3, 'SOA, NS, the records, SOA');
    assert.is(sent[0], sent.at(-1));

    // Once the version is compiled, transfers come from its image: the same records.
    await compiledOnce(lines, 'stream.test.');
    const later = await axfr(port, 'stream.test.');
    assert.is(streamed(lines, 'stream.test.'), 1, 'not streamed once compiled');
    assert.is(later[0], sent[0]);
    assert.equal([...later].sort(), [...sent].sort());
  });

  t('a signed AXFR of a new version is signed message by message; transfers asking together share the read', async ({ db, port, lines }) => {
    const zone = await db.createZone('signed-stream.test.');
    await db.addBulk(zone, RECORDS);
    const secret = Buffer.from('streamed transfers are signed too').toString('base64');
    await db.createTsigKey('stream-key', secret, 'POOL', DEFAULT_POOL);
    const key = makeTsigKey('stream-key', algorithmByName('hmac-sha256')!, secret);
    const [signed, plain] = await Promise.all([
      fetchTransfer({ host: '127.0.0.1', port, key }, 'signed-stream.test.', null, 30_000),
      axfr(port, 'signed-stream.test.'),
    ]);
    assert.is(streamed(lines, 'signed-stream.test.'), 2, 'both streamed');
    await compiledOnce(lines, 'signed-stream.test.');
    await new Promise((r) => setTimeout(r, 200));
    assert.is(compiled(lines, 'signed-stream.test.'), 1, 'from one read');
    const records = signed.messages.reduce((n, m) => n + (dnsPacket.decode(Buffer.from(m)).answers?.length ?? 0), 0);
    assert.is(records, plain.length);

    // A new version: streamed again, with its serial.
    await db.addRecordset(zone, 'new.signed-stream.test.', 'A', ['192.0.2.77']);
    const next = await axfr(port, 'signed-stream.test.');
    assert.is(streamed(lines, 'signed-stream.test.'), 3);
    assert.is((JSON.parse(next[0]) as [string, string, { serial: number }])[2].serial, zone.serial);
    assert.ok(next.includes(JSON.stringify(['new.signed-stream.test', 'A', '192.0.2.77'])));
  });

  t('a change committed while the previous version is still read: its AXFR streams from the read that follows', async ({ db, proxy, port, lines }) => {
    const zone = await db.createZone('busy-stream.test.');
    await db.addBulk(zone, RECORDS, 50);
    const first = zone.serial;
    proxy.throttle(200_000);
    try {
      const older = axfr(port, 'busy-stream.test.');
      await until('the older version streamed', async () => streamed(lines, 'busy-stream.test.', first) === 1, 10_000);
      await db.addRecordset(zone, 'late.busy-stream.test.', 'A', ['192.0.2.99']);
      const newer = await axfr(port, 'busy-stream.test.');
      assert.is(compiled(lines, 'busy-stream.test.'), 1, 'the older version compiled first');
      assert.is(streamed(lines, 'busy-stream.test.', zone.serial), 1, 'the newer version streamed');
      assert.is((JSON.parse(newer[0]) as [string, string, { serial: number }])[2].serial, zone.serial);
      assert.ok(newer.includes(JSON.stringify(['late.busy-stream.test', 'A', '192.0.2.99'])));
      const old = await older;
      assert.is((JSON.parse(old[0]) as [string, string, { serial: number }])[2].serial, first);
      assert.not.ok(old.includes(JSON.stringify(['late.busy-stream.test', 'A', '192.0.2.99'])));
    } finally {
      proxy.throttle(null);
    }
  });
}

t.run();
