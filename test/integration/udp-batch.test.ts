// The batched UDP listener (recvmmsg/sendmmsg addon, engine/net/udp-batch.ts) on real sockets: bursts from
// several peers, IPv6, garbage, JS exceptions and close(). The same server-level checks also run against
// the dgram listener, the fallback when the addon is not built. Under CI=true a missing addon is a failure:
// CI has the toolchain, so a broken build must not pass as "skipped".
import dgram from 'node:dgram';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import { decode, query } from '../helpers/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import type { QueryHandler } from '../../engine/answer/handler.ts';
import { ADDON_PATH, udpBatchUnavailable } from '../../engine/net/udp-batch.ts';
import { openUdpListener, type UdpIo } from '../../engine/net/udp-listener.ts';

const available = udpBatchUnavailable === null;

/** Sends every message from one socket, then collects replies until `expected` arrived or the timeout. */
async function exchangeMany(host: string, port: number, messages: Uint8Array[], expected = messages.length, timeoutMs = 3000) {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const replies: { reply: Buffer; from: number }[] = [];
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  // The default ~200 KiB holds only ~256 small datagrams on loopback: a burst of replies would be dropped.
  socket.setRecvBufferSize(4 << 20);
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    socket.on('message', (reply, rinfo) => {
      replies.push({ reply, from: rinfo.port });
      if (replies.length === expected) { clearTimeout(timer); resolve(); }
    });
  });
  for (const m of messages) socket.send(m, port, host);
  await done;
  socket.close();
  return replies;
}

const QUESTIONS: [string, string, string][] = [
  ['www.example.com', 'A', 'NOERROR'],
  ['example.com', 'MX', 'NOERROR'],
  ['nothing-here.example.com', 'A', 'NXDOMAIN'],
  ['caa.example.com', 'CAA', 'NOERROR'],
  ['example.org', 'A', 'REFUSED'],
];

/** The checks that hold for either listener, on a server started with `udpIo: io`. */
function serverSuite(io: Exclude<UdpIo, 'auto'>): void {
  const t = suite<{ s: TestServer }>(`udp-batch: server on ${io}`);
  let port = 0;
  let port6 = 0;
  t.before(async (ctx) => {
    ctx.s = await startServer({ udpIo: io, listen: [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }] });
    port = ctx.s.port;
    port6 = ctx.s.server.endpoints[1].port;
  });
  t.after(async (ctx) => ctx.s?.close());

  t('a burst of 500 queries from 5 sockets: every one answered, to its sender, with its ID', async () => {
    const bursts = Array.from({ length: 5 }, (_, s) =>
      Array.from({ length: 100 }, (_, i) => {
        const [name, type] = QUESTIONS[i % QUESTIONS.length];
        return query(name, type, { id: s * 1000 + i });
      }));
    const results = await Promise.all(bursts.map((b) => exchangeMany('127.0.0.1', port, b)));
    results.forEach((replies, s) => {
      assert.is(replies.length, 100, `socket ${s}: ${replies.length} replies`);
      const ids = replies.map((r) => decode(r.reply).id).sort((a, b) => a - b);
      assert.equal(ids, Array.from({ length: 100 }, (_, i) => s * 1000 + i), `socket ${s}: IDs`);
      for (const { reply, from } of replies) {
        assert.is(from, port);
        const d = decode(reply);
        const [name, type, rcode] = QUESTIONS[(d.id - s * 1000) % QUESTIONS.length];
        assert.is(`${d.questions[0].name} ${d.questions[0].type} ${d.rcode}`, `${name} ${type} ${rcode}`);
      }
    });
  });

  t('IPv6: answers on [::1]', async () => {
    const [r] = await exchangeMany('::1', port6, [query('www.example.com', 'A', { id: 606 })]);
    const d = decode(r.reply);
    assert.is(d.id, 606);
    assert.is(d.answers.at(-1)?.data, '192.0.2.81');
  });

  t('garbage gets FORMERR or nothing, and answering goes on', async () => {
    const cutShort = query('www.example.com', 'A', { id: 707, edns: false }).subarray(0, 20);
    const huge = Buffer.concat([query('www.example.com', 'A', { id: 708, edns: false }), Buffer.alloc(60_000)]);
    const replies = await exchangeMany('127.0.0.1', port, [Buffer.from([1, 2, 3]), cutShort, huge, query('example.com', 'SOA', { id: 709 })], 3);
    const byId = new Map(replies.map((r) => [decode(r.reply).id, decode(r.reply).rcode]));
    assert.equal([...byId].sort(), [[707, 'FORMERR'], [708, 'FORMERR'], [709, 'NOERROR']]);
  });

  t('close() frees the port', async (ctx) => {
    await ctx.s.close();
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', resolve);
    });
    socket.close();
    ctx.s = undefined as never;
  });

  t.run();
}

