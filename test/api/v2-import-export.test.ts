// Zone imports and exports over both storage engines: a realistic master file imported (text/dns and JSON),
// exported back and compared record by record with the engine's parser; import errors; tasks, filters,
// quotas and project isolation.
import * as assert from 'uvu/assert';
import { typeToText } from '../../engine/codec/constants.ts';
import { lowerNameInPlace, nameToText } from '../../engine/codec/name.ts';
import { rdataToText } from '../../engine/codec/rdata/text.ts';
import { parseZone } from '../../engine/zonefile/parser.ts';
import type { ZoneChanged } from '../../services/messaging/bus.ts';
import { controlPlaneSuite, createZone as zone, refused, type ControlPlane } from '../helpers/control-plane.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;
const IMPORTS = '/v2/zones/tasks/imports';
const EXPORTS = '/v2/zones/tasks/exports';

const ZONEFILE = `; a zone as operators write them
$ORIGIN import.example.com.
$TTL 3600
@       IN SOA  ns1.import.example.com. john\\.doe.import.example.com. (
                2026081401 ; serial
                7200       ; refresh
                900        ; retry
                1209600    ; expire
                300 )      ; minimum
        IN NS   ns1
        IN NS   ns2.example.net.
        IN MX   10 mail
        IN MX   20 mail.backup.example.net.
@   300 IN TXT  "v=spf1 mx -all"
    300 IN TXT  "two strings" "with spaces"
www         A     192.0.2.10
www         AAAA  2001:db8::10
Mail        A     192.0.2.25
ftp    600  CNAME www
_sip._tcp   SRV   10 60 5060 sip.import.example.com.
sip         A     192.0.2.30
; a delegation with glue
sub         NS    ns1.sub
sub         NS    ns2.example.net.
ns1.sub     A     192.0.2.53
`;

/** Every record of a master file as `owner ttl TYPE rdata`, names absolute and (like DNS) compared without case. */
function records(text: string, origin: string): string[] {
  const out: string[] = [];
  const parsed = parseZone(Buffer.from(text), { origin, file: 'test' }, {
    add(owner, ownerLen, type, _klass, ttl, rdata, rdataLen) {
      const name = owner.slice(0, ownerLen);
      lowerNameInPlace(name, 0);
      out.push(`${nameToText(name, 0)} ${ttl} ${typeToText(type)} ${rdataToText(type, rdata, 0, rdataLen).toLowerCase()}`);
    },
  });
  assert.equal(parsed.errors.map((e) => e.message), []);
  return out.sort();
}

async function importText(plane: ControlPlane, text: string, project = 'project-a'): Promise<any> {
  const r = await plane.request('POST', IMPORTS, { project, body: text, headers: { 'content-type': 'text/dns' } });
  assert.is(r.status, 202, r.text);
  await plane.central.imports.idle();
  const done = await plane.request('GET', `${IMPORTS}/${r.json.id}`, { project });
  assert.is(done.status, 200, done.text);
  return done.json;
}

const SOA_ONLY = (origin: string) => `$ORIGIN ${origin}\n$TTL 300\n@ SOA ns1.${origin} hostmaster.${origin} 1 3600 600 86400 300\n`;

