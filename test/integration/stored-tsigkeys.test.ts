// TSIG keys created through /v2/tsigkeys sign transfers from mdns within their scope, as Designate's POOL and
// ZONE keys do: with allow_transfer naming no local address, an unsigned AXFR is refused, a ZONE key opens its
// zone only, a POOL key every zone of its pool, and a deleted key opens nothing.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTsigKeySpec } from '../../engine/tsig/keys.ts';
import { fetchTransfer } from '../../engine/xfr/client.ts';
import { startAll, type AllServices } from '../../services/all.ts';
import { loadConfig } from '../../services/config/options.ts';
import { createLogger } from '../../services/log.ts';
import { call } from '../api/http.ts';
import { ask } from '../helpers/client.ts';

interface Ctx { dir: string; all: AllServices; zones: Record<'a' | 'b', { id: string; pool_id: string }> }
const t = suite<Ctx>('stored TSIG keys', {} as Ctx);

const apiPort = (ctx: Ctx) => ctx.all.api.ports[0];
const dnsPort = (ctx: Ctx) => ctx.all.mdns.server.endpoints[0].port;
const api = (ctx: Ctx, method: string, path: string, body?: unknown) => call(apiPort(ctx), method, path, {
  headers: { 'content-type': 'application/json', 'x-auth-project-id': 'tsig' },
  body: body === undefined ? undefined : JSON.stringify(body),
});

/**
 * mdns reads the keys again when central announces a change, a moment after the API has answered: polls
 * until the AXFR's outcome matches `expected`, and returns the last outcome.
 */
async function axfrUntil(ctx: Ctx, zone: string, keySpec: string, expected: RegExp): Promise<string> {
  let outcome = '';
  for (let i = 0; i < 200 && !expected.test(outcome = await axfr(ctx, zone, keySpec)); i++) await new Promise((r) => setTimeout(r, 25));
  return outcome;
}

/** Resolves to 'ok' when the AXFR completes, else to the error (e.g. "AXFR a.tsig.example.: REFUSED"). */
async function axfr(ctx: Ctx, zone: string, keySpec: string | null): Promise<string> {
  const key = keySpec === null ? null : parseTsigKeySpec(keySpec);
  try {
    await fetchTransfer({ host: '127.0.0.1', port: dnsPort(ctx), key }, zone, null, 5000);
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}

async function createKey(ctx: Ctx, name: string, scope: 'ZONE' | 'POOL', resourceId: string): Promise<{ id: string; spec: string }> {
  const secret = randomBytes(32).toString('base64');
  const created = await api(ctx, 'POST', '/v2/tsigkeys', { name, algorithm: 'hmac-sha256', secret, scope, resource_id: resourceId });
  assert.is(created.status, 201, created.text);
  return { id: created.json.id, spec: `hmac-sha256:${name}:${secret}` };
}

t.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'zonecast-tsigkeys-'));
  const cli = { 'data-dir': ctx.dir, listen: ['127.0.0.1:0'], 'api-listen': ['127.0.0.1:0'], 'compile-threads': '1', 'allow-transfer': ['192.0.2.1'] };
  ctx.all = await startAll(loadConfig({ env: {}, cli }), createLogger('zonecast', process.env.ZONECAST_TEST_LOG ?? 'silent'));
  ctx.zones = {} as Ctx['zones'];
  for (const z of ['a', 'b'] as const) {
    const created = await api(ctx, 'POST', '/v2/zones', { name: `${z}.tsig.example.`, email: `hostmaster@${z}.tsig.example` });
    assert.is(created.status, 202, created.text);
    ctx.zones[z] = created.json;
    for (let i = 0; (await ask(dnsPort(ctx), `${z}.tsig.example`, 'SOA'))?.answers.length !== 1; i++) {
      if (i > 400) throw new Error(`${z}.tsig.example. never answered`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
});

t.after(async (ctx) => {
  await ctx.all?.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

t('a ZONE key opens its zone only, a POOL key its pool; unsigned requests go by allow_transfer', async (ctx) => {
  assert.match(await axfr(ctx, 'a.tsig.example.', null), /REFUSED/, 'unsigned, and 127.0.0.1 is not in allow_transfer');
  const zoneKey = await createKey(ctx, 'zone-a-key', 'ZONE', ctx.zones.a.id);
  assert.is(await axfrUntil(ctx, 'a.tsig.example.', zoneKey.spec, /^ok$/), 'ok');
  assert.match(await axfr(ctx, 'b.tsig.example.', zoneKey.spec), /REFUSED/, 'another zone is out of the key\'s scope');
  const poolKey = await createKey(ctx, 'pool-key.', 'POOL', ctx.zones.b.pool_id);
  assert.is(await axfrUntil(ctx, 'a.tsig.example.', poolKey.spec, /^ok$/), 'ok');
  assert.is(await axfr(ctx, 'b.tsig.example.', poolKey.spec), 'ok');
});

t('a key deleted or given another secret through the API no longer signs transfers', async (ctx) => {
  const key = await createKey(ctx, 'short-lived', 'ZONE', ctx.zones.b.id);
  assert.is(await axfrUntil(ctx, 'b.tsig.example.', key.spec, /^ok$/), 'ok');
  const secret = randomBytes(32).toString('base64');
  assert.is((await api(ctx, 'PATCH', `/v2/tsigkeys/${key.id}`, { secret })).status, 200);
  const old = await axfrUntil(ctx, 'b.tsig.example.', key.spec, /NOTAUTH|TSIG/);
  assert.match(old, /NOTAUTH|TSIG/, `the old secret no longer verifies: ${old}`);
  assert.is(await axfr(ctx, 'b.tsig.example.', `hmac-sha256:short-lived:${secret}`), 'ok');
  assert.is((await api(ctx, 'DELETE', `/v2/tsigkeys/${key.id}`)).status, 204);
  assert.match(await axfrUntil(ctx, 'b.tsig.example.', `hmac-sha256:short-lived:${secret}`, /NOTAUTH|TSIG/), /NOTAUTH|TSIG/, 'an unknown key');
});

t.run();
