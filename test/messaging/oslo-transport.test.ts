// The oslo transport against the RabbitMQ at 127.0.0.1:5672 (guest/guest), in a vhost of this run's own,
// removed afterwards: the exchange and queue are declared as a Designate central's oslo.messaging declares
// them, and what arrives is read back with plain amqplib.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { pino } from 'pino';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AMQP_CONNECTION_DEFAULTS } from '../../services/messaging/amqp-connection.ts';
import { adminContext, designateHeartbeatArgs, readOsloEnvelope } from '../../services/messaging/oslo-codec.ts';
import { OSLO_DEFAULTS, OsloTransport, type OsloTransportOptions } from '../../services/messaging/oslo-transport.ts';
import { MessagingUnavailableError } from '../../services/messaging/transport.ts';
import { parseTransportUrl } from '../../services/messaging/transport-url.ts';
import { runWhenReachable } from '../helpers/reachable.ts';
import { rejects } from '../helpers/rejects.ts';

const log = pino({ level: process.env.ZONECAST_TEST_LOG ?? 'silent' });
const vhost = `zonecast-oslo-test-${process.pid}`;
const url = `rabbit://guest:guest@127.0.0.1:5672/${vhost}`;
const options: OsloTransportOptions = { ...AMQP_CONNECTION_DEFAULTS, ...OSLO_DEFAULTS, castWaitMs: 3000, versions: { central: '6.0', worker: '1.1' } };

function rabbitmqctl(...args: string[]): void {
  execFileSync('rabbitmqctl', ['-q', ...args], { stdio: 'ignore', timeout: 60_000 });
}

function rabbitmqUnavailable(): string | null {
  try {
    rabbitmqctl('list_vhosts');
    return null;
  } catch (err) {
    return `rabbitmqctl cannot reach RabbitMQ: ${(err as Error).message}`;
  }
}


/** A port nothing listens on: bound once by us, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const test = suite('oslo transport (amqp)');
let broker: ChannelModel;
let ch: Channel;
let transport: OsloTransport;

/** The test's own connection, standing in for Designate's side; it survives being closed by the broker. */
async function openBroker(): Promise<void> {
  broker = await connect(`amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(vhost)}`);
  broker.on('error', () => {});
  ch = await broker.createChannel();
  ch.on('error', () => {});
}

test.before(async () => {
  rabbitmqctl('add_vhost', vhost);
  rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
  await openBroker();
  // What a Designate central's RPC server declares with oslo's defaults (impl_rabbit.py declare_topic_consumer):
  // the topic exchange and the shared queue `central`, durable and auto_delete both false.
  await ch.assertExchange('designate', 'topic', { durable: false, autoDelete: false });
  for (const queue of ['central', 'worker.host-1']) {
    await ch.assertQueue(queue, { durable: false, autoDelete: false });
    await ch.bindQueue(queue, 'designate', queue);
  }
  transport = new OsloTransport(parseTransportUrl(url), url, options, log);
  await transport.ready(10_000);
});

test.after(async () => {
  await transport?.close();
  await broker?.close().catch(() => {});
  rabbitmqctl('delete_vhost', vhost);
});

test('a heartbeat cast reaches the central queue as oslo.messaging sends it', async () => {
  const args = designateHeartbeatArgs({ serviceName: 'mdns', hostname: 'host-1', status: 'UP', stats: {}, capabilities: {} });
  await transport.cast({ topic: 'central' }, 'update_service_status', args);
  const msg = await ch.get('central', { noAck: true });
  assert.ok(msg, 'a message waits in queue central');
  assert.is(msg.fields.exchange, 'designate');
  assert.is(msg.fields.routingKey, 'central');
  assert.is(msg.properties.contentType, 'application/json');
  assert.is(msg.properties.contentEncoding, 'utf-8');
  assert.is(msg.properties.deliveryMode, 2, 'kombu publishes persistent by default');
  assert.is(msg.properties.replyTo, undefined);
  assert.is(msg.properties.expiration, undefined);
  const read = readOsloEnvelope(msg.content);
  assert.is(read.method, 'update_service_status');
  assert.is(read.version, '6.0');
  assert.equal(read.args, args);
  assert.is(read.context.is_admin, true);
  assert.equal(read.context.roles, ['admin', 'reader']);
  assert.is(read.context.all_tenants, false, 'the heartbeat\'s context is get_admin_context()\'s');
});

