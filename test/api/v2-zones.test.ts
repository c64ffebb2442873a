// /v2/zones over both storage engines: Designate's shapes, codes, rules, paging and project isolation.
import * as assert from 'uvu/assert';
import { controlPlaneSuite } from '../helpers/control-plane.ts';
import { call } from './http.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;

await controlPlaneSuite('api:zones', (t) => {
  t('POST /v2/zones creates a PENDING zone with managed SOA and NS recordsets', async ({ plane }) => {
    const r = await plane.request('POST', '/v2/zones', { body: { name: 'Create.Example.COM.', email: 'hostmaster@create.example.com', ttl: 600, description: 'd' } });
    assert.is(r.status, 202, r.text);
    const z = r.json;
    assert.match(z.id, UUID);
    assert.is(z.name, 'Create.Example.COM.', 'shown as spelled (compared without case)');
    assert.is(z.project_id, 'project-a');
    assert.is(z.status, 'PENDING');
    assert.is(z.action, 'CREATE');
    assert.is(z.type, 'PRIMARY');
    assert.is(z.ttl, 600);
    assert.is(z.shared, false);
    assert.equal(z.masters, []);
    assert.equal(z.attributes, {});
    assert.match(z.created_at, TIME);
    assert.is(z.updated_at, null);
    assert.ok(Math.abs(z.serial - Date.now() / 1000) < 60, 'a new zone starts at the clock');
    assert.is(z.links.self, `http://127.0.0.1:${plane.port}/v2/zones/${z.id}`);

    const rs = await plane.request('GET', `/v2/zones/${z.id}/recordsets`);
    assert.is(rs.status, 200, rs.text);
    const byType = Object.fromEntries(rs.json.recordsets.map((s: any) => [s.type, s]));
    assert.equal(Object.keys(byType).sort(), ['NS', 'SOA']);
    assert.equal([...byType.NS.records].sort(), ['ns1.example.org.', 'ns2.example.org.']);
    assert.match(byType.SOA.records[0], new RegExp(`^ns1\\.example\\.org\\. hostmaster\\.create\\.example\\.com\\. ${z.serial} \\d+ 600 86400 3600$`));

    const ns = await plane.request('GET', `/v2/zones/${z.id}/nameservers`);
    assert.equal(ns.json, { nameservers: [{ hostname: 'ns1.example.org.', priority: 1 }, { hostname: 'ns2.example.org.', priority: 2 }] });
  });

  t('invalid input is a 400 naming the field', async ({ plane }) => {
    const cases: [unknown, number, string, RegExp][] = [
      [{ email: 'a@b.com' }, 400, 'invalid_object', /'name' is a required property/],
      [{ name: 'noDot.com', email: 'a@b.com' }, 400, 'invalid_object', /fully qualified/],
      [{ name: 'com.', email: 'a@b.com' }, 400, 'invalid_zone_name', /two labels/],
      // designate-tempest-plugin's names that Designate's schema refuses: each is invalid_object.
      ...['a'.repeat(1000), '___', '!^%&^#%^!@#', 'ggg', '.a', ''].map((name): [unknown, number, string, RegExp] => [{ name, email: 'a@b.com' }, 400, 'invalid_object', /name/]),
      [{ name: `${'a'.repeat(64)}.com.`, email: 'a@b.com' }, 400, 'invalid_object', /name/],
      // Designate's RE_ZONENAME: letters, digits, '_' and '-' (not at either end of a label), nothing else.
      [{ name: 'bad!name.example.com.', email: 'a@b.com' }, 400, 'invalid_object', /label "bad!name" may hold only letters/],
      [{ name: 'two words.example.com.', email: 'a@b.com' }, 400, 'invalid_object', /label "two words"/],
      [{ name: '*.example.com.', email: 'a@b.com' }, 400, 'invalid_object', /label "\*"/],
      [{ name: '-dash.example.com.', email: 'a@b.com' }, 400, 'invalid_object', /label "-dash"/],
      [{ name: 'ctl\u0007.example.com.', email: 'a@b.com' }, 400, 'invalid_object', /label/],
      [{ name: 'x.example.com.' }, 400, 'invalid_object', /'email' is a required property/],
      [{ name: 'x.example.com.', email: 'nope' }, 400, 'invalid_object', /email/],
      [{ name: 'x.example.com.', email: 'a@b.com', ttl: -1 }, 400, 'invalid_object', /ttl/],
      [{ name: 'x.example.com.', email: 'a@b.com', ttl: 'big' }, 400, 'invalid_object', /ttl/],
      [{ name: 'x.example.com.', email: 'a@b.com', colour: 'red' }, 400, 'invalid_object', /'colour' was unexpected/],
      [{ name: 'x.example.com.', email: 'a@b.com', description: 'x'.repeat(161) }, 400, 'invalid_object', /description/],
      [{ name: 'x.example.com.', email: 'a@b.com', type: 'SECONDARY' }, 400, 'invalid_object', /^'email' can't be specified when type is SECONDARY$/],
      [{ name: 'x.example.com.', type: 'SECONDARY', masters: [] }, 400, 'invalid_object', /masters/],
      [{ name: 'x.example.com.', type: 'SECONDARY', masters: ['192.0.2.1:99999'] }, 400, 'invalid_object', /port/],
      [[1, 2], 400, 'invalid_object', /object/],
    ];
    for (const [body, status, type, message] of cases) {
      const r = await plane.request('POST', '/v2/zones', { body });
      assert.is(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
      assert.is(r.json.type, type, JSON.stringify(body));
      assert.match(r.json.message, message, JSON.stringify(body));
      assert.is(r.json.code, status);
      assert.ok(r.json.request_id);
    }
    const raw = await plane.request('POST', '/v2/zones', { body: '{"name": ', headers: { 'content-type': 'application/json' } });
    assert.is(raw.status, 400);
    const wrongType = await plane.request('POST', '/v2/zones', { body: 'name=x', headers: { 'content-type': 'text/plain' } });
    assert.is(wrongType.status, 415);
  });

  t('secondary zones keep their masters and get no managed records', async ({ plane }) => {
    const r = await plane.request('POST', '/v2/zones', { body: { name: 'sec.example.com.', type: 'SECONDARY', masters: ['192.0.2.1', '192.0.2.2:5354', '[2001:db8::1]:5300'] } });
    assert.is(r.status, 202, r.text);
    assert.equal([...r.json.masters].sort(), ['192.0.2.1', '192.0.2.2:5354', '[2001:db8::1]:5300']);
    assert.is(r.json.serial, 1);
    assert.is(r.json.email, 'hostmaster@example.com');
    const rs = await plane.request('GET', `/v2/zones/${r.json.id}/recordsets`);
    assert.is(rs.json.recordsets.length, 0);
    const xfr = await plane.request('POST', `/v2/zones/${r.json.id}/tasks/xfr`);
    assert.is(xfr.status, 202);
  });

  t('PATCH replaces the masters of a SECONDARY zone and announces the change', async ({ plane }) => {
    const z = (await plane.request('POST', '/v2/zones', { body: { name: 'remaster.example.com.', type: 'SECONDARY', masters: ['192.0.2.1'] } })).json;
    const changed: string[] = [];
    const unsubscribe = plane.bus.subscribe('zone.changed', (m) => void changed.push(`${m.zoneId} ${m.action}`));
    try {
      const r = await plane.request('PATCH', `/v2/zones/${z.id}`, { body: { masters: ['192.0.2.7:5354', '[2001:db8::7]:53'] } });
      assert.is(r.status, 202, r.text);
      assert.equal([...r.json.masters].sort(), ['192.0.2.7:5354', '2001:db8::7'], 'host alone on port 53, host:port otherwise');
      assert.is(r.json.status, 'PENDING', 'until mdns has refreshed from the new masters');
      assert.ok(r.json.version > z.version);
      const got = await plane.request('GET', `/v2/zones/${z.id}`);
      assert.equal([...got.json.masters].sort(), ['192.0.2.7:5354', '2001:db8::7']);
      assert.equal(changed, [`${z.id} UPDATE`], 'mdns hears of it');
    } finally {
      unsubscribe();
    }
  });

  t('PATCH masters: checked as at create, and refused for a PRIMARY zone', async ({ plane }) => {
    const z = (await plane.request('POST', '/v2/zones', { body: { name: 'badmaster.example.com.', type: 'SECONDARY', masters: ['192.0.2.1'] } })).json;
    const cases: [unknown, RegExp][] = [
      [['192.0.2.1:99999'], /^masters\[0\]: .*invalid port/],
      [['192.0.2.2', 'not a host!'], /^masters\[1\]: .*not a host/],
      [['192.0.2.2', '192.0.2.2:53'], /^masters\[1\]: .*twice/],
      [[], /at least one/],
      [null, /masters must be a list/],
      [[53], /masters\[0\] must be a string/],
    ];
    for (const [masters, message] of cases) {
      const r = await plane.request('PATCH', `/v2/zones/${z.id}`, { body: { masters } });
      assert.is(r.status, 400, `${JSON.stringify(masters)}: ${r.text}`);
      assert.is(r.json.type, 'invalid_object', JSON.stringify(masters));
      assert.match(r.json.message, message, JSON.stringify(masters));
    }
    const unchanged = (await plane.request('GET', `/v2/zones/${z.id}`)).json;
    assert.equal(unchanged.masters, ['192.0.2.1']);
    assert.is(unchanged.version, z.version, 'a refused PATCH changes nothing');

    const primary = (await plane.request('POST', '/v2/zones', { body: { name: 'primary-master.example.com.', email: 'a@b.com' } })).json;
    const refused = await plane.request('PATCH', `/v2/zones/${primary.id}`, { body: { masters: ['192.0.2.1'] } });
    assert.is(refused.status, 400, refused.text);
    assert.is(refused.json.type, 'invalid_object');
    assert.match(refused.json.message, /masters/);
    assert.equal((await plane.request('GET', `/v2/zones/${primary.id}`)).json.masters, []);
  });

  t('duplicates, subzones and other projects\' names', async ({ plane }) => {
    const a = await plane.request('POST', '/v2/zones', { body: { name: 'own.example.com.', email: 'a@b.com' } });
    assert.is(a.status, 202);
    const dup = await plane.request('POST', '/v2/zones', { body: { name: 'OWN.example.com.', email: 'a@b.com' } });
    assert.is(dup.status, 409);
    assert.is(dup.json.type, 'duplicate_zone');
    // A name is shown as its owner spelled it (Designate keeps the case), and compared without case.
    const mixed = await plane.request('POST', '/v2/zones', { body: { name: 'MiXed.Example.COM.', email: 'a@b.com' } });
    assert.is(mixed.status, 202, mixed.text);
    assert.is(mixed.json.name, 'MiXed.Example.COM.');
    assert.is((await plane.request('GET', `/v2/zones/${mixed.json.id}`)).json.name, 'MiXed.Example.COM.');
    assert.equal((await plane.request('GET', '/v2/zones?name=mixed.example.com.')).json.zones.map((z: any) => z.id), [mixed.json.id]);
    assert.is((await plane.request('POST', '/v2/zones', { body: { name: 'mixed.example.com.', email: 'a@b.com' } })).status, 409);
    const rs = await plane.request('POST', `/v2/zones/${mixed.json.id}/recordsets`, { body: { name: 'www.mixed.example.com.', type: 'A', records: ['192.0.2.1'] } });
    assert.is(rs.json.zone_name, 'MiXed.Example.COM.', "a recordset names its zone as the zone's name is shown");
    assert.is((await plane.request('DELETE', `/v2/zones/${mixed.json.id}`)).status, 202);
    const dupOther = await plane.request('POST', '/v2/zones', { project: 'project-b', body: { name: 'own.example.com.', email: 'a@b.com' } });
    assert.is(dupOther.status, 409, 'another project may not take the name either');
    const child = await plane.request('POST', '/v2/zones', { body: { name: 'sub.own.example.com.', email: 'a@b.com' } });
    assert.is(child.status, 202, 'the same project may create a subzone');
    const otherChild = await plane.request('POST', '/v2/zones', { project: 'project-b', body: { name: 'x.own.example.com.', email: 'a@b.com' } });
    assert.is(otherChild.status, 403);
    assert.is(otherChild.json.type, 'illegal_child');
    const otherParent = await plane.request('POST', '/v2/zones', { project: 'project-b', body: { name: 'example.com.', email: 'a@b.com' } });
    assert.is(otherParent.status, 403);
    assert.is(otherParent.json.type, 'illegal_parent');
    const parentDelete = await plane.request('DELETE', `/v2/zones/${a.json.id}`);
    assert.is(parentDelete.status, 400);
    assert.is(parentDelete.json.type, 'zone_has_sub_zone');
    assert.is((await plane.request('DELETE', `/v2/zones/${child.json.id}`)).status, 202);
    const gone = await plane.request('DELETE', `/v2/zones/${a.json.id}`);
    assert.is(gone.status, 202);
    assert.is(gone.json.action, 'DELETE');
    assert.is((await plane.request('GET', `/v2/zones/${a.json.id}`)).status, 404);
    const again = await plane.request('POST', '/v2/zones', { project: 'project-b', body: { name: 'own.example.com.', email: 'a@b.com' } });
    assert.is(again.status, 202, 'a deleted zone frees its name');
  });

  t('projects see and change only their own zones; admins with all-projects see all', async ({ plane }) => {
    const mine = await plane.request('POST', '/v2/zones', { project: 'iso-a', body: { name: 'iso-a.example.net.', email: 'a@b.com' } });
    const theirs = await plane.request('POST', '/v2/zones', { project: 'iso-b', body: { name: 'iso-b.example.net.', email: 'a@b.com' } });
    assert.is(mine.status, 202);
    assert.is(theirs.status, 202);
    const listA = await plane.request('GET', '/v2/zones', { project: 'iso-a' });
    assert.equal(listA.json.zones.map((z: any) => z.name), ['iso-a.example.net.']);
    assert.is(listA.json.metadata.total_count, 1);
    for (const [method, path, body] of [
      ['GET', `/v2/zones/${theirs.json.id}`, undefined],
      ['PATCH', `/v2/zones/${theirs.json.id}`, { ttl: 5 }],
      ['DELETE', `/v2/zones/${theirs.json.id}`, undefined],
      ['GET', `/v2/zones/${theirs.json.id}/recordsets`, undefined],
      ['POST', `/v2/zones/${theirs.json.id}/recordsets`, { name: 'w.iso-b.example.net.', type: 'A', records: ['192.0.2.1'] }],
    ] as const) {
      const r = await plane.request(method, path, { project: 'iso-a', body });
      assert.is(r.status, 404, `${method} ${path}`);
      assert.is(r.json.type, 'zone_not_found');
    }
    const notAdmin = await plane.request('GET', '/v2/zones', { project: 'iso-a', headers: { 'x-auth-all-projects': 'true' } });
    assert.is(notAdmin.status, 403);
    const all = await plane.request('GET', '/v2/zones?name=iso-*', { project: 'iso-a', roles: 'admin', headers: { 'x-auth-all-projects': 'true' } });
    assert.equal(all.json.zones.map((z: any) => z.name).sort(), ['iso-a.example.net.', 'iso-b.example.net.']);
    const sudo = await plane.request('GET', '/v2/zones', { project: 'admin-project', roles: 'admin', headers: { 'x-auth-sudo-project-id': 'iso-b' } });
    assert.equal(sudo.json.zones.map((z: any) => z.name), ['iso-b.example.net.']);
  });

  t('PATCH changes email/ttl/description, bumps the serial and rewrites the SOA', async ({ plane }) => {
    const z = (await plane.request('POST', '/v2/zones', { body: { name: 'patch.example.com.', email: 'a@b.com' } })).json;
    const r = await plane.request('PATCH', `/v2/zones/${z.id}`, { body: { email: 'new.admin@patch.example.com', ttl: 300, description: 'changed' } });
    assert.is(r.status, 202, r.text);
    assert.is(r.json.email, 'new.admin@patch.example.com');
    assert.is(r.json.ttl, 300);
    assert.is(r.json.description, 'changed');
    assert.ok(r.json.serial > z.serial, 'serial moved on');
    assert.ok(r.json.version > z.version);
    const soa = (await plane.request('GET', `/v2/zones/${z.id}/recordsets?type=SOA`)).json.recordsets[0];
    assert.match(soa.records[0], new RegExp(` new\\\\.admin\\.patch\\.example\\.com\\. ${r.json.serial} `));
    const bad = await plane.request('PATCH', `/v2/zones/${z.id}`, { body: { name: 'other.example.com.' } });
    assert.is(bad.status, 400);
    assert.match(bad.json.message, /'name' was unexpected/);
    const badUuid = await plane.request('PATCH', '/v2/zones/not-a-uuid', { body: { ttl: 1 } });
    assert.is(badUuid.status, 400);
    assert.is(badUuid.json.type, 'invalid_uuid');
  });

  t('serials never go backwards, even from an imported date-style serial', async ({ plane }) => {
    const z = (await plane.request('POST', '/v2/zones', { body: { name: 'serial.example.com.', email: 'a@b.com' } })).json;
    // A YYYYMMDDnn serial: ahead of the clock in RFC 1982 order (the clock is less than 2^31 behind it).
    await plane.storage.transaction((tx) => tx.updateZone(z.id, { serial: 2099123199 }));
    const first = (await plane.request('PATCH', `/v2/zones/${z.id}`, { body: { ttl: 100 } })).json;
    assert.is(first.serial, 2099123200);
    const second = (await plane.request('PATCH', `/v2/zones/${z.id}`, { body: { ttl: 200 } })).json;
    assert.is(second.serial, 2099123201);
    // Past 2^31 ahead, the clock is newer again (RFC 1982 wraps): 4000000000 is behind it.
    await plane.storage.transaction((tx) => tx.updateZone(z.id, { serial: 4000000000 }));
    const wrapped = (await plane.request('PATCH', `/v2/zones/${z.id}`, { body: { ttl: 300 } })).json;
    assert.ok(Math.abs(wrapped.serial - Date.now() / 1000) < 60, `serial ${wrapped.serial}`);
  });

  t('listing: paging, links, total_count, sorting, wildcard filters, bad parameters', async ({ plane }) => {
    const project = 'pager';
    for (let i = 0; i < 5; i++) {
      const r = await plane.request('POST', '/v2/zones', { project, body: { name: `p${i}.paging.org.`, email: 'a@b.com', ttl: 1000 + i } });
      assert.is(r.status, 202, r.text);
    }
    const page1 = await plane.request('GET', '/v2/zones?limit=2&sort_key=name', { project });
    assert.equal(page1.json.zones.map((z: any) => z.name), ['p0.paging.org.', 'p1.paging.org.']);
    assert.is(page1.json.metadata.total_count, 5);
    const next = new URL(page1.json.links.next);
    assert.is(next.searchParams.get('marker'), page1.json.zones[1].id);
    const page2 = await plane.request('GET', `${next.pathname}${next.search}`, { project });
    assert.equal(page2.json.zones.map((z: any) => z.name), ['p2.paging.org.', 'p3.paging.org.']);
    const desc = await plane.request('GET', '/v2/zones?sort_key=ttl&sort_dir=desc&limit=1', { project });
    assert.is(desc.json.zones[0].name, 'p4.paging.org.');
    const filtered = await plane.request('GET', '/v2/zones?name=p3.*', { project });
    assert.equal(filtered.json.zones.map((z: any) => z.name), ['p3.paging.org.']);
    const byTtl = await plane.request('GET', '/v2/zones?ttl=1001', { project });
    assert.equal(byTtl.json.zones.map((z: any) => z.name), ['p1.paging.org.']);
    assert.is((await plane.request('GET', '/v2/zones?colour=red', { project })).json.message, 'Invalid filters colour');
    assert.is((await plane.request('GET', '/v2/zones?name=a&name=b', { project })).status, 400);
    assert.is((await plane.request('GET', '/v2/zones?limit=0', { project })).json.type, 'invalid_limit');
    assert.is((await plane.request('GET', '/v2/zones?sort_key=email', { project })).json.type, 'invalid_sort_key');
    const unknownMarker = await plane.request('GET', '/v2/zones?marker=00000000-0000-4000-8000-000000000000', { project });
    assert.is(unknownMarker.status, 400);
    assert.is(unknownMarker.json.type, 'invalid_marker');
    assert.is((await plane.request('GET', '/v2/zones.json', { project })).status, 404);
  });

  t('with several mdns instances, a zone is ACTIVE once every live one reports its serial', async ({ plane }) => {
    const mdns = (hostname: string, status: 'UP' | 'DOWN') => plane.central.serviceStatuses.update({ serviceName: 'mdns', hostname, status });
    await mdns('mdns-a', 'UP');
    await mdns('mdns-b', 'UP');
    const z = (await plane.request('POST', '/v2/zones', { project: 'mdns-p', body: { name: 'two-mdns.example.com.', email: 'a@b.com' } })).json;
    const status = async () => (await plane.request('GET', `/v2/zones/${z.id}`, { project: 'mdns-p' })).json.status;
    await plane.central.zoneStatuses.served(z.id, z.serial, 'mdns-a');
    assert.is(await status(), 'PENDING', 'mdns-b has not served it yet');
    await plane.central.zoneStatuses.served(z.id, z.serial, 'mdns-b');
    assert.is(await status(), 'ACTIVE');
    // An instance that stopped heartbeating no longer holds changes back.
    const rs = (await plane.request('POST', `/v2/zones/${z.id}/recordsets`, { project: 'mdns-p', body: { name: 'www.two-mdns.example.com.', type: 'A', records: ['192.0.2.1'] } })).json;
    const serial = (await plane.request('GET', `/v2/zones/${z.id}`, { project: 'mdns-p' })).json.serial;
    assert.ok(rs.id);
    await mdns('mdns-b', 'DOWN');
    await plane.central.zoneStatuses.served(z.id, serial, 'mdns-a');
    assert.is(await status(), 'ACTIVE');
    await mdns('mdns-a', 'DOWN');
  });

  t('a zone served by mdns becomes ACTIVE', async ({ plane }) => {
    const z = (await plane.request('POST', '/v2/zones', { body: { name: 'served.example.com.', email: 'a@b.com' } })).json;
    await plane.bus.publish('zone.served', { zoneId: z.id, serial: z.serial - 1 });
    await new Promise((r) => setTimeout(r, 50));
    assert.is((await plane.request('GET', `/v2/zones/${z.id}`)).json.status, 'PENDING', 'an older serial does not count');
    await plane.bus.publish('zone.served', { zoneId: z.id, serial: z.serial });
    for (let i = 0; i < 50; i++) {
      const now = (await plane.request('GET', `/v2/zones/${z.id}`)).json;
      if (now.status === 'ACTIVE') {
        assert.is(now.action, 'NONE');
        const rs = (await plane.request('GET', `/v2/zones/${z.id}/recordsets`)).json.recordsets;
        assert.ok(rs.every((s: any) => s.status === 'ACTIVE' && s.action === 'NONE'), JSON.stringify(rs));
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.unreachable('the zone did not become ACTIVE');
  });

  t('a zone mdns cannot serve is in ERROR until a newer serial serves', async ({ plane }) => {
    const z = (await plane.request('POST', '/v2/zones', { body: { name: 'failing.example.com.', email: 'a@b.com' } })).json;
    await plane.bus.publish('zone.failed', { zoneId: z.id, serial: z.serial - 1, reason: 'older' });
    await new Promise((r) => setTimeout(r, 50));
    assert.is((await plane.request('GET', `/v2/zones/${z.id}`)).json.status, 'PENDING', 'a report about an older serial is moot');
    await plane.bus.publish('zone.failed', { zoneId: z.id, serial: z.serial, reason: 'did not compile' });
    const waitFor = async (status: string) => {
      for (let i = 0; i < 50; i++) {
        if ((await plane.request('GET', `/v2/zones/${z.id}`)).json.status === status) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.unreachable(`never ${status}`);
    };
    await waitFor('ERROR');
    const next = (await plane.request('PATCH', `/v2/zones/${z.id}`, { body: { ttl: 120 } })).json;
    await plane.bus.publish('zone.served', { zoneId: z.id, serial: next.serial });
    await waitFor('ACTIVE');
  });

  t('zone quota: 413 over_quota', async ({ plane }) => {
    await plane.storage.transaction((tx) => tx.setQuota('quota-p', 'zones', 1));
    assert.is((await plane.request('POST', '/v2/zones', { project: 'quota-p', body: { name: 'q1.example.org.', email: 'a@b.com' } })).status, 202);
    const over = await plane.request('POST', '/v2/zones', { project: 'quota-p', body: { name: 'q2.example.org.', email: 'a@b.com' } });
    assert.is(over.status, 413);
    assert.is(over.json.type, 'over_quota');
  });

  t('abandon is admin-only and leaves nothing behind', async ({ plane }) => {
    const z = (await plane.request('POST', '/v2/zones', { body: { name: 'abandon.example.com.', email: 'a@b.com' } })).json;
    const refusedAbandon = await plane.request('POST', `/v2/zones/${z.id}/tasks/abandon`);
    assert.is(refusedAbandon.status, 403, refusedAbandon.text);
    // A body without a Content-Type (designate-tempest-plugin sends `null` so) is dropped unread, as Designate's handler never reads one.
    assert.is((await call(plane.port, 'POST', `/v2/zones/${z.id}/tasks/abandon`, { headers: { 'x-auth-project-id': 'project-a', 'x-roles': 'admin' }, body: 'null' })).status, 204);
    assert.is((await plane.request('GET', `/v2/zones/${z.id}`)).status, 404);
  });
});
