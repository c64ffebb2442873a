// [service:mdns] workers = 2: two answering threads share the listen address (SO_REUSEPORT) over the main
// thread's zones. Replies come from both; a change made on the main thread (a new snapshot, a TSIG key) is
// what every thread answers from the very next query; transfers and NOTIFY pass through the main thread;
// a thread that dies is replaced and logged while the other keeps answering. The answer suites also run
// whole with two threads (ZONECAST_TEST_MDNS_WORKERS=2 in .ci/run).
import dgram from 'node:dgram';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HostedZone } from '../../engine/answer/zone-table.ts';
import { Opcode, Rcode, Type } from '../../engine/codec/constants.ts';
import { nameFromText } from '../../engine/codec/name.ts';
import { CompilePool } from '../../engine/pool/compile-pool.ts';
import { signRequest } from '../../engine/tsig/client.ts';
import { parseTsigKeySpec } from '../../engine/tsig/keys.ts';
import { JOURNAL_DEFAULTS } from '../../engine/xfr/journal.ts';
import { MDNS_DEFAULTS, MdnsServer } from '../../services/mdns/server.ts';
import { ZoneDirectory } from '../../services/mdns/zone-directory.ts';
import { decode, query, transferAnswers, udpExchange } from '../helpers/client.ts';
import { compile } from '../helpers/compile.ts';
import { captureLog, type LogLine } from '../helpers/log-capture.ts';
import { DEMO_ZONES } from '../helpers/server.ts';
import { buildQuery } from '../helpers/tsig-util.ts';
import { until } from '../helpers/until.ts';

interface Ctx {
  server: MdnsServer;
  pool: CompilePool;
  directory: ZoneDirectory;
  lines: LogLine[];
  port: number;
}

const t = suite<Ctx>('answer threads');

t.before(async (ctx) => {
  const { log, lines } = captureLog();
  ctx.lines = lines;
  ctx.server = await MdnsServer.start({ ...MDNS_DEFAULTS, workers: 2, listen: [{ host: '127.0.0.1', port: 0 }], allowTransfer: ['127.0.0.0/8'] }, log);
  ctx.pool = new CompilePool(1);
  ctx.directory = new ZoneDirectory(ctx.server.zones, ctx.pool, {
    dir: DEMO_ZONES, keyring: ctx.server.keyring, journalDir: null, journal: JOURNAL_DEFAULTS, xfr: ctx.server.xfr,
  }, log);
  await ctx.directory.sync();
  ctx.port = ctx.server.endpoints[0].port;
});

t.after(async (ctx) => {
  ctx.directory.close();
  await ctx.server.close();
  await ctx.pool.close();
});

/** `n` copies of a question, each from a socket of its own, so the kernel spreads them over the threads. */
async function spread(port: number, n: number, msg: () => Uint8Array): Promise<Buffer[]> {
  const replies = await Promise.all(Array.from({ length: n }, () => udpExchange(port, msg())));
  assert.ok(replies.every((r) => r !== null), 'every question answered');
  return replies as Buffer[];
}

const answerData = (reply: Buffer) => decode(reply).answers.map((a) => String(a.data));

t('replies come from both threads', async ({ server, port }) => {
  const before = server.threads!.answered;
  const replies = await spread(port, 64, () => query('www.example.com', 'A'));
  assert.ok(replies.every((r) => decode(r).rcode === 'NOERROR'));
  const after = server.threads!.answered;
  assert.is(after.length, 2);
  assert.ok(after.every((n, i) => n > before[i]), `each thread answered some of 64 questions: ${after.map((n, i) => n - before[i])}`);
});

t('the response cache is shared: an answer one thread built is a hit on every thread', async ({ server, port }) => {
  const question = () => query('mail.example.com', 'MX');
  const first = await spread(port, 1, question);
  const hits = (h: number[]) => h.reduce((a, b) => a + b, 0);
  const before = server.threads!.cacheHits;
  const answeredBefore = server.threads!.answered;
  const replies = await spread(port, 32, question);
  const after = server.threads!.cacheHits;
  assert.is(hits(after) - hits(before), 32, 'all 32 from the cache, whichever thread took them');
  assert.ok(server.threads!.answered.every((n, i) => n > answeredBefore[i]), 'both threads answered some');
  assert.ok(replies.every((r) => answerData(r).join() === answerData(first[0]).join()));
});

t('a new snapshot on the main thread is what every thread answers next', async ({ server, port }) => {
  const zone = server.zones.get(nameFromText('example.net.'))!;
  const before = zone.snapshot;
  try {
    for (let round = 1; round <= 10; round++) {
      const address = `203.0.113.${round}`;
      zone.snapshot = compile('example.net.', `$TTL 60
@ SOA ns1 host ${round + 10} 1 1 1 1
@ NS ns1
ns1 A 198.51.100.53
mail A ${address}`);
      // No wait at all: the threads catch up before each answer.
      const replies = await spread(port, 16, () => query('mail.example.net', 'A'));
      assert.equal([...new Set(replies.flatMap(answerData))], [address], `round ${round}`);
    }
  } finally {
    zone.snapshot = before;
  }
  assert.equal(answerData((await spread(port, 1, () => query('mail.example.net', 'A')))[0]), ['198.51.100.25']);
});

