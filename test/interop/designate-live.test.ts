// The live Designate harness (test/helpers/designate.ts) works end to end: a zone created through its API
// lands in its database and on its BIND target while no mdns answers, and with Debian's designate-mdns on
// the pool's masters address the target transfers it and the worker's polls turn it ACTIVE.
import { randomBytes } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { ask, type Decoded } from '../helpers/client.ts';
import { designateUnavailable, startDesignate, startDesignateMdns, type RunningDesignate } from '../helpers/designate.ts';
import { until } from '../helpers/until.ts';

interface Ctx {
  d: RunningDesignate | null;
  mdnsPort: number;
}

const t = suite<Ctx>('designate live harness', { d: null, mdnsPort: 0 });

interface Zone {
  id: string;
  name: string;
  serial: number;
  status: string;
}

async function api(d: RunningDesignate, method: string, path: string, body?: unknown): Promise<Zone> {
  const res = await fetch(`${d.apiUrl}${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Zone;
}

const createZone = (d: RunningDesignate) =>
  api(d, 'POST', '/v2/zones', { name: `live-${randomBytes(4).toString('hex')}.test.`, email: 'admin@example.org', ttl: 300 });

/** As zonecast will: connected as the SELECT-only user. */
async function asReader<T>(d: RunningDesignate, fn: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await createConnection({ host: '127.0.0.1', user: d.readOnlyUser.user, password: d.readOnlyUser.password, database: d.database });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

/** The zone's row, found by the dashless id Designate stores. */
const zoneRow = (d: RunningDesignate, id: string) => asReader(d, async (conn) => {
  const [rows] = await conn.query('SELECT name, status, serial FROM zones WHERE id = ?', [id.replaceAll('-', '')]);
  return (rows as { name: string; status: string; serial: number }[])[0];
});

/** ask() for SOA, asked again while it times out: it waits 300 ms, and Python on a busy machine may take longer. */
async function soaFrom(port: number, name: string): Promise<Decoded> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const reply = await ask(port, name, 'SOA');
    if (reply !== null) return reply;
    if (Date.now() > deadline) throw new Error(`no answer from port ${port} for ${name} SOA within 15 s`);
  }
}

t.before(async (ctx) => {
  const why = await designateUnavailable();
  if (why !== null) {
    console.log(`  (skipped: ${why})`);
    return;
  }
  // Nothing listens here until the second test starts Debian's designate-mdns on it.
  ctx.mdnsPort = await freePort();
  const started = performance.now();
  ctx.d = await startDesignate({ mdns: { host: '127.0.0.1', port: ctx.mdnsPort } });
  console.log(`  (designate harness started in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
});

t.after(async (ctx) => {
  if (ctx.d === null) return;
  const started = performance.now();
  await ctx.d.stop();
  console.log(`  (designate harness stopped in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
});

t('a zone created through the API is in the database and added to BIND, with no mdns answering', async ({ d }) => {
  if (d === null) return;
  const zone = await createZone(d);
  assert.is(zone.status, 'PENDING');
  const row = await zoneRow(d, zone.id);
  assert.ok(row, 'zone row readable by the read-only user');
  assert.is(row.name, zone.name);
  assert.is(row.status, 'PENDING');
  const write = await asReader(d, (conn) => conn.query("UPDATE zones SET status = 'ERROR'").then(() => 'allowed', (err: { code?: string }) => err.code));
  assert.is(write, 'ER_TABLEACCESS_DENIED_ERROR', 'the read-only user cannot write');
  await until(`rndc showzone ${zone.name}`, async () => d.bind.rndc('showzone', zone.name.slice(0, -1)).includes('type slave'), 30_000);
  assert.is((await ask(d.bind.port, zone.name, 'SOA'))?.rcode, 'SERVFAIL', 'BIND has the zone but could not transfer it');
});

t("with Debian's designate-mdns on the masters address, BIND transfers the zone and it turns ACTIVE", async (ctx) => {
  const { d } = ctx;
  if (d === null) return;
  const mdns = await startDesignateMdns(d, ctx.mdnsPort);
  try {
    const zone = await createZone(d);
    const soa = await soaFrom(ctx.mdnsPort, zone.name);
    assert.is(soa.rcode, 'NOERROR', 'designate-mdns answers for the zone');
    assert.ok(soa.flag_aa);
    const record = soa.answers.find((rr) => rr.type === 'SOA');
    assert.ok(record, 'with its SOA');
    assert.is(record.name, zone.name.slice(0, -1));
    assert.is(record.data.mname, 'ns1.example.org');
    assert.is(record.data.rname, 'admin.example.org');
    assert.is(record.data.serial, zone.serial);
    await until(`${zone.name} ACTIVE`, async () => (await api(d, 'GET', `/v2/zones/${zone.id}`)).status === 'ACTIVE', 60_000);
    const served = await ask(d.bind.port, zone.name, 'SOA');
    assert.is(served?.answers.find((rr) => rr.type === 'SOA')?.data.serial, zone.serial, 'BIND serves the transferred zone');
    assert.is((await zoneRow(d, zone.id))?.status, 'ACTIVE');
  } finally {
    await mdns.stop();
  }
});

t.run();