/** Checks of the batched listener and the addon themselves, below the server. */
function listenerSuite(): void {
  const t = suite('udp-batch: listener and addon');
  const echo = { handle: (msg: Uint8Array) => Buffer.from(msg) } as unknown as QueryHandler;
  const options = (onError: (err: Error) => void) => ({ host: '127.0.0.1', port: 0, receiveBufferSize: 1 << 20, onError });

  t('auto picks the batched listener when the addon is built, and a burst arrives in batches', async () => {
    const listener = await openUdpListener(echo, options(() => {}), 'auto');
    try {
      assert.is(listener.io, 'batched');
      const messages = Array.from({ length: 300 }, (_, i) => Buffer.from(`echo ${i}`));
      const replies = await exchangeMany('127.0.0.1', listener.address.port, messages);
      assert.equal(replies.map((r) => r.reply.toString()).sort(), messages.map(String).sort());
      const stats = listener.io === 'batched' ? listener.stats : null;
      assert.is(stats?.datagrams, 300);
      assert.ok(stats!.batches < 300, `${stats!.batches} batches for 300 datagrams`);
    } finally {
      await listener.close();
    }
  });

  t('a handler exception goes to onError; the other datagrams of the batch are answered', async () => {
    const errors: Error[] = [];
    const picky = { handle: (msg: Uint8Array) => { if (msg[0] === 0x21) throw new Error('boom'); return Buffer.from(msg); } } as unknown as QueryHandler;
    const listener = await openUdpListener(picky, options((err) => errors.push(err)), 'batched');
    try {
      const replies = await exchangeMany('127.0.0.1', listener.address.port, [Buffer.from('a'), Buffer.from('!'), Buffer.from('b')], 2);
      assert.equal(replies.map((r) => r.reply.toString()).sort(), ['a', 'b']);
      assert.equal(errors.map((e) => e.message), ['boom']);
    } finally {
      await listener.close();
    }
  });

  t('addon: an exception escaping the batch callback is reported and the socket keeps serving', async () => {
    const addon = createRequire(import.meta.url)(ADDON_PATH);
    const handle = addon.open('127.0.0.1', 0, false, 0, false);
    const errors: string[] = [];
    let batches = 0;
    const shared = addon.start(handle, (count: number) => {
      if (batches++ === 0) throw new Error('first batch throws');
      const meta = new Int32Array(shared.meta);
      const input = new Uint8Array(shared.input);
      for (let i = 0; i < count; i++) {
        new Uint8Array(shared.output).set(input.subarray(i * shared.slot, i * shared.slot + meta[i]), i * 16);
        meta[shared.batch + i] = i * 16;
        meta[2 * shared.batch + i] = meta[i];
      }
    }, (err: Error) => errors.push(err.message));
    try {
      const port = addon.address(handle).port;
      assert.equal(await exchangeMany('127.0.0.1', port, [Buffer.from('lost')], 1, 300), []);
      const replies = await exchangeMany('127.0.0.1', port, [Buffer.from('kept')]);
      assert.equal(replies.map((r) => r.reply.toString()), ['kept']);
      assert.equal(errors, ['first batch throws']);
    } finally {
      addon.close(handle);
      addon.close(handle);
    }
  });

  t('addon: arguments are validated', () => {
    const addon = createRequire(import.meta.url)(ADDON_PATH);
    assert.throws(() => addon.open('127.0.0.1', 70000, false, 0, false), /port/);
    assert.throws(() => addon.open('::1', 0, false, 0, false), /IPv4/);
    assert.throws(() => addon.open('localhost', 0, false, 0, false), /IPv4/);
    assert.throws(() => addon.open(1, 0, false, 0, false), TypeError);
    assert.throws(() => addon.start({}, () => {}, () => {}), /handle/);
    assert.throws(() => addon.close(undefined), /handle/);
    const handle = addon.open('127.0.0.1', 0, false, 0, false);
    const taken = addon.address(handle).port;
    assert.throws(() => addon.open('127.0.0.1', taken, false, 0, false), (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE');
    addon.close(handle);
    assert.throws(() => addon.address(handle), /EBADF/);
  });

  t.run();
}

if (available) {
  serverSuite('batched');
  listenerSuite();
} else if (process.env.CI === 'true') {
  const t = suite('udp-batch: addon');
  t('the udp_batch addon is built and loads (CI has a C toolchain)', () => {
    assert.unreachable(`build/Release/udp_batch.node did not load: ${udpBatchUnavailable}`);
  });
  t.run();
} else {
  // Not counted as skipped: test/run.ts's tally assumes uvu's Total includes skipped tests, which it does not.
  console.log(`udp-batch: addon not built (${udpBatchUnavailable}); batched tests not run`);
}
serverSuite('dgram');
