// The admin resources of /v2 over both storage engines: TLDs, blacklists, TSIG keys, quotas, limits, pools and
// service statuses, with the zone rules they drive; and `zonecast manage pool-update` on the command line.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Central } from '../../services/central/central.ts';
import { CENTRAL_DEFAULTS } from '../../services/central/context.ts';
import { parsePoolsYaml } from '../../services/central/pools-yaml.ts';
import { createLogger } from '../../services/log.ts';
import { inProcessBus } from '../../services/messaging/bus.ts';
import { openStorage } from '../../services/storage/open.ts';
import { DEFAULT_POOL_ID } from '../../services/storage/schema.ts';
import { controlPlaneSuite, type ControlPlane } from '../helpers/control-plane.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;
const MISSING = '00000000-0000-4000-8000-000000000000';
const ADMIN = { roles: 'admin' };
const SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=';

type Plane = ControlPlane;

async function expectError(plane: Plane, method: string, path: string, status: number, type: string, opts: { body?: unknown; roles?: string; project?: string; message?: RegExp } = {}) {
  const r = await plane.request(method, path, { roles: opts.roles ?? 'admin', project: opts.project, body: opts.body });
  assert.is(r.status, status, `${method} ${path} ${JSON.stringify(opts.body)}: ${r.text}`);
  assert.is(r.json.type, type, `${method} ${path}: ${r.text}`);
  if (opts.message) assert.match(r.json.message, opts.message, `${method} ${path}: ${r.text}`);
}

/** Walks a list with limit/marker through links.next; returns every item and checks total_count. */
async function walk(plane: Plane, path: string, collection: string, limit: number): Promise<any[]> {
  const items: any[] = [];
  let next: string | undefined = `${path}${path.includes('?') ? '&' : '?'}limit=${limit}`;
  let total: number | undefined;
  while (next) {
    const r = await plane.request('GET', next.replace(/^http:\/\/[^/]+/, ''), ADMIN);
    assert.is(r.status, 200, r.text);
    total ??= r.json.metadata.total_count;
    assert.is(r.json.metadata.total_count, total);
    items.push(...r.json[collection]);
    next = r.json.links.next;
    assert.ok(items.length <= total! + limit, 'paging ends');
  }
  assert.is(items.length, total);
  return items;
}

/** The common 403/404/400 answers of an admin-only resource with ids. */
async function adminOnly(plane: Plane, base: string, notFound: string, body: unknown) {
  for (const [method, path] of [['GET', base], ['POST', base], ['GET', `${base}/${MISSING}`], ['PATCH', `${base}/${MISSING}`], ['DELETE', `${base}/${MISSING}`]]) {
    await expectError(plane, method, path, 403, 'forbidden', { roles: 'member', body: method === 'GET' || method === 'DELETE' ? undefined : body });
  }
  await expectError(plane, 'GET', `${base}/${MISSING}`, 404, notFound);
  await expectError(plane, 'PATCH', `${base}/${MISSING}`, 404, notFound, { body: {} });
  await expectError(plane, 'DELETE', `${base}/${MISSING}`, 404, notFound);
  await expectError(plane, 'GET', `${base}/not-a-uuid`, 400, 'invalid_uuid');
  await expectError(plane, 'GET', `${base}?marker=${MISSING}`, 400, 'invalid_marker');
  await expectError(plane, 'GET', `${base}?colour=red`, 400, 'bad_request', { message: /Invalid filters colour/ });
}

const zoneBody = (name: string) => ({ name, email: 'a@example.com' });

