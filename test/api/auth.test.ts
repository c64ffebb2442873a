// Request context: noauth headers and defaults, admin-only Designate headers, keystone token validation with a cache.
import { pino } from 'pino';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApiServer, type ApiServer } from '../../services/api/server.ts';
import { call, REQ_ID, startFakeKeystone, type FakeKeystone } from './http.ts';
import { registerThings } from './things.ts';

const quiet = () => pino({ level: 'silent' });

const noauth = suite<{ api: ApiServer; port: number }>('api auth noauth');
noauth.before(async (ctx) => {
  ctx.api = createApiServer({ logger: quiet(), auth: { strategy: 'noauth' } });
  registerThings(ctx.api, []);
  ctx.port = (await ctx.api.listen('127.0.0.1', 0)).port;
});
noauth.after(async (ctx) => ctx.api.close());

noauth('defaults: noauth-project, noauth-user, admin', async ({ port }) => {
  const r = await call(port, 'GET', '/v2/whoami');
  assert.is(r.status, 200);
  const c = r.json;
  assert.is(c.authStrategy, 'noauth');
  assert.is(c.projectId, 'noauth-project');
  assert.is(c.originalProjectId, 'noauth-project');
  assert.is(c.userId, 'noauth-user');
  assert.equal(c.roles, ['admin']);
  assert.is(c.isAdmin, true);
  assert.is(c.allProjects, false);
  assert.is(c.editManagedRecords, false);
  assert.is(c.hardDelete, false);
  assert.is(c.requestId, r.headers['x-openstack-request-id']);
});

noauth('project, user, roles and token from headers', async ({ port }) => {
  const r = await call(port, 'GET', '/v2/whoami', {
    headers: { 'x-auth-project-id': 'p1', 'x-auth-user-id': 'u1', 'x-roles': 'member, reader', 'x-auth-token': 'tok' },
  });
  assert.is(r.json.projectId, 'p1');
  assert.is(r.json.userId, 'u1');
  assert.equal(r.json.roles, ['member', 'reader']);
  assert.is(r.json.isAdmin, false);
  assert.is(r.json.authToken, 'tok');
});

noauth('admin flags: all projects, managed records, hard delete (headers and query aliases)', async ({ port }) => {
  const r = await call(port, 'GET', '/v2/whoami', {
    headers: { 'x-auth-all-projects': 'True', 'x-designate-edit-managed-records': 'yes', 'x-designate-hard-delete': '1' },
  });
  assert.is(r.json.allProjects, true);
  assert.is(r.json.editManagedRecords, true);
  assert.is(r.json.hardDelete, true);
  const q = await call(port, 'GET', '/v2/whoami?all_tenants=1&edit_managed_records=true');
  assert.is(q.json.allProjects, true);
  assert.is(q.json.editManagedRecords, true);
  const off = await call(port, 'GET', '/v2/whoami', { headers: { 'x-auth-all-projects': 'false' } });
  assert.is(off.json.allProjects, false);
});

noauth('sudo switches the project for an admin, keeping the original', async ({ port }) => {
  const r = await call(port, 'GET', '/v2/whoami', { headers: { 'x-auth-project-id': 'p1', 'x-auth-sudo-project-id': 'p2' } });
  assert.is(r.status, 200);
  assert.is(r.json.projectId, 'p2');
  assert.is(r.json.originalProjectId, 'p1');
});

noauth('sudo and the other admin flags are 403 forbidden for non-admins', async ({ port }) => {
  for (const h of ['x-auth-sudo-project-id', 'x-auth-all-projects', 'x-designate-edit-managed-records', 'x-designate-hard-delete']) {
    const r = await call(port, 'GET', '/v2/whoami', { headers: { 'x-roles': 'member', [h]: h === 'x-auth-sudo-project-id' ? 'p2' : 'true' } });
    assert.is(r.status, 403, h);
    assert.is(r.json.type, 'forbidden');
    assert.match(r.json.request_id, REQ_ID);
  }
});

noauth('project ids the database cannot hold are refused with a 400 naming the header, on every engine', async ({ port }) => {
  for (const [header, value] of [['x-auth-project-id', 'p'.repeat(37)], ['x-auth-project-id', 'has space'], ['x-auth-sudo-project-id', 'x'.repeat(64)]]) {
    const r = await call(port, 'GET', '/v2/whoami', { headers: { [header]: value } });
    assert.is(r.status, 400, `${header}: ${value}`);
    assert.is(r.json.type, 'bad_request');
    assert.match(r.json.message, header === 'x-auth-project-id' ? /^X-Auth-Project-ID / : /^X-Auth-Sudo-Project-ID /);
  }
  assert.is((await call(port, 'GET', '/v2/whoami', { headers: { 'x-auth-project-id': 'a'.repeat(36) } })).status, 200);
});

noauth('a valid incoming X-OpenStack-Request-ID is kept as the global id, never as ours', async ({ port }) => {
  const mine = 'req-11111111-2222-4333-8444-555555555555';
  const r = await call(port, 'GET', '/v2/whoami', { headers: { 'x-openstack-request-id': mine } });
  assert.is(r.json.globalRequestId, mine);
  assert.is.not(r.headers['x-openstack-request-id'], mine);
  const junk = await call(port, 'GET', '/v2/whoami', { headers: { 'x-openstack-request-id': 'nope' } });
  assert.is(junk.json.globalRequestId, null);
});

noauth.run();

