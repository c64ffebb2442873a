// The bind9 backend against a real named with an rndc channel: `rndc addzone` makes named transfer the zone
// in from zonecast's mdns and serve it; adding it again and deleting it twice are harmless; an rndc channel
// that does not answer is a BackendError naming the call.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { startServer as startProcess, stopServer, type Server } from '../../native-bench/lib/proc.ts';
import { Bind9Backend } from '../../services/worker/backends/bind9.ts';
import { bindBaseOptions } from '../helpers/bind-secondary.ts';
import { backendContract, soaOf, type BackendSuite } from '../helpers/backend-checks.ts';
import { until } from '../helpers/until.ts';
import { startServer } from '../helpers/server.ts';
import { tool } from '../helpers/tools.ts';

const named = tool('named', 'bind9');
const rndc = tool('rndc', 'bind9-utils');

interface Ctx extends BackendSuite {
  bind: Server;
  rndcPort: number;
  dir: string;
}
const t = suite<Ctx>('bind9 backend', {} as Ctx);

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
  ctx.unreachable = async () => new Bind9Backend({
    type: 'bind9', masters: [{ host: '127.0.0.1', port: ctx.zc.port }],
    options: { rndc: rndc!, rndc_port: String(await freePort()), rndc_key_file: join(ctx.dir, 'rndc.key'), rndc_timeout: '3' },
  });
  ctx.backend = new Bind9Backend({
    type: 'bind9', masters: [{ host: '127.0.0.1', port: ctx.zc.port }],
    options: { rndc, rndc_host: '127.0.0.1', rndc_port: String(ctx.rndcPort), rndc_key_file: join(ctx.dir, 'rndc.key'), clean_zonefile: 'true' },
  });
  await until('named answering', async () => (await soaOf(ctx.port, 'example.com.')).rcode !== 'TIMEOUT');
});

t.after(async (ctx) => {
  if (ctx.bind) await stopServer(ctx.bind);
  await ctx.zc?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

backendContract(t, named !== null && rndc !== null, 'rndc addzone');

t.run();
