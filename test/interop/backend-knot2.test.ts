// The knot2 backend against a real knotd: a zone created through knotc's configuration transactions is
// transferred in from zonecast's mdns and served; creating it again and deleting it twice are harmless; a
// knotd that is not running is a BackendError naming the call.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import { knotBaseConfig } from '../../native-bench/lib/knot.ts';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { startServer as startProcess, stopServer, type Server } from '../../native-bench/lib/proc.ts';
import { Knot2Backend } from '../../services/worker/backends/knot2.ts';
import { backendContract, soaOf, type BackendSuite } from '../helpers/backend-checks.ts';
import { until } from '../helpers/until.ts';
import { startServer } from '../helpers/server.ts';
import { tool } from '../helpers/tools.ts';

const knotd = tool('knotd', 'knot');
const knotc = tool('knotc', 'knot');

interface Ctx extends BackendSuite {
  knot: Server;
  dir: string;
}
const t = suite<Ctx>('knot2 backend', {} as Ctx);

t.before(async (ctx) => {
  if (!knotd || !knotc) return;
  ctx.zc = await startServer({ allowTransfer: ['127.0.0.1'] });
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-knot2-'));
  ctx.port = await freePort();
  writeFileSync(join(ctx.dir, 'knot.conf'), knotBaseConfig(ctx.dir, ctx.port));
  ctx.knot = startProcess('knotd', knotd, ['-c', join(ctx.dir, 'knot.conf')]);
  await until('knotd answering', async () => (await soaOf(ctx.port, 'example.com.')).rcode !== 'TIMEOUT');
  ctx.unreachable = async () => new Knot2Backend({
    type: 'knot2', masters: [{ host: '127.0.0.1', port: ctx.zc.port }], options: { knotc: knotc!, control_socket: join(ctx.dir, 'absent.sock') },
  });
  ctx.backend = new Knot2Backend({
    type: 'knot2', masters: [{ host: '127.0.0.1', port: ctx.zc.port }], options: { knotc, control_socket: join(ctx.dir, 'knot.sock') },
  });
});

t.after(async (ctx) => {
  if (ctx.knot) await stopServer(ctx.knot);
  await ctx.zc?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

backendContract(t, knotd !== null && knotc !== null, 'knot2 create');

t.run();