t('under a flood, no question sent after a change gets the version before it', async ({ server, port }) => {
  const zone = server.zones.get(nameFromText('example.net.'))!;
  const before = zone.snapshot;
  const versions = Array.from({ length: 8 }, (_, i) => compile('example.net.', `$TTL 60
@ SOA ns1 host ${i + 100} 1 1 1 1
@ NS ns1
ns1 A 198.51.100.53
mail A 203.0.113.${i + 100}`));
  // Version i answers 203.0.113.(100 + i); the zone as loaded (198.51.100.25) is version -1.
  const versionOf = (address: string) => address === '198.51.100.25' ? -1 : Number(address.split('.')[3]) - 100;
  let current = -1;
  let stale = 0;
  let answered = 0;
  let flooding = true;
  // Each loop sends its next question as soon as the last is answered, from a socket of its own: the threads'
  // sockets always hold queued questions when a change is posted.
  const loop = async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      while (flooding) {
        const expected = current;
        const reply = await new Promise<Buffer | null>((resolve) => {
          const timer = setTimeout(() => resolve(null), 1000);
          socket.once('message', (m) => { clearTimeout(timer); resolve(m); });
          socket.send(query('mail.example.net', 'A', { edns: false }), port, '127.0.0.1');
        });
        if (reply === null) continue;
        answered++;
        // A change made after this question was sent may be seen too; one made before it must be.
        if (versionOf(answerData(reply)[0]) < expected) stale++;
      }
    } finally {
      socket.close();
    }
  };
  const loops = Array.from({ length: 16 }, loop);
  try {
    for (const [i, version] of versions.entries()) {
      await new Promise((r) => setTimeout(r, 25));
      zone.snapshot = version;
      current = i;
    }
  } finally {
    flooding = false;
    await Promise.all(loops);
    zone.snapshot = before;
  }
  assert.ok(answered > 200, `flooded: ${answered} answers`);
  assert.is(stale, 0, 'answers from a version older than the one in place when the question was sent');
});

t('a zone added or removed on the main thread is served or refused by every thread at once', async ({ server, port }) => {
  const zone = new HostedZone(nameFromText('threads.test.'));
  zone.snapshot = compile('threads.test.', '$TTL 60\n@ SOA ns1 host 1 1 1 1 1\n@ NS ns1\nns1 A 192.0.2.1\n');
  server.zones.add(zone);
  let replies = await spread(port, 16, () => query('ns1.threads.test', 'A'));
  assert.ok(replies.every((r) => decode(r).rcode === 'NOERROR' && answerData(r)[0] === '192.0.2.1'));
  server.zones.remove(zone);
  replies = await spread(port, 16, () => query('ns1.threads.test', 'A'));
  assert.ok(replies.every((r) => decode(r).rcode === 'REFUSED'), 'not a zone of ours any more');
});

t('a TSIG key added on the main thread verifies on every thread at once', async ({ server, port }) => {
  const key = parseTsigKeySpec('hmac-sha256:threads-key:c2VjcmV0LXNoYXJlZC1ieS1ldmVyeS10aHJlYWQ=');
  const signed = () => {
    const [buf, len] = buildQuery('example.com.', Type.SOA);
    return buf.subarray(0, signRequest(buf, len, buf.length, key, Math.floor(Date.now() / 1000)).len);
  };
  const rcodes = async () => (await spread(port, 16, signed)).map((r) => r[3] & 0xf);
  assert.ok((await rcodes()).every((r) => r === Rcode.NOTAUTH), 'unknown key: BADKEY');
  server.keyring.add(key);
  try {
    assert.ok((await rcodes()).every((r) => r === Rcode.NOERROR), 'known key: answered');
  } finally {
    server.keyring.remove(key.name);
  }
  assert.ok((await rcodes()).every((r) => r === Rcode.NOTAUTH), 'removed again');
});

t('transfers and NOTIFY go through the main thread', async ({ server, port, lines }) => {
  const answers = await transferAnswers(port, query('example.com', 'AXFR', { edns: false }));
  assert.ok(answers.length > 10, 'AXFR streamed from a thread');
  await until('the transfer logged on the main thread', async () => lines.some((l) => l.msg === 'transfer done' && l.zone === 'example.com.'), 2000);

  const notified: string[] = [];
  const zone = new HostedZone(nameFromText('secondary.test.'));
  zone.onNotify = (peer) => { notified.push(peer); return peer === '127.0.0.1'; };
  zone.notifyFrom = ['127.0.0.1'];
  server.zones.add(zone);
  try {
    const notify = () => query('secondary.test', 'SOA', { opcode: Opcode.NOTIFY, flags: 0, edns: false });
    const replies = await spread(port, 8, notify);
    assert.ok(replies.every((r) => decode(r).rcode === 'NOERROR'), 'NOTIFY from a primary acknowledged');
    await until('the main thread told of each NOTIFY', async () => notified.length === 8, 2000);
    zone.notifyFrom = ['192.0.2.1'];
    assert.ok((await spread(port, 8, notify)).every((r) => decode(r).rcode === 'REFUSED'), 'from anyone else: REFUSED');
  } finally {
    server.zones.remove(zone);
  }
});

t('a thread that dies is replaced and logged; the other keeps answering', async ({ server, port, lines }) => {
  const ids = server.threads!.threadIds;
  await server.threads!.terminate(0);
  // Its sockets closed with it: the kernel sends everything to the thread left.
  const replies = await spread(port, 32, () => query('www.example.com', 'A'));
  assert.ok(replies.every((r) => decode(r).rcode === 'NOERROR'), 'answered while one thread is down');
  await until('thread 0 replaced', async () => server.threads!.threadIds[0] !== ids[0] && lines.some((l) => l.msg === 'answering thread restarted'), 5000);
  assert.ok(lines.some((l) => l.msg === 'answering thread exited: starting another in its place' && l.thread === 0));
  assert.is(server.threads!.threadIds[1], ids[1], 'the other thread kept running');
  // The slot's counts outlive its thread (metrics never go down): the new thread's share is what they gain.
  const replaced = server.threads!.answered[0];
  await until('the new thread answers its share', async () => {
    await spread(port, 32, () => query('www.example.com', 'A'));
    return server.threads!.answered[0] > replaced;
  }, 5000);
});

t.run();
