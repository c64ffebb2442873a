// The transport's three deliveries on both implementations: in-process, and AMQP against the RabbitMQ at
// 127.0.0.1:5672 (guest/guest) in a vhost of this run's own, removed afterwards.
import { execFileSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pino } from 'pino';
import { AMQP_DEFAULTS, AmqpTransport } from '../../services/messaging/amqp.ts';
import { AMQP_CONNECTION_DEFAULTS } from '../../services/messaging/amqp-connection.ts';
import { InProcessTransport } from '../../services/messaging/in-process.ts';
import { MessagingUnavailableError, RemoteError, type Transport } from '../../services/messaging/transport.ts';
import { parseTransportUrl } from '../../services/messaging/transport-url.ts';

const log = pino({ level: process.env.ZONECAST_TEST_LOG ?? 'silent' });
const vhost = `zonecast-test-${process.pid}`;

function rabbitmqctl(...args: string[]): void {
  execFileSync('rabbitmqctl', ['-q', ...args], { stdio: 'ignore', timeout: 60_000 });
}

const makers: [string, () => Promise<Transport>][] = [
  // Inside one process every service shares one transport.
  ['in-process', (() => {
    const shared = new InProcessTransport();
    return async () => shared;
  })()],
  ['amqp', async () => {
    const url = `rabbit://guest:guest@127.0.0.1:5672/${vhost}`;
    const t = new AmqpTransport(parseTransportUrl(url), url, { ...AMQP_DEFAULTS, ...AMQP_CONNECTION_DEFAULTS }, log);
    await t.ready(10_000);
    return t;
  }],
];

async function rejects(p: Promise<unknown>, ok: (e: unknown) => boolean): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.ok(ok(e), `unexpected error: ${String(e)}`);
    return;
  }
  assert.unreachable('should have rejected');
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
  test.run();
}
