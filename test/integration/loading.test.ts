// Zone loading from a directory: a large zone compiles in the pool while the others are already answered,
// and a zone file with errors is left unserved (SERVFAIL) without affecting the rest.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nameFromText } from '../../engine/codec/name.ts';
import { CompilePool } from '../../engine/pool/compile-pool.ts';
import { createLogger } from '../../services/log.ts';
import { MDNS_DEFAULTS, MdnsServer } from '../../services/mdns/server.ts';
import { ZoneDirectory } from '../../services/mdns/zone-directory.ts';
import { JOURNAL_DEFAULTS } from '../../engine/xfr/journal.ts';
import { query, udp } from '../helpers/client.ts';

const HEAD = (serial: number) => `$TTL 300\n@ SOA ns1 hostmaster ${serial} 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.1\n`;
const BIG_RECORDS = 300_000;

test('other zones are answered while a large zone compiles; a broken zone is not served', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-load-'));
  const big: string[] = [HEAD(1)];
  for (let i = 0; i < BIG_RECORDS; i++) big.push(`h${i} A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}\n`);
  writeFileSync(join(dir, 'big.test.zone'), big.join(''));
  writeFileSync(join(dir, 'small.test.zone'), HEAD(2) + 'www A 192.0.2.80\n');
  writeFileSync(join(dir, 'broken.test.zone'), HEAD(3) + 'www MX not-a-number mail\n');

  const log = createLogger('mdns', 'silent');
  const server = await MdnsServer.start({ ...MDNS_DEFAULTS, listen: [{ host: '127.0.0.1', port: 0 }] }, log);
  const port = server.endpoints[0].port;
  const pool = new CompilePool(1);
  try {
    const directory = new ZoneDirectory(server.zones, pool, { dir, keyring: server.keyring, journalDir: null, journal: JOURNAL_DEFAULTS, xfr: server.xfr }, log);
    const loading = directory.sync();
    const bigZone = server.zones.get(nameFromText('big.test.'))!;
    assert.ok(bigZone, 'every zone is registered as soon as loading starts');
    let answeredWhileBigLoads = 0;
    while (bigZone.snapshot === null) {
      const r = await udp(port, query('www.small.test', 'A'));
      if (r.rcode === 'NOERROR' && bigZone.snapshot === null) answeredWhileBigLoads++;
      else if (r.rcode !== 'NOERROR') assert.is(r.rcode, 'SERVFAIL', 'a zone still loading answers SERVFAIL');
    }
    const summary = await loading;
    assert.ok(answeredWhileBigLoads > 0, 'the small zone answered while the big one was compiling');
    assert.equal(summary, { loaded: 2, failed: 1 });
    assert.is((await udp(port, query(`h${BIG_RECORDS - 1}.big.test`, 'A'))).answers[0].data, '10.4.147.223');
    assert.is((await udp(port, query('www.broken.test', 'A'))).rcode, 'SERVFAIL');
    assert.is((await udp(port, query('www.small.test', 'A'))).rcode, 'NOERROR');
  } finally {
    await pool.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
