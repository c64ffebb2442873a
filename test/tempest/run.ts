// `npm run test:tempest`: Designate's own black-box suite, designate-tempest-plugin, against `zonecast start`
// with Keystone auth. Installs what it needs from Debian (keystone, uwsgi and its python3 plugin, tempest,
// designate-tempest-plugin) without letting their services start, runs a private Keystone and a private
// zonecast on free ports, writes tempest.conf, runs the API and scenario suites and prints, per suite,
// `N passed, N failed, N skipped`, then one line for both. Stops what it started; the machine's own
// services and /etc are left alone.
//
// Debian's plugin package lacks the ddt data files (*.json beside the tests) of its tag 0.14.0, without
// which 30 API and 26 scenario tests are never generated: the run overlays the package with them
// (test/tempest/ddt-data, from the plugin's repository). Tests known to fail are listed, with the reason,
// in known-failures.txt: they are reported apart and do not fail the run; any other failure does, and a
// listed test that passes is reported so that the list only shrinks.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { registerDnsEndpoint, startKeystone } from './keystone.ts';
import { ensurePackages, failureDetail, makeWorkspace, overlayPlugin, runSuite, SUITES, type Suite } from './tempest.ts';

const HERE = import.meta.dirname;

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'api,scenario' },
    regex: { type: 'string' },
    concurrency: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
  },
});

interface Zonecast {
  process: ChildProcess;
  apiUrl: string;
  dns: string;
}

async function startZonecast(dir: string, keystoneUrl: string): Promise<Zonecast> {
  const [apiPort, dnsPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'zonecast.conf');
  writeFileSync(conf, [
    '[DEFAULT]', `state_path = ${join(dir, 'zonecast-state')}`,
    '[service:api]', `listen = 127.0.0.1:${apiPort}`, 'auth_strategy = keystone',
    '[keystone_authtoken]', `www_authenticate_uri = ${keystoneUrl}`,
    '[service:mdns]', `listen = 127.0.0.1:${dnsPort}`, 'workers = 1',
    '',
  ].join('\n'));
  const log = createWriteStream(join(dir, 'zonecast.log'));
  const child = spawn(process.execPath, [resolve(HERE, '../../bin/zonecast.ts'), 'start', '--config', conf], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`zonecast exited with ${child.exitCode}: see ${join(dir, 'zonecast.log')}`);
    if (await fetch(`${apiUrl}/`).then((r) => r.ok, () => false)) return { process: child, apiUrl, dns: `127.0.0.1:${dnsPort}` };
    if (Date.now() > deadline) throw new Error(`zonecast's API did not answer on ${apiUrl} within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** known-failures.txt: `test.id  # reason` lines; a class's setUpClass may be listed too. */
function knownFailures(): Map<string, string> {
  const known = new Map<string, string>();
  for (const line of readFileSync(join(HERE, 'known-failures.txt'), 'utf8').split('\n')) {
    const m = /^\s*([^#\s]+)\s*(?:#\s*(.*))?$/.exec(line);
    if (m) known.set(m[1], m[2] ?? '');
  }
  return known;
}

async function main(): Promise<number> {
  ensurePackages();
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-tempest-'));
  const started: ChildProcess[] = [];
  try {
    const keystone = await startKeystone(join(dir, 'keystone'), await freePort(), 'zonecast-tempest-admin');
    started.push(keystone.process);
    const zonecast = await startZonecast(dir, keystone.url);
    started.push(zonecast.process);
    await registerDnsEndpoint(keystone, zonecast.apiUrl);
    const overlay = overlayPlugin(dir);
    const workspace = makeWorkspace(join(dir, 'tempest'), { keystoneUrl: keystone.url, adminPassword: keystone.adminPassword, nameserver: zonecast.dns });
    console.log(`keystone ${keystone.url}, zonecast API ${zonecast.apiUrl}, DNS ${zonecast.dns}; work in ${dir}`);

    const known = knownFailures();
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const suite of values.suite.split(',') as Suite[]) {
      if (!(suite in SUITES)) throw new Error(`--suite takes api, scenario or both, not '${suite}'`);
      const { results, output } = await runSuite({ label: suite, suite, regex: values.regex, concurrency: values.concurrency, workspace, overlay });
      if (results.size === 0) failed++; // a suite that ran nothing is broken, not green
      for (const [test, outcome] of results) {
        if (outcome === 'passed') {
          passed++;
          if (known.has(test)) console.log(`now passes (remove from known-failures.txt): ${test}`);
        } else if (outcome === 'skipped') skipped++;
        else if (known.has(test)) {
          skipped++;
          console.log(`known failure: ${test}  # ${known.get(test)}`);
        } else {
          failed++;
          console.log(`FAILED: ${test}\n${failureDetail(output, test)}`);
        }
      }
    }
    console.log(`\ntempest: known failures count as skipped${values.keep ? `; full output in ${dir}/tempest/*.out` : ''}`);
    console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
    return failed === 0 ? 0 : 1;
  } finally {
    for (const child of started.reverse()) {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    }
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