const ks = suite<{ api: ApiServer; port: number; keystone: FakeKeystone }>('api auth keystone');
ks.before(async (ctx) => {
  ctx.keystone = await startFakeKeystone({
    good: { project: 'proj-a', user: 'user-a', roles: ['member', 'reader'] },
    admin: { project: 'proj-b', user: 'user-b', roles: ['admin'] },
    unscoped: { user: 'user-c', roles: [] },
    shared: { project: 'proj-e', user: 'user-e', roles: ['member'] },
    brief: { project: 'proj-d', user: 'user-d', roles: ['member'], expiresInMs: 150 },
  });
  ctx.api = createApiServer({ logger: quiet(), auth: { strategy: 'keystone', keystone: { url: `${ctx.keystone.url}/v3`, serviceToken: 'svc-token' } } });
  registerThings(ctx.api, []);
  ctx.port = (await ctx.api.listen('127.0.0.1', 0)).port;
});
ks.after(async (ctx) => {
  await ctx.api.close();
  await ctx.keystone.close();
});

ks('a valid token gives project, user and roles; the second request is served from the cache', async ({ port, keystone }) => {
  const before = keystone.calls.length;
  const a = await call(port, 'GET', '/v2/whoami', { headers: { 'x-auth-token': 'good' } });
  const b = await call(port, 'GET', '/v2/whoami', { headers: { 'x-auth-token': 'good' } });
  assert.is(a.status, 200);
  assert.is(b.status, 200);
  assert.is(a.json.authStrategy, 'keystone');
  assert.is(a.json.projectId, 'proj-a');
  assert.is(a.json.userId, 'user-a');
  assert.equal(a.json.roles, ['member', 'reader']);
  assert.is(a.json.isAdmin, false);
  const made = keystone.calls.slice(before);
  assert.is(made.length, 1);
  assert.equal(made[0], { subject: 'good', auth: 'svc-token' });
});

ks('X-Auth-Project-ID and X-Roles are not trusted under keystone', async ({ port }) => {
  const r = await call(port, 'GET', '/v2/whoami', { headers: { 'x-auth-token': 'good', 'x-auth-project-id': 'evil', 'x-roles': 'admin' } });
  assert.is(r.json.projectId, 'proj-a');
  assert.is(r.json.isAdmin, false);
  const sudo = await call(port, 'GET', '/v2/whoami', { headers: { 'x-auth-token': 'good', 'x-auth-sudo-project-id': 'x' } });
  assert.is(sudo.status, 403);
  const adm = await call(port, 'GET', '/v2/whoami', { headers: { 'x-auth-token': 'admin', 'x-auth-sudo-project-id': 'x' } });
  assert.is(adm.json.projectId, 'x');
  assert.is(adm.json.originalProjectId, 'proj-b');
});

ks('missing or invalid token is 401 not_authenticated with WWW-Authenticate; the invalid verdict is cached too', async ({ port, keystone }) => {
  const none = await call(port, 'GET', '/v2/things');
  assert.is(none.status, 401);
  assert.is(none.json.type, 'not_authenticated');
  assert.match(none.json.request_id, REQ_ID);
  assert.is(none.headers['www-authenticate'], `Keystone uri="${keystone.url}"`);
  const before = keystone.calls.length;
  const bad = await call(port, 'GET', '/v2/things', { headers: { 'x-auth-token': 'bogus' } });
  assert.is(bad.status, 401);
  assert.is(bad.json.type, 'not_authenticated');
  await call(port, 'GET', '/v2/things', { headers: { 'x-auth-token': 'bogus' } });
  assert.is(keystone.calls.length - before, 1);
  // Unknown paths answer 401 too: auth runs before routing, as in Designate's paste pipeline.
  assert.is((await call(port, 'GET', '/v2/nothing')).status, 401);
});

ks('versions and healthcheck need no token', async ({ port }) => {
  assert.is((await call(port, 'GET', '/')).status, 200);
  assert.is((await call(port, 'GET', '/healthcheck')).status, 200);
});

ks('a token without a project is 401 missing_project_id', async ({ port }) => {
  const r = await call(port, 'GET', '/v2/whoami', { headers: { 'x-auth-token': 'unscoped' } });
  assert.is(r.status, 401);
  assert.is(r.json.type, 'missing_project_id');
});

ks('the cache never outlives the token expiry', async ({ port, keystone }) => {
  const before = keystone.calls.length;
  assert.is((await call(port, 'GET', '/v2/whoami', { headers: { 'x-auth-token': 'brief' } })).status, 200);
  await new Promise((r) => setTimeout(r, 250));
  await call(port, 'GET', '/v2/whoami', { headers: { 'x-auth-token': 'brief' } });
  assert.is(keystone.calls.length - before, 2);
});

ks('concurrent requests with one token share one validation', async ({ port, keystone }) => {
  const before = keystone.calls.length;
  const rs = await Promise.all([1, 2, 3, 4].map(() => call(port, 'GET', '/v2/whoami', { headers: { 'x-auth-token': 'shared' } })));
  assert.ok(rs.every((r) => r.status === 200 && r.json.projectId === 'proj-e'));
  assert.is(keystone.calls.length - before, 1);
});

ks('keystone unreachable is 503, not 401 or a crash', async () => {
  const api = createApiServer({ logger: quiet(), auth: { strategy: 'keystone', keystone: { url: 'http://127.0.0.1:9', timeoutMs: 1000 } } });
  registerThings(api, []);
  const { port } = await api.listen('127.0.0.1', 0);
  try {
    const r = await call(port, 'GET', '/v2/whoami', { headers: { 'x-auth-token': 'x' } });
    assert.is(r.status, 503);
    assert.is(r.json.type, 'service_unavailable');
  } finally {
    await api.close();
  }
});

ks.run();
