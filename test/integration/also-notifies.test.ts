// `[service:mdns] also_notifies` as the README writes it (`HOST:PORT,key=NAME`) starts mdns from a file or
// the environment, and a target that cannot be used stops the start with an error naming the option,
// before anything listens.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../services/config/options.ts';
import { createLogger } from '../../services/log.ts';
import { startMdns } from '../../services/mdns/run.ts';
import { DEMO_ZONES } from '../helpers/server.ts';

const KEY = 'hmac-sha256:cfg-key:c2VjcmV0LWZvci10aGUtY29uZmlnLXRlc3Q=';
const log = createLogger('mdns', 'silent');

/** The message startMdns failed with, or null when it started. */
async function startError(config: ReturnType<typeof loadConfig>): Promise<string | null> {
  try {
    await (await startMdns(config, log)).close();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

test('a file with HOST:PORT,key=NAME starts; an unknown key or a bad address names the option', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-also-notifies-'));
  const file = join(dir, 'zonecast.conf');
  writeFileSync(file, `[DEFAULT]\nstate_path = ${dir}\n[service:mdns]\nzones_dir = ${DEMO_ZONES}\nlisten = 127.0.0.1:0\nworkers = 1\n` +
    `tsig_keys = ${KEY}\nalso_notifies = 127.0.0.1:29953,key=cfg-key, 127.0.0.1:29954\n`);
  try {
    assert.is(await startError(loadConfig({ file })), null);
    assert.match(
      (await startError(loadConfig({ file, env: { ZONECAST_SERVICE_MDNS_ALSO_NOTIFIES: '127.0.0.1:29953,key=other-key' } })))!,
      /^\[service:mdns\] also_notifies: '127\.0\.0\.1:29953,key=other-key': no TSIG key named other-key\./,
    );
    assert.match(
      (await startError(loadConfig({ file, env: { ZONECAST_SERVICE_MDNS_ALSO_NOTIFIES: 'secondary.example:53' } })))!,
      /^\[service:mdns\] also_notifies: address 'secondary\.example:53': 'secondary\.example' is not an IP address/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
