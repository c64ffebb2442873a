// `zonecast sink` beside central, api and mdns on RabbitMQ and MariaDB: Nova's and Neutron's notifications,
// published to their exchanges as they publish them (the oslo 2.0 envelope, and plain JSON), create and
// remove managed A/AAAA records, seen through the API and over DNS. A create delivered twice adds nothing, a
// delete for an instance never seen and a malformed message are dropped, and the sink goes on; while no
// central answers, a notification waits in the queue instead. `zonecast start` joining the cluster runs a
// sink of its own.
import amqp from 'amqplib';
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { call } from '../api/http.ts';
import { ask } from '../helpers/client.ts';
import { rabbitmqUnavailable, startCluster, type Cluster, type ServiceInstance } from '../helpers/cluster.ts';
import { mariadbUnavailable } from '../helpers/mariadb.ts';
import { runWhenReachable } from '../helpers/reachable.ts';
import { until } from '../helpers/until.ts';

interface Ctx {
  cluster: Cluster;
  central: ServiceInstance;
  api: ServiceInstance;
  mdns: ServiceInstance;
  sink: ServiceInstance;
  zoneId: string;
  conn: amqp.ChannelModel;
  ch: amqp.Channel;
}

const ZONE = 'cloud.example.';
const headers = { 'content-type': 'application/json' };

/** Publishes as oslo.messaging does: topic exchange, routing key notifications.info, the 2.0 envelope. */
function publish(ctx: Ctx, exchange: string, eventType: string, payload: unknown, envelope = true): void {
  const message = { event_type: eventType, payload, priority: 'INFO', publisher_id: `${exchange}.host1`, message_id: randomUUID(), timestamp: new Date().toISOString() };
  const body = envelope ? { 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) } : message;
  ctx.ch.publish(exchange, 'notifications.info', Buffer.from(JSON.stringify(body)), { contentType: 'application/json' });
}

async function aRecords(ctx: Ctx, name: string): Promise<string[]> {
  const r = await call(ctx.api.port, 'GET', `/v2/zones/${ctx.zoneId}/recordsets?name=${name}`, { headers });
  return (r.json.recordsets as { type: string; records: string[] }[]).flatMap((rs) => rs.records).sort();
}

const t = suite<Ctx>('sink: Nova and Neutron notifications', {} as Ctx);

t.before(async (ctx) => {
  ctx.cluster = await startCluster();
  ctx.central = await ctx.cluster.start('central');
  ctx.api = await ctx.cluster.start('api');
  ctx.mdns = await ctx.cluster.start('mdns');
  const zone = await call(ctx.api.port, 'POST', '/v2/zones', { headers, body: JSON.stringify({ name: ZONE, email: 'ops@example.org' }) });
  assert.is(zone.status, 202, zone.text);
  ctx.zoneId = zone.json.id;
  ctx.sink = await ctx.cluster.start('sink', {
    ZONECAST_SERVICE_SINK_ENABLED_NOTIFICATION_HANDLERS: 'nova_fixed,neutron_floatingip',
    ZONECAST_HANDLER_NOVA_FIXED_ZONE_ID: ctx.zoneId,
    ZONECAST_HANDLER_NEUTRON_FLOATINGIP_ZONE_ID: ctx.zoneId,
  });
  ctx.conn = await amqp.connect(ctx.cluster.transportUrl.replace(/^rabbit:/, 'amqp:'));
  ctx.ch = await ctx.conn.createChannel();
});

t.after(async (ctx) => {
  await ctx.conn?.close();
  await ctx.cluster?.close();
});

t('an instance created: A and AAAA records for its fixed IPs, served over DNS; delivered twice, nothing more', async (ctx) => {
  const payload = {
    instance_id: '6e3a8b0c-0d6a-4e0b-9a55-2f7bde1c5a11', hostname: 'web1', tenant_id: 'project-a', display_name: 'web1',
    fixed_ips: [{ address: '192.0.2.21', version: 4, label: 'private' }, { address: '2001:db8::21', version: 6, label: 'private' }],
  };
  publish(ctx, 'nova', 'compute.instance.create.end', payload);
  publish(ctx, 'nova', 'compute.instance.create.end', payload);
  await until('the records exist', async () => (await aRecords(ctx, `web1.${ZONE}`)).length === 2);
  assert.equal(await aRecords(ctx, `web1.${ZONE}`), ['192.0.2.21', '2001:db8::21']);
  await until('mdns answers the A record', async () => (await ask(ctx.mdns.port, `web1.${ZONE}`, 'A'))?.answers.some((a) => a.data === '192.0.2.21') ?? false);
  const rs = (await call(ctx.api.port, 'GET', `/v2/zones/${ctx.zoneId}/recordsets?name=web1.${ZONE}&type=A`, { headers })).json.recordsets[0];
  assert.is(rs.records.length, 1, 'the duplicate notification added nothing');
});

