// The API framework over real HTTP: routing, error bodies and request ids, JSON bodies and their limits,
// versions and healthcheck. The resource is the toy /v2/things from ./things.ts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApiServer, type ApiServer } from '../../services/api/server.ts';
import { call, json, REQ_ID } from './http.ts';
import { registerThings, thingIds } from './things.ts';

const LIMIT = 64 * 1024;
const t = suite<{ api: ApiServer; port: number; logs: Record<string, unknown>[]; dir: string; disable: string }>('api framework');

t.before(async (ctx) => {
  ctx.logs = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line) ctx.logs.push(JSON.parse(line));
      cb();
    },
  });
  ctx.dir = await mkdtemp(join(tmpdir(), 'zc-api-'));
  ctx.disable = join(ctx.dir, 'healthcheck_disable');
  ctx.api = createApiServer({ logger: pino({ level: 'info' }, sink), maxBodyBytes: LIMIT, healthcheckDisableFile: ctx.disable });
  registerThings(ctx.api, thingIds(3).map((id, i) => ({ id, name: `t${i}`, color: 'red', created_at: `2026-01-0${i + 1}T00:00:00Z` })));
  ctx.port = (await ctx.api.listen('127.0.0.1', 0)).port;
});
t.after(async (ctx) => {
  await ctx.api.close();
  await rm(ctx.dir, { recursive: true, force: true });
});

const errorBody = (r: { json: any; headers: Record<string, unknown> }, code: number, type: string) => {
  assert.is(r.json.code, code);
  assert.is(r.json.type, type);
  assert.type(r.json.message, 'string');
  assert.match(r.json.request_id, REQ_ID);
  assert.is(r.headers['x-openstack-request-id'], r.json.request_id);
  assert.match(String(r.headers['content-type']), /^application\/json/);
};

t('every response carries a fresh x-openstack-request-id', async ({ port }) => {
  const a = await call(port, 'GET', '/v2/things');
  const b = await call(port, 'GET', '/v2/things');
  assert.is(a.status, 200);
  assert.match(String(a.headers['x-openstack-request-id']), REQ_ID);
  assert.is.not(a.headers['x-openstack-request-id'], b.headers['x-openstack-request-id']);
  const root = await call(port, 'GET', '/');
  assert.match(String(root.headers['x-openstack-request-id']), REQ_ID);
});

t('unknown path is 404 with the Designate error body; .json suffix too', async ({ port }) => {
  errorBody(await call(port, 'GET', '/v2/nothing'), 404, 'not_found');
  errorBody(await call(port, 'GET', '/v2/things.json'), 404, 'not_found');
  errorBody(await call(port, 'GET', '/v3'), 404, 'not_found');
});

t('wrong method is 405 with Allow and the error body', async ({ port }) => {
  const r = await call(port, 'DELETE', '/v2/things');
  errorBody(r, 405, 'method_not_allowed');
  assert.is(r.headers.allow, 'GET, HEAD, POST');
  errorBody(await call(port, 'POST', '/'), 405, 'method_not_allowed');
});

t('path parameters: matched, trailing slash stripped, non-UUID is 400 invalid_uuid, handler 404 type kept', async ({ port }) => {
  const [id] = thingIds(1);
  const r = await call(port, 'GET', `/v2/things/${id}/`);
  assert.is(r.status, 200);
  assert.is(r.json.id, id);
  errorBody(await call(port, 'GET', '/v2/things/not-a-uuid'), 400, 'invalid_uuid');
  errorBody(await call(port, 'GET', '/v2/things/00000000-0000-4000-8000-999999999999'), 404, 'thing_not_found');
});

t('HEAD is answered like GET without a body', async ({ port }) => {
  const r = await call(port, 'HEAD', '/v2/things');
  assert.is(r.status, 200);
  assert.is(r.text, '');
});

t('a thrown non-ApiError is a 500 "unknown", logged with the request id, no stack leaked, server alive', async (ctx) => {
  const r = await call(ctx.port, 'GET', '/v2/boom');
  errorBody(r, 500, 'unknown');
  assert.not.match(r.text, /secret internal detail/);
  assert.not.match(r.text, /at .*\.ts/);
  const entry = ctx.logs.find((l) => l.request_id === r.json.request_id && l.level === 50);
  assert.ok(entry, 'error logged with request_id');
  assert.match(JSON.stringify(entry), /secret internal detail/);
  assert.is((await call(ctx.port, 'GET', '/v2/things')).status, 200);
});

