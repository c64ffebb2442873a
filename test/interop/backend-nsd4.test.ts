// The nsd4 backend against a real nsd: a zone added with a pattern that pulls from zonecast's mdns is
// transferred in and served; adding it again and deleting it twice are harmless; a control channel that
// does not answer is a BackendError naming the call.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { startServer as startProcess, stopServer, type Server } from '../../native-bench/lib/proc.ts';
import { BackendError } from '../../services/worker/backend.ts';
import { Nsd4Backend } from '../../services/worker/backends/nsd4.ts';
import { ask } from '../helpers/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tool } from '../helpers/tools.ts';

const nsd = tool('nsd', 'nsd');
const nsdControl = tool('nsd-control', 'nsd');
const nsdControlSetup = tool('nsd-control-setup', 'nsd');

interface Ctx { zc: TestServer; nsd: Server; port: number; controlPort: number; dir: string; backend: Nsd4Backend }
const t = suite<Ctx>('nsd4 backend', {} as Ctx);

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

const ready = () => nsd !== null && nsdControl !== null && nsdControlSetup !== null;

t.before(async (ctx) => {
  if (!ready()) return;
  ctx.zc = await startServer({ allowTransfer: ['127.0.0.1'] });
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-nsd4-'));
  [ctx.port, ctx.controlPort] = [await freePort(), await freePort()];
  execFileSync(nsdControlSetup!, ['-d', ctx.dir], { stdio: 'ignore' });
  const d = ctx.dir;
  writeFileSync(join(d, 'nsd.conf'), `server:
  ip-address: 127.0.0.1@${ctx.port}
  zonesdir: "${d}"
  database: ""
  pidfile: "${d}/nsd.pid"
  xfrdfile: "${d}/xfrd.state"
  zonelistfile: "${d}/zone.list"
  username: ""
  chroot: ""
remote-control:
  control-enable: yes
  control-interface: 127.0.0.1
  control-port: ${ctx.controlPort}
  server-key-file: "${d}/nsd_server.key"
  server-cert-file: "${d}/nsd_server.pem"
  control-key-file: "${d}/nsd_control.key"
  control-cert-file: "${d}/nsd_control.pem"
pattern:
  name: zonecast
  zonefile: "%s.zone"
  request-xfr: 127.0.0.1@${ctx.zc.port} NOKEY
  allow-notify: 127.0.0.1 NOKEY
`);
  ctx.nsd = startProcess('nsd', nsd!, ['-d', '-c', join(d, 'nsd.conf')]);
  ctx.backend = new Nsd4Backend({ type: 'nsd4', masters: [], options: { nsd_control: nsdControl!, config_file: join(d, 'nsd.conf'), pattern: 'zonecast' } });
  await until('nsd answering', async () => (await soa(ctx.port, 'example.com.')).rcode !== 'TIMEOUT');
});

t.after(async (ctx) => {
  if (ctx.nsd) await stopServer(ctx.nsd);
  await ctx.zc?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

t('an added zone is transferred from mdns and served; adding it again changes nothing', async (ctx) => {
  if (!ready()) return;
  const served = (await soa(ctx.zc.port, 'example.com.')).serial;
  assert.ok(served !== null);
  assert.is((await soa(ctx.port, 'example.com.')).rcode, 'REFUSED', 'not served before');
  await ctx.backend.createZone('example.com.');
  await until('nsd serves example.com. at the mdns serial', async () => (await soa(ctx.port, 'example.com.')).serial === served);
  await ctx.backend.createZone('example.com.');
  assert.is((await soa(ctx.port, 'example.com.')).serial, served, 'still served after a second add');
});

t('a deleted zone is no longer served; deleting it again succeeds', async (ctx) => {
  if (!ready()) return;
  await ctx.backend.deleteZone('example.com.');
  await until('example.com. gone from nsd', async () => (await soa(ctx.port, 'example.com.')).rcode === 'REFUSED');
  await ctx.backend.deleteZone('example.com.');
});

t('a control channel that does not answer: a BackendError naming the call', async (ctx) => {
  if (!ready()) return;
  const down = new Nsd4Backend({ type: 'nsd4', masters: [], options: { nsd_control: nsdControl!, config_file: join(ctx.dir, 'nsd.conf'), host: '127.0.0.1', port: String(await freePort()) } });
  try {
    await down.createZone('example.org.');
    assert.unreachable('should have failed');
  } catch (err) {
    assert.instance(err, BackendError);
    assert.match((err as Error).message, /nsd-control addzone example\.org\./);
  }
});

t.run();
