// The real client: python-openstackclient with python-designateclient, unchanged, against the embedded
// default (noauth), then the zone checked over DNS.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startAll, type AllServices } from '../../services/all.ts';
import { loadConfig } from '../../services/config/options.ts';
import { createLogger } from '../../services/log.ts';
import { ask, type Decoded } from '../helpers/client.ts';
import { tool } from '../helpers/tools.ts';

const run = promisify(execFile);
const openstack = tool('openstack', 'python3-openstackclient python3-designateclient');

interface Ctx {
  dir: string;
  all: AllServices;
  /** `openstack <args> -f json`, parsed. */
  cli(...args: string[]): Promise<any>;
}

const t = suite<Ctx>('openstack client', {} as Ctx);

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-osc-'));
  const config = loadConfig({ env: {}, cli: { 'data-dir': ctx.dir, listen: ['127.0.0.1:0'], 'api-listen': ['127.0.0.1:0'], 'compile-threads': '1' } });
  ctx.all = await startAll(config, createLogger('zonecast', process.env.ZONECAST_TEST_LOG ?? 'silent'));
  const env = {
    PATH: process.env.PATH,
    HOME: ctx.dir,
    OS_AUTH_TYPE: 'none',
    OS_ENDPOINT: `http://127.0.0.1:${ctx.all.api.ports[0]}/v2`,
  };
  ctx.cli = async (...args) => {
    const { stdout } = await run(openstack!, [...args, '-f', 'json'], { env, timeout: 30_000 }).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`openstack ${args.join(' ')}: ${err.stderr || err.message}`);
    });
    return stdout.trim() === '' ? null : JSON.parse(stdout);
  };
});

t.after(async (ctx) => {
  await ctx.all?.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

async function answer(ctx: Ctx, name: string, type: string, check: (d: Decoded) => boolean): Promise<Decoded> {
  const port = ctx.all.mdns.server.endpoints[0].port;
  for (let i = 0; i < 200; i++) {
    const d = await ask(port, name, type);
    if (d && check(d)) return d;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new assert.Assertion({ message: `${name} ${type} never answered as expected`, operator: 'answer', expects: true, actual: false });
}

t('zone create/list/show and recordset create/list/set/delete, then the zone over DNS', async (ctx) => {
  const zone = await ctx.cli('zone', 'create', '--email', 'hostmaster@osc.example', '--ttl', '600', 'osc.example.');
  assert.is(zone.name, 'osc.example.');
  assert.is(zone.ttl, 600);
  const listed = await ctx.cli('zone', 'list');
  assert.equal(listed.map((z: any) => z.name), ['osc.example.']);
  const shown = await ctx.cli('zone', 'show', 'osc.example.');
  assert.is(shown.id, zone.id);
  assert.is(shown.email, 'hostmaster@osc.example');

  const rs = await ctx.cli('recordset', 'create', 'osc.example.', 'www', '--type', 'A', '--record', '192.0.2.21', '--record', '192.0.2.22');
  assert.is(rs.name, 'www.osc.example.');
  const rsets = await ctx.cli('recordset', 'list', 'osc.example.');
  assert.equal(rsets.map((r: any) => r.type).sort(), ['A', 'NS', 'SOA']);
  const a = await answer(ctx, 'www.osc.example', 'A', (d) => d.answers.length === 2);
  assert.equal(a.answers.map((r) => r.data).sort(), ['192.0.2.21', '192.0.2.22']);

  const set = await ctx.cli('recordset', 'set', 'osc.example.', 'www.osc.example.', '--record', '192.0.2.23', '--ttl', '120');
  assert.is(set.ttl, 120);
  assert.equal([set.status, set.action], ['PENDING', 'UPDATE'], 'a set is an UPDATE, as Designate answers');
  const changed = await answer(ctx, 'www.osc.example', 'A', (d) => d.answers.length === 1 && d.answers[0].data === '192.0.2.23');
  assert.is(changed.answers[0].ttl, 120);

  await ctx.cli('recordset', 'delete', 'osc.example.', 'www.osc.example.');
  await answer(ctx, 'www.osc.example', 'A', (d) => d.rcode === 'NXDOMAIN');

  await ctx.cli('zone', 'delete', 'osc.example.');
  await answer(ctx, 'osc.example', 'SOA', (d) => d.rcode === 'REFUSED');
  assert.equal(await ctx.cli('zone', 'list'), []);
});

if (openstack) t.run();