t('POST JSON: parsed and created (201); handler validation error keeps its errors member', async ({ port }) => {
  const r = await call(port, 'POST', '/v2/things', json({ name: 'new', color: 'blue' }));
  assert.is(r.status, 201);
  assert.is(r.json.name, 'new');
  assert.is(r.json.links.self, `http://127.0.0.1:${port}/v2/things/${r.json.id}`);
  const bad = await call(port, 'POST', '/v2/things', json({ color: 'blue' }));
  errorBody(bad, 400, 'invalid_object');
  assert.equal(bad.json.errors, { errors: [{ path: ['name'], message: "'name' is a required property" }] });
  errorBody(await call(port, 'POST', '/v2/things', json({ name: 'new' })), 409, 'duplicate_thing');
  const charset = await call(port, 'POST', '/v2/echo', { headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"a":1}' });
  assert.equal(charset.json, { body: { a: 1 }, size: 7 });
});

t('non-JSON content types are 415 naming the type; a body without a type too; no body at all is fine', async ({ port }) => {
  const r = await call(port, 'POST', '/v2/things', { headers: { 'content-type': 'text/plain' }, body: 'name=x' });
  errorBody(r, 415, 'unsupported_content_type');
  assert.match(r.json.message, /text\/plain/);
  const form = await call(port, 'POST', '/v2/things', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
  assert.match(form.json.message, /application\/x-www-form-urlencoded/);
  const untyped = await call(port, 'POST', '/v2/echo', { body: '{"a":1}' });
  errorBody(untyped, 415, 'unsupported_content_type');
  const empty = await call(port, 'POST', '/v2/echo');
  assert.is(empty.status, 200);
  assert.equal(empty.json, { size: 0 });
});

t('malformed JSON is 400 bad_request naming the problem', async ({ port }) => {
  const r = await call(port, 'POST', '/v2/things', { headers: { 'content-type': 'application/json' }, body: '{"name": "x",' });
  errorBody(r, 400, 'bad_request');
  assert.match(r.json.message, /Malformed JSON/);
  assert.match(r.json.message, /JSON/);
  const empty = await call(port, 'POST', '/v2/things', { headers: { 'content-type': 'application/json' }, body: ' ' });
  errorBody(empty, 400, 'bad_request');
  assert.match(empty.json.message, /empty/);
});

t('a declared Content-Length over the limit is refused with 413 before reading', async ({ port }) => {
  const body = Buffer.alloc(LIMIT + 1, 0x20);
  const r = await call(port, 'POST', '/v2/echo', { headers: { 'content-type': 'application/json' }, body });
  errorBody(r, 413, 'request_too_large');
  // Exactly the limit is accepted.
  const ok = await call(port, 'POST', '/v2/echo', { headers: { 'content-type': 'application/json' }, body: `"${'a'.repeat(LIMIT - 2)}"` });
  assert.is(ok.status, 200);
  assert.is(ok.json.size, LIMIT);
});

t('a chunked 50 MiB stream is answered 413 while the client is still sending', async ({ port }) => {
  const total = 50 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  let answeredAt = -1;
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v2/echo', headers: { 'content-type': 'application/json' }, agent: false });
    let done = false;
    req.on('response', (res) => {
      answeredAt = sent;
      done = true;
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', (err) => {
      if (!done) reject(err);
    });
    const pump = () => {
      while (!done && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!done) req.end();
    };
    pump();
  });
  assert.is(status, 413);
  assert.ok(answeredAt >= 0 && answeredAt < total, `answered after ${answeredAt} of ${total} bytes`);
  // The server is still healthy afterwards.
  assert.is((await call(port, 'GET', '/v2/things')).status, 200);
});

t('GET / is the versions document with links from the request host', async ({ port }) => {
  const r = await call(port, 'GET', '/');
  assert.is(r.status, 200);
  const ids = r.json.versions.map((v: { id: string }) => v.id);
  assert.equal(ids, ['v2', 'v2.0'], "Designate 15's ids: designate-tempest-plugin 0.14.0 accepts no other");
  assert.is(r.json.versions.filter((v: { status: string }) => v.status === 'CURRENT').length, 1);
  assert.equal(r.json.versions[0].links[0], { href: `http://127.0.0.1:${port}/v2`, rel: 'self' });
});

t('GET /healthcheck: 200 OK, 503 while the disable file exists', async (ctx) => {
  const ok = await call(ctx.port, 'GET', '/healthcheck');
  assert.is(ok.status, 200);
  assert.is(ok.text, 'OK');
  await writeFile(ctx.disable, '');
  const off = await call(ctx.port, 'GET', '/healthcheck');
  assert.is(off.status, 503);
  assert.is(off.text, 'DISABLED BY FILE');
  await rm(ctx.disable);
  assert.is((await call(ctx.port, 'GET', '/healthcheck')).status, 200);
});

t('maintenance mode: 503 + Retry-After for non-admins, admins pass', async () => {
  const api = createApiServer({ logger: pino({ level: 'silent' }), maintenanceMode: true });
  registerThings(api, []);
  const { port } = await api.listen('127.0.0.1', 0);
  try {
    const r = await call(port, 'GET', '/v2/things', { headers: { 'x-roles': 'member' } });
    errorBody(r, 503, 'maintenance');
    assert.is(r.headers['retry-after'], '60');
    assert.is((await call(port, 'GET', '/v2/things')).status, 200);
  } finally {
    await api.close();
  }
});

t.run();
