// [DEFAULT] transport_url as oslo.messaging reads it: several brokers, a vhost, defaults, and passwords kept
// out of logs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTransportUrl, redactTransportUrl, TransportUrlError } from '../../services/messaging/transport-url.ts';

test('several hosts with their own credentials share one vhost', () => {
  const url = parseTransportUrl('rabbit://u1:p%40ss@mq1:5673,u2:pw2@[2001:db8::5]/designate');
  assert.equal(url.hosts, [
    { hostname: 'mq1', port: 5673, username: 'u1', password: 'p@ss' },
    { hostname: '2001:db8::5', port: 5672, username: 'u2', password: 'pw2' },
  ]);
  assert.is(url.vhost, 'designate');
});

test('defaults: port 5672, guest/guest, the vhost "/" when the path is empty', () => {
  for (const text of ['amqp://localhost', 'rabbit://localhost/']) {
    const url = parseTransportUrl(text);
    assert.equal(url.hosts, [{ hostname: 'localhost', port: 5672, username: 'guest', password: 'guest' }]);
    assert.is(url.vhost, '/');
  }
});

test('other schemes, no host and bad ports are refused with the reason', () => {
  for (const [text, reason] of [['kafka://h:9092/', /scheme 'kafka'/], ['rabbit:///vhost', /no host/], ['rabbit://h:70000/', /out of range/], ['not a url', /is not scheme/]] as const) {
    assert.throws(() => parseTransportUrl(text), (err: Error) => err instanceof TransportUrlError && reason.test(err.message), text);
  }
});

test('logs show the URL without its passwords', () => {
  assert.is(redactTransportUrl('rabbit://u1:secret1@mq1:5672,u2:secret2@mq2/vh'), 'rabbit://u1:***@mq1:5672,u2:***@mq2/vh');
});

test.run();