await controlPlaneSuite('api:admin', (t) => {
  t('TLDs: create, list with filters and paging, get, update, delete', async ({ plane }) => {
    const created = await plane.request('POST', '/v2/tlds', { ...ADMIN, body: { name: 'Org', description: 'generic' } });
    assert.is(created.status, 201, created.text);
    const tld = created.json;
    assert.match(tld.id, UUID);
    assert.is(tld.name, 'org', 'stored in lower case, as zone names are');
    assert.is(tld.description, 'generic');
    assert.match(tld.created_at, TIME);
    assert.is(tld.updated_at, null);
    assert.is(tld.links.self, `http://127.0.0.1:${plane.port}/v2/tlds/${tld.id}`);
    const names = ['co.uk', 'xn--p1ai', 'museum', 'a-b'];
    for (const name of names) {
      // created_at has millisecond resolution and ties sort by id: keep the creates in distinct milliseconds.
      await new Promise((r) => setTimeout(r, 2));
      assert.is((await plane.request('POST', '/v2/tlds', { ...ADMIN, body: { name } })).status, 201, name);
    }

    const all = await walk(plane, '/v2/tlds', 'tlds', 2);
    assert.equal(all.map((x) => x.name), ['org', ...names], 'created_at order');
    const byName = await plane.request('GET', '/v2/tlds?name=co.uk', ADMIN);
    assert.equal(byName.json.tlds.map((x: any) => x.name), ['co.uk']);
    const like = await plane.request('GET', '/v2/tlds?name=*u*&sort_key=name&sort_dir=desc', ADMIN);
    assert.equal(like.json.tlds.map((x: any) => x.name), ['museum', 'co.uk']);
    assert.is(like.json.metadata.total_count, 2);
    await expectError(plane, 'GET', '/v2/tlds?sort_key=pattern', 400, 'invalid_sort_key');

    assert.equal((await plane.request('GET', `/v2/tlds/${tld.id}`, ADMIN)).json, tld);
    const patched = await plane.request('PATCH', `/v2/tlds/${tld.id}`, { ...ADMIN, body: { description: null } });
    assert.is(patched.status, 200, patched.text);
    assert.is(patched.json.description, null);
    assert.match(patched.json.updated_at, TIME);
    const renamed = await plane.request('PATCH', `/v2/tlds/${tld.id}`, { ...ADMIN, body: { name: 'net' } });
    assert.is(renamed.json.name, 'net');

    await expectError(plane, 'POST', '/v2/tlds', 409, 'duplicate_tld', { body: { name: 'NET' } });
    const other = all.find((x) => x.name === 'museum');
    await expectError(plane, 'PATCH', `/v2/tlds/${other.id}`, 409, 'duplicate_tld', { body: { name: 'net' } });
    for (const [body, field] of [
      [{ name: 'com.' }, /name/], [{ name: '-com' }, /name/], [{ name: 'com-' }, /name/], [{ name: 'c m' }, /name/], [{ name: 'a..b' }, /name/],
      [{ name: `${'a'.repeat(64)}` }, /name/], [{}, /'name' is a required property/], [{ name: 'x', colour: 1 }, /'colour' was unexpected/],
      [{ name: 'x', description: 'd'.repeat(161) }, /description/], [{ name: 7 }, /name/],
    ] as const) {
      await expectError(plane, 'POST', '/v2/tlds', 400, 'invalid_object', { body, message: field });
    }
    await expectError(plane, 'PATCH', `/v2/tlds/${tld.id}`, 400, 'invalid_object', { body: { name: null }, message: /name/ });
    // Underscores and several labels, as Designate's RE_TLDNAME allows (designate-tempest-plugin's TLD names).
    const underscored = await plane.request('POST', '/v2/tlds', { ...ADMIN, body: { name: 'tempest-test_create_tld-1582835078.tldadmintest.test' } });
    assert.is(underscored.status, 201, underscored.text);
    assert.is((await plane.request('DELETE', `/v2/tlds/${underscored.json.id}`, ADMIN)).status, 204);

    await adminOnly(plane, '/v2/tlds', 'tld_not_found', { name: 'edu' });
    for (const x of await walk(plane, '/v2/tlds', 'tlds', 20)) {
      assert.is((await plane.request('DELETE', `/v2/tlds/${x.id}`, ADMIN)).status, 204);
    }
    await expectError(plane, 'GET', `/v2/tlds/${tld.id}`, 404, 'tld_not_found', { message: /^Could not find Tld$/ });
  });

  t('once a TLD exists, zones must end in one and must not be one', async ({ plane }) => {
    const com = (await plane.request('POST', '/v2/tlds', { ...ADMIN, body: { name: 'com' } })).json;
    try {
      await expectError(plane, 'POST', '/v2/zones', 400, 'invalid_zone_name', { roles: 'member', project: 'tld-project', body: zoneBody('foo.net.'), message: /TLD/ });
      const ok = await plane.request('POST', '/v2/zones', { project: 'tld-project', body: zoneBody('foo.com.') });
      assert.is(ok.status, 202, ok.text);
      await plane.request('POST', '/v2/tlds', { ...ADMIN, body: { name: 'co.com' } });
      await expectError(plane, 'POST', '/v2/zones', 400, 'invalid_zone_name', { roles: 'member', project: 'tld-project', body: zoneBody('co.com.'), message: /same as a TLD/ });
      assert.is((await plane.request('DELETE', `/v2/zones/${ok.json.id}`, { project: 'tld-project' })).status, 202);
    } finally {
      for (const x of (await plane.request('GET', '/v2/tlds', ADMIN)).json.tlds) await plane.request('DELETE', `/v2/tlds/${x.id}`, ADMIN);
    }
    assert.is((await plane.request('GET', `/v2/tlds/${com.id}`, ADMIN)).status, 404);
  });

  t('blacklists: CRUD, filters, patterns must compile and be unique; a pattern stops members, not admins', async ({ plane }) => {
    const created = await plane.request('POST', '/v2/blacklists', { ...ADMIN, body: { pattern: '^blocked\\.example\\.com\\.$', description: 'no' } });
    assert.is(created.status, 201, created.text);
    const entry = created.json;
    assert.equal(Object.keys(entry).sort(), ['created_at', 'description', 'id', 'links', 'pattern', 'updated_at']);
    assert.is(entry.pattern, '^blocked\\.example\\.com\\.$');
    assert.is(entry.links.self, `http://127.0.0.1:${plane.port}/v2/blacklists/${entry.id}`);
    for (const pattern of ['^a\\.', '^b\\.', 'evil']) await plane.request('POST', '/v2/blacklists', { ...ADMIN, body: { pattern } });
    assert.is((await walk(plane, '/v2/blacklists', 'blacklists', 3)).length, 4);
    const filtered = await plane.request('GET', '/v2/blacklists?pattern=evil', ADMIN);
    assert.equal(filtered.json.blacklists.map((b: any) => b.pattern), ['evil']);

    await expectError(plane, 'POST', '/v2/blacklists', 400, 'invalid_object', { body: { pattern: '([a-z' }, message: /pattern/ });
    await expectError(plane, 'POST', '/v2/blacklists', 400, 'invalid_object', { body: { description: 'x' }, message: /'pattern' is a required property/ });
    await expectError(plane, 'PATCH', `/v2/blacklists/${entry.id}`, 400, 'invalid_object', { body: { pattern: '*' }, message: /pattern/ });
    await expectError(plane, 'POST', '/v2/blacklists', 409, 'duplicate_blacklist', { body: { pattern: 'evil' } });
    await adminOnly(plane, '/v2/blacklists', 'blacklist_not_found', { pattern: 'x' });

    const member = await plane.request('POST', '/v2/zones', { project: 'bl-project', body: zoneBody('blocked.example.com.') });
    assert.is(member.status, 400, member.text);
    assert.is(member.json.type, 'invalid_zone_name');
    const admin = await plane.request('POST', '/v2/zones', { project: 'bl-project', roles: 'admin', body: zoneBody('blocked.example.com.') });
    assert.is(admin.status, 202, admin.text);

    const patched = await plane.request('PATCH', `/v2/blacklists/${entry.id}`, { ...ADMIN, body: { pattern: '^other\\.', description: 'changed' } });
    assert.is(patched.status, 200, patched.text);
    assert.equal([patched.json.pattern, patched.json.description], ['^other\\.', 'changed']);
    assert.equal((await plane.request('GET', `/v2/blacklists/${entry.id}`, ADMIN)).json, patched.json);
    const okNow = await plane.request('POST', '/v2/zones', { project: 'bl-project', body: zoneBody('blocked2.example.com.') });
    assert.is(okNow.status, 202, okNow.text);

    for (const b of (await plane.request('GET', '/v2/blacklists', ADMIN)).json.blacklists) {
      assert.is((await plane.request('DELETE', `/v2/blacklists/${b.id}`, ADMIN)).status, 204);
    }
    await expectError(plane, 'GET', `/v2/blacklists/${entry.id}`, 404, 'blacklist_not_found');
  });

  t('TSIG keys: CRUD, filters, field rules, and resource_id stored unchecked', async ({ plane }) => {
    const body = { name: 'pool-key', algorithm: 'hmac-sha256', secret: SECRET, scope: 'POOL', resource_id: DEFAULT_POOL_ID };
    const created = await plane.request('POST', '/v2/tsigkeys', { ...ADMIN, body });
    assert.is(created.status, 201, created.text);
    const key = created.json;
    assert.equal(
      { ...key, id: undefined, created_at: undefined, links: undefined },
      { ...body, id: undefined, created_at: undefined, updated_at: null, links: undefined },
    );
    assert.is(key.links.self, `http://127.0.0.1:${plane.port}/v2/tsigkeys/${key.id}`);

    const zone = await plane.request('POST', '/v2/zones', { project: 'tsig-project', body: zoneBody('tsig.example.com.') });
    assert.is(zone.status, 202, zone.text);
    const zoneKey = await plane.request('POST', '/v2/tsigkeys', { ...ADMIN, body: { ...body, name: 'zone-key', algorithm: 'hmac-md5', scope: 'ZONE', resource_id: zone.json.id } });
    assert.is(zoneKey.status, 201, zoneKey.text);
    await plane.request('POST', '/v2/tsigkeys', { ...ADMIN, body: { ...body, name: 'other-key', algorithm: 'hmac-sha512' } });

    assert.is((await walk(plane, '/v2/tsigkeys', 'tsigkeys', 1)).length, 3);
    const zoneScoped = await plane.request('GET', '/v2/tsigkeys?scope=ZONE', ADMIN);
    assert.equal(zoneScoped.json.tsigkeys.map((k: any) => k.name), ['zone-key']);
    const byAlg = await plane.request('GET', '/v2/tsigkeys?algorithm=hmac-sha512', ADMIN);
    assert.equal(byAlg.json.tsigkeys.map((k: any) => k.name), ['other-key']);
    const byName = await plane.request('GET', '/v2/tsigkeys?name=*-key&sort_key=name', ADMIN);
    assert.equal(byName.json.tsigkeys.map((k: any) => k.name), ['other-key', 'pool-key', 'zone-key']);

    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...body, name: 'x', algorithm: 'hmac-sha3' }, /algorithm/],
      [{ ...body, name: 'x', scope: 'TENANT' }, /scope/],
      [{ ...body, name: 'x', secret: '' }, /secret/],
      [{ ...body, name: 'x', secret: 'QUJD'.repeat(41) }, /secret/],
      [{ ...body, name: 'x'.repeat(161) }, /name/],
      [{ ...body, name: 'bad\u0001key' }, /^name must not contain control characters$/],
      [{ ...body, name: 'x', resource_id: 'pool-1' }, /resource_id/],
      [{ ...body, name: 'x', extra: true }, /'extra' was unexpected/],
      [{ name: 'x', algorithm: 'hmac-sha256', secret: SECRET, scope: 'POOL' }, /'resource_id' is a required property/],
    ];
    for (const [b, message] of cases) await expectError(plane, 'POST', '/v2/tsigkeys', 400, 'invalid_object', { body: b, message });
    // resource_id is stored unchecked, as Designate stores it (designate-tempest-plugin uses random ids).
    const unbound = await plane.request('POST', '/v2/tsigkeys', { ...ADMIN, body: { ...body, name: 'unbound', scope: 'ZONE', resource_id: MISSING } });
    assert.is(unbound.status, 201, unbound.text);
    assert.is((await plane.request('DELETE', `/v2/tsigkeys/${unbound.json.id}`, ADMIN)).status, 204);
    // Any non-empty secret is stored, as Designate stores it (mdns leaves a key it cannot sign with out, logged).
    const plain = await plane.request('POST', '/v2/tsigkeys', { ...ADMIN, body: { ...body, name: 'plain-secret', secret: 'not base64!' } });
    assert.is(plain.status, 201, plain.text);
    assert.is((await plane.request('DELETE', `/v2/tsigkeys/${plain.json.id}`, ADMIN)).status, 204);
    await expectError(plane, 'POST', '/v2/tsigkeys', 409, 'duplicate_tsigkey', { body });
    await expectError(plane, 'PATCH', `/v2/tsigkeys/${key.id}`, 409, 'duplicate_tsigkey', { body: { name: 'zone-key' } });
    await expectError(plane, 'PATCH', `/v2/tsigkeys/${key.id}`, 400, 'invalid_object', { body: { name: 'tab\there' }, message: /control characters/ });
    await adminOnly(plane, '/v2/tsigkeys', 'tsigkey_not_found', body);

    const patched = await plane.request('PATCH', `/v2/tsigkeys/${key.id}`, { ...ADMIN, body: { name: 'renamed', algorithm: 'hmac-sha1', scope: 'ZONE', resource_id: zone.json.id } });
    assert.is(patched.status, 200, patched.text);
    assert.equal([patched.json.name, patched.json.algorithm, patched.json.scope, patched.json.resource_id], ['renamed', 'hmac-sha1', 'ZONE', zone.json.id]);
    assert.equal((await plane.request('GET', `/v2/tsigkeys/${key.id}`, ADMIN)).json, patched.json);
    for (const k of (await plane.request('GET', '/v2/tsigkeys', ADMIN)).json.tsigkeys) {
      assert.is((await plane.request('DELETE', `/v2/tsigkeys/${k.id}`, ADMIN)).status, 204);
    }
    assert.is((await plane.request('GET', '/v2/tsigkeys', ADMIN)).json.metadata.total_count, 0);
  });

  t('quotas: own project, other projects for admins, set and reset; a lowered zone quota is enforced', async ({ plane }) => {
    const DEFAULTS = { zones: 10, zone_recordsets: 500, zone_records: 500, recordset_records: 20, api_export_size: 1000 };
    const own = await plane.request('GET', '/v2/quotas', { project: 'quota-a' });
    assert.is(own.status, 200, own.text);
    assert.equal(own.json, DEFAULTS);
    assert.equal((await plane.request('GET', '/v2/quotas/quota-a', { project: 'quota-a' })).json, DEFAULTS);
    await expectError(plane, 'GET', '/v2/quotas/quota-a', 403, 'forbidden', { roles: 'member', project: 'quota-b' });
    await expectError(plane, 'PATCH', '/v2/quotas/quota-a', 403, 'forbidden', { roles: 'member', project: 'quota-a', body: { zones: 100 } });
    await expectError(plane, 'DELETE', '/v2/quotas/quota-a', 403, 'forbidden', { roles: 'member', project: 'quota-a' });

    const set = await plane.request('PATCH', '/v2/quotas/quota-a', { ...ADMIN, project: 'admin-project', body: { zones: 1, recordset_records: -1 } });
    assert.is(set.status, 200, set.text);
    assert.equal(set.json, { ...DEFAULTS, zones: 1, recordset_records: -1 });
    assert.equal((await plane.request('GET', '/v2/quotas/quota-a', { ...ADMIN, project: 'admin-project' })).json, set.json);
    assert.equal((await plane.request('GET', '/v2/quotas', { project: 'quota-a' })).json, set.json);
    assert.equal((await plane.request('GET', '/v2/quotas', { project: 'quota-b' })).json, DEFAULTS, 'other projects keep the defaults');
    await expectError(plane, 'PATCH', '/v2/quotas/quota-a', 400, 'invalid_object', { body: { domains: 5 }, message: /domains/ });
    await expectError(plane, 'PATCH', '/v2/quotas/quota-a', 400, 'invalid_object', { body: { zones: 1.5 }, message: /zones/ });
    await expectError(plane, 'PATCH', '/v2/quotas/quota-a', 400, 'invalid_object', { body: { zones: '5' }, message: /zones/ });

    const limits = await plane.request('GET', '/v2/limits', { project: 'quota-a' });
    assert.equal(limits.json, {
      max_zones: 1, max_zone_recordsets: 500, max_zone_records: 500, max_recordset_records: -1, min_ttl: null,
      max_zone_name_length: 255, max_recordset_name_length: 255, max_page_limit: 1000,
    });

    assert.is((await plane.request('POST', '/v2/zones', { project: 'quota-a', body: zoneBody('q1.example.com.') })).status, 202);
    await expectError(plane, 'POST', '/v2/zones', 413, 'over_quota', { roles: 'member', project: 'quota-a', body: zoneBody('x.example.com.') });

    assert.is((await plane.request('DELETE', '/v2/quotas/quota-a', ADMIN)).status, 204);
    assert.equal((await plane.request('GET', '/v2/quotas', { project: 'quota-a' })).json, DEFAULTS);
    assert.is((await plane.request('POST', '/v2/zones', { project: 'quota-a', body: zoneBody('x.example.com.') })).status, 202);
  });

  t('pools: admin-only reads with filters and paging, create, update, and delete of an unused pool', async ({ plane }) => {
    await expectError(plane, 'GET', '/v2/pools', 403, 'forbidden', { roles: 'member' });
    await expectError(plane, 'GET', `/v2/pools/${DEFAULT_POOL_ID}`, 403, 'forbidden', { roles: 'member' });
    const list = await plane.request('GET', '/v2/pools', { ...ADMIN, project: 'pool-reader' });
    assert.is(list.status, 200, list.text);
    assert.is(list.json.metadata.total_count, 1);
    const pool = list.json.pools[0];
    assert.equal({ ...pool, created_at: undefined }, {
      id: DEFAULT_POOL_ID, name: 'default', description: 'Default pool', attributes: {},
      ns_records: [{ hostname: 'ns1.example.org.', priority: 1 }, { hostname: 'ns2.example.org.', priority: 2 }],
      project_id: null, created_at: undefined, updated_at: null,
      links: { self: `http://127.0.0.1:${plane.port}/v2/pools/${DEFAULT_POOL_ID}` },
    });
    assert.match(pool.created_at, TIME);
    assert.equal((await plane.request('GET', `/v2/pools/${DEFAULT_POOL_ID}`, ADMIN)).json, pool);

    const body = { name: 'gold', description: 'tier', attributes: { tier: 'gold' }, ns_records: [{ hostname: 'ns1.gold.example.', priority: 1 }] };
    await expectError(plane, 'POST', '/v2/pools', 403, 'forbidden', { roles: 'member', body });
    const created = await plane.request('POST', '/v2/pools', { ...ADMIN, project: 'pool-admin', body });
    assert.is(created.status, 201, created.text);
    assert.equal([created.json.name, created.json.attributes, created.json.ns_records, created.json.project_id],
      ['gold', { tier: 'gold' }, [{ hostname: 'ns1.gold.example.', priority: 1 }], 'pool-admin']);
    await plane.request('POST', '/v2/pools', { ...ADMIN, body: { ...body, name: 'silver' } });
    await expectError(plane, 'POST', '/v2/pools', 409, 'duplicate_pool', { body });
    await expectError(plane, 'POST', '/v2/pools', 400, 'invalid_object', { body: { name: 'x' }, message: /ns_records/ });
    await expectError(plane, 'POST', '/v2/pools', 400, 'invalid_object', { body: { ...body, name: 'x', ns_records: [{ hostname: 'ns1', priority: 1 }] }, message: /ns_records\[0\]\.hostname/ });
    await expectError(plane, 'POST', '/v2/pools', 400, 'invalid_object', { body: { ...body, name: 'x', ns_records: [{ hostname: 'ns1.x.', priority: 'high' }] }, message: /ns_records\[0\]\.priority/ });

    assert.equal((await walk(plane, '/v2/pools', 'pools', 2)).map((p) => p.name), ['default', 'gold', 'silver']);
    assert.equal((await plane.request('GET', '/v2/pools?name=s*', ADMIN)).json.pools.map((p: any) => p.name), ['silver']);
    await expectError(plane, 'GET', `/v2/pools/${MISSING}`, 404, 'pool_not_found', ADMIN);
    await expectError(plane, 'GET', '/v2/pools/nope', 400, 'invalid_uuid', { roles: 'member' });

    // project_id in the body places a pool in that project; PATCH (Designate's deprecated update) replaces
    // the fields it gives and keeps the rest, nameservers and targets included. Both as designate-tempest-plugin does them.
    const owned = await plane.request('POST', '/v2/pools', { ...ADMIN, body: { ...body, name: 'bronze', project_id: '1' } });
    assert.is(owned.status, 201, owned.text);
    assert.is(owned.json.project_id, '1');
    const renamed = await plane.request('PATCH', `/v2/pools/${owned.json.id}`, { ...ADMIN, body: { name: 'foo' } });
    assert.is(renamed.status, 202, renamed.text);
    assert.equal([renamed.json.id, renamed.json.name, renamed.json.description, renamed.json.ns_records, renamed.json.project_id],
      [owned.json.id, 'foo', 'tier', body.ns_records, '1']);
    assert.is((await plane.request('GET', `/v2/pools/${owned.json.id}`, ADMIN)).json.name, 'foo');
    const path = `/v2/pools/${owned.json.id}`;
    await expectError(plane, 'PATCH', path, 403, 'forbidden', { roles: 'member', body: { name: 'x' } });
    await expectError(plane, 'PATCH', path, 400, 'invalid_object', { body: { name: 'Huge_size_name'.repeat(100) }, message: /name/ });
    await expectError(plane, 'PATCH', path, 400, 'invalid_object', { body: { ns_records: [{ hostname: 'ns1_example_org_', priority: 1 }] }, message: /ns_records\[0\]\.hostname/ });
    await expectError(plane, 'PATCH', path, 400, 'invalid_object', { body: { ns_records: [{ hostname: 'ns1.example.org.', priority: -1 }] }, message: /ns_records\[0\]\.priority/ });
    await expectError(plane, 'PATCH', path, 400, 'invalid_object', { body: { project_id: '2' }, message: /project_id/ });
    await expectError(plane, 'PATCH', path, 409, 'duplicate_pool', { body: { name: 'gold' } });
    await expectError(plane, 'PATCH', `/v2/pools/${MISSING}`, 404, 'pool_not_found', { body: { name: 'x' } });
    await expectError(plane, 'PATCH', '/v2/pools/nope', 400, 'invalid_uuid', { body: { name: 'x' } });
    assert.is((await plane.request('DELETE', path, ADMIN)).status, 204);

    // A zone placed in the gold pool (pool_id attribute, admin) keeps the pool from being deleted.
    const zone = await plane.request('POST', '/v2/zones', { ...ADMIN, project: 'pool-admin', body: { ...zoneBody('gold.example.com.'), attributes: { pool_id: created.json.id } } });
    assert.is(zone.status, 202, zone.text);
    assert.is(zone.json.pool_id, created.json.id);
    // New ns_records through PATCH reach the zones of the pool, as pool-update's do.
    const moved = await plane.request('PATCH', `/v2/pools/${created.json.id}`, { ...ADMIN, body: { ns_records: [{ hostname: 'ns9.gold.example.', priority: 1 }] } });
    assert.is(moved.status, 202, moved.text);
    const ns = await plane.request('GET', `/v2/zones/${zone.json.id}/recordsets?type=NS`, { ...ADMIN, project: 'pool-admin' });
    assert.equal(ns.json.recordsets.map((r: any) => r.records), [['ns9.gold.example.']]);
    await expectError(plane, 'DELETE', `/v2/pools/${created.json.id}`, 403, 'forbidden', { roles: 'member' });
    await expectError(plane, 'DELETE', `/v2/pools/${created.json.id}`, 400, 'invalid_operation');
    assert.is((await plane.request('DELETE', `/v2/zones/${zone.json.id}`, { ...ADMIN, project: 'pool-admin' })).status, 202);
    assert.is((await plane.request('DELETE', `/v2/pools/${created.json.id}`, ADMIN)).status, 204);
    await expectError(plane, 'DELETE', `/v2/pools/${created.json.id}`, 404, 'pool_not_found');
  });

  t('service statuses: admin-only list (both paths), filters, get', async ({ plane }) => {
    const seeded = await plane.storage.transaction(async (tx) => [
      await tx.updateServiceStatus({ serviceName: 'mdns', hostname: 'host-1', status: 'UP', stats: { zones: 3 }, capabilities: { ixfr: true } }),
      await tx.updateServiceStatus({ serviceName: 'central', hostname: 'host-1', status: 'UP' }),
      await tx.updateServiceStatus({ serviceName: 'mdns', hostname: 'host-2', status: 'DOWN' }),
    ]);
    for (const path of ['/v2/service_statuses', '/v2/service_status']) {
      await expectError(plane, 'GET', path, 403, 'forbidden', { roles: 'member' });
      await expectError(plane, 'GET', `${path}/${seeded[0].id}`, 403, 'forbidden', { roles: 'member' });
      const all = await walk(plane, path, 'service_statuses', 2);
      assert.is(all.length, 3);
    }
    const one = await plane.request('GET', `/v2/service_statuses/${seeded[0].id}`, ADMIN);
    assert.is(one.status, 200, one.text);
    assert.equal({ ...one.json, heartbeated_at: undefined, created_at: undefined, updated_at: undefined }, {
      id: seeded[0].id, service_name: 'mdns', hostname: 'host-1', status: 'UP', stats: { zones: 3 }, capabilities: { ixfr: true },
      heartbeated_at: undefined, created_at: undefined, updated_at: undefined,
      links: { self: `http://127.0.0.1:${plane.port}/v2/service_statuses/${seeded[0].id}` },
    });
    assert.match(one.json.heartbeated_at, TIME);
    const names = async (query: string) => (await plane.request('GET', `/v2/service_statuses?${query}`, ADMIN)).json.service_statuses.map((s: any) => `${s.service_name}@${s.hostname}`).sort();
    assert.equal(await names('service_name=mdns'), ['mdns@host-1', 'mdns@host-2']);
    assert.equal(await names('hostname=host-1'), ['central@host-1', 'mdns@host-1']);
    assert.equal(await names('status=DOWN'), ['mdns@host-2']);
    await expectError(plane, 'GET', `/v2/service_statuses/${MISSING}`, 404, 'service_status_not_found');
    await expectError(plane, 'GET', '/v2/service_statuses/x', 400, 'invalid_uuid');
    await expectError(plane, 'GET', '/v2/service_statuses?name=x', 400, 'bad_request');
  });
});