await controlPlaneSuite('api:import-export', (t) => {
  t('import a realistic zone file, then export it back: the same records', async ({ plane }) => {
    const base = `http://127.0.0.1:${plane.port}`;
    const changed: ZoneChanged[] = [];
    const unsubscribe = plane.bus.subscribe('zone.changed', (m) => {
      changed.push(m);
    });
    const posted = await plane.request('POST', IMPORTS, { body: ZONEFILE, headers: { 'content-type': 'text/dns' } });
    assert.is(posted.status, 202, posted.text);
    const pending = posted.json;
    assert.match(pending.id, UUID);
    assert.is(pending.status, 'PENDING');
    assert.is(pending.message, null);
    assert.is(pending.zone_id, null);
    assert.is(pending.project_id, 'project-a');
    assert.is(pending.version, 1);
    assert.match(pending.created_at, TIME);
    assert.equal(pending.links, { self: `${base}${IMPORTS}/${pending.id}` });

    await plane.central.imports.idle();
    const task = (await plane.request('GET', `${IMPORTS}/${pending.id}`)).json;
    assert.is(task.status, 'COMPLETE', task.message);
    assert.is(task.message, 'import.example.com. imported');
    assert.match(task.zone_id, UUID);
    assert.equal(task.links, { self: `${base}${IMPORTS}/${task.id}`, zone: `${base}/v2/zones/${task.zone_id}` });
    await new Promise((r) => setImmediate(r));
    unsubscribe();
    assert.ok(changed.some((m) => m.zoneId === task.zone_id && m.action === 'CREATE'), 'mdns hears of the new zone');

    // The zone comes from the SOA and $TTL; the apex NS are the pool's.
    const z = (await plane.request('GET', `/v2/zones/${task.zone_id}`)).json;
    assert.is(z.name, 'import.example.com.');
    assert.is(z.email, 'john.doe@import.example.com');
    assert.is(z.ttl, 3600);
    assert.is(z.serial, 2026081401);
    assert.is(z.type, 'PRIMARY');
    assert.is(z.project_id, 'project-a');
    const sets = (await plane.request('GET', `/v2/zones/${z.id}/recordsets?limit=100`)).json.recordsets;
    const byKey = Object.fromEntries(sets.map((s: any) => [`${s.name} ${s.type}`, s]));
    assert.equal(byKey['import.example.com. NS'].records.sort(), ['ns1.example.org.', 'ns2.example.org.']);
    assert.equal(byKey['import.example.com. SOA'].records, ['ns1.example.org. john\\.doe.import.example.com. 2026081401 7200 900 1209600 300']);
    assert.equal(byKey['sub.import.example.com. NS'].records.sort(), ['ns1.sub.import.example.com.', 'ns2.example.net.']);
    assert.equal(byKey['ns1.sub.import.example.com. A'].records, ['192.0.2.53']);
    assert.equal(byKey['import.example.com. TXT'].records.sort(), ['"two strings" "with spaces"', '"v=spf1 mx -all"']);
    assert.is(byKey['import.example.com. TXT'].ttl, 300);
    assert.equal(byKey['ftp.import.example.com. CNAME'].records, ['www.import.example.com.']);
    assert.is(byKey['ftp.import.example.com. CNAME'].ttl, 600);
    assert.equal(byKey['import.example.com. MX'].records.sort(), ['10 mail.import.example.com.', '20 mail.backup.example.net.']);
    assert.ok(byKey['mail.import.example.com. A'], 'owner names are stored in lower case');
    assert.is(sets.length, 12);

    // Export: complete once its POST commits, its text at links.export. The POST answers the task as created
    // (PENDING), as Designate's central does before its worker finishes; designate-tempest-plugin checks that.
    const exp = await plane.request('POST', `/v2/zones/${z.id}/tasks/export`);
    assert.is(exp.status, 202, exp.text);
    assert.equal([exp.json.status, exp.json.location], ['PENDING', null]);
    const e = (await plane.request('GET', `${EXPORTS}/${exp.json.id}`)).json;
    assert.match(e.id, UUID);
    assert.is(e.status, 'COMPLETE');
    assert.is(e.zone_id, z.id);
    assert.is(e.project_id, 'project-a');
    assert.is(e.message, null);
    assert.is(e.location, `designate://v2/zones/tasks/exports/${e.id}/export`);
    assert.equal(e.links, { self: `${base}${EXPORTS}/${e.id}`, export: `${base}${EXPORTS}/${e.id}/export` });
    assert.equal((await plane.request('GET', `${EXPORTS}/${e.id}`)).json, e);

    const text = await plane.request('GET', `${EXPORTS}/${e.id}/export`);
    assert.is(text.status, 200, text.text);
    assert.is(text.headers['content-type'], 'text/dns; charset=UTF-8');
    assert.match(text.text, /^\$ORIGIN import\.example\.com\.\n\$TTL 3600\n/);
    // Everything but the apex SOA and NS (zonecast's own) reads back exactly as imported.
    const apex = /^import\.example\.com\. \d+ (SOA|NS) /;
    const imported = records(ZONEFILE, 'import.example.com.');
    const exported = records(text.text, 'import.example.com.');
    assert.equal(exported.filter((r) => !apex.test(r)), imported.filter((r) => !apex.test(r)));
    assert.equal(exported.filter((r) => / SOA /.test(r)), ['import.example.com. 3600 SOA ns1.example.org. john\\.doe.import.example.com. 2026081401 7200 900 1209600 300']);

    // Accept as designate-tempest-plugin sends it: text/dns, */*, none at all; anything else is 406.
    for (const accept of ['text/dns', '*/*', 'text/*', 'application/json, text/dns;q=0.5', undefined]) {
      const r = await plane.request('GET', `${EXPORTS}/${e.id}/export`, accept === undefined ? {} : { headers: { accept } });
      assert.is(r.status, 200, `${accept}: ${r.text}`);
      assert.is(r.headers['content-type'], 'text/dns; charset=UTF-8');
    }
    for (const accept of ['image/jpeg', 'application/json', 'text/dns;q=0']) {
      const r = await plane.request('GET', `${EXPORTS}/${e.id}/export`, { headers: { accept } });
      assert.is(r.status, 406, `${accept}: ${r.text}`);
      assert.is(r.json.type, 'not_acceptable');
    }

    // The text is rendered when fetched: a later change shows.
    await plane.request('POST', `/v2/zones/${z.id}/recordsets`, { body: { name: 'new.import.example.com.', type: 'A', records: ['192.0.2.99'] } });
    const later = (await plane.request('GET', `${EXPORTS}/${e.id}/export`)).text;
    // Without a TTL of its own it is written bare, following $TTL, as Designate writes it.
    assert.match(later, /^new\.import\.example\.com\.  IN A 192\.0\.2\.99$/m);
    assert.match(later, /^import\.example\.com\. 300 IN TXT "v=spf1 mx -all"$/m, 'an own TTL stays');
    assert.ok(later.indexOf('new.import.example.com.') > later.indexOf('ns1.sub.import.example.com.'), 'in the order recordsets were made');
  });

  t('task messages fit their column: a long zone name or a long list of problems still ends the task', async ({ plane }) => {
    // 4 labels of 60 characters: a 253-character name, whose success message is longer than the column.
    const long = `${Array.from({ length: 4 }, (_, i) => String.fromCharCode(97 + i).repeat(60)).join('.')}.`;
    const ok = await importText(plane, `$ORIGIN ${long}\n$TTL 300\n@ SOA ns1.example.net. hostmaster.example.net. 1 3600 600 86400 300\n`);
    assert.is(ok.status, 'COMPLETE', ok.message);
    assert.ok(ok.message.length <= 160 && ok.message.endsWith('...'), ok.message);
    const bad = await importText(plane, `${SOA_ONLY('problems.example.com.')}${Array.from({ length: 20 }, (_, i) => `h${i} A 300.1.1.${i}\n`).join('')}`);
    assert.is(bad.status, 'ERROR');
    assert.ok(bad.message.length <= 160, `${bad.message.length} characters`);
  });

  t('JSON imports (API 2.4) with attributes', async ({ plane }) => {
    const r = await plane.request('POST', IMPORTS, { body: { zonefile: SOA_ONLY('json.example.com.'), attributes: { tier: 'gold' } } });
    assert.is(r.status, 202, r.text);
    await plane.central.imports.idle();
    const task = (await plane.request('GET', `${IMPORTS}/${r.json.id}`)).json;
    assert.is(task.status, 'COMPLETE', task.message);
    const z = (await plane.request('GET', `/v2/zones/${task.zone_id}`)).json;
    assert.equal(z.attributes, { tier: 'gold' });
    assert.is(z.ttl, 300);
    assert.is(z.email, 'hostmaster@json.example.com');
    // One TTL per RRset (RFC 2181 §5.2): records written with different ones take the lowest.
    const mixed = await plane.request('POST', IMPORTS, { body: { zonefile: `${SOA_ONLY('mixed.example.com.')}a 600 A 192.0.2.1\na 60 A 192.0.2.2\n` } });
    await plane.central.imports.idle();
    const mixedZone = (await plane.request('GET', `${IMPORTS}/${mixed.json.id}`)).json.zone_id;
    const a = (await plane.request('GET', `/v2/zones/${mixedZone}/recordsets?type=A`)).json.recordsets;
    assert.equal(a.map((s: any) => [s.ttl, s.records.sort()]), [[60, ['192.0.2.1', '192.0.2.2']]]);
    refused(await plane.request('POST', IMPORTS, { body: { attributes: {} } }), 400, 'invalid_object', /zonefile/);
    refused(await plane.request('POST', IMPORTS, { body: { zonefile: 'x', colour: 'red' } }), 400, 'invalid_object', /colour/);
    refused(await plane.request('POST', IMPORTS, { body: { zonefile: 'x', attributes: { a: 1 } } }), 400, 'invalid_object');
    refused(await plane.request('POST', IMPORTS, { body: 'x', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_content_type');
  });

  t('imports that fail end in ERROR with a message saying why', async ({ plane }) => {
    const cases: [string, RegExp][] = [
      ['www 300 IN A 192.0.2.1\n', /^The \$ORIGIN statement is required and must be the first statement in the zonefile\.$/],
      ['', /^The \$ORIGIN statement is required/],
      ['$TTL 300\nwww A 192.0.2.1\n$ORIGIN late.example.com.\n', /^The \$ORIGIN statement is required/],
      ['$ORIGIN nosoa.example.com.\n$TTL 300\nwww A 192.0.2.1\n', /^An SOA record is required\.$/],
      [`${SOA_ONLY('bad.example.com.')}www A 300.1.1.1\n`, /^Malformed zonefile\. zonefile:4: /],
      [`${SOA_ONLY('bad.example.com.')}www BOGUS 1\n`, /^Malformed zonefile\. .*unknown type 'BOGUS'/],
      [`${SOA_ONLY('bad.example.com.')}$INCLUDE /etc/passwd\n`, /^Malformed zonefile\. .*\$INCLUDE/],
      [`${SOA_ONLY('bad.example.com.')}www.elsewhere.org. A 192.0.2.1\n`, /^Malformed zonefile\. www\.elsewhere\.org\. is not in the zone/],
      [`${SOA_ONLY('bad.example.com.')}old HINFO "pc" "unix"\n`, /^Invalid recordset old\.bad\.example\.com\. HINFO: HINFO is not a supported record type$/],
      [`${SOA_ONLY('bad.example.com.')}@ CNAME www.example.org.\n`, /CNAME recordsets may not be created at the zone apex/],
      [`${SOA_ONLY('bad.example.com.')}www CNAME a.example.org.\nwww TXT "x"\n`, /CNAME recordsets may not share a name/],
      [`${SOA_ONLY('bad.example.com.')}sub NS ns.example.org.\nx.sub TXT "hidden"\n`, /below the delegation sub\.bad\.example\.com\./],
      [`${SOA_ONLY('bad.example.com.')}mx MX 10 mail\nsoa2 SOA a. b. 1 2 3 4 5\n`, /Invalid recordset soa2\.bad\.example\.com\. SOA: .*managed/],
      ['$ORIGIN com.\n$TTL 300\n@ SOA a.com. b.com. 1 2 3 4 5\n', /^Invalid zone name\. .*two labels/],
      ['$ORIGIN rname.example.com.\n$TTL 300\n@ SOA ns1 . 1 2 3 4 5\n', /RNAME/],
    ];
    for (const [text, message] of cases) {
      const task = await importText(plane, text);
      assert.is(task.status, 'ERROR', `${JSON.stringify(text)}: ${task.message}`);
      assert.match(task.message, message, JSON.stringify(text));
      assert.is(task.zone_id, null);
      assert.equal(Object.keys(task.links), ['self']);
    }
    assert.is((await plane.request('GET', '/v2/zones?name=bad.example.com.')).json.metadata.total_count, 0, 'nothing of a failed import is kept');

    const first = await importText(plane, SOA_ONLY('twice.example.com.'));
    assert.is(first.status, 'COMPLETE', first.message);
    const again = await importText(plane, SOA_ONLY('Twice.Example.com.'));
    assert.is(again.status, 'ERROR', 'the same name in another case');
    assert.is(again.message, 'Duplicate zone.');
    // The zone keeps its $ORIGIN as spelled (designate-tempest-plugin's import scenario checks it).
    const spelled = await importText(plane, SOA_ONLY('Spelled.Example.COM.'));
    assert.is(spelled.status, 'COMPLETE', spelled.message);
    assert.is((await plane.request('GET', `/v2/zones/${spelled.zone_id}`)).json.name, 'Spelled.Example.COM.');
    const spelledExport = (await plane.request('POST', `/v2/zones/${spelled.zone_id}/tasks/export`)).json;
    assert.match((await plane.request('GET', `${EXPORTS}/${spelledExport.id}/export`)).text, /^\$ORIGIN Spelled\.Example\.COM\.\n/);
    // Another project's zone around it is refused as zone creation refuses it.
    const child = await importText(plane, SOA_ONLY('sub.twice.example.com.'), 'project-b');
    assert.is(child.status, 'ERROR');
    assert.match(child.message, /another tenant owns a parent zone/);
  });

  t('quotas apply to imports', async ({ plane }) => {
    await plane.storage.transaction(async (tx) => {
      await tx.setQuota('quota-zones', 'zones', 0);
      await tx.setQuota('quota-rs', 'zone_recordsets', 3);
      await tx.setQuota('quota-records', 'recordset_records', 2);
    });
    const noZones = await importText(plane, SOA_ONLY('q1.example.com.'), 'quota-zones');
    assert.is(noZones.message, 'Quota exceeded during zone import.');
    // SOA + NS + two recordsets of the file is one too many.
    const tooManySets = await importText(plane, `${SOA_ONLY('q2.example.com.')}a A 192.0.2.1\nb A 192.0.2.2\n`, 'quota-rs');
    assert.is(tooManySets.status, 'ERROR');
    assert.is(tooManySets.message, 'Quota exceeded during zone import.');
    assert.is((await importText(plane, `${SOA_ONLY('q3.example.com.')}a A 192.0.2.1\n`, 'quota-rs')).status, 'COMPLETE');
    const tooManyRecords = await importText(plane, `${SOA_ONLY('q4.example.com.')}a A 192.0.2.1\na A 192.0.2.2\na A 192.0.2.3\n`, 'quota-records');
    assert.is(tooManyRecords.message, 'Quota exceeded during zone import.');
    assert.is((await plane.request('GET', '/v2/zones', { project: 'quota-records' })).json.metadata.total_count, 0);
  });

  t('import tasks: list filters, delete, and project isolation', async ({ plane }) => {
    const project = 'tasks-p';
    const ok = await importText(plane, SOA_ONLY('tasks.example.com.'), project);
    const bad = await importText(plane, 'nothing here', project);
    const list = await plane.request('GET', IMPORTS, { project });
    assert.is(list.status, 200, list.text);
    assert.equal(list.json.imports.map((x: any) => x.id), [ok.id, bad.id]);
    assert.is(list.json.metadata.total_count, 2);
    assert.equal((await plane.request('GET', `${IMPORTS}?status=ERROR`, { project })).json.imports.map((x: any) => x.id), [bad.id]);
    assert.equal((await plane.request('GET', `${IMPORTS}?message=*imported`, { project })).json.imports.map((x: any) => x.id), [ok.id]);
    assert.equal((await plane.request('GET', `${IMPORTS}?zone_id=${ok.zone_id}`, { project })).json.imports.map((x: any) => x.id), [ok.id]);
    refused(await plane.request('GET', `${IMPORTS}?name=x`, { project }), 400, 'bad_request', /Invalid filters/);

    // Another project sees none of it.
    assert.is((await plane.request('GET', IMPORTS, { project: 'project-z' })).json.metadata.total_count, 0);
    refused(await plane.request('GET', `${IMPORTS}/${ok.id}`, { project: 'project-z' }), 404, 'zone_import_not_found');
    refused(await plane.request('DELETE', `${IMPORTS}/${ok.id}`, { project: 'project-z' }), 404, 'zone_import_not_found');
    // An all-projects admin sees every project's.
    const admin = await plane.request('GET', `${IMPORTS}/${ok.id}`, { project: 'admin-p', roles: 'admin', headers: { 'x-auth-all-projects': 'true' } });
    assert.is(admin.status, 200, admin.text);

    assert.is((await plane.request('DELETE', `${IMPORTS}/${ok.id}`, { project })).status, 204);
    refused(await plane.request('GET', `${IMPORTS}/${ok.id}`, { project }), 404, 'zone_import_not_found');
    assert.is((await plane.request('GET', `/v2/zones/${ok.zone_id}`, { project })).status, 200, 'the imported zone stays');
    refused(await plane.request('GET', `${IMPORTS}/not-a-uuid`, { project }), 400, 'invalid_uuid');
    refused(await plane.request('GET', `${EXPORTS}/${bad.id}`, { project }), 404, 'zone_export_not_found', /Zone Export/);
  });

  t('exports: owner only, quota, isolation, list, delete', async ({ plane }) => {
    const z = await zone(plane, 'export.example.com.');
    await plane.request('POST', `/v2/zones/${z.id}/recordsets`, { body: { name: 'www.export.example.com.', type: 'A', records: ['192.0.2.1'] } });
    const e = (await plane.request('POST', `/v2/zones/${z.id}/tasks/export`)).json;

    // Strangers find nothing; a project the zone is shared with may read the zone but not export it.
    refused(await plane.request('POST', `/v2/zones/${z.id}/tasks/export`, { project: 'project-b' }), 404, 'zone_not_found');
    refused(await plane.request('GET', `${EXPORTS}/${e.id}`, { project: 'project-b' }), 404, 'zone_export_not_found');
    refused(await plane.request('GET', `${EXPORTS}/${e.id}/export`, { project: 'project-b' }), 404, 'zone_export_not_found');
    refused(await plane.request('DELETE', `${EXPORTS}/${e.id}`, { project: 'project-b' }), 404, 'zone_export_not_found');
    assert.is((await plane.request('GET', EXPORTS, { project: 'project-b' })).json.metadata.total_count, 0);
    assert.is((await plane.request('POST', `/v2/zones/${z.id}/shares`, { body: { target_project_id: 'project-s' } })).status, 201);
    refused(await plane.request('POST', `/v2/zones/${z.id}/tasks/export`, { project: 'project-s' }), 403, 'forbidden');
    refused(await plane.request('POST', '/v2/zones/00000000-0000-4000-8000-000000000000/tasks/export'), 404, 'zone_not_found');

    // api_export_size counts the zone's recordsets (SOA, NS, www: 3).
    await plane.storage.transaction((tx) => tx.setQuota('project-a', 'api_export_size', 2));
    refused(await plane.request('POST', `/v2/zones/${z.id}/tasks/export`), 413, 'over_quota');
    await plane.storage.transaction((tx) => tx.setQuota('project-a', 'api_export_size', 3));
    const second = await plane.request('POST', `/v2/zones/${z.id}/tasks/export`);
    assert.is(second.status, 202, second.text);

    const listed = await plane.request('GET', `${EXPORTS}?zone_id=${z.id}`);
    assert.equal(listed.json.exports.map((x: any) => x.id), [e.id, second.json.id]);
    assert.is((await plane.request('GET', `${EXPORTS}?status=COMPLETE&zone_id=${z.id}`)).json.metadata.total_count, 2);
    assert.is((await plane.request('GET', `${EXPORTS}?status=ERROR`)).json.metadata.total_count, 0);

    assert.is((await plane.request('DELETE', `${EXPORTS}/${e.id}`)).status, 204);
    refused(await plane.request('GET', `${EXPORTS}/${e.id}/export`), 404, 'zone_export_not_found');
    refused(await plane.request('GET', `${IMPORTS}/${second.json.id}`), 404, 'zone_import_not_found');

    // Once the zone is gone, so is its text.
    assert.is((await plane.request('DELETE', `/v2/zones/${z.id}`, { headers: { 'x-designate-delete-shares': 'true' } })).status, 202);
    refused(await plane.request('GET', `${EXPORTS}/${second.json.id}/export`), 404, 'zone_not_found');
  });
});
