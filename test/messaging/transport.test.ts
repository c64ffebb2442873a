// The transport's three deliveries on both implementations: in-process, and AMQP against the RabbitMQ at
// 127.0.0.1:5672 (guest/guest) in a vhost of this run's own, removed afterwards.
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pino } from 'pino';
import { AMQP_DEFAULTS, AmqpTransport } from '../../services/messaging/amqp.ts';
import { AMQP_CONNECTION_DEFAULTS } from '../../services/messaging/amqp-connection.ts';
import { InProcessTransport } from '../../services/messaging/in-process.ts';
import { MessagingTimeoutError, MessagingUnavailableError, RemoteError, type Transport } from '../../services/messaging/transport.ts';
import { connect } from 'amqplib';
import { closeBrokerConnections } from '../helpers/cluster.ts';
import { parseTransportUrl } from '../../services/messaging/transport-url.ts';
import { rejects } from '../helpers/rejects.ts';

const log = pino({ level: process.env.ZONECAST_TEST_LOG ?? 'silent' });
const vhost = `zonecast-test-${process.pid}`;

function rabbitmqctl(...args: string[]): void {
  execFileSync('rabbitmqctl', ['-q', ...args], { stdio: 'ignore', timeout: 60_000 });
}

const makers: [string, () => Promise<Transport>][] = [
  // Inside one process every service shares one transport.
  ['in-process', (() => {
    const shared = new InProcessTransport({ onDeadLetter: (_topic, method) => void dead.push({ method }) });
    return async () => shared;
  })()],
  ['amqp', async () => {
    const url = `rabbit://guest:guest@127.0.0.1:5672/${vhost}`;
    const t = new AmqpTransport(parseTransportUrl(url), url, { ...AMQP_DEFAULTS, ...AMQP_CONNECTION_DEFAULTS }, log);
    await t.ready(10_000);
    return t;
  }],
];

