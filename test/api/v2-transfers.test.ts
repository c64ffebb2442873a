// Zone ownership transfers over both storage engines: transfer requests (with their secret key) and accepts,
// who may see, change and accept them, and what an accept moves to the new owner.
import * as assert from 'uvu/assert';
import { controlPlaneSuite, createZone as zone, refused, type ControlPlane } from '../helpers/control-plane.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;
const REQUESTS = '/v2/zones/tasks/transfer_requests';
const ACCEPTS = '/v2/zones/tasks/transfer_accepts';

async function request(plane: ControlPlane, zoneId: string, body: unknown = {}, project = 'project-a'): Promise<any> {
  const r = await plane.request('POST', `/v2/zones/${zoneId}/tasks/transfer_requests`, { project, body });
  assert.is(r.status, 201, r.text);
  return r.json;
}

await controlPlaneSuite('api:transfers', (t) => {
  t('a targeted transfer: request, what each project sees, wrong key, accept, new owner', async ({ plane }) => {
    const base = `http://127.0.0.1:${plane.port}`;
    const z = await zone(plane, 'move.transfer.example.com.');
    const rs = await plane.request('POST', `/v2/zones/${z.id}/recordsets`, { body: { name: 'www.move.transfer.example.com.', type: 'A', records: ['192.0.2.1'] } });
    assert.is(rs.status, 202, rs.text);

    const created = await plane.request('POST', `/v2/zones/${z.id}/tasks/transfer_requests`, {
      body: { target_project_id: 'project-b', description: 'to b' },
    });
    assert.is(created.status, 201, created.text);
    const req = created.json;
    assert.match(req.id, UUID);
    assert.match(req.key, /^[A-Z0-9]{8}$/);
    assert.is(req.project_id, 'project-a');
    assert.is(req.target_project_id, 'project-b');
    assert.is(req.zone_id, z.id);
    assert.is(req.zone_name, 'move.transfer.example.com.');
    assert.is(req.description, 'to b');
    assert.is(req.status, 'ACTIVE');
    assert.match(req.created_at, TIME);
    assert.is(req.updated_at, null);
    assert.equal(req.links, { self: `${base}${REQUESTS}/${req.id}` });

    // The owner sees everything; the target sees what it needs to accept, never the key; others see nothing.
    assert.equal((await plane.request('GET', `${REQUESTS}/${req.id}`)).json, req);
    const asTarget = await plane.request('GET', `${REQUESTS}/${req.id}`, { project: 'project-b' });
    assert.is(asTarget.status, 200, asTarget.text);
    assert.equal(Object.keys(asTarget.json).sort(), ['description', 'id', 'links', 'status', 'zone_id', 'zone_name']);
    const targetList = await plane.request('GET', REQUESTS, { project: 'project-b' });
    assert.equal(targetList.json.transfer_requests.map((x: any) => x.id), [req.id]);
    assert.is(targetList.json.transfer_requests[0].key, undefined);
    // A project the request does not name is refused it (403, as Designate's policy check after reading it), and does not list it.
    refused(await plane.request('GET', `${REQUESTS}/${req.id}`, { project: 'project-c' }), 403, 'forbidden');
    assert.is((await plane.request('GET', REQUESTS, { project: 'project-c' })).json.metadata.total_count, 0);
    // An admin of another project reads it by id (Designate reads it elevated, then lets the admin role through).
    assert.is((await plane.request('GET', `${REQUESTS}/${req.id}`, { project: 'project-c', roles: 'admin' })).status, 200);
    assert.is((await plane.request('GET', `${REQUESTS}?status=ACTIVE`)).json.metadata.total_count, 1);

    // Only the owner changes it.
    refused(await plane.request('PATCH', `${REQUESTS}/${req.id}`, { project: 'project-b', body: { description: 'mine' } }), 403, 'forbidden');
    refused(await plane.request('DELETE', `${REQUESTS}/${req.id}`, { project: 'project-b' }), 403, 'forbidden');
    refused(await plane.request('PATCH', `${REQUESTS}/${req.id}`, { project: 'project-c', body: { description: 'mine' } }), 403, 'forbidden');
    refused(await plane.request('DELETE', `${REQUESTS}/${req.id}`, { project: 'project-c' }), 404, 'zone_transfer_request_not_found');
    const patched = await plane.request('PATCH', `${REQUESTS}/${req.id}`, { body: { description: 'for b' } });
    assert.is(patched.status, 200, patched.text);
    assert.is(patched.json.description, 'for b');
    assert.is(patched.json.key, req.key);
    assert.is(patched.json.target_project_id, 'project-b');
    refused(await plane.request('PATCH', `${REQUESTS}/${req.id}`, { body: { key: 'AAAAAAAA' } }), 400, 'invalid_object', /key/);
    refused(await plane.request('PATCH', `${REQUESTS}/${req.id}`, { body: { status: 'COMPLETE' } }), 400, 'invalid_object', /status/);

    // Accepting: another project is refused (Designate: Forbidden, which designate-tempest-plugin checks), the target needs the key.
    refused(await plane.request('POST', ACCEPTS, { project: 'project-c', body: { key: req.key, zone_transfer_request_id: req.id } }), 403, 'forbidden');
    const wrong = req.key === 'AAAAAAAA' ? 'BBBBBBBB' : 'AAAAAAAA';
    refused(await plane.request('POST', ACCEPTS, { project: 'project-b', body: { key: wrong, zone_transfer_request_id: req.id } }),
      403, 'invalid_key');
    assert.is((await plane.request('GET', `${REQUESTS}/${req.id}`)).json.status, 'ACTIVE', 'a wrong key changes nothing');

    const accepted = await plane.request('POST', ACCEPTS, { project: 'project-b', body: { key: req.key, zone_transfer_request_id: req.id } });
    assert.is(accepted.status, 201, accepted.text);
    const acc = accepted.json;
    assert.match(acc.id, UUID);
    assert.is(acc.status, 'COMPLETE');
    assert.is(acc.zone_id, z.id);
    assert.is(acc.project_id, 'project-b');
    assert.is(acc.zone_transfer_request_id, req.id);
    assert.is(acc.key, null, 'an accept never echoes the key (Designate shows null)');
    assert.match(acc.created_at, TIME);
    assert.equal(acc.links, { self: `${base}${ACCEPTS}/${acc.id}`, zone: `${base}/v2/zones/${z.id}` });

    // The zone and everything in it now belong to project-b; project-a lost it.
    const moved = await plane.request('GET', `/v2/zones/${z.id}`, { project: 'project-b' });
    assert.is(moved.status, 200, moved.text);
    assert.is(moved.json.project_id, 'project-b');
    assert.match(moved.json.transferred_at, TIME);
    const sets = (await plane.request('GET', `/v2/zones/${z.id}/recordsets`, { project: 'project-b' })).json.recordsets;
    assert.is(sets.length, 3);
    assert.ok(sets.every((s: any) => s.project_id === 'project-b'), JSON.stringify(sets));
    refused(await plane.request('GET', `/v2/zones/${z.id}`), 404, 'zone_not_found');
    assert.is((await plane.request('PUT', `/v2/zones/${z.id}/recordsets/${rs.json.id}`, { project: 'project-b', body: { ttl: 60 } })).status, 202);

    // The request is used up; the accept is the accepter's.
    const done = await plane.request('GET', `${REQUESTS}/${req.id}`);
    assert.is(done.json.status, 'COMPLETE');
    refused(await plane.request('POST', ACCEPTS, { project: 'project-b', body: { key: req.key, zone_transfer_request_id: req.id } }),
      400, 'invalid_zone_transfer_request', /has been used/);
    assert.equal((await plane.request('GET', `${ACCEPTS}/${acc.id}`, { project: 'project-b' })).json, acc);
    refused(await plane.request('GET', `${ACCEPTS}/${acc.id}`), 404, 'zone_transfer_accept_not_found');
    // Listing accepts is admin-only, as Designate's find_zone_transfer_accepts policy.
    refused(await plane.request('GET', ACCEPTS, { project: 'project-b' }), 403, 'forbidden');
    const admin = { project: 'project-b', roles: 'admin' };
    const accepts = await plane.request('GET', ACCEPTS, admin);
    assert.equal(accepts.json.transfer_accepts.map((x: any) => x.id), [acc.id]);
    assert.ok(accepts.json.transfer_accepts.every((x: any) => x.key === null));
    assert.is((await plane.request('GET', ACCEPTS, { roles: 'admin' })).json.metadata.total_count, 0);
    assert.is((await plane.request('GET', `${ACCEPTS}?status=COMPLETE`, admin)).json.metadata.total_count, 1);
  });

  t('an open request: any project holding its id and key may accept it', async ({ plane }) => {
    const z = await zone(plane, 'open.transfer.example.com.');
    assert.is((await plane.request('POST', `/v2/zones/${z.id}/shares`, { body: { target_project_id: 'project-c' } })).status, 201);
    const req = await request(plane, z.id);
    assert.is(req.target_project_id, null);
    assert.is(req.description, null);
    // Open requests are not listed to other projects, but can be read by id, without the key.
    assert.is((await plane.request('GET', REQUESTS, { project: 'project-c' })).json.metadata.total_count, 0);
    const seen = await plane.request('GET', `${REQUESTS}/${req.id}`, { project: 'project-c' });
    assert.is(seen.status, 200, seen.text);
    assert.is(seen.json.key, undefined);
    const acc = await plane.request('POST', ACCEPTS, { project: 'project-c', body: { key: req.key, zone_transfer_request_id: req.id } });
    assert.is(acc.status, 201, acc.text);
    const mine = (await plane.request('GET', `/v2/zones/${z.id}`, { project: 'project-c' })).json;
    assert.is(mine.project_id, 'project-c');
    assert.is(mine.shared, false, 'the share with the new owner is gone');
  });

  t('retargeting, deleting, and refusals of bad input', async ({ plane }) => {
    const z = await zone(plane, 'edit.transfer.example.com.');
    const req = await request(plane, z.id, { target_project_id: 'project-b' });
    // Retargeted to project-c: project-b loses sight of it, project-c gains it.
    const patched = await plane.request('PATCH', `${REQUESTS}/${req.id}`, { body: { target_project_id: 'project-c' } });
    assert.is(patched.status, 200, patched.text);
    assert.is(patched.json.target_project_id, 'project-c');
    refused(await plane.request('GET', `${REQUESTS}/${req.id}`, { project: 'project-b' }), 403, 'forbidden');
    refused(await plane.request('POST', ACCEPTS, { project: 'project-b', body: { key: req.key, zone_transfer_request_id: req.id } }), 403, 'forbidden');
    assert.is((await plane.request('GET', `${REQUESTS}/${req.id}`, { project: 'project-c' })).status, 200);

    const second = await request(plane, z.id);
    assert.is.not(second.key, req.key, 'every request has its own key');
    const third = await request(plane, z.id);
    const del = await plane.request('DELETE', `${REQUESTS}/${req.id}`);
    assert.is(del.status, 204, del.text);
    refused(await plane.request('GET', `${REQUESTS}/${req.id}`), 404, 'zone_transfer_request_not_found');
    refused(await plane.request('DELETE', `${REQUESTS}/${req.id}`), 404, 'zone_transfer_request_not_found');

    // Only the owner asks for a transfer; a project the zone is shared with may not.
    assert.is((await plane.request('POST', `/v2/zones/${z.id}/shares`, { body: { target_project_id: 'project-s' } })).status, 201);
    refused(await plane.request('POST', `/v2/zones/${z.id}/tasks/transfer_requests`, { project: 'project-s', body: {} }), 403, 'forbidden');
    refused(await plane.request('POST', `/v2/zones/${z.id}/tasks/transfer_requests`, { project: 'project-x', body: {} }), 404, 'zone_not_found');
    refused(await plane.request('POST', `/v2/zones/${z.id}/tasks/transfer_requests`, { body: { key: 'ABCDEFGH' } }), 400, 'invalid_object', /key/);
    refused(await plane.request('POST', `/v2/zones/${z.id}/tasks/transfer_requests`, { body: { description: 'x'.repeat(161) } }), 400, 'invalid_object');
    refused(await plane.request('POST', '/v2/zones/nope/tasks/transfer_requests', { body: {} }), 400, 'invalid_uuid');
    refused(await plane.request('GET', `${REQUESTS}/nope`), 400, 'invalid_uuid');
    refused(await plane.request('POST', ACCEPTS, { project: 'project-b', body: { zone_transfer_request_id: second.id } }), 400, 'invalid_object', /key/);
    refused(await plane.request('POST', ACCEPTS, { project: 'project-b', body: { key: second.key } }), 400, 'invalid_object', /zone_transfer_request_id/);
    refused(await plane.request('POST', ACCEPTS, { project: 'project-b', body: { key: second.key, zone_transfer_request_id: second.id, zone_id: z.id } }),
      400, 'invalid_object');
    refused(await plane.request('POST', ACCEPTS, { project: 'project-b', body: { key: 'AAAAAAAA', zone_transfer_request_id: '00000000-0000-4000-8000-000000000000' } }),
      404, 'zone_transfer_request_not_found');

    // Once one request moved the zone, the old owner's other requests are void.
    assert.is((await plane.request('POST', ACCEPTS, { project: 'project-t', body: { key: second.key, zone_transfer_request_id: second.id } })).status, 201);
    refused(await plane.request('POST', ACCEPTS, { project: 'project-u', body: { key: third.key, zone_transfer_request_id: third.id } }),
      400, 'invalid_zone_transfer_request', /changed owner/);
    assert.is((await plane.request('GET', `/v2/zones/${z.id}`, { project: 'project-t' })).json.project_id, 'project-t');
  });

  t('the accepting project needs zone quota; a refused accept is recorded in ERROR', async ({ plane }) => {
    await zone(plane, 'full.transfer.example.org.', 'project-q');
    await plane.storage.transaction((tx) => tx.setQuota('project-q', 'zones', 1));
    const z = await zone(plane, 'quota.transfer.example.com.');
    const req = await request(plane, z.id, { target_project_id: 'project-q' });
    refused(await plane.request('POST', ACCEPTS, { project: 'project-q', body: { key: req.key, zone_transfer_request_id: req.id } }), 413, 'over_quota');
    assert.is((await plane.request('GET', `/v2/zones/${z.id}`)).json.project_id, 'project-a', 'the zone stays where it was');
    assert.is((await plane.request('GET', `${REQUESTS}/${req.id}`)).json.status, 'ACTIVE');
    const failed = (await plane.request('GET', ACCEPTS, { project: 'project-q', roles: 'admin' })).json.transfer_accepts;
    assert.equal(failed.map((a: any) => a.status), ['ERROR']);

    await plane.storage.transaction((tx) => tx.setQuota('project-q', 'zones', 2));
    const ok = await plane.request('POST', ACCEPTS, { project: 'project-q', body: { key: req.key, zone_transfer_request_id: req.id } });
    assert.is(ok.status, 201, ok.text);
  });

  t('deleted zones are not transferred', async ({ plane }) => {
    const z = await zone(plane, 'deleted.transfer.example.com.');
    const req = await request(plane, z.id, { target_project_id: 'project-b' });
    assert.is((await plane.request('DELETE', `/v2/zones/${z.id}`)).status, 202);
    refused(await plane.request('POST', ACCEPTS, { project: 'project-b', body: { key: req.key, zone_transfer_request_id: req.id } }),
      400, 'bad_request', /transfer a delet/);
    refused(await plane.request('POST', `/v2/zones/${z.id}/tasks/transfer_requests`, { body: {} }), 404, 'zone_not_found');
    assert.is((await plane.request('GET', `${REQUESTS}/${req.id}`)).json.zone_name, 'deleted.transfer.example.com.');
  });
});
