// oslo.config's file rules as `zonecast designate-mdns` reads them: --config-file and --config-dir in the
// order given, a directory's *.conf by name, the last value winning; the default places otherwise.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { configPlaces, defaultPlaces, readConfigPlaces } from '../../services/config/oslo-files.ts';

test('--config-file and --config-dir keep their order, in both spellings; the rest is left', () => {
  const { places, rest } = configPlaces(['--config-file', 'a.conf', '--config-dir=d', '--verbose', '--config-file=b.conf']);
  assert.equal(places, [{ kind: 'file', path: 'a.conf' }, { kind: 'dir', path: 'd' }, { kind: 'file', path: 'b.conf' }]);
  assert.equal(rest, ['--verbose']);
  assert.throws(() => configPlaces(['--config-file']), /needs a path/);
});

test('a later file wins per option; a directory gives its *.conf in name order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-oslo-'));
  try {
    writeFileSync(join(dir, 'a.conf'), '[service:mdns]\nlisten = 1\nworkers = 2\n[DEFAULT]\nhost = a\n');
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', '20.conf'), '[service:mdns]\nlisten = 20\n');
    writeFileSync(join(dir, 'd', '10.conf'), '[service:mdns]\nlisten = 10\n[DEFAULT]\nhost = ten\n');
    writeFileSync(join(dir, 'd', 'notes.txt'), '[service:mdns]\nlisten = txt\n');
    const { doc, files } = readConfigPlaces([{ kind: 'file', path: join(dir, 'a.conf') }, { kind: 'dir', path: join(dir, 'd') }]);
    assert.equal(files, [join(dir, 'a.conf'), join(dir, 'd', '10.conf'), join(dir, 'd', '20.conf')]);
    assert.is(doc.get('service:mdns')!.get('listen'), '20');
    assert.is(doc.get('service:mdns')!.get('workers'), '2');
    assert.is(doc.get('DEFAULT')!.get('host'), 'ten');
    assert.throws(() => readConfigPlaces([{ kind: 'dir', path: join(dir, 'none') }]), /config directory not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without arguments, oslo\'s default places: ~/.designate before ~ and /etc', () => {
  const home = mkdtempSync(join(tmpdir(), 'zonecast-home-'));
  try {
    mkdirSync(join(home, '.designate'));
    writeFileSync(join(home, '.designate', 'designate.conf'), '');
    writeFileSync(join(home, 'designate.conf'), '');
    mkdirSync(join(home, 'designate-mdns.conf.d'));
    const places = defaultPlaces('designate', 'designate-mdns', home);
    assert.equal(places[0], { kind: 'file', path: join(home, '.designate', 'designate.conf') });
    assert.ok(places.some((p) => p.kind === 'dir' && p.path === join(home, 'designate-mdns.conf.d')));
    assert.not.ok(places.some((p) => p.path === join(home, 'designate.conf')), 'only the first designate.conf found');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test.run();