// ---------------------------------------------------------------------------------------------- pool-update

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../bin/zonecast.ts');
const zonecast = (...args: string[]) => run(process.execPath, [CLI, ...args]);

test('manage pool-update creates pools from pools.yaml, reports unchanged on a second run, replaces changed ones, says how many zones got new NS', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-pool-update-'));
  try {
    const url = `sqlite:///${join(dir, 'z.db')}`;
    const file = join(dir, 'pools.yaml');
    const yaml = (goldNs: string) => `
- name: default
  description: Default pool
  ns_records:
    - {hostname: ns1.example.org., priority: 1}
  also_notifies:
    - {host: 192.0.2.4}
- name: gold
  attributes: {tier: gold}
  ns_records:
    - {hostname: ${goldNs}, priority: 1}
  nameservers:
    - {host: 192.0.2.2, port: 53}
  targets:
    - type: bind9
      masters: [{host: 192.0.2.1, port: 5354}]
      options: {rndc_port: 953, host: 192.0.2.2}
`;
    writeFileSync(file, yaml('ns1.gold.example.'));
    const early = await zonecast('manage', 'pool-update', '--file', file, '--connection', url).then(() => null, (err: { stderr: string; code: number }) => err);
    assert.is(early?.code, 2, 'an empty database is refused');
    assert.match(early!.stderr, /db-sync/);

    await zonecast('manage', 'db-sync', '--connection', url);
    const first = await zonecast('manage', 'pool-update', '--file', file, '--connection', url);
    const lines = first.stdout.trim().split('\n');
    assert.is(lines.length, 2, first.stdout);
    assert.is(lines[0], `default ${DEFAULT_POOL_ID} created`);
    assert.match(lines[1], new RegExp(`^gold ${UUID.source.slice(1, -1)} created$`));
    const goldId = lines[1].split(' ')[1];

    const second = await zonecast('manage', 'pool-update', '--file', file, '--connection', url);
    assert.equal(second.stdout.trim().split('\n'), [`default ${DEFAULT_POOL_ID} unchanged`, `gold ${goldId} unchanged`]);

    writeFileSync(file, yaml('ns9.gold.example.'));
    const third = await zonecast('manage', 'pool-update', '--file', file, '--connection', url);
    assert.equal(third.stdout.trim().split('\n'), [`default ${DEFAULT_POOL_ID} unchanged`, `gold ${goldId} updated`]);

    const storage = await openStorage(url);
    try {
      const [def, gold] = await storage.transaction(async (tx) => [await tx.getPool(DEFAULT_POOL_ID), await tx.getPool(goldId)]);
      assert.equal(def.nsRecords, [{ hostname: 'ns1.example.org.', priority: 1 }]);
      assert.equal(def.alsoNotifies, [{ host: '192.0.2.4', port: 53 }]);
      assert.equal(gold.nsRecords, [{ hostname: 'ns9.gold.example.', priority: 1 }]);
      assert.equal(gold.attributes, { tier: 'gold' });
      assert.equal(gold.nameservers, [{ host: '192.0.2.2', port: 53, tsigkeyId: null }]);
      assert.equal(gold.targets.map((t) => [t.type, t.masters, t.options]), [['bind9', [{ host: '192.0.2.1', port: 5354 }], { host: '192.0.2.2', rndc_port: '953' }]]);
      // A zone in gold, for the next run to rewrite.
      const log = createLogger('central', 'silent');
      const central = new Central({ storage, bus: inProcessBus(log), options: CENTRAL_DEFAULTS, log });
      const admin = { projectId: 'p', isAdmin: true, allProjects: false, editManagedRecords: false, hardDelete: false, deleteShares: false };
      await central.zones.create(admin, { name: 'gold.example.', email: 'ops@example.org', attributes: { pool_id: goldId } });
    } finally {
      await storage.close();
    }
    writeFileSync(file, yaml('ns10.gold.example.'));
    const fourth = await zonecast('manage', 'pool-update', '--file', file, '--connection', url);
    assert.equal(fourth.stdout.trim().split('\n'), [`default ${DEFAULT_POOL_ID} unchanged`, `gold ${goldId} updated`]);
    assert.match(fourth.stderr, /pool gold: ns_records changed: 1 zone\(s\) have the new NS RRset/);

    const bad = await zonecast('manage', 'pool-update', '--file', join(dir, 'missing.yaml'), '--connection', url).then(() => null, (err: { stderr: string; code: number }) => err);
    assert.is(bad?.code, 2);
    assert.match(bad!.stderr, /missing\.yaml/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fixtures/pools/default.yaml defines the default pool', () => {
  const pools = parsePoolsYaml(readFileSync(resolve(import.meta.dirname, '../../fixtures/pools/default.yaml'), 'utf8'));
  assert.equal(pools.map((p) => [p.name, p.nsRecords]), [['default', [{ hostname: 'ns1.example.org.', priority: 1 }]]]);
});

test.run();
