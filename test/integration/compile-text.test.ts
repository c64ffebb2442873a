// A stored zone reaches mdns as master-file text (zone-export.ts) compiled in the pool: the same parser and
// zone rules as zone files, errors named after the source.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nameFromText } from '../../engine/codec/name.ts';
import { CompilePool } from '../../engine/pool/compile-pool.ts';
import { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import { exportZone } from '../../engine/zonefile/writer.ts';

test('an exported zone compiles in the pool; a broken one reports why', async () => {
  const pool = new CompilePool(1);
  try {
    const text = exportZone('stored.test.', 300, [
      { name: 'stored.test.', type: 'SOA', ttl: null, records: ['ns1.stored.test. hostmaster.stored.test. 42 3600 600 86400 60'] },
      { name: 'stored.test.', type: 'NS', ttl: null, records: ['ns1.stored.test.'] },
      { name: 'ns1.stored.test.', type: 'A', ttl: null, records: ['192.0.2.1'] },
      { name: 'www.stored.test.', type: 'CNAME', ttl: 60, records: ['ns1.stored.test.'] },
    ]);
    const ok = await pool.compileText({ origin: 'stored.test.', text, source: 'zone stored.test.' });
    assert.equal(ok.errors, []);
    const snap = new ZoneSnapshot(ok.buffer!);
    assert.is(snap.serial, 42);
    const www = nameFromText('www.stored.test.');
    assert.ok(snap.findNode(www, 0, www.length) > 0);
    const broken = await pool.compileText({ origin: 'stored.test.', text: exportZone('stored.test.', 300, [{ name: 'stored.test.', type: 'NS', ttl: null, records: ['ns1.stored.test.'] }]), source: 'zone stored.test.' });
    assert.is(broken.buffer, null);
    assert.ok(broken.errors.some((e) => /no SOA/.test(e)), broken.errors.join('; '));
  } finally {
    await pool.close();
  }
});

test.run();
