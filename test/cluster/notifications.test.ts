// Notifications out ([oslo_messaging_notifications] driver = messagingv2): central publishes dns.zone.create
// and dns.recordset.create to the control exchange with routing key notifications.info in the oslo 2.0
// envelope, and the producer's periodic_exists publishes dns.zone.exists with its audit period; a consumer
// bound as billing would bind reads them.
import amqp from 'amqplib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { call } from '../api/http.ts';
import { rabbitmqUnavailable, startCluster, type Cluster, type ServiceInstance } from '../helpers/cluster.ts';
import { mariadbUnavailable } from '../helpers/mariadb.ts';
import { runWhenReachable } from '../helpers/reachable.ts';
import { until } from '../helpers/until.ts';

interface Ctx {
  cluster: Cluster;
  api: ServiceInstance;
  conn: amqp.ChannelModel;
  events: { event_type: string; payload: Record<string, unknown>; publisher_id: string }[];
}

const headers = { 'content-type': 'application/json' };
const t = suite<Ctx>('notifications out', {} as Ctx);

t.before(async (ctx) => {
  ctx.cluster = await startCluster({
    ZONECAST_OSLO_MESSAGING_NOTIFICATIONS_DRIVER: 'messagingv2',
    ZONECAST_SERVICE_PRODUCER_ENABLED_TASKS: 'periodic_exists',
    ZONECAST_PRODUCER_TASK_PERIODIC_EXISTS_INTERVAL: '1',
  });
  await ctx.cluster.start('central');
  ctx.api = await ctx.cluster.start('api');
  ctx.events = [];
  ctx.conn = await amqp.connect(ctx.cluster.transportUrl.replace(/^rabbit:/, 'amqp:'));
  const ch = await ctx.conn.createChannel();
  await ch.assertExchange('designate', 'topic', { durable: true });
  const { queue } = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(queue, 'designate', 'notifications.info');
  await ch.consume(queue, (msg) => {
    if (msg === null) return;
    ctx.events.push(JSON.parse(JSON.parse(msg.content.toString())['oslo.message']));
  }, { noAck: true });
});

t.after(async (ctx) => {
  await ctx.conn?.close();
  await ctx.cluster?.close();
});

t('zone and recordset creates are notified, with the object as payload', async (ctx) => {
  const zone = await call(ctx.api.port, 'POST', '/v2/zones', { headers, body: JSON.stringify({ name: 'billed.example.', email: 'ops@example.org' }) });
  assert.is(zone.status, 202, zone.text);
  const rs = await call(ctx.api.port, 'POST', `/v2/zones/${zone.json.id}/recordsets`, { headers, body: JSON.stringify({ name: 'www.billed.example.', type: 'A', records: ['192.0.2.9'] }) });
  assert.is(rs.status, 202, rs.text);
  await until('both notified', async () => ctx.events.some((e) => e.event_type === 'dns.recordset.create'));
  const created = ctx.events.find((e) => e.event_type === 'dns.zone.create')!;
  assert.is(created.payload.id, zone.json.id);
  assert.is(created.payload.name, 'billed.example.');
  assert.match(created.publisher_id, /^central\./);
  const recordset = ctx.events.find((e) => e.event_type === 'dns.recordset.create')!;
  assert.is(recordset.payload.zone_id, zone.json.id);
  assert.equal((recordset.payload.records as { data: string }[]).map((r) => r.data), ['192.0.2.9']);
});

t('the producer notifies every zone as existing, with its audit period', async (ctx) => {
  await ctx.cluster.start('producer');
  await until('dns.zone.exists', async () => ctx.events.some((e) => e.event_type === 'dns.zone.exists' && e.payload.name === 'billed.example.'), 10_000);
  const exists = ctx.events.find((e) => e.event_type === 'dns.zone.exists')!;
  assert.ok(exists.payload.audit_period_beginning && exists.payload.audit_period_ending);
  assert.ok(ctx.events.some((e) => e.event_type === 'dns.domain.exists'), 'the legacy dns.domain.exists too');
});

runWhenReachable(t, 'notifications out', rabbitmqUnavailable() ?? (await mariadbUnavailable()));