t('an instance deleted: its records go; a delete for an instance never seen is harmless', async (ctx) => {
  publish(ctx, 'nova', 'compute.instance.delete.start', { instance_id: '00000000-0000-4000-8000-000000000000', hostname: 'ghost' });
  publish(ctx, 'nova', 'compute.instance.delete.start', { instance_id: '6e3a8b0c-0d6a-4e0b-9a55-2f7bde1c5a11', hostname: 'web1' }, false);
  await until('the records are gone', async () => (await aRecords(ctx, `web1.${ZONE}`)).length === 0);
  await until('mdns no longer answers', async () => (await ask(ctx.mdns.port, `web1.${ZONE}`, 'A'))?.rcode === 'NXDOMAIN');
});

t('a floating IP associated, then disassociated; a malformed message is dropped and the sink goes on', async (ctx) => {
  ctx.ch.publish('neutron', 'notifications.info', Buffer.from('{not json'));
  const fip = { id: '7c1f0d2e-8b3a-4c5d-9e6f-0a1b2c3d4e5f', floating_ip_address: '203.0.113.7', fixed_ip_address: '10.0.0.5', port_id: 'p1', tenant_id: 'project-a' };
  publish(ctx, 'neutron', 'floatingip.update.end', { floatingip: fip });
  await until('the floating IP record exists', async () => (await aRecords(ctx, `203-0-113-7.${ZONE}`)).length === 1);
  publish(ctx, 'neutron', 'floatingip.update.end', { floatingip: { ...fip, fixed_ip_address: null, port_id: null } });
  await until('its record is gone', async () => (await aRecords(ctx, `203-0-113-7.${ZONE}`)).length === 0);
  assert.ok(ctx.sink.lines.some((l) => l.msg === 'notification dropped'), 'the malformed message was logged');
  assert.is(ctx.sink.exitedAt, null, 'the sink is still running');
});

t('central away: a notification waits in the queue and lands once a central is back', async (ctx) => {
  await ctx.cluster.stop(ctx.central);
  publish(ctx, 'nova', 'compute.instance.create.end', { instance_id: '1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d', hostname: 'late', tenant_id: 'project-a', fixed_ips: [{ address: '192.0.2.41', version: 4 }] });
  await until('the sink tried and put it back', async () => ctx.sink.lines.some((l) => l.msg === 'notification not handled yet: tried again'));
  ctx.central = await ctx.cluster.start('central');
  await until('the record exists', async () => (await aRecords(ctx, `late.${ZONE}`)).length === 1, 20_000);
});

t('zonecast start with transport_url runs a sink too', async (ctx) => {
  await ctx.cluster.stop(ctx.sink);
  const start = await ctx.cluster.start('start', {
    ZONECAST_SERVICE_SINK_ENABLED_NOTIFICATION_HANDLERS: 'nova_fixed',
    ZONECAST_HANDLER_NOVA_FIXED_ZONE_ID: ctx.zoneId,
    ZONECAST_SERVICE_MDNS_LISTEN: '127.0.0.1:0',
    ZONECAST_SERVICE_API_LISTEN: '127.0.0.1:0',
  });
  publish(ctx, 'nova', 'compute.instance.create.end', { instance_id: '9d2b1a4c-3e5f-4a6b-8c7d-0e1f2a3b4c5d', hostname: 'db1', tenant_id: 'project-a', fixed_ips: [{ address: '192.0.2.31', version: 4 }] });
  await until('start\'s sink made the record', async () => (await aRecords(ctx, `db1.${ZONE}`)).length === 1);
  assert.ok(start.lines.some((l) => l.msg === 'managed records added'), 'the record came from start\'s sink');
});

runWhenReachable(t, 'sink: Nova and Neutron notifications', rabbitmqUnavailable() ?? (await mariadbUnavailable()));