test('a cast to one server goes to <topic>.<server>, with the version and context given for it', async () => {
  const context = adminContext({ requestId: 'req-11111111-2222-4333-8444-555555555555', allTenants: true });
  await transport.cast({ topic: 'worker', server: 'host-1' }, 'perform_zone_xfr', { zone: {}, servers: [] }, { version: '1.2', context });
  const msg = await ch.get('worker.host-1', { noAck: true });
  assert.ok(msg);
  const read = readOsloEnvelope(msg.content);
  assert.is(read.version, '1.2');
  assert.equal(read.context, context);
});

test('refusals: no queue bound, no version for the topic, arguments not keyword arguments, calls and serving', async () => {
  await rejects(transport.cast({ topic: 'worker' }, 'perform_zone_xfr', {}), (e) => e instanceof MessagingUnavailableError && /no queue is bound to worker/.test(e.message));
  await rejects(transport.cast({ topic: 'producer' }, 'x', {}), (e) => /no RPC API version known for topic producer/.test(String(e)));
  await rejects(transport.cast({ topic: 'central' }, 'x', ['positional']), (e) => e instanceof TypeError);
  await rejects(transport.call({ topic: 'central' }, 'x', {}), (e) => /not supported by the oslo transport/.test(String(e)));
  await rejects(transport.fanout('central', 'x', {}), (e) => /not supported by the oslo transport/.test(String(e)));
  await rejects(transport.serve('mdns', 'h', async () => {}), (e) => /not supported by the oslo transport/.test(String(e)));
});

test('after the broker drops the connection, the next cast waits for the reconnection and goes through', async () => {
  let reconnected = 0;
  const off = transport.onReconnect(() => reconnected++);
  rabbitmqctl('close_all_connections', '-p', vhost, 'zonecast test: connection closed');
  await openBroker();
  await transport.cast({ topic: 'central' }, 'update_service_status', { service_status: {} });
  assert.ok(await ch.get('central', { noAck: true }), 'delivered after reconnecting');
  assert.is(reconnected, 1);
  off();
});

test('an exchange declared with other flags (amqp_durable_queues differs): never ready, casts reject in bounded time', async () => {
  await ch.assertExchange('designate-durable', 'topic', { durable: true, autoDelete: false });
  const mismatched = new OsloTransport(parseTransportUrl(url), url, { ...options, exchange: 'designate-durable', castWaitMs: 500 }, log);
  const matching = new OsloTransport(parseTransportUrl(url), url, { ...options, exchange: 'designate-durable', durable: true }, log);
  try {
    await rejects(mismatched.ready(1500), (e) => /no broker connection/.test(String(e)));
    await rejects(mismatched.cast({ topic: 'central' }, 'm', {}), (e) => e instanceof MessagingUnavailableError);
    await matching.ready(5000);
  } finally {
    await mismatched.close();
    await matching.close();
    await ch.deleteExchange('designate-durable');
  }
});

test('the broker unreachable: a cast rejects within castWaitMs, it never hangs', async () => {
  const down = `rabbit://guest:guest@127.0.0.1:${await closedPort()}/`;
  const t = new OsloTransport(parseTransportUrl(down), down, { ...options, castWaitMs: 300 }, log);
  try {
    const started = performance.now();
    await rejects(t.cast({ topic: 'central' }, 'update_service_status', {}), (e) => e instanceof MessagingUnavailableError && /not connected/.test(e.message));
    const took = performance.now() - started;
    assert.ok(took >= 250 && took < 2000, `rejected after ${Math.round(took)} ms`);
  } finally {
    await t.close();
  }
});

runWhenReachable(test, 'oslo transport (amqp)', rabbitmqUnavailable());
