// What `zonecast designate-mdns` tells Designate's services over RabbitMQ (a vhost of this run's own, with the
// exchange and queues declared as oslo.messaging declares them): the heartbeat central turns into a
// service_statuses row, and for a NOTIFY of a SECONDARY zone whose master has another serial, the
// perform_zone_xfr cast the worker acts on. NOTIFYs for no SECONDARY zone, or from no master of it, are
// answered NOTAUTH and REFUSED and start nothing. A signed NOTIFY gets a signed answer, with the key as
// Designate stores it; one signed with a key Designate does not have, NOTAUTH with BADKEY.
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import dnsPacket from 'dns-packet';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseIni } from '../../services/config/ini.ts';
import { readSettings } from '../../services/designate-mdns/options.ts';
import { startDesignateMdns, type DesignateMdns } from '../../services/designate-mdns/run.ts';
import { readOsloEnvelope } from '../../services/messaging/oslo-codec.ts';
import { tsigErrorOf } from '../../engine/notify/packet.ts';
import { signRequest, TsigResponseVerifier } from '../../engine/tsig/client.ts';
import { algorithmByName, makeTsigKey, type TsigKey } from '../../engine/tsig/keys.ts';
import { decode, query, udpExchange } from '../helpers/client.ts';
import { DEFAULT_POOL, DesignateDb, type Zone } from '../helpers/designate-db.ts';
import { captureLog, type LogLine } from '../helpers/log-capture.ts';
import { mariadbUnavailable } from '../helpers/mariadb.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/until.ts';

const vhost = `zonecast-dmdns-${process.pid}`;
const rabbitmqctl = (...args: string[]) => execFileSync('rabbitmqctl', ['-q', ...args], { stdio: 'ignore', timeout: 60_000 });
let missing = await mariadbUnavailable();
try {
  rabbitmqctl('list_vhosts');
} catch (err) {
  missing ??= `rabbitmqctl: ${(err as Error).message}`;
}
if (missing !== null && process.env.CI === 'true') throw new Error(`MariaDB and RabbitMQ are required under CI=true: ${missing}`);

