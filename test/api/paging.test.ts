// Pagination, sorting, filtering and the list envelope, and where link URLs come from.
import { pino } from 'pino';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createApiServer, type ApiServer, type ApiServerOptions } from '../../services/api/server.ts';
import { call, REQ_ID } from './http.ts';
import { registerThings, thingIds, type Thing } from './things.ts';

const ids = thingIds(25);
const things = (): Thing[] =>
  ids.map((id, i) => ({ id, name: `thing-${String(i).padStart(2, '0')}`, color: i % 2 ? 'blue' : 'red', created_at: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z` }));

async function start(options: ApiServerOptions): Promise<{ api: ApiServer; port: number }> {
  const api = createApiServer({ logger: pino({ level: 'silent' }), ...options });
  registerThings(api, things());
  return { api, port: (await api.listen('127.0.0.1', 0)).port };
}

const p = suite<{ api: ApiServer; port: number }>('api paging');
p.before(async (ctx) => {
  Object.assign(ctx, await start({ links: { enableHostHeader: false } }));
});
p.after(async (ctx) => ctx.api.close());

const BASE = 'http://127.0.0.1:9001';

p('default limit is 20, with total_count and a next link carrying the last id as marker', async ({ port }) => {
  const r = await call(port, 'GET', '/v2/things');
  assert.is(r.status, 200);
  assert.is(r.json.things.length, 20);
  assert.equal(r.json.metadata, { total_count: 25 });
  assert.is(r.json.links.self, `${BASE}/v2/things`);
  assert.is(r.json.links.next, `${BASE}/v2/things?marker=${ids[19]}`);
  assert.is(r.json.things[0].links.self, `${BASE}/v2/things/${ids[0]}`);
});

p('limit and marker walk the collection; the last partial page has no next', async ({ port }) => {
  const first = await call(port, 'GET', '/v2/things?limit=10');
  assert.equal(first.json.things.map((t: Thing) => t.id), ids.slice(0, 10));
  assert.is(first.json.links.self, `${BASE}/v2/things?limit=10`);
  assert.is(first.json.links.next, `${BASE}/v2/things?limit=10&marker=${ids[9]}`);
  const second = await call(port, 'GET', new URL(first.json.links.next).pathname + new URL(first.json.links.next).search);
  assert.equal(second.json.things.map((t: Thing) => t.id), ids.slice(10, 20));
  const third = await call(port, 'GET', `/v2/things?limit=10&marker=${ids[19]}`);
  assert.equal(third.json.things.map((t: Thing) => t.id), ids.slice(20));
  assert.is(third.json.links.next, undefined);
  assert.is(third.json.links.self, `${BASE}/v2/things?limit=10&marker=${ids[19]}`);
});

p('an exactly full last page still gets a next link (Designate behaviour)', async ({ port }) => {
  const r = await call(port, 'GET', `/v2/things?limit=5&marker=${ids[19]}`);
  assert.is(r.json.things.length, 5);
  assert.ok(r.json.links.next);
});

p('limit=max is max_limit_v2; limit 0, negative, non-numeric or above the max is 400 invalid_limit', async ({ port }) => {
  assert.is((await call(port, 'GET', '/v2/things?limit=max')).json.things.length, 25);
  for (const l of ['0', '-1', 'ten', '1001', '1.5']) {
    const r = await call(port, 'GET', `/v2/things?limit=${l}`);
    assert.is(r.status, 400, l);
    assert.is(r.json.type, 'invalid_limit');
    assert.match(r.json.request_id, REQ_ID);
  }
  assert.is((await call(port, 'GET', '/v2/things?limit=1000')).status, 200);
});

p('a non-UUID marker is 400 invalid_marker', async ({ port }) => {
  const r = await call(port, 'GET', '/v2/things?marker=abc');
  assert.is(r.status, 400);
  assert.is(r.json.type, 'invalid_marker');
});

p('sort_key and sort_dir', async ({ port }) => {
  const r = await call(port, 'GET', '/v2/things?sort_key=name&sort_dir=desc&limit=3');
  assert.equal(r.json.things.map((t: Thing) => t.name), ['thing-24', 'thing-23', 'thing-22']);
  const dir = await call(port, 'GET', '/v2/things?sort_dir=up');
  assert.is(dir.status, 400);
  assert.is(dir.json.type, 'invalid_sort_dir');
  const key = await call(port, 'GET', '/v2/things?sort_key=color');
  assert.is(key.status, 400);
  assert.is(key.json.type, 'invalid_sort_key');
  assert.match(key.json.message, /created_at, id, name/);
});

p('declared filters, with * wildcards; total_count counts the filtered set', async ({ port }) => {
  const exact = await call(port, 'GET', '/v2/things?name=thing-03');
  assert.equal(exact.json.things.map((t: Thing) => t.name), ['thing-03']);
  assert.is(exact.json.metadata.total_count, 1);
  const wild = await call(port, 'GET', '/v2/things?name=thing-1*&color=blue');
  assert.equal(wild.json.things.map((t: Thing) => t.name), ['thing-11', 'thing-13', 'thing-15', 'thing-17', 'thing-19']);
  assert.is(wild.json.links.self, `${BASE}/v2/things?name=thing-1*&color=blue`);
  const mid = await call(port, 'GET', '/v2/things?name=*-2*');
  assert.is(mid.json.metadata.total_count, 5); // thing-20 … thing-24
});

p('an unknown filter is 400 naming it; a repeated filter is 400 naming it', async ({ port }) => {
  const unknown = await call(port, 'GET', '/v2/things?size=3&name=x');
  assert.is(unknown.status, 400);
  assert.is(unknown.json.type, 'bad_request');
  assert.match(unknown.json.message, /Invalid filters size/);
  const dup = await call(port, 'GET', '/v2/things?name=a&name=b');
  assert.is(dup.status, 400);
  assert.is(dup.json.type, 'bad_request');
  assert.match(dup.json.message, /Duplicate filters name/);
  const dupLimit = await call(port, 'GET', '/v2/things?limit=1&limit=2');
  assert.is(dupLimit.status, 400);
  assert.match(dupLimit.json.message, /limit/);
  // Context parameters are not filters.
  assert.is((await call(port, 'GET', '/v2/things?all_projects=1')).status, 200);
});

p.run();

const l = suite('api links');

l('api_base_uri (with a path prefix) when enable_host_header is off; Host and forwarded headers ignored', async () => {
  const { api, port } = await start({ links: { apiBaseUri: 'https://dns.example.com/dns/', enableHostHeader: false, enableProxyHeadersParsing: true } });
  try {
    const r = await call(port, 'GET', '/v2/things?limit=1', { headers: { host: 'other.example:8080', 'x-forwarded-host': 'proxy.example' } });
    assert.is(r.json.links.self, 'https://dns.example.com/dns/v2/things?limit=1');
    assert.is(r.json.links.next, `https://dns.example.com/dns/v2/things?limit=1&marker=${ids[0]}`);
    assert.is(r.json.things[0].links.self, `https://dns.example.com/dns/v2/things/${ids[0]}`);
    const v = await call(port, 'GET', '/');
    assert.is(v.json.versions[0].links[0].href, 'https://dns.example.com/dns/v2');
  } finally {
    await api.close();
  }
});

