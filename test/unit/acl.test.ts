import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TransferAcl } from '../../engine/net/acl.ts';

test('prefixes and keys, IPv4 and IPv6; empty allows nobody', () => {
  const acl = new TransferAcl(['127.0.0.0/8', '2001:db8::/32', '192.0.2.7', 'key=Transfer.Key']);
  assert.ok(acl.allows('127.1.2.3', null));
  assert.ok(acl.allows('192.0.2.7', null));
  assert.not.ok(acl.allows('192.0.2.8', null));
  assert.ok(acl.allows('2001:db8::53', null));
  assert.not.ok(acl.allows('2001:db9::53', null));
  assert.ok(acl.allows('198.51.100.1', 'transfer.key.'));
  assert.not.ok(acl.allows('198.51.100.1', 'other.key.'));
  assert.not.ok(new TransferAcl([]).allows('127.0.0.1', null));
});

test('bad entries are refused with the entry named', () => {
  assert.throws(() => new TransferAcl(['example.com']), /'example\.com' is neither/);
  assert.throws(() => new TransferAcl(['10.0.0.0/33']), /bad prefix length/);
  assert.throws(() => new TransferAcl(['key=']), /key name missing/);
});

test.run();
