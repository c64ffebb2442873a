// The heartbeat emitter: zonecast's own form by default, and shaped for a Designate central (its
// ServiceStatus primitive, no STOPPED) when the caller says so.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pino } from 'pino';
import { HEARTBEAT_METHOD, HeartbeatEmitter } from '../../services/messaging/heartbeat.ts';
import { designateHeartbeatArgs } from '../../services/messaging/oslo-codec.ts';
import { InProcessTransport } from '../../services/messaging/in-process.ts';
import type { Target, Transport } from '../../services/messaging/transport.ts';

const log = pino({ level: 'silent' });
const test = suite('heartbeat emitter');

/** Records casts; the rest of the transport is the in-process one. */
function recording(): { transport: Transport; casts: { target: Target; method: string; args: unknown }[] } {
  const casts: { target: Target; method: string; args: unknown }[] = [];
  const transport = new InProcessTransport({ onDeadLetter: () => {} });
  transport.cast = async (target, method, args) => void casts.push({ target, method, args });
  return { transport, casts };
}

test('by default: the heartbeat itself, at start and STOPPED at stop', async () => {
  const { transport, casts } = recording();
  const hb = new HeartbeatEmitter(transport, { serviceName: 'mdns', hostname: 'h1', interval: 60, centralTopic: 'central', stats: () => ({ zones: 2 }) }, log);
  hb.start();
  await hb.stop();
  assert.equal(casts, [
    { target: { topic: 'central' }, method: HEARTBEAT_METHOD, args: { serviceName: 'mdns', hostname: 'h1', status: 'UP', stats: { zones: 2 }, capabilities: {} } },
    { target: { topic: 'central' }, method: HEARTBEAT_METHOD, args: { serviceName: 'mdns', hostname: 'h1', status: 'STOPPED', stats: { zones: 2 }, capabilities: {} } },
  ]);
});

test('for a Designate central: args shaped by the caller, nothing sent at stop', async () => {
  const { transport, casts } = recording();
  const hb = new HeartbeatEmitter(transport, {
    serviceName: 'mdns', hostname: 'h1', interval: 60, centralTopic: 'central', args: designateHeartbeatArgs, sendStopped: false,
  }, log);
  hb.start();
  await hb.stop();
  assert.is(casts.length, 1);
  const { service_status } = casts[0].args as ReturnType<typeof designateHeartbeatArgs>;
  assert.is(service_status['designate_object.name'], 'ServiceStatus');
  assert.equal({ ...service_status['designate_object.data'], heartbeated_at: 'now' }, {
    service_name: 'mdns', hostname: 'h1', status: 'UP', heartbeated_at: 'now', stats: {}, capabilities: {},
  });
});

test('a heartbeat that cannot be sent does not throw; the next one is tried', async () => {
  const transport = new InProcessTransport({ onDeadLetter: () => {} });
  let tries = 0;
  transport.cast = async () => {
    tries++;
    throw new Error('broker away');
  };
  const hb = new HeartbeatEmitter(transport, { serviceName: 'mdns', hostname: 'h1', interval: 0.02, centralTopic: 'central' }, log);
  hb.start();
  await new Promise((r) => setTimeout(r, 70));
  await hb.stop();
  assert.ok(tries >= 3, `${tries} tries`);
});

test.run();
