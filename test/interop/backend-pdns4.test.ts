// The pdns4 backend against a real PowerDNS Authoritative (sqlite3 backend, HTTP API on): a zone created
// through the API is transferred in from zonecast's mdns and served; creating it again and deleting it twice
// are harmless; an API that does not answer is a BackendError naming the call.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { suite } from 'uvu';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { startServer as startProcess, stopServer, type Server } from '../../native-bench/lib/proc.ts';
import { Pdns4Backend } from '../../services/worker/backends/pdns4.ts';
import { backendContract, soaOf, type BackendSuite } from '../helpers/backend-checks.ts';
import { until } from '../helpers/until.ts';
import { startServer } from '../helpers/server.ts';
import { tool } from '../helpers/tools.ts';

const pdns = tool('pdns_server', 'pdns-server');
const SCHEMA = '/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql';

interface Ctx extends BackendSuite {
  pdns: Server;
  apiPort: number;
  dir: string;
}
const t = suite<Ctx>('pdns4 backend', {} as Ctx);

t.before(async (ctx) => {
  if (!pdns) return;
  ctx.zc = await startServer({ allowTransfer: ['127.0.0.1'] });
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-pdns4-'));
  [ctx.port, ctx.apiPort] = [await freePort(), await freePort()];
  const db = new DatabaseSync(join(ctx.dir, 'pdns.db'));
  db.exec(readFileSync(SCHEMA, 'utf8'));
  db.close();
  writeFileSync(join(ctx.dir, 'pdns.conf'), [
    'launch=gsqlite3', `gsqlite3-database=${join(ctx.dir, 'pdns.db')}`, 'local-address=127.0.0.1', `local-port=${ctx.port}`,
    'secondary=yes', 'api=yes', 'api-key=test-key', 'webserver=yes', 'webserver-address=127.0.0.1', `webserver-port=${ctx.apiPort}`,
    'webserver-allow-from=127.0.0.0/8', `socket-dir=${ctx.dir}`, 'allow-notify-from=127.0.0.0/8', '',
  ].join('\n'));
  ctx.pdns = startProcess('pdns_server', pdns, [`--config-dir=${ctx.dir}`, '--daemon=no', '--guardian=no', '--disable-syslog', '--write-pid=no']);
  ctx.unreachable = async () => new Pdns4Backend({
    type: 'pdns4', masters: [{ host: '127.0.0.1', port: ctx.zc.port }], options: { api_endpoint: `http://127.0.0.1:${await freePort()}`, api_token: 'test-key' },
  });
  ctx.backend = new Pdns4Backend({
    type: 'pdns4', masters: [{ host: '127.0.0.1', port: ctx.zc.port }], options: { api_endpoint: `http://127.0.0.1:${ctx.apiPort}`, api_token: 'test-key' },
  });
  await until('pdns answering', async () => (await soaOf(ctx.port, 'example.com.')).rcode !== 'TIMEOUT');
});

t.after(async (ctx) => {
  if (ctx.pdns) await stopServer(ctx.pdns);
  await ctx.zc?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

backendContract(t, pdns !== null, 'pdns4 create');

t.run();