l('the Host header when enable_host_header is on (the default); forwarded headers ignored without proxy parsing', async () => {
  const { api, port } = await start({ links: { apiBaseUri: 'https://dns.example.com/' } });
  try {
    const r = await call(port, 'GET', '/v2/things?limit=1', {
      headers: { host: 'api.example.net:9001', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.example.org' },
    });
    assert.is(r.json.links.self, 'http://api.example.net:9001/v2/things?limit=1');
    assert.is(r.json.links.next, `http://api.example.net:9001/v2/things?limit=1&marker=${ids[0]}`);
    assert.is((await call(port, 'GET', '/', { headers: { host: 'h.example' } })).json.versions[0].links[0].href, 'http://h.example/v2');
    // A Host that is not a host name falls back to api_base_uri.
    const junk = await call(port, 'GET', '/v2/things?limit=1', { headers: { host: 'a b/c' } });
    assert.is(junk.json.links.self, 'https://dns.example.com/v2/things?limit=1');
  } finally {
    await api.close();
  }
});

l('X-Forwarded-Proto/-Host and RFC 7239 Forwarded honoured with enable_proxy_headers_parsing', async () => {
  const { api, port } = await start({ links: { enableHostHeader: true, enableProxyHeadersParsing: true } });
  try {
    const r = await call(port, 'GET', '/v2/things?limit=1', {
      headers: { host: 'internal:9001', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'dns.example.org' },
    });
    assert.is(r.json.links.self, 'https://dns.example.org/v2/things?limit=1');
    assert.is(r.json.things[0].links.self, `https://dns.example.org/v2/things/${ids[0]}`);
    const f = await call(port, 'GET', '/v2/things?limit=1', { headers: { host: 'internal:9001', forwarded: 'for=192.0.2.1;proto=https;host="api.example.com:8443", for=10.0.0.1' } });
    assert.is(f.json.links.self, 'https://api.example.com:8443/v2/things?limit=1');
    const protoOnly = await call(port, 'GET', '/v2/things?limit=1', { headers: { host: 'internal:9001', 'x-forwarded-proto': 'https' } });
    assert.is(protoOnly.json.links.self, 'https://internal:9001/v2/things?limit=1');
  } finally {
    await api.close();
  }
});

l.run();