const dead: { method: string }[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** What waits in the dead-letter queue, read with a plain amqplib connection (messages stay queued). */
async function deadLetters(): Promise<string> {
  const conn = await connect(`amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(vhost)}`);
  try {
    const ch = await conn.createChannel();
    const bodies: string[] = [];
    for (let msg = await ch.get('designate.dead'); msg; msg = await ch.get('designate.dead')) bodies.push(msg.content.toString());
    return bodies.join('\n');
  } finally {
    await conn.close();
  }
}

async function publishRaw(queue: string, body: Buffer): Promise<void> {
  const conn = await connect(`amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(vhost)}`);
  try {
    const ch = await conn.createConfirmChannel();
    ch.sendToQueue(queue, body, { persistent: true });
    await ch.waitForConfirms();
  } finally {
    await conn.close();
  }
}


let vhostMade = false;
for (const [name, make] of makers) {
  const test = suite(`messaging transport (${name})`);
  let a: Transport;
  let b: Transport;
  test.before(async () => {
    if (name === 'amqp' && !vhostMade) {
      rabbitmqctl('add_vhost', vhost);
      rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
      vhostMade = true;
    }
    a = await make();
    b = await make();
  });
  test.after(async () => {
    await a?.close();
    await b?.close();
    if (name === 'amqp' && vhostMade) rabbitmqctl('delete_vhost', vhost);
  });

  test('call: reply, remote error, no server', async () => {
    await rejects(a.call({ topic: 'nobody' }, 'x', [], 1000), (e: unknown) => e instanceof MessagingUnavailableError);
    const listener = await b.serve('calc', 'b1', async (method, args) => {
      if (method === 'boom') throw new Error('bad thing');
      const [x, when] = args as [number, Date];
      return { double: x * 2, year: when.getUTCFullYear() };
    });
    const reply = await a.call<{ double: number; year: number }>({ topic: 'calc' }, 'double', [21, new Date('2026-12-05T00:00:00Z')], 5000);
    assert.equal(reply, { double: 42, year: 2026 });
    await rejects(a.call({ topic: 'calc' }, 'boom', [], 5000), (e: unknown) => e instanceof RemoteError && e.message === 'bad thing');
    await listener.close();
  });

  test('cast reaches one instance; fanout reaches every instance', async () => {
    const casts: string[] = [];
    const fanouts: string[] = [];
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    const check = () => casts.length === 1 && fanouts.length === 2 && done();
    const dispatch = (who: string) => async (_m: string, args: unknown, kind: string) => {
      (kind === 'fanout' ? fanouts : casts).push(`${who}:${String(args)}`);
      check();
    };
    const l1 = await a.serve('svc', 'a1', dispatch('a1'));
    const l2 = await b.serve('svc', 'b1', dispatch('b1'));
    await a.cast({ topic: 'svc' }, 'm', 'one');
    await b.fanout('svc', 'm', 'all');
    await Promise.race([all, new Promise((_, r) => setTimeout(() => r(new Error(`casts ${casts}, fanouts ${fanouts}`)), 5000))]);
    assert.equal(fanouts.map((f) => f.split(':')[1]), ['all', 'all']);
    await l1.close();
    await l2.close();
  });
  test('a call nobody answers in time fails with a timeout', async () => {
    const l = await b.serve('slow', 'b1', () => new Promise(() => {}));
    await rejects(a.call({ topic: 'slow' }, 'wait', [], 300), (e) => e instanceof MessagingTimeoutError);
    await l.close();
  });

  test('a cast that fails twice is dead-lettered, not redelivered forever; later casts still flow', async () => {
    const seen: string[] = [];
    const l = await b.serve('fragile', 'b1', async (_m, args) => {
      seen.push(String(args));
      if (args === 'bad') throw new Error('cannot handle this');
    });
    await a.cast({ topic: 'fragile' }, 'm', 'bad');
    await a.cast({ topic: 'fragile' }, 'm', 'good');
    await waitFor(() => seen.filter((x) => x === 'bad').length === 2 && seen.includes('good'));
    await sleep(300);
    assert.is(seen.filter((x) => x === 'bad').length, 2, 'one retry, then the dead-letter queue');
    if (name === 'amqp') assert.ok((await deadLetters()).includes('"bad"'), 'the message waits in designate.dead');
    else assert.ok(dead.some((d) => d.method === 'm'), 'reported as a dead letter');
    await l.close();
  });

  if (name === 'amqp') {
    test('an unreadable message is dead-lettered and the service goes on', async () => {
      const seen: unknown[] = [];
      const l = await b.serve('garbage', 'b1', async (_m, args) => void seen.push(args));
      await publishRaw('garbage', Buffer.from('{not json'));
      await a.cast({ topic: 'garbage' }, 'm', 'after');
      await waitFor(() => seen.includes('after'));
      assert.ok((await deadLetters()).includes('{not json'));
      await l.close();
    });

    test('a cast whose consumer dies before acknowledging is redelivered to another instance', async () => {
      const third = await make();
      let taken!: () => void;
      const tookIt = new Promise<void>((r) => (taken = r));
      await third.serve('work', 'c1', () => {
        taken();
        return new Promise(() => {}); // dies before it finishes
      });
      await a.cast({ topic: 'work' }, 'job', 'precious');
      await tookIt;
      const got: unknown[] = [];
      const l = await b.serve('work', 'b1', async (_m, args) => void got.push(args));
      await third.close(); // its unacknowledged message goes back to the queue
      await waitFor(() => got.includes('precious'));
      await l.close();
    });

    test('after the broker drops every connection, each side reconnects by itself and catches up', async () => {
      let reconnects = 0;
      a.onReconnect(() => reconnects++);
      b.onReconnect(() => reconnects++);
      const l = await b.serve('again', 'b1', async (_m, args) => args);
      closeBrokerConnections(vhost);
      await waitFor(() => reconnects === 2, 15_000);
      assert.is(await a.call({ topic: 'again' }, 'echo', 'hello', 5000), 'hello');
      await l.close();
    });
  }
  test.run();
}
