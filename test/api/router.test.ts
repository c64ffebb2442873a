// Router and path normalisation, without sockets.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Router } from '../../services/api/router.ts';
import { normalisePath } from '../../services/api/server.ts';

const t = suite('api router');

t('parameters are captured and decoded', () => {
  const r = new Router<string>();
  r.add('GET', '/v2/zones/:zone_id/recordsets/:recordset_id', 'rs');
  const found = r.find('GET', '/v2/zones/z%201/recordsets/r1');
  assert.equal(found, { kind: 'found', match: { handler: 'rs', params: { zone_id: 'z 1', recordset_id: 'r1' } } });
  assert.equal(r.find('GET', '/v2/zones/z1/recordsets'), { kind: 'not_found' });
  assert.equal(r.find('GET', '/v2/zones//recordsets/r1'), { kind: 'not_found' });
});

t('literal segments beat parameters whatever the registration order', () => {
  const r = new Router<string>();
  r.add('GET', '/v2/zones/:zone_id', 'zone');
  r.add('GET', '/v2/zones/tasks', 'tasks');
  const found = r.find('GET', '/v2/zones/tasks');
  assert.is(found.kind === 'found' && found.match.handler, 'tasks');
  const other = r.find('GET', '/v2/zones/abc');
  assert.is(other.kind === 'found' && other.match.handler, 'zone');
});

t('405 lists the allowed methods (HEAD with GET); HEAD uses GET routes', () => {
  const r = new Router<string>();
  r.add('GET', '/v2/things', 'list');
  r.add('POST', '/v2/things', 'create');
  assert.equal(r.find('PUT', '/v2/things'), { kind: 'method_not_allowed', allow: ['GET', 'HEAD', 'POST'] });
  const head = r.find('HEAD', '/v2/things');
  assert.is(head.kind === 'found' && head.match.handler, 'list');
});

t('duplicate routes are refused at registration', () => {
  const r = new Router<string>();
  r.add('GET', '/v2/x', 'a');
  assert.throws(() => r.add('get', '/v2/x', 'b'), /duplicate/);
});

t('paths: trailing and doubled slashes removed, query split off', () => {
  assert.is(normalisePath('/v2/zones/').path, '/v2/zones');
  assert.is(normalisePath('//v2//zones//').path, '/v2/zones');
  assert.is(normalisePath('/').path, '/');
  const { path, query } = normalisePath('/v2/zones?name=a.&limit=2');
  assert.is(path, '/v2/zones');
  assert.is(query.get('name'), 'a.');
  assert.is(query.get('limit'), '2');
});

t.run();
