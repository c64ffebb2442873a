import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIni } from '../../services/config/ini.ts';
import { envName, loadConfig, OPTIONS } from '../../services/config/options.ts';

test('ini: oslo.config rules', () => {
  const doc = parseIni([
    '[DEFAULT]',
    'transport_url = rabbit://guest:guest@127.0.0.1:5672/',
    '# a comment line',
    '; also a comment',
    '[service:mdns]',
    'listen: 0.0.0.0:5354, [::]:5354',
    'allow_transfer = 192.0.2.0/24 # stays in the value',
    "tsig_keys = 'hmac-sha256:k:c2VjcmV0'",
    'also_notifies = 192.0.2.2:53,',
    '  192.0.2.3:53',
    '',
    'max_message_size=4096',
  ].join('\n'));
  assert.is(doc.get('DEFAULT')!.get('transport_url'), 'rabbit://guest:guest@127.0.0.1:5672/');
  const mdns = doc.get('service:mdns')!;
  assert.is(mdns.get('listen'), '0.0.0.0:5354, [::]:5354');
  assert.is(mdns.get('allow_transfer'), '192.0.2.0/24 # stays in the value');
  assert.is(mdns.get('tsig_keys'), 'hmac-sha256:k:c2VjcmV0');
  assert.is(mdns.get('also_notifies'), '192.0.2.2:53,\n192.0.2.3:53');
  assert.is(mdns.get('max_message_size'), '4096');
});

test('ini: errors name the file and line', () => {
  assert.throws(() => parseIni('listen = 1', 'a.conf'), /a\.conf:1: 'listen' comes before any \[section\]/);
  assert.throws(() => parseIni('[x]\njust words', 'b.conf'), /b\.conf:2: expected 'key = value'/);
});

test('precedence: command line, then environment, then file, then default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-config-'));
  const file = join(dir, 'zonecast.conf');
  writeFileSync(file, '[service:mdns]\nlisten = 127.0.0.1:1, 127.0.0.1:2\nudp_payload_size = 1400\nresponse_cache_size = 7\ntcp_idle_timeout = 2.5\n');
  try {
    const config = loadConfig({
      file,
      env: { ZONECAST_SERVICE_MDNS_RESPONSE_CACHE_SIZE: '9', ZONECAST_SERVICE_MDNS_UDP_PAYLOAD_SIZE: '1300' },
      cli: { 'udp-payload-size': '1200' },
    });
    const get = (name: string) => config.get('service:mdns', name);
    assert.equal(get('listen'), ['127.0.0.1:1', '127.0.0.1:2']);
    assert.is(get('udp_payload_size'), 1200); // command line beats environment and file
    assert.is(get('response_cache_size'), 9); // environment beats file
    assert.is(get('tcp_idle_timeout'), 2.5); // file beats default
    assert.is(get('max_message_size'), 65535); // default
    assert.equal(loadConfig({ cli: { listen: ['[::1]:53', '127.0.0.1:53'] } }).get('service:mdns', 'listen'), ['[::1]:53', '127.0.0.1:53']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('also_notifies items keep their ,key=NAME part in a file and the environment; allow_transfer keeps key=NAME items', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-config-'));
  const file = join(dir, 'zonecast.conf');
  writeFileSync(file, '[service:mdns]\nalso_notifies = 127.0.0.1:29953,key=cfg-key, 192.0.2.1:53\nallow_transfer = key=xfr, 10.0.0.0/8\n');
  try {
    const wanted = ['127.0.0.1:29953,key=cfg-key', '192.0.2.1:53'];
    assert.equal(loadConfig({ file }).get('service:mdns', 'also_notifies'), wanted);
    assert.equal(loadConfig({ env: { ZONECAST_SERVICE_MDNS_ALSO_NOTIFIES: '127.0.0.1:29953,key=cfg-key,192.0.2.1:53' } }).get('service:mdns', 'also_notifies'), wanted);
    assert.equal(loadConfig({ cli: { notify: wanted } }).get('service:mdns', 'also_notifies'), wanted);
    assert.equal(loadConfig({ file }).get('service:mdns', 'allow_transfer'), ['key=xfr', '10.0.0.0/8']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad values name where they came from', () => {
  assert.throws(() => loadConfig({ env: { ZONECAST_SERVICE_MDNS_MAX_MESSAGE_SIZE: '64k' } }), /ZONECAST_SERVICE_MDNS_MAX_MESSAGE_SIZE: '64k' is not an integer/);
  assert.throws(() => loadConfig({ cli: { 'tcp-idle-timeout': 'soon' } }), /--tcp-idle-timeout: 'soon' is not a number/);
  assert.throws(() => loadConfig({ file: '/nonexistent/zonecast.conf' }), /cannot read config file \/nonexistent\/zonecast\.conf/);
});

test("Designate's [storage:sqlalchemy] connection is read when [storage] has none", () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-config-'));
  const file = join(dir, 'designate.conf');
  try {
    writeFileSync(file, '[storage:sqlalchemy]\nconnection = mysql+pymysql://designate:pw@db/designate\n');
    assert.is(loadConfig({ file }).get('storage', 'connection'), 'mysql+pymysql://designate:pw@db/designate');
    writeFileSync(file, '[storage:sqlalchemy]\nconnection = mysql://a@b/c\n[storage]\nconnection = sqlite:///z.db\n');
    assert.is(loadConfig({ file }).get('storage', 'connection'), 'sqlite:///z.db', 'our own name wins');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every option has a distinct environment name, and flags are distinct', () => {
  const names = OPTIONS.map(envName);
  assert.is(new Set(names).size, names.length);
  const flags = OPTIONS.flatMap((o) => (o.flag === undefined ? [] : [o.flag]));
  assert.is(new Set(flags).size, flags.length);
  assert.ok(OPTIONS.filter((o) => o.section === 'service:mdns').every((o) => o.flag !== undefined), 'every mdns option has a flag');
});

test.run();
