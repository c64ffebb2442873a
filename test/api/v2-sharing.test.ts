// Shared zones (API 2.1) over both storage engines: /v2/zones/{zone_id}/shares, and what sharing lets the
// target project do (see the zone, list it as shared, keep its own recordsets there) and not do.
import * as assert from 'uvu/assert';
import { controlPlaneSuite, createZone as zone, refused, type ControlPlane } from '../helpers/control-plane.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;

async function share(plane: ControlPlane, zoneId: string, target: string, project = 'project-a'): Promise<any> {
  const r = await plane.request('POST', `/v2/zones/${zoneId}/shares`, { project, body: { target_project_id: target } });
  assert.is(r.status, 201, r.text);
  return r.json;
}

await controlPlaneSuite('api:shares', (t) => {
  t('a target project id the database cannot hold is a 400 naming the field (shares and transfer requests)', async ({ plane }) => {
    const z = await zone(plane, 'ids.share.example.com.');
    for (const bad of ['', '   ', 'x'.repeat(37), 'two words', 'tab\there', 'new\nline']) {
      refused(await plane.request('POST', `/v2/zones/${z.id}/shares`, { body: { target_project_id: bad } }), 400, 'invalid_object', /^target_project_id must be a project id/);
      refused(await plane.request('POST', `/v2/zones/${z.id}/tasks/transfer_requests`, { body: { target_project_id: bad } }), 400, 'invalid_object', /^target_project_id must be a project id/);
    }
    assert.is((await plane.request('POST', `/v2/zones/${z.id}/shares`, { body: { target_project_id: ` ${'b'.repeat(36)} ` } })).status, 201, 'trimmed, 36 fit');
  });

  t('share, list, get, and unshare: shapes and codes', async ({ plane }) => {
    const z = await zone(plane, 'shape.share.example.com.');
    const created = await plane.request('POST', `/v2/zones/${z.id}/shares`, { body: { target_project_id: 'project-b' } });
    assert.is(created.status, 201, created.text);
    const s = created.json;
    assert.match(s.id, UUID);
    assert.is(s.zone_id, z.id);
    assert.is(s.project_id, 'project-a');
    assert.is(s.target_project_id, 'project-b');
    assert.match(s.created_at, TIME);
    assert.is(s.updated_at, null);
    const base = `http://127.0.0.1:${plane.port}`;
    assert.equal(s.links, { self: `${base}/v2/zones/${z.id}/shares/${s.id}`, zone: `${base}/v2/zones/${z.id}` });

    const got = await plane.request('GET', `/v2/zones/${z.id}/shares/${s.id}`);
    assert.is(got.status, 200, got.text);
    assert.equal(got.json, s);

    await share(plane, z.id, 'project-c');
    const all = await plane.request('GET', `/v2/zones/${z.id}/shares`);
    assert.is(all.status, 200, all.text);
    assert.equal(all.json.shared_zones.map((x: any) => x.target_project_id).sort(), ['project-b', 'project-c']);
    assert.is(all.json.metadata.total_count, 2);
    assert.is(all.json.links.self, `${base}/v2/zones/${z.id}/shares`);
    const filtered = await plane.request('GET', `/v2/zones/${z.id}/shares?target_project_id=project-c`);
    assert.equal(filtered.json.shared_zones.map((x: any) => x.target_project_id), ['project-c']);
    const wildcard = await plane.request('GET', `/v2/zones/${z.id}/shares?target_project_id=project-*`);
    assert.is(wildcard.json.metadata.total_count, 2);
    refused(await plane.request('GET', `/v2/zones/${z.id}/shares?project_id=x`), 400, 'bad_request', /Invalid filters/);

    // A target sees the zone's shares made to it, not the others.
    const asB = await plane.request('GET', `/v2/zones/${z.id}/shares`, { project: 'project-b' });
    assert.is(asB.status, 200, asB.text);
    assert.equal(asB.json.shared_zones.map((x: any) => x.target_project_id), ['project-b']);
    const bAsksForC = await plane.request('GET', `/v2/zones/${z.id}/shares?target_project_id=project-c`, { project: 'project-b' });
    assert.is(bAsksForC.json.metadata.total_count, 0);
    assert.is((await plane.request('GET', `/v2/zones/${z.id}/shares/${s.id}`, { project: 'project-b' })).status, 200);
    const cShare = all.json.shared_zones.find((x: any) => x.target_project_id === 'project-c');
    refused(await plane.request('GET', `/v2/zones/${z.id}/shares/${cShare.id}`, { project: 'project-b' }), 404, 'shared_zone_not_found');

    const del = await plane.request('DELETE', `/v2/zones/${z.id}/shares/${s.id}`);
    assert.is(del.status, 204, del.text);
    assert.is(del.text, '');
    refused(await plane.request('GET', `/v2/zones/${z.id}/shares/${s.id}`), 404, 'shared_zone_not_found');
    refused(await plane.request('DELETE', `/v2/zones/${z.id}/shares/${s.id}`), 404, 'shared_zone_not_found');
    refused(await plane.request('GET', `/v2/zones/${z.id}`, { project: 'project-b' }), 404, 'zone_not_found');
  });

  t('share rules: owner only, not with itself, once per project, well-formed bodies', async ({ plane }) => {
    const z = await zone(plane, 'rules.share.example.com.');
    refused(await plane.request('POST', `/v2/zones/${z.id}/shares`, { body: { target_project_id: 'project-a' } }), 400, 'bad_request', /zone owner/);
    await share(plane, z.id, 'project-b');
    refused(await plane.request('POST', `/v2/zones/${z.id}/shares`, { body: { target_project_id: 'project-b' } }), 409, 'duplicate_shared_zone');
    // The target may see the zone but not share it on; strangers do not even see it.
    refused(await plane.request('POST', `/v2/zones/${z.id}/shares`, { project: 'project-b', body: { target_project_id: 'project-c' } }), 403, 'forbidden');
    refused(await plane.request('POST', `/v2/zones/${z.id}/shares`, { project: 'project-c', body: { target_project_id: 'project-d' } }), 404, 'zone_not_found');
    refused(await plane.request('GET', `/v2/zones/${z.id}/shares`, { project: 'project-c' }), 404, 'zone_not_found');
    refused(await plane.request('POST', `/v2/zones/${z.id}/shares`, { body: {} }), 400, 'invalid_object', /target_project_id/);
    refused(await plane.request('POST', `/v2/zones/${z.id}/shares`, { body: { target_project_id: 'x', zone_id: z.id } }), 400, 'invalid_object', /zone_id/);
    refused(await plane.request('POST', `/v2/zones/${z.id}/shares`, { body: { target_project_id: 7 } }), 400, 'invalid_object');
    refused(await plane.request('POST', '/v2/zones/not-a-uuid/shares', { body: { target_project_id: 'x' } }), 400, 'invalid_uuid');
    refused(await plane.request('GET', `/v2/zones/${z.id}/shares/00000000-0000-4000-8000-000000000000`), 404, 'shared_zone_not_found');
    refused(await plane.request('POST', '/v2/zones/00000000-0000-4000-8000-000000000000/shares', { body: { target_project_id: 'x' } }), 404, 'zone_not_found');

    // A share id only counts under its own zone.
    const other = await zone(plane, 'other.share.example.com.');
    const s = (await plane.request('GET', `/v2/zones/${z.id}/shares`)).json.shared_zones[0];
    refused(await plane.request('GET', `/v2/zones/${other.id}/shares/${s.id}`), 404, 'shared_zone_not_found');
    refused(await plane.request('DELETE', `/v2/zones/${other.id}/shares/${s.id}`), 404, 'shared_zone_not_found');
    // Only the owner unshares.
    refused(await plane.request('DELETE', `/v2/zones/${z.id}/shares/${s.id}`, { project: 'project-b' }), 403, 'forbidden');
    // An all-projects admin acts for the owner.
    const admin = await plane.request('POST', `/v2/zones/${z.id}/shares`, {
      project: 'admin-project', roles: 'admin', headers: { 'x-auth-all-projects': 'true' }, body: { target_project_id: 'project-e' },
    });
    assert.is(admin.status, 201, admin.text);
    assert.is(admin.json.project_id, 'project-a');
  });

  t('a shared zone end to end: visible as shared, the target keeps its own recordsets, unshare waits for them', async ({ plane }) => {
    const z = await zone(plane, 'e2e.share.example.com.');
    const ownerRs = await plane.request('POST', `/v2/zones/${z.id}/recordsets`, {
      body: { name: 'www.e2e.share.example.com.', type: 'A', records: ['192.0.2.1'] },
    });
    assert.is(ownerRs.status, 202, ownerRs.text);
    assert.is((await plane.request('GET', '/v2/zones?name=e2e.share.example.com.', { project: 'project-b' })).json.metadata.total_count, 0);

    const s = await share(plane, z.id, 'project-b');
    // The target lists and reads the zone, which shows as shared to both projects.
    const listed = await plane.request('GET', '/v2/zones', { project: 'project-b' });
    const seen = listed.json.zones.find((x: any) => x.id === z.id);
    assert.ok(seen, listed.text);
    assert.is(seen.shared, true);
    assert.is(seen.project_id, 'project-a');
    assert.is((await plane.request('GET', `/v2/zones/${z.id}`)).json.shared, true);
    assert.is((await plane.request('GET', `/v2/zones/${z.id}`, { project: 'project-b' })).status, 200);
    refused(await plane.request('GET', `/v2/zones/${z.id}`, { project: 'project-c' }), 404, 'zone_not_found');
    assert.is((await plane.request('GET', `/v2/zones/${z.id}/recordsets`, { project: 'project-b' })).json.metadata.total_count, 3);

    // The target's own recordset belongs to the target.
    const mine = await plane.request('POST', `/v2/zones/${z.id}/recordsets`, {
      project: 'project-b', body: { name: 'b.e2e.share.example.com.', type: 'TXT', records: ['"from b"'] },
    });
    assert.is(mine.status, 202, mine.text);
    assert.is(mine.json.project_id, 'project-b');
    refused(await plane.request('POST', `/v2/zones/${z.id}/recordsets`, {
      project: 'project-c', body: { name: 'c.e2e.share.example.com.', type: 'A', records: ['192.0.2.3'] },
    }), 404, 'zone_not_found');

    // The target may not change or delete the owner's recordsets, nor the zone, nor its shares.
    refused(await plane.request('DELETE', `/v2/zones/${z.id}/recordsets/${ownerRs.json.id}`, { project: 'project-b' }), 403, 'forbidden');
    refused(await plane.request('PUT', `/v2/zones/${z.id}/recordsets/${ownerRs.json.id}`, { project: 'project-b', body: { ttl: 60 } }), 403, 'forbidden');
    refused(await plane.request('PATCH', `/v2/zones/${z.id}`, { project: 'project-b', body: { ttl: 60 } }), 403, 'forbidden');
    refused(await plane.request('DELETE', `/v2/zones/${z.id}`, { project: 'project-b' }), 403, 'forbidden');
    refused(await plane.request('DELETE', `/v2/zones/${z.id}/shares/${s.id}`, { project: 'project-b' }), 403, 'forbidden');

    // Unsharing waits until the target's recordsets are gone.
    refused(await plane.request('DELETE', `/v2/zones/${z.id}/shares/${s.id}`), 400, 'shared_zone_has_recordsets', /project-b/);
    refused(await plane.request('DELETE', `/v2/zones/${z.id}`), 400, 'zone_is_shared');
    assert.is((await plane.request('DELETE', `/v2/zones/${z.id}/recordsets/${mine.json.id}`, { project: 'project-b' })).status, 202);
    assert.is((await plane.request('DELETE', `/v2/zones/${z.id}/shares/${s.id}`)).status, 204);
    assert.is((await plane.request('GET', `/v2/zones/${z.id}`)).json.shared, false);
    refused(await plane.request('GET', `/v2/zones/${z.id}/recordsets`, { project: 'project-b' }), 404, 'zone_not_found');
    assert.is((await plane.request('GET', `/v2/zones/${z.id}/recordsets/${ownerRs.json.id}`)).status, 200, 'the owner keeps its own');
  });

  t('deleting a shared zone needs X-Designate-Delete-Shares, which removes the shares', async ({ plane }) => {
    const z = await zone(plane, 'gone.share.example.com.');
    await share(plane, z.id, 'project-b');
    refused(await plane.request('DELETE', `/v2/zones/${z.id}`), 400, 'zone_is_shared');
    const del = await plane.request('DELETE', `/v2/zones/${z.id}`, { headers: { 'x-designate-delete-shares': 'true' } });
    assert.is(del.status, 202, del.text);
    refused(await plane.request('GET', `/v2/zones/${z.id}`, { project: 'project-b' }), 404, 'zone_not_found');
    const list = await plane.request('GET', '/v2/zones', { project: 'project-b' });
    assert.not.ok(list.json.zones.some((x: any) => x.id === z.id));
  });
});
