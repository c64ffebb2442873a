// AXFR over TCP (RFC 5936): message framing, SOA first and last, the question only in the first message,
// every record exactly once, names compressed only inside a message, access control, and a stalled reader.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import { decode, query, TcpClient, udp, type Decoded } from '../helpers/client.ts';
import { DEMO_ZONES, startServer, type TestServer } from '../helpers/server.ts';
import { tool } from '../helpers/tools.ts';

const RECORDS = 30_000;
const t = suite<{ s: TestServer; dir: string }>('axfr');
let port = 0;

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-axfr-'));
  cpSync(DEMO_ZONES, ctx.dir, { recursive: true });
  const lines = ['$TTL 300', '@ SOA ns1 hostmaster 5 3600 600 86400 60', '@ NS ns1', 'ns1 A 192.0.2.1'];
  for (let i = 0; i < RECORDS; i++) lines.push(`host${i}.sub${i % 97} A 10.0.${(i >> 8) & 255}.${i & 255}`);
  writeFileSync(join(ctx.dir, 'big.test.zone'), lines.join('\n') + '\n');
  ctx.s = await startServer({ allowTransfer: ['127.0.0.0/8'], tcpIdleTimeout: 1 }, ctx.dir);
  port = ctx.s.port;
});
t.after(async (ctx) => {
  await ctx.s.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

/** Reads messages until one ends with a second SOA (or the connection closes). */
async function transfer(name: string, type = 'AXFR', id = 4242, to = port): Promise<{ raw: Buffer[]; msgs: Decoded[] }> {
  const client = await TcpClient.connect(to);
  client.send(query(name, type, { id, edns: false }));
  const deadline = Date.now() + 10_000;
  let soas = 0;
  while (soas < 2 && Date.now() < deadline && !client.closed) {
    await client.waitFor(client.replies.length + 1, 10_000).catch(() => undefined);
    soas = client.replies.map(decode).flatMap((m) => m.answers).filter((a) => a.type === 'SOA').length;
    if (client.replies.length === 1 && decode(client.replies[0]).rcode !== 'NOERROR') break;
  }
  client.close();
  return { raw: client.replies, msgs: client.replies.map(decode) };
}

t('a multi-message AXFR: SOA first and last, question in the first message only, every record once', async () => {
  const { raw, msgs } = await transfer('big.test');
  assert.ok(msgs.length > 1, `${msgs.length} messages`);
  for (const [i, m] of msgs.entries()) {
    assert.is(m.id, 4242);
    assert.is(m.rcode, 'NOERROR');
    assert.ok(m.flag_aa);
    assert.not.ok(m.flag_tc);
    assert.is(m.questions.length, i === 0 ? 1 : 0, `message ${i} question count`);
    assert.ok(raw[i].length <= 65535);
  }
  assert.is(msgs[0].questions[0].type, 'AXFR');
  const all = msgs.flatMap((m) => m.answers);
  assert.is(all[0].type, 'SOA');
  assert.is(all.at(-1)!.type, 'SOA');
  assert.equal(all[0].data, all.at(-1)!.data);
  assert.is(all.filter((a) => a.type === 'SOA').length, 2, 'no SOA in the middle');
  const hosts = new Set(all.filter((a) => a.name.startsWith('host')).map((a) => a.name));
  assert.is(hosts.size, RECORDS);
  assert.is(all.length, RECORDS + 4, 'SOA, NS, ns1 A, the hosts, SOA');
});

t('max_message_size bounds every message', async (ctx) => {
  const small = await startServer({ allowTransfer: ['127.0.0.0/8'], maxMessageSize: 4096 }, ctx.dir);
  try {
    const { raw, msgs } = await transfer('big.test', 'AXFR', 1, small.port);
    assert.ok(raw.every((m) => m.length <= 4096), `largest ${Math.max(...raw.map((m) => m.length))}`);
    assert.ok(msgs.length > 100);
    assert.is(msgs.flatMap((m) => m.answers).length, RECORDS + 4);
  } finally {
    await small.close();
  }
});

t('names never point into another message', async () => {
  const { raw } = await transfer('big.test');
  // dns-packet follows pointers only within the buffer it is given: every message must decode alone,
  // and must decode to the same owner names when re-encoded without compression.
  for (const msg of raw) {
    const m = decode(msg);
    const reencoded = dnsPacket.decode(dnsPacket.encode(m as never)) as unknown as Decoded;
    assert.equal(reencoded.answers.map((a) => a.name), m.answers.map((a) => a.name));
  }
});

t('the question is echoed as asked; an IXFR without the client SOA is FORMERR (RFC 1995 §3)', async () => {
  const { msgs } = await transfer('ExAmple.COM');
  assert.is(msgs[0].questions[0].name, 'ExAmple.COM');
  const ixfr = await transfer('example.com', 'IXFR');
  assert.is(ixfr.msgs[0].rcode, 'FORMERR');
  assert.is(ixfr.msgs[0].questions[0].type, 'IXFR');
});

t('not authoritative: NOTAUTH; over UDP: FORMERR', async () => {
  assert.is((await transfer('sub.example.com')).msgs[0].rcode, 'NOTAUTH');
  assert.is((await transfer('example.org')).msgs[0].rcode, 'NOTAUTH');
  assert.is((await udp(port, query('example.com', 'AXFR'))).rcode, 'FORMERR');
});

t('refused outside allow_transfer, and secure by default', async () => {
  const closed = await startServer({ allowTransfer: [] });
  try {
    const client = await TcpClient.connect(closed.port);
    client.send(query('example.com', 'AXFR', { edns: false }));
    const [reply] = await client.waitFor(1);
    client.close();
    const r = decode(reply);
    assert.is(r.rcode, 'REFUSED');
    assert.is(r.answers.length, 0);
  } finally {
    await closed.close();
  }
});

t('queries pipelined behind a transfer are answered after it', async () => {
  const client = await TcpClient.connect(port);
  client.send(query('example.com', 'AXFR', { id: 1, edns: false }));
  client.send(query('mail.example.com', 'A', { id: 2, edns: false }));
  await client.waitFor(2);
  client.close();
  assert.equal(client.replies.map((r) => r.readUInt16BE(0)), [1, 2]);
});

t('a reader that stalls is disconnected after the idle timeout, not twice that', async (ctx) => {
  const client = await TcpClient.connect(port);
  client.socket.pause(); // never read: once the socket buffers fill, nothing moves
  const sent = Date.now();
  client.send(query('big.test', 'AXFR', { edns: false }));
  // A paused client cannot see the close (the FIN waits behind unread data), so watch the server side: once
  // the connection is counted (an answering thread counts it when it accepts, which may come after the
  // client's connect), until it is gone.
  const deadline = Date.now() + 5000;
  while (ctx.s.server.tcpConnections === 0 && Date.now() - sent < 500) await new Promise((r) => setTimeout(r, 5));
  while (ctx.s.server.tcpConnections > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const open = ctx.s.server.tcpConnections;
  const ms = Date.now() - sent;
  client.close();
  assert.is(open, 0, `the server closed the stalled connection (${open} open ${ms} ms after the request)`);
  // tcp_idle_timeout is 1 s here; Node's own socket timeout alone took 2 s.
  assert.ok(ms >= 950 && ms < 1700, `closed ${ms} ms after the request`);
});

t('kdig transfers the zone', async () => {
  const kdig = tool('kdig', 'knot-dnsutils');
  if (!kdig) return;
  const { stdout } = await promisify(execFile)(kdig, ['@127.0.0.1', '-p', String(port), 'big.test', 'AXFR'], { maxBuffer: 64 << 20 });
  const m = /Received \d+ B \((\d+) messages, (\d+) records\)/.exec(stdout);
  assert.ok(m, stdout.slice(-300));
  assert.is(Number(m![2]), RECORDS + 4);
});

t.run();
