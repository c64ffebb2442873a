// The nsd4 backend against a real nsd: a zone added with a pattern that pulls from zonecast's mdns is
// transferred in and served; adding it again and deleting it twice are harmless; a control channel that
// does not answer is a BackendError naming the call.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { startServer as startProcess, stopServer, type Server } from '../../native-bench/lib/proc.ts';
import { Nsd4Backend } from '../../services/worker/backends/nsd4.ts';
import { backendContract, soaOf, type BackendSuite } from '../helpers/backend-checks.ts';
import { until } from '../helpers/until.ts';
import { startServer } from '../helpers/server.ts';
import { tool } from '../helpers/tools.ts';

const nsd = tool('nsd', 'nsd');
const nsdControl = tool('nsd-control', 'nsd');
const nsdControlSetup = tool('nsd-control-setup', 'nsd');

interface Ctx extends BackendSuite {
  nsd: Server;
  controlPort: number;
  dir: string;
}
const t = suite<Ctx>('nsd4 backend', {} as Ctx);

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
  ctx.unreachable = async () => new Nsd4Backend({
    type: 'nsd4', masters: [], options: { nsd_control: nsdControl!, config_file: join(d, 'nsd.conf'), host: '127.0.0.1', port: String(await freePort()) },
  });
  ctx.backend = new Nsd4Backend({ type: 'nsd4', masters: [], options: { nsd_control: nsdControl!, config_file: join(d, 'nsd.conf'), pattern: 'zonecast' } });
  await until('nsd answering', async () => (await soaOf(ctx.port, 'example.com.')).rcode !== 'TIMEOUT');
});

t.after(async (ctx) => {
  if (ctx.nsd) await stopServer(ctx.nsd);
  await ctx.zc?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

backendContract(t, ready(), 'nsd-control addzone');

t.run();
