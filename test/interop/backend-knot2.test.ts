// The knot2 backend against a real knotd: a zone created through knotc's configuration transactions is
// transferred in from zonecast's mdns and served; creating it again and deleting it twice are harmless; a
// knotd that is not running is a BackendError naming the call.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { knotBaseConfig } from '../../native-bench/lib/knot.ts';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { startServer as startProcess, stopServer, type Server } from '../../native-bench/lib/proc.ts';
import { BackendError } from '../../services/worker/backend.ts';
import { Knot2Backend } from '../../services/worker/backends/knot2.ts';
import { ask } from '../helpers/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tool } from '../helpers/tools.ts';

const knotd = tool('knotd', 'knot');
const knotc = tool('knotc', 'knot');

interface Ctx { zc: TestServer; knot: Server; port: number; dir: string; backend: Knot2Backend }
const t = suite<Ctx>('knot2 backend', {} as Ctx);

async function rcode(port: number, zone: string): Promise<{ rcode: string; serial: number | null }> {
  const reply = await ask(port, zone, 'SOA');
  return { rcode: reply?.rcode ?? 'TIMEOUT', serial: reply?.answers.find((rr) => rr.type === 'SOA')?.data.serial ?? null };
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.before(async (ctx) => {
  if (!knotd || !knotc) return;
  ctx.zc = await startServer({ allowTransfer: ['127.0.0.1'] });
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-knot2-'));
  ctx.port = await freePort();
  writeFileSync(join(ctx.dir, 'knot.conf'), knotBaseConfig(ctx.dir, ctx.port));
  ctx.knot = startProcess('knotd', knotd, ['-c', join(ctx.dir, 'knot.conf')]);
  await until('knotd answering', async () => (await rcode(ctx.port, 'example.com.')).rcode !== 'TIMEOUT');
  ctx.backend = new Knot2Backend({
    type: 'knot2', masters: [{ host: '127.0.0.1', port: ctx.zc.port }], options: { knotc, control_socket: join(ctx.dir, 'knot.sock') },
  });
});

t.after(async (ctx) => {
  if (ctx.knot) await stopServer(ctx.knot);
  await ctx.zc?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

t('a created zone is transferred from mdns and served; creating it again changes nothing', async (ctx) => {
  if (!knotd || !knotc) return;
  const served = (await rcode(ctx.zc.port, 'example.com.')).serial;
  assert.ok(served !== null);
  assert.is((await rcode(ctx.port, 'example.com.')).rcode, 'REFUSED', 'not served before');
  await ctx.backend.createZone('example.com.');
  await until('knot serves example.com. at the mdns serial', async () => (await rcode(ctx.port, 'example.com.')).serial === served);
  await ctx.backend.createZone('example.com.');
  await ctx.backend.createZone('example.net.');
  await until('knot serves example.net. too', async () => (await rcode(ctx.port, 'example.net.')).rcode === 'NOERROR');
  assert.is((await rcode(ctx.port, 'example.com.')).serial, served, 'still served after a second create');
});

t('a deleted zone is no longer served; deleting it again succeeds', async (ctx) => {
  if (!knotd || !knotc) return;
  await ctx.backend.deleteZone('example.com.');
  await until('example.com. gone from knot', async () => (await rcode(ctx.port, 'example.com.')).rcode === 'REFUSED');
  await ctx.backend.deleteZone('example.com.');
  assert.is((await rcode(ctx.port, 'example.net.')).rcode, 'NOERROR', 'the other zone stays');
});

t('a knotd that is not running: a BackendError naming the call', async (ctx) => {
  if (!knotd || !knotc) return;
  const down = new Knot2Backend({ type: 'knot2', masters: [{ host: '127.0.0.1', port: ctx.zc.port }], options: { knotc, control_socket: join(ctx.dir, 'absent.sock') } });
  try {
    await down.createZone('example.org.');
    assert.unreachable('should have failed');
  } catch (err) {
    assert.instance(err, BackendError);
    assert.match((err as Error).message, /conf-begin/);
  }
});

t.run();
