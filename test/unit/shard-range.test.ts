// Designate's partitioner: members sorted, ceil(4096 / n) shards each by place, the last one shorter.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { shardRange } from '../../services/coordination/coordination.ts';

test('one member takes every shard', () => {
  assert.equal(shardRange(['a'], 'a'), { first: 0, last: 4095 });
});

test('three members: consecutive ranges by sorted id, covering 0..4095 once', () => {
  const members = ['c', 'a', 'b'];
  assert.equal(shardRange(members, 'a'), { first: 0, last: 1365 });
  assert.equal(shardRange(members, 'b'), { first: 1366, last: 2731 });
  assert.equal(shardRange(members, 'c'), { first: 2732, last: 4095 });
});

test('a member not in the group works no shard', () => {
  assert.is(shardRange(['a', 'b'], 'z'), null);
});

test('more members than shards: the extra ones get none', () => {
  const members = Array.from({ length: 5000 }, (_, i) => `m${String(i).padStart(4, '0')}`);
  assert.equal(shardRange(members, 'm0000'), { first: 0, last: 0 });
  assert.is(shardRange(members, 'm4999'), null);
});

test.run();
