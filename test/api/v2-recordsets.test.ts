// /v2/zones/{id}/recordsets and /v2/recordsets over both storage engines: Designate's rules and shapes.
import * as assert from 'uvu/assert';
import { controlPlaneSuite, createZone as zone, refused } from '../helpers/control-plane.ts';

await controlPlaneSuite('api:recordsets', (t) => {
  t('create, get, list, update (set diff), delete — each change a new serial', async ({ plane }) => {
    const z = await zone(plane, 'rs.example.com.');
    const created = await plane.request('POST', `/v2/zones/${z.id}/recordsets`, {
      body: { name: 'WWW.rs.example.com.', type: 'a', records: ['192.0.2.1', '192.0.2.2'], ttl: 300, description: 'web' },
    });
    assert.is(created.status, 202, created.text);
    const rs = created.json;
    assert.is(rs.name, 'www.rs.example.com.');
    assert.is(rs.type, 'A');
    assert.is(rs.zone_id, z.id);
    assert.is(rs.zone_name, 'rs.example.com.');
    assert.is(rs.project_id, 'project-a');
    assert.equal(rs.records.sort(), ['192.0.2.1', '192.0.2.2']);
    assert.is(rs.status, 'PENDING');
    assert.is(rs.action, 'CREATE');
    assert.is(rs.links.self, `http://127.0.0.1:${plane.port}/v2/zones/${z.id}/recordsets/${rs.id}`);
    const afterCreate = (await plane.request('GET', `/v2/zones/${z.id}`)).json;
    assert.ok(afterCreate.serial > z.serial);

    const got = await plane.request('GET', `/v2/zones/${z.id}/recordsets/${rs.id}`);
    assert.equal(got.json.records.sort(), ['192.0.2.1', '192.0.2.2']);

    const put = await plane.request('PUT', `/v2/zones/${z.id}/recordsets/${rs.id}`, { body: { records: ['192.0.2.2', '192.0.2.3'], ttl: null } });
    assert.is(put.status, 202, put.text);
    assert.equal(put.json.records.sort(), ['192.0.2.2', '192.0.2.3']);
    assert.is(put.json.ttl, null);
    assert.is(put.json.description, 'web', 'untouched fields stay');
    const afterPut = (await plane.request('GET', `/v2/zones/${z.id}`)).json;
    assert.ok(afterPut.serial > afterCreate.serial);

    const short = await plane.request('GET', `/v2/recordsets/${rs.id}`);
    assert.is(short.status, 301);
    assert.is(short.headers.location, `http://127.0.0.1:${plane.port}/v2/zones/${z.id}/recordsets/${rs.id}`);

    const del = await plane.request('DELETE', `/v2/zones/${z.id}/recordsets/${rs.id}`);
    assert.is(del.status, 202);
    assert.is(del.json.action, 'DELETE');
    assert.is((await plane.request('GET', `/v2/zones/${z.id}/recordsets/${rs.id}`)).status, 404);
    assert.ok((await plane.request('GET', `/v2/zones/${z.id}`)).json.serial > afterPut.serial);
  });

  t('a PUT is an UPDATE whatever it changes: 202 PENDING/UPDATE and a new serial, as Designate answers', async ({ plane }) => {
    const z = await zone(plane, 'put.example.com.');
    // An mdns that serves every change at once: by the time central reads the recordset back it is ACTIVE.
    plane.bus.subscribe('zone.changed', (m) => {
      if (m.zoneId === z.id) void plane.bus.publish('zone.served', { zoneId: m.zoneId, serial: m.serial });
    });
    const created = await plane.request('POST', `/v2/zones/${z.id}/recordsets`, { body: { name: 'www.put.example.com.', type: 'A', records: ['192.0.2.1'] } });
    assert.is(created.status, 202, created.text);
    const path = `/v2/zones/${z.id}/recordsets/${created.json.id}`;
    const active = async () => {
      const deadline = Date.now() + 10_000;
      while ((await plane.request('GET', path)).json.status !== 'ACTIVE') {
        if (Date.now() > deadline) throw new Error('recordset never ACTIVE');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // Each PUT starts from an ACTIVE recordset and is served at once: the answer must still be the change as
    // committed, not as read once it is served.
    const bodies: Record<string, unknown>[] = [{ records: ['192.0.2.1', '192.0.2.9'], ttl: 1200 }, { description: 'only this' }, { ttl: 600 }];
    for (const body of bodies) {
      await active();
      const before = (await plane.request('GET', `/v2/zones/${z.id}`)).json.serial;
      const put = await plane.request('PUT', path, { body });
      assert.is(put.status, 202, `${JSON.stringify(body)}: ${put.text}`);
      assert.is(put.json.status, 'PENDING', JSON.stringify(body));
      assert.is(put.json.action, 'UPDATE', JSON.stringify(body));
      assert.ok((await plane.request('GET', `/v2/zones/${z.id}`)).json.serial > before, `${JSON.stringify(body)} moved the serial`);
    }
    const last = await plane.request('GET', path);
    assert.equal([last.json.ttl, last.json.description, last.json.records.sort()], [600, 'only this', ['192.0.2.1', '192.0.2.9']]);
  });

  t('a PUT may carry the recordset\'s own name and type (as clients echo it back), never other ones; no wildcard NS', async ({ plane }) => {
    const z = await zone(plane, 'echo.example.com.');
    const rs = (await plane.request('POST', `/v2/zones/${z.id}/recordsets`, { body: { name: 'a.echo.example.com.', type: 'A', records: ['192.0.2.1'] } })).json;
    const path = `/v2/zones/${z.id}/recordsets/${rs.id}`;
    const same = await plane.request('PUT', path, { body: { name: 'A.echo.example.com.', type: 'a', records: ['192.0.2.2'] } });
    assert.is(same.status, 202, same.text);
    assert.equal(same.json.records, ['192.0.2.2']);
    refused(await plane.request('PUT', path, { body: { name: 'b.echo.example.com.', records: ['192.0.2.3'] } }), 400, 'bad_request', /name cannot be changed/);
    refused(await plane.request('PUT', path, { body: { type: 'AAAA', records: ['2001:db8::1'] } }), 400, 'bad_request', /type cannot be changed/);
    refused(await plane.request('POST', `/v2/zones/${z.id}/recordsets`, { body: { name: '*.echo.example.com.', type: 'NS', records: ['ns.example.net.'] } }),
      400, 'invalid_object', /^Wildcard NS records are not allowed$/);
  });

  t('record data is validated per type and errors name the field', async ({ plane }) => {
    const z = await zone(plane, 'valid.example.com.');
    const cases: [Record<string, unknown>, number, string, RegExp][] = [
      [{ name: 'a.valid.example.com.', type: 'A', records: ['300.1.1.1'] }, 400, 'invalid_object', /records\[0\]/],
      [{ name: 'a.valid.example.com.', type: 'AAAA', records: ['192.0.2.1'] }, 400, 'invalid_object', /records\[0\]/],
      [{ name: 'a.valid.example.com.', type: 'MX', records: ['10 mail'] }, 400, 'invalid_object', /fully qualified/],
      [{ name: 'a.valid.example.com.', type: 'CNAME', records: ['x.example.com.', 'y.example.com.'] }, 400, 'bad_request', /only have one/],
      [{ name: 'a.valid.example.com.', type: 'A', records: [] }, 400, 'invalid_object', /at least one/],
      [{ name: 'a.valid.example.com.', type: 'TXT', records: ['testtext\\'] }, 400, 'invalid_object', /must not end with/],
      [{ name: 'a.valid.example.com.', type: 'TXT', records: ['\\\\'] }, 400, 'invalid_object', /must not end with/],
      [{ name: 'a.valid.example.com.', type: 'SPF', records: ['\\'] }, 400, 'invalid_object', /must not end with/],
      [{ name: 'a.valid.example.com.', type: 'WKS', records: ['x'] }, 400, 'invalid_object', /supported record type/],
      [{ name: 'a.valid.example.com.', type: 'SOA', records: ['a. b. 1 2 3 4 5'] }, 400, 'invalid_object', /records|SOA/],
      [{ name: 'a.other.com.', type: 'A', records: ['192.0.2.1'] }, 400, 'invalid_recordset_location', /not in the zone/],
      [{ name: 'x*.valid.example.com.', type: 'A', records: ['192.0.2.1'] }, 400, 'invalid_object', /label "x\*" may hold only letters/],
      [{ name: 'a.*.valid.example.com.', type: 'A', records: ['192.0.2.1'] }, 400, 'invalid_object', /label "\*"/],
      [{ name: 'sp ace.valid.example.com.', type: 'A', records: ['192.0.2.1'] }, 400, 'invalid_object', /label "sp ace"/],
      [{ name: 'a.valid.example.com', type: 'A', records: ['192.0.2.1'] }, 400, 'invalid_recordset_location', /fully qualified/],
      [{ name: 'valid.example.com.', type: 'CNAME', records: ['x.example.com.'] }, 400, 'invalid_recordset_location', /apex/],
      [{ name: 'a.valid.example.com.', type: 'A', records: ['192.0.2.1'], ttl: 1.5 }, 400, 'invalid_object', /ttl/],
      [{ name: 'a.valid.example.com.', type: 'A', records: 'x' }, 400, 'invalid_object', /records must be a list/],
      [{ name: 'a.valid.example.com.', type: 'TXT', records: ['"two\nlines"'] }, 400, 'invalid_object', /line break/],
    ];
    for (const [body, status, type, message] of cases) {
      const r = await plane.request('POST', `/v2/zones/${z.id}/recordsets`, { body });
      assert.is(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
      assert.is(r.json.type, type, `${JSON.stringify(body)}: ${r.text}`);
      assert.match(r.json.message, message, JSON.stringify(body));
    }
    const ok = await plane.request('POST', `/v2/zones/${z.id}/recordsets`, {
      body: { name: '_sip._tcp.valid.example.com.', type: 'SRV', records: ['10 60 5060 sip.example.com.'] },
    });
    assert.is(ok.status, 202, ok.text);
    // A record given twice is kept once (Designate takes the records as a set; the tempest plugin relies on it).
    const twice = await plane.request('POST', `/v2/zones/${z.id}/recordsets`, {
      body: { name: 'www.valid.example.com.', type: 'AAAA', records: ['2001:db8::1', '2001:db8::1', '2001:db8::'] },
    });
    assert.is(twice.status, 202, twice.text);
    assert.equal([...twice.json.records].sort(), ['2001:db8::', '2001:db8::1']);
    // A backslash inside quotes, before spaces, is data, not a trailing escape.
    for (const data of ['"\\ "', '"\\    "', '"the txts    "']) {
      const txt = await plane.request('POST', `/v2/zones/${z.id}/recordsets`, { body: { name: `t${data.length}.valid.example.com.`, type: 'TXT', records: [data] } });
      assert.is(txt.status, 202, `${data}: ${txt.text}`);
    }
  });

  t('CNAME exclusivity, delegations and child zones', async ({ plane }) => {
    const z = await zone(plane, 'place.example.com.');
    const post = (body: unknown) => plane.request('POST', `/v2/zones/${z.id}/recordsets`, { body });
    assert.is((await post({ name: 'c.place.example.com.', type: 'CNAME', records: ['t.example.com.'] })).status, 202);
    const beside = await post({ name: 'c.place.example.com.', type: 'TXT', records: ['"x"'] });
    assert.is(beside.status, 400);
    assert.is(beside.json.type, 'invalid_recordset_location');
    assert.is((await post({ name: 'a.place.example.com.', type: 'A', records: ['192.0.2.1'] })).status, 202);
    assert.is((await post({ name: 'a.place.example.com.', type: 'CNAME', records: ['t.example.com.'] })).status, 400);
    const dupType = await post({ name: 'a.place.example.com.', type: 'A', records: ['192.0.2.9'] });
    assert.is(dupType.status, 409);
    assert.is(dupType.json.type, 'duplicate_recordset');

    assert.is((await post({ name: 'deleg.place.example.com.', type: 'NS', records: ['ns.elsewhere.net.'] })).status, 202);
    const below = await post({ name: 'x.deleg.place.example.com.', type: 'A', records: ['192.0.2.1'] });
    assert.is(below.status, 400);
    assert.match(below.json.message, /delegation/);
    assert.is((await post({ name: 'deleg.place.example.com.', type: 'DS', records: ['1 8 2 ' + 'ab'.repeat(32)] })).status, 400, 'DS is not a supported type by default');

    const apexNs = await post({ name: 'place.example.com.', type: 'NS', records: ['ns.x.net.'] });
    assert.is(apexNs.status, 409);
    const rsList = (await plane.request('GET', `/v2/zones/${z.id}/recordsets?type=NS&name=place.example.com.`)).json.recordsets;
    const ns = rsList[0];
    const nsUpdate = await plane.request('PUT', `/v2/zones/${z.id}/recordsets/${ns.id}`, { body: { records: ['ns.x.net.'] } });
    assert.is(nsUpdate.status, 400);
    const soa = (await plane.request('GET', `/v2/zones/${z.id}/recordsets?type=SOA`)).json.recordsets[0];
    assert.is((await plane.request('DELETE', `/v2/zones/${z.id}/recordsets/${soa.id}`)).status, 400);
    // The SOA and the apex NS are refused as such (bad_request) whatever the body, even one that is no
    // object at all: Designate checks the recordset before it reads the body (designate-tempest-plugin sends a list).
    for (const rs of [soa, ns]) {
      const r = await plane.request('PUT', `/v2/zones/${z.id}/recordsets/${rs.id}`, { roles: 'admin', headers: { 'x-designate-edit-managed-records': 'true' }, body: [{ hostname: 'ns1.example.org.', priority: 1 }] });
      assert.is(r.status, 400, r.text);
      assert.is(r.json.type, 'bad_request', r.text);
    }

    await zone(plane, 'child.place.example.com.');
    const inChild = await post({ name: 'www.child.place.example.com.', type: 'A', records: ['192.0.2.1'] });
    assert.is(inChild.status, 400);
    assert.match(inChild.json.message, /child zone/);
  });

  t('quotas on recordsets and records', async ({ plane }) => {
    const project = 'rs-quota';
    const z = await zone(plane, 'rsquota.example.com.', project);
    await plane.storage.transaction(async (tx) => {
      await tx.setQuota(project, 'recordset_records', 2);
      await tx.setQuota(project, 'zone_recordsets', 3); // SOA and NS count
      await tx.setQuota(project, 'zone_records', 3); // managed records do not
    });
    const post = (name: string, records: string[]) =>
      plane.request('POST', `/v2/zones/${z.id}/recordsets`, { project, body: { name: `${name}.rsquota.example.com.`, type: 'A', records } });
    assert.is((await post('a', ['192.0.2.1', '192.0.2.2', '192.0.2.3'])).status, 413);
    assert.is((await post('a', ['192.0.2.1', '192.0.2.2'])).status, 202);
    const over = await post('b', ['192.0.2.1']);
    assert.is(over.status, 413);
    assert.is(over.json.type, 'over_quota');
  });

  t('listing recordsets: filters (data, wildcards), paging and the cross-zone list with isolation', async ({ plane }) => {
    const z = await zone(plane, 'list.example.com.', 'lister');
    for (let i = 0; i < 4; i++) {
      const r = await plane.request('POST', `/v2/zones/${z.id}/recordsets`, {
        project: 'lister', body: { name: `h${i}.list.example.com.`, type: 'A', records: [`198.51.100.${i + 1}`], ttl: 60 * (i + 1) },
      });
      assert.is(r.status, 202, r.text);
    }
    const other = await zone(plane, 'hidden.example.com.', 'someone-else');
    await plane.request('POST', `/v2/zones/${other.id}/recordsets`, { project: 'someone-else', body: { name: 'h9.hidden.example.com.', type: 'A', records: ['198.51.100.9'] } });

    const byData = await plane.request('GET', `/v2/zones/${z.id}/recordsets?data=198.51.100.3`, { project: 'lister' });
    assert.equal(byData.json.recordsets.map((r: any) => r.name), ['h2.list.example.com.']);
    const wild = await plane.request('GET', `/v2/zones/${z.id}/recordsets?name=h*&sort_key=name&sort_dir=desc&limit=3`, { project: 'lister' });
    assert.equal(wild.json.recordsets.map((r: any) => r.name), ['h3.list.example.com.', 'h2.list.example.com.', 'h1.list.example.com.']);
    assert.is(wild.json.metadata.total_count, 4);
    assert.ok(wild.json.links.next);
    const cross = await plane.request('GET', '/v2/recordsets?type=A', { project: 'lister' });
    assert.equal(cross.json.recordsets.map((r: any) => r.name).sort(), ['h0.list.example.com.', 'h1.list.example.com.', 'h2.list.example.com.', 'h3.list.example.com.']);
    assert.ok(cross.json.recordsets.every((r: any) => r.zone_name === 'list.example.com.'));
    const hidden = (await plane.request('GET', `/v2/recordsets?name=h9*`, { project: 'someone-else' })).json.recordsets[0];
    assert.is((await plane.request('GET', `/v2/recordsets/${hidden.id}`, { project: 'lister' })).status, 404);
    assert.is((await plane.request('GET', `/v2/zones/${z.id}/recordsets?zone_id=${z.id}`, { project: 'lister' })).status, 400, 'zone_id filters only the cross-zone list');
  });

  t('recordsets filter by status, under a zone and across zones, as Designate filters them', async ({ plane }) => {
    const z = await zone(plane, 'status.example.com.', 'stater');
    const made = await plane.request('POST', `/v2/zones/${z.id}/recordsets`, { project: 'stater', body: { name: 'a.status.example.com.', type: 'A', records: ['192.0.2.1'] } });
    const names = async (path: string) => {
      const r = await plane.request('GET', path, { project: 'stater' });
      assert.is(r.status, 200, r.text);
      return r.json.recordsets.map((x: any) => `${x.name} ${x.type}`).sort();
    };
    // Nothing served yet: every recordset of the new zone is PENDING.
    assert.equal(await names(`/v2/zones/${z.id}/recordsets?status=ACTIVE`), []);
    assert.equal(await names(`/v2/zones/${z.id}/recordsets?status=PENDING`), ['a.status.example.com. A', 'status.example.com. NS', 'status.example.com. SOA']);
    await plane.bus.publish('zone.served', { zoneId: z.id, serial: (await plane.request('GET', `/v2/zones/${z.id}`, { project: 'stater' })).json.serial });
    const deadline = Date.now() + 5000;
    while ((await names(`/v2/recordsets?status=PENDING`)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await names(`/v2/recordsets?status=ACTIVE`), ['a.status.example.com. A', 'status.example.com. NS', 'status.example.com. SOA']);
    assert.equal(await names(`/v2/zones/${z.id}/recordsets?status=active`), ['a.status.example.com. A', 'status.example.com. NS', 'status.example.com. SOA'], 'any case');
    assert.equal(await names(`/v2/zones/${z.id}/recordsets?status=ERROR`), []);
    assert.ok(made.json.id);
  });

  t('managed records need X-Designate-Edit-Managed-Records (admin)', async ({ plane }) => {
    const z = await zone(plane, 'managed.example.com.');
    const rs = await plane.storage.transaction((tx) => tx.createRecordset({
      zoneId: z.id, name: 'fip.managed.example.com.', type: 'A', records: [{ data: '203.0.113.5', managed: true }],
    }));
    const body = { records: ['203.0.113.6'] };
    const denied = await plane.request('PUT', `/v2/zones/${z.id}/recordsets/${rs.id}`, { body });
    assert.is(denied.status, 400);
    assert.match(denied.json.message, /Managed/);
    const memberHeader = await plane.request('PUT', `/v2/zones/${z.id}/recordsets/${rs.id}`, { body, headers: { 'x-designate-edit-managed-records': 'true' } });
    assert.is(memberHeader.status, 403);
    const admin = await plane.request('PUT', `/v2/zones/${z.id}/recordsets/${rs.id}`, { body, roles: 'admin', headers: { 'x-designate-edit-managed-records': 'true' } });
    assert.is(admin.status, 202, admin.text);
  });
});
