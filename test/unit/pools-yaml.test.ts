import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { parsePoolsYaml } from '../../services/central/pools-yaml.ts';

const SAMPLE = readFileSync(new URL('../../fixtures/pools/pools.yaml', import.meta.url), 'utf8');

test("Designate's sample pools.yaml", () => {
  const [pool] = parsePoolsYaml(SAMPLE);
  assert.is(pool.name, 'default');
  assert.equal(pool.nsRecords, [{ hostname: 'ns1.example.org.', priority: 1 }, { hostname: 'ns2.example.org.', priority: 2 }]);
  assert.equal(pool.nameservers[1], { host: '192.0.2.3', port: 53, tsigkeyId: '8d1f1c77-0000-4b6e-9f3a-0123456789ab' });
  assert.equal(pool.targets[0].masters, [{ host: '192.0.2.1', port: 5354 }]);
  assert.is(pool.targets[0].options.rndc_port, 953);
  assert.equal(pool.alsoNotifies, [{ host: '192.0.2.4', port: 53 }]);
  assert.equal(pool.catalogZone, { fqdn: 'cat.example.org.', refresh: 60, tsigKey: 'SomeSecretKey', tsigAlgorithm: 'hmac-sha512' });
});

test('errors name the path of the bad field', () => {
  const bad = (yaml: string, pattern: RegExp) => assert.throws(() => parsePoolsYaml(yaml), (e: Error) => pattern.test(e.message));
  bad('- name: p\n  ns_records: []\n', /^pools\[0\]\.ns_records: a pool needs at least one NS record/);
  bad('- name: p\n  ns_records: [{hostname: ns1.example.org, priority: 1}]\n', /pools\[0\]\.ns_records\[0\]\.hostname: 'ns1\.example\.org' must be fully qualified/);
  bad('- name: p\n  ns_records: [{hostname: ns1.x., priority: 1}]\n  targets: [{type: bind9, masters: [{host: 192.0.2.1, port: 70000}]}]\n', /pools\[0\]\.targets\[0\]\.masters\[0\]\.port: expected a port number/);
  bad('- name: p\n  ns_records: [{hostname: ns1.x., priority: 1}]\n  nameservers: [{host: ns1.example.org}]\n', /pools\[0\]\.nameservers\[0\]\.host: 'ns1\.example\.org' is not an IP address/);
  bad('- name: p\n  ns_records: [{hostname: a.x., priority: 1}]\n- name: p\n  ns_records: [{hostname: a.x., priority: 1}]\n', /pools\[1\]\.name: 'p' is defined twice/);
  bad('name: p\n', /^pools: expected a list/);
  bad('- [unclosed\n', /^pools\.yaml:/);
});

test.run();