/** A primary on loopback that answers SOA questions with `serial`. */
async function soaServer(serial: () => number): Promise<{ port: number; close(): void }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, peer) => {
    const q = dnsPacket.decode(msg);
    const name = q.questions![0].name;
    const answer = dnsPacket.encode({
      type: 'response', id: q.id, flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: q.questions,
      answers: [{ type: 'SOA', name, ttl: 60, data: { mname: 'ns.master.test', rname: 'h.master.test', serial: serial(), refresh: 60, retry: 60, expire: 600, minimum: 60 } }],
    });
    socket.send(answer, peer.port, peer.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { port: socket.address().port, close: () => socket.close() };
}

type OsloMessage = ReturnType<typeof readOsloEnvelope>;
/** The designate_object.data of a DesignateObject primitive. */
const dataOf = <T>(primitive: unknown) => (primitive as { 'designate_object.data': T })['designate_object.data'];

/** Every message waiting in `queue` now, in order, read off it. */
async function drain(ch: Channel, queue: string): Promise<OsloMessage[]> {
  const messages: OsloMessage[] = [];
  for (let got = await ch.get(queue, { noAck: true }); got !== false; got = await ch.get(queue, { noAck: true })) messages.push(readOsloEnvelope(got.content));
  return messages;
}

/** The next message in `queue`, waiting for it at most 5 s. */
async function next(ch: Channel, queue: string): Promise<OsloMessage> {
  let message: OsloMessage | null = null;
  await until(`a message in queue ${queue}`, async () => {
    const got = await ch.get(queue, { noAck: true });
    if (got !== false) message = readOsloEnvelope(got.content);
    return message !== null;
  }, 5000);
  return message!;
}

interface Ctx { db: DesignateDb; mdns: DesignateMdns; port: number; lines: LogLine[]; broker: ChannelModel; ch: Channel }
const t = suite<Ctx>('designate-mdns: heartbeat and perform_zone_xfr casts');

if (missing !== null) {
  t.skip(`MariaDB or RabbitMQ not reachable: ${missing}`, () => {});
} else {
  t.before(async (ctx) => {
    rabbitmqctl('add_vhost', vhost);
    rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
    ctx.broker = await connect(`amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(vhost)}`);
    ctx.ch = await ctx.broker.createChannel();
    // As Designate's central and worker declare them (oslo's defaults: neither durable nor auto-delete).
    await ctx.ch.assertExchange('designate', 'topic', { durable: false, autoDelete: false });
    for (const queue of ['central', 'worker']) {
      await ctx.ch.assertQueue(queue, { durable: false, autoDelete: false });
      await ctx.ch.bindQueue(queue, 'designate', queue);
    }
    ctx.db = await DesignateDb.create('master');
    const doc = parseIni([
      `[DEFAULT]\ntransport_url = rabbit://guest:guest@127.0.0.1:5672/${vhost}\nhost = mdns-test-host`,
      `[storage:sqlalchemy]\nconnection = ${ctx.db.readOnlyUrl}`,
      '[service:mdns]\nlisten = 127.0.0.1:0',
      '[heartbeat_emitter]\nheartbeat_interval = 0.2',
    ].join('\n'));
    const { log, lines } = captureLog();
    ctx.lines = lines;
    ctx.mdns = await startDesignateMdns(readSettings(doc, {}), log);
    ctx.port = ctx.mdns.endpoints[0].port;
  });
  t.after(async (ctx) => {
    await ctx.mdns?.close();
    await ctx.broker?.close().catch(() => {});
    await ctx.db?.drop();
    rabbitmqctl('delete_vhost', vhost);
  });

  t('heartbeats reach central as update_service_status', async ({ ch }) => {
    const message = await next(ch, 'central');
    assert.is(message.method, 'update_service_status');
    const status = dataOf<Record<string, unknown>>(message.args.service_status);
    assert.is(status.service_name, 'mdns');
    assert.is(status.hostname, 'mdns-test-host');
    assert.is(status.status, 'UP');
  });

  t('a NOTIFY with a new serial of a SECONDARY zone has the worker transfer it', async ({ db, port, ch, lines }) => {
    let masterSerial = 5;
    const master = await soaServer(() => masterSerial);
    try {
      const zone: Zone = await db.createZone('secondary.test.', { type: 'SECONDARY', serial: 5 });
      await db.conn.query('INSERT INTO zone_masters (id, created_at, version, host, port, zone_id) VALUES (?, NOW(), 1, ?, ?, ?)',
        ['a'.repeat(32), '127.0.0.1', master.port, zone.id]);
      const notify = (name: string) => query(name, 'SOA', { opcode: 4, flags: 0, edns: false });
      // The same serial: acknowledged, nothing to transfer.
      const same = decode((await udpExchange(port, notify('secondary.test')))!);
      assert.is(same.rcode, 'NOERROR');
      assert.ok(same.flag_aa);
      // The master is asked after the acknowledgement.
      await until('the master asked', async () => lines.some((l) => /nothing to transfer/.test(l.msg)), 5000);
      masterSerial = 6;
      assert.is(decode((await udpExchange(port, notify('SECONDARY.test')))!).rcode, 'NOERROR');
      const message = await next(ch, 'worker');
      assert.is(message.method, 'perform_zone_xfr');
      assert.is(message.version, '1.1');
      assert.is(message.context.all_tenants, true);
      const sent = dataOf<Record<string, unknown>>(message.args.zone);
      assert.is(sent.name, 'secondary.test.');
      assert.is(sent.id, `${zone.id.slice(0, 8)}-${zone.id.slice(8, 12)}-${zone.id.slice(12, 16)}-${zone.id.slice(16, 20)}-${zone.id.slice(20)}`);
      assert.is(sent.serial, 5);
      const servers = (message.args.servers as unknown[]).map((s) => dataOf<{ host: string; port: number }>(s));
      assert.equal(servers.map((s) => [s.host, s.port]), [['127.0.0.1', master.port]]);
      // Only one cast: the NOTIFY with the stored serial sent none.
      assert.is(await ch.get('worker', { noAck: true }), false);
    } finally {
      master.close();
    }
  });

  t('NOTIFY for no SECONDARY zone is NOTAUTH; from no master of it, REFUSED', async ({ db, port }) => {
    const zone = await db.createZone('elsewhere.test.', { type: 'SECONDARY' });
    await db.conn.query('INSERT INTO zone_masters (id, created_at, version, host, port, zone_id) VALUES (?, NOW(), 1, ?, 53, ?)', ['b'.repeat(32), '192.0.2.1', zone.id]);
    const notify = (name: string) => query(name, 'SOA', { opcode: 4, flags: 0, edns: false });
    assert.is(decode((await udpExchange(port, notify('nothing.test')))!).rcode, 'NOTAUTH');
    assert.is(decode((await udpExchange(port, notify('elsewhere.test')))!).rcode, 'REFUSED');
  });

  t('a signed NOTIFY is answered signed; one signed with a key Designate lacks gets NOTAUTH, BADKEY', async ({ db, port }) => {
    const secret = Buffer.from('the master signs its notifies').toString('base64');
    await db.createTsigKey('master-key', secret, 'POOL', DEFAULT_POOL);
    const sha256 = algorithmByName('hmac-sha256')!;
    const signedNotify = async (name: string, key: TsigKey) => {
      const plain = query(name, 'SOA', { opcode: 4, flags: 0, edns: false });
      const buf = Buffer.alloc(plain.length + 512);
      plain.copy(buf);
      const { len, mac } = signRequest(buf, plain.length, buf.length, key, Math.floor(Date.now() / 1000));
      const reply = (await udpExchange(port, buf.subarray(0, len)))!;
      return { reply, status: new TsigResponseVerifier(key, mac).verify(reply, reply.length) };
    };
    const known = makeTsigKey('master-key', sha256, secret);
    for (const [name, rcode] of [['nothing.test', 'NOTAUTH'], ['elsewhere.test', 'REFUSED']]) {
      const { reply, status } = await signedNotify(name, known);
      assert.is(decode(reply).rcode, rcode, name);
      assert.is(status, 'ok', `${name}: the answer is signed with the NOTIFY's key`);
    }
    const { reply, status } = await signedNotify('elsewhere.test', makeTsigKey('unknown-key', sha256, secret));
    assert.is(decode(reply).rcode, 'NOTAUTH');
    assert.is(tsigErrorOf(reply, reply.length), 17, 'BADKEY');
    assert.is.not(status, 'ok');
  });

  t('RabbitMQ cut off: DNS goes on, and heartbeats resume once it is back', async ({ db, ch }) => {
    const proxy = await TcpProxy.start(5672);
    const doc = parseIni([
      `[DEFAULT]\ntransport_url = rabbit://guest:guest@127.0.0.1:${proxy.port}/${vhost}\nhost = mdns-cut-host`,
      `[storage:sqlalchemy]\nconnection = ${db.readOnlyUrl}`,
      '[service:mdns]\nlisten = 127.0.0.1:0',
      '[heartbeat_emitter]\nheartbeat_interval = 0.2',
    ].join('\n'));
    const { log, lines: own } = captureLog();
    const mdns = await startDesignateMdns(readSettings(doc, {}), log);
    const beatsFrom = async () => (await drain(ch, 'central')).filter((m) => dataOf<{ hostname: string }>(m.args.service_status).hostname === 'mdns-cut-host').length;
    try {
      const zone = await db.createZone('cut.test.');
      await until('a heartbeat through the proxy', async () => (await beatsFrom()) > 0, 5000);
      proxy.cut();
      await new Promise((r) => setTimeout(r, 500));
      await beatsFrom();
      const soa = decode((await udpExchange(mdns.endpoints[0].port, query('cut.test', 'SOA')))!);
      assert.is(soa.rcode, 'NOERROR', 'DNS answers with the broker away');
      assert.is((soa.answers[0].data as { serial: number }).serial, zone.serial);
      proxy.resume();
      await until('heartbeats again after the broker is back', async () => (await beatsFrom()) > 0, 15_000);
      assert.ok(own.some((l) => /connected to the message broker/.test(l.msg) && l.reconnected === true), 'the reconnection is logged');
    } finally {
      await mdns.close();
      await proxy.close();
    }
  });

  t('on close, master\'s schema (which knows STOPPED) gets a last heartbeat saying so', async (ctx) => {
    await ctx.mdns.close();
    const statuses = (await drain(ctx.ch, 'central')).map((m) => dataOf<{ status: string }>(m.args.service_status).status);
    assert.is(statuses.at(-1), 'STOPPED');
    ctx.mdns = undefined as unknown as DesignateMdns;
  });
}

t.run();
