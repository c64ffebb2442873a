// The bind9 backend against a real named with an rndc channel: `rndc addzone` makes named transfer the zone
// in from zonecast's mdns and serve it; adding it again and deleting it twice are harmless; an rndc channel
// that does not answer is a BackendError naming the call.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { startServer as startProcess, stopServer, type Server } from '../../native-bench/lib/proc.ts';
import { BackendError } from '../../services/worker/backend.ts';
import { Bind9Backend } from '../../services/worker/backends/bind9.ts';
import { bindBaseOptions } from '../helpers/bind-secondary.ts';
import { ask } from '../helpers/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tool } from '../helpers/tools.ts';

const named = tool('named', 'bind9');
const rndc = tool('rndc', 'bind9-utils');

interface Ctx { zc: TestServer; bind: Server; port: number; rndcPort: number; dir: string; backend: Bind9Backend }
const t = suite<Ctx>('bind9 backend', {} as Ctx);

async function soa(port: number, zone: string): Promise<{ rcode: string; serial: number | null }> {
  const reply = await ask(port, zone, 'SOA');
  return { rcode: reply?.rcode ?? 'TIMEOUT', serial: reply?.answers.find((rr) => rr.type === 'SOA')?.data.serial ?? null };
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.before(async (ctx) => {
  if (!named || !rndc) return;
  ctx.zc = await startServer({ allowTransfer: ['127.0.0.1'] });
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-bind9-'));
  [ctx.port, ctx.rndcPort] = [await freePort(), await freePort()];
  const key = `key "rndc-key" { algorithm hmac-sha256; secret "${randomBytes(32).toString('base64')}"; };\n`;
  writeFileSync(join(ctx.dir, 'rndc.key'), key);
  writeFileSync(join(ctx.dir, 'named.conf'), `${key}options {
${bindBaseOptions(ctx.dir, ctx.port)}
  allow-new-zones yes;
};
controls { inet 127.0.0.1 port ${ctx.rndcPort} allow { 127.0.0.1; } keys { "rndc-key"; }; };
`);
  ctx.bind = startProcess('named', named, ['-g', '-u', 'root', '-c', join(ctx.dir, 'named.conf')]);
  ctx.backend = new Bind9Backend({
    type: 'bind9', masters: [{ host: '127.0.0.1', port: ctx.zc.port }],
    options: { rndc, rndc_host: '127.0.0.1', rndc_port: String(ctx.rndcPort), rndc_key_file: join(ctx.dir, 'rndc.key'), clean_zonefile: 'true' },
  });
  await until('named answering', async () => (await soa(ctx.port, 'example.com.')).rcode !== 'TIMEOUT');
});

t.after(async (ctx) => {
  if (ctx.bind) await stopServer(ctx.bind);
  await ctx.zc?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

t('an added zone is transferred from mdns and served; adding it again changes nothing', async (ctx) => {
  if (!named || !rndc) return;
  const served = (await soa(ctx.zc.port, 'example.com.')).serial;
  assert.ok(served !== null);
  assert.is((await soa(ctx.port, 'example.com.')).rcode, 'REFUSED', 'not served before');
  await ctx.backend.createZone('example.com.');
  await until('named serves example.com. at the mdns serial', async () => (await soa(ctx.port, 'example.com.')).serial === served);
  await ctx.backend.createZone('example.com.');
  assert.is((await soa(ctx.port, 'example.com.')).serial, served, 'still served after a second add');
});

t('a deleted zone is no longer served; deleting it again succeeds', async (ctx) => {
  if (!named || !rndc) return;
  await ctx.backend.deleteZone('example.com.');
  await until('example.com. gone from named', async () => (await soa(ctx.port, 'example.com.')).rcode === 'REFUSED');
  await ctx.backend.deleteZone('example.com.');
});

t('an rndc channel that does not answer: a BackendError naming the call', async (ctx) => {
  if (!named || !rndc) return;
  const down = new Bind9Backend({
    type: 'bind9', masters: [{ host: '127.0.0.1', port: ctx.zc.port }],
    options: { rndc, rndc_port: String(await freePort()), rndc_key_file: join(ctx.dir, 'rndc.key'), rndc_timeout: '3' },
  });
  try {
    await down.createZone('example.org.');
    assert.unreachable('should have failed');
  } catch (err) {
    assert.instance(err, BackendError);
    assert.match((err as Error).message, /rndc addzone example\.org\./);
  }
});

t.run();
