// Rendezvous hashing for the fleet cache: keys spread evenly; adding a server moves only the keys it wins,
// losing one moves only the keys it held, each to its next-ranked server (where memjs's hash % n moves most).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rank } from '../../services/cache/rendezvous.ts';

const keys = Array.from({ length: 6000 }, (_, i) => `zonecast:zimg:1.1:zone-${i}:${i % 7}`);
const three = ['10.0.0.1:11211', '10.0.0.2:11211', '10.0.0.3:11211'];
const home = (servers: string[]) => new Map(keys.map((k) => [k, rank(k, servers)[0]]));

test('every server ranks every key once; the spread is even', () => {
  assert.equal([...rank(keys[0], three)].sort(), [...three].sort());
  const counts = new Map<string, number>();
  for (const s of home(three).values()) counts.set(s, (counts.get(s) ?? 0) + 1);
  for (const s of three) assert.ok(Math.abs(counts.get(s)! - 2000) < 200, `${s}: ${counts.get(s)}`);
});

test('a fourth server takes about a quarter of the keys, all from the others, and moves nothing else', () => {
  const before = home(three);
  const after = home([...three, '10.0.0.4:11211']);
  let moved = 0;
  for (const k of keys) {
    if (before.get(k) === after.get(k)) continue;
    moved++;
    assert.is(after.get(k), '10.0.0.4:11211', 'a key only moves to the new server');
  }
  assert.ok(moved > keys.length * 0.2 && moved < keys.length * 0.3, `${moved} moved`);
});

test('losing a server moves only its keys, each to its second-ranked server', () => {
  const before = home(three);
  const after = home([three[0], three[2]]);
  for (const k of keys) {
    if (before.get(k) !== three[1]) assert.is(after.get(k), before.get(k));
    else assert.is(after.get(k), rank(k, three)[1]);
  }
});

test.run();
