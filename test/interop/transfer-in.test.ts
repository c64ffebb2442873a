// zonecast as a secondary of a real Knot primary: the zone arrives by AXFR, a change on the primary arrives
// by NOTIFY and IXFR, and NOTIFY from anyone but the primary is refused.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { knotBaseConfig } from '../../native-bench/lib/knot.ts';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { startServer as startProcess, stopServer, type Server } from '../../native-bench/lib/proc.ts';
import { decode, query, udp } from '../helpers/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tool } from '../helpers/tools.ts';

const knotd = tool('knotd', 'knot');
const knotc = tool('knotc', 'knot');
const run = promisify(execFile);

interface Ctx { dir: string; knot: Server & { lines: string[] }; knotPort: number; zc: TestServer }
const t = suite<Ctx>('transfer in');

const zone = (serial: number, extra: string) =>
  `$TTL 300\n@ SOA ns1 hostmaster ${serial} 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.1\n` +
  Array.from({ length: 200 }, (_, i) => `h${i} A 10.2.0.${i}\n`).join('') + extra;

t.before(async (ctx) => {
  if (!knotd) return;
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-transfer-in-'));
  const knotDir = join(ctx.dir, 'knot');
  const zcDir = join(ctx.dir, 'zones');
  mkdirSync(knotDir);
  mkdirSync(zcDir);
  ctx.knotPort = await freePort();
  const zcPort = await freePort();
  writeFileSync(join(knotDir, 'pri.test.zone'), zone(1, 'old A 192.0.2.10\n'));
  writeFileSync(join(knotDir, 'knot.conf'), `${knotBaseConfig(knotDir, ctx.knotPort)}
remote:
  - id: zonecast
    address: 127.0.0.1@${zcPort}

acl:
  - id: transfer
    address: 127.0.0.0/8
    action: transfer

template:
  - id: default
    storage: "${knotDir}"
    zonefile-load: difference
    journal-content: changes
    semantic-checks: off
    acl: transfer
    notify: zonecast

zone:
  - domain: pri.test.
    file: "${join(knotDir, 'pri.test.zone')}"
`);
  const lines: string[] = [];
  ctx.knot = Object.assign(startProcess('knot primary', knotd, ['-c', join(knotDir, 'knot.conf')], { onLine: (l) => lines.push(l) }), { lines });
  // Knot answers once its zone is loaded; zonecast's first refresh must find it there.
  for (let i = 0; i < 100; i++) {
    const r = await udp(ctx.knotPort, query('pri.test', 'SOA')).catch(() => null);
    if (r?.rcode === 'NOERROR') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  writeFileSync(join(zcDir, 'zones.yaml'), `pri.test.:\n  masters: ["127.0.0.1:${ctx.knotPort}"]\n`);
  ctx.zc = await startServer({ listen: [{ host: '127.0.0.1', port: zcPort }] }, zcDir);
});

t.after(async (ctx) => {
  if (ctx.knot) await stopServer(ctx.knot);
  await ctx.zc?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

async function serialAt(port: number): Promise<number | undefined> {
  const r = await udp(port, query('pri.test', 'SOA')).catch(() => null);
  return r?.rcode === 'NOERROR' ? r.answers[0]?.data.serial : undefined;
}

async function waitFor(what: string, check: () => Promise<boolean>, log: string[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${log.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t('AXFR first, then NOTIFY and IXFR from the primary', async (ctx) => {
  if (!knotd || !knotc) return;
  const port = ctx.zc.port;
  await waitFor('zonecast to serve serial 1', async () => (await serialAt(port)) === 1, ctx.knot.lines);
  const r = await udp(port, query('h199.pri.test', 'A'));
  assert.ok(r.flag_aa);
  assert.is(r.answers[0].data, '10.2.0.199');
  assert.ok(ctx.knot.lines.some((l) => /AXFR, outgoing.*finished/.test(l)), 'Knot served an AXFR');

  writeFileSync(join(ctx.dir, 'knot', 'pri.test.zone'), zone(2, 'new A 192.0.2.20\n'));
  await run(knotc, ['-s', join(ctx.dir, 'knot', 'knot.sock'), 'zone-reload', 'pri.test.']);
  await waitFor('zonecast to serve serial 2', async () => (await serialAt(port)) === 2, ctx.knot.lines);
  assert.ok(ctx.knot.lines.some((l) => /IXFR, outgoing.*finished/.test(l)), `Knot served an IXFR:\n${ctx.knot.lines.join('\n')}`);
  assert.is((await udp(port, query('new.pri.test', 'A'))).answers[0].data, '192.0.2.20');
  assert.is((await udp(port, query('old.pri.test', 'A'))).rcode, 'NXDOMAIN');
});

t('NOTIFY from an address that is not a primary is refused', async (ctx) => {
  if (!knotd) return;
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.2', resolve));
  const reply = await new Promise<Buffer>((resolve) => {
    socket.once('message', resolve);
    socket.send(query('pri.test', 'SOA', { opcode: 4, flags: 0, edns: false }), ctx.zc.port, '127.0.0.1');
  });
  socket.close();
  assert.is(decode(reply).rcode, 'REFUSED');
});

t.run();
