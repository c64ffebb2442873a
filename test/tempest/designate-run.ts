// `npm run test:tempest:designate`: designate-tempest-plugin's scenario suite against Debian's Designate
// 15.0.2 (test/helpers/designate.ts) under Keystone auth, twice: once with Debian's designate-mdns as the
// pool's masters, once with `zonecast designate-mdns` in its place, each against a Designate of its own (its
// own database, vhost and BIND) and the same private Keystone. `[dns] nameservers` is the pool's BIND, where
// the scenario tests look for what they made. A test that passes with designate-mdns must pass with zonecast:
// each that does not is a failure, printed with its traceback; one that passes only with zonecast is
// reported. The last line is `N passed, N failed`: tests passing in both runs, and the regressions plus one
// for each run that ran nothing. Stops what it started; the machine's own services and /etc are left alone.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { startZonecast, type ZonecastProcess } from '../helpers/designate-mdns-live.ts';
import { designateUnavailable, startDesignate, startDesignateMdns, type RunningDesignate } from '../helpers/designate.ts';
import { createServiceUser, registerDnsEndpoint, SERVICE_PROJECT, startKeystone, type Keystone } from './keystone.ts';
import { count, ensurePackages, failureDetail, overlayPlugin, makeWorkspace, runSuite, type SuiteRun } from './tempest.ts';

type Mdns = 'designate-mdns' | 'zonecast';

const { values } = parseArgs({
  options: {
    regex: { type: 'string' },
    // Mostly the suite waits for Designate (a zone turning ACTIVE, a deletion): 4 at once halve its time on 2 cores.
    concurrency: { type: 'string', default: '4' },
    keep: { type: 'boolean', default: false },
  },
});

/**
 * `zonecast designate-mdns` on the pool's masters address, as an operator would run it: Designate's own
 * designate.conf, then an override with the SELECT-only database user. Resolves once it answers DNS.
 */
function startZonecastMdns(d: RunningDesignate, dir: string): Promise<ZonecastProcess> {
  const override = join(dir, 'zonecast-mdns.conf');
  writeFileSync(override, [
    '[storage:sqlalchemy]', `connection = ${d.readOnlyDbUrl}`, '[service:mdns]', `listen = ${d.mdns.host}:${d.mdns.port}`, '',
  ].join('\n'));
  return startZonecast(['designate-mdns', '--config-file', d.confPath, '--config-file', override], join(dir, 'zonecast-mdns.log'), dir, d.mdns.port);
}

interface RunContext {
  dir: string;
  keystone: Keystone;
  service: { username: string; password: string };
  overlay: string;
}

/**
 * The scenario suite against a Designate whose pool's masters are `mdns`; null when it could not run (the
 * reason printed). Designate's logs are copied into `<dir>/<mdns>/designate` before its directory goes.
 */
async function runWith(mdns: Mdns, ctx: RunContext): Promise<SuiteRun | null> {
  const dir = join(ctx.dir, mdns);
  mkdirSync(dir);
  const started = Date.now();
  let d: RunningDesignate | null = null;
  let zonecast: ZonecastProcess | null = null;
  try {
    d = await startDesignate({
      mdns: { host: '127.0.0.1', port: await freePort() },
      keystone: { url: ctx.keystone.url, ...ctx.service, project: SERVICE_PROJECT },
    });
    if (mdns === 'designate-mdns') await startDesignateMdns(d, d.mdns.port);
    else zonecast = await startZonecastMdns(d, dir);
    const unregister = await registerDnsEndpoint(ctx.keystone, d.apiUrl);
    const nameserver = `${d.bind.host}:${d.bind.port}`;
    console.log(`${mdns}: Designate API ${d.apiUrl}, masters ${d.mdns.host}:${d.mdns.port}, BIND ${nameserver}, ready in ${Math.round((Date.now() - started) / 1000)} s`);
    const workspace = makeWorkspace(join(dir, 'tempest'), { keystoneUrl: ctx.keystone.url, adminPassword: ctx.keystone.adminPassword, nameserver });
    const run = await runSuite({ label: mdns, suite: 'scenario', regex: values.regex, concurrency: values.concurrency, workspace, overlay: ctx.overlay });
    await unregister();
    return run.results.size > 0 ? run : null;
  } catch (err) {
    console.log(`${mdns}: could not run: ${(err as Error).stack ?? err}`);
    return null;
  } finally {
    if (zonecast !== null) await zonecast.stop();
    if (d !== null) {
      mkdirSync(join(dir, 'designate'));
      for (const log of readdirSync(d.dir).filter((f) => f.endsWith('.log'))) cpSync(join(d.dir, log), join(dir, 'designate', log));
      await d.stop();
    }
    console.log(`${mdns}: run and teardown took ${Math.round((Date.now() - started) / 1000)} s`);
  }
}

/** What the zonecast run changed against the designate-mdns run, printed; returns the regressions. */
function compare(baseline: SuiteRun, zonecast: SuiteRun | null): { passedBoth: number; regressions: number } {
  let passedBoth = 0;
  let regressions = 0;
  const tests = [...baseline.results.keys(), ...(zonecast?.results.keys() ?? [])];
  const lines: { regressed: string[]; gained: string[] } = { regressed: [], gained: [] };
  for (const test of new Set(tests)) {
    const before = baseline.results.get(test);
    const after = zonecast?.results.get(test);
    if (before === 'passed' && after === 'passed') passedBoth++;
    else if (before === 'passed') {
      regressions++;
      const detail = after === 'failed' ? failureDetail(zonecast!.output, test) : '';
      lines.regressed.push(`REGRESSION (${after ?? 'not run'} with zonecast): ${test}${detail ? `\n${detail}` : ''}`);
    } else if (after === 'passed') lines.gained.push(`passes only with zonecast (${before ?? 'not run'} with designate-mdns): ${test}`);
  }
  console.log(`\npassed with designate-mdns, not with zonecast: ${lines.regressed.length}`);
  for (const line of lines.regressed) console.log(line);
  console.log(`passed with zonecast, not with designate-mdns: ${lines.gained.length}`);
  for (const line of lines.gained) console.log(line);
  return { passedBoth, regressions };
}

async function main(): Promise<number> {
  const started = Date.now();
  ensurePackages();
  // Under CI=true a missing piece throws rather than skips: either way this run cannot be made.
  const why = await designateUnavailable().catch((err: Error) => err.message);
  if (why !== null) {
    console.log(`Designate cannot run here: ${why}\n0 passed, 1 failed`);
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-tempest-designate-'));
  let keystone: Keystone | null = null;
  try {
    keystone = await startKeystone(join(dir, 'keystone'), await freePort(), 'zonecast-tempest-admin');
    const service = { username: 'designate', password: randomBytes(12).toString('hex') };
    await createServiceUser(keystone, service.username, service.password);
    const ctx: RunContext = { dir, keystone, service, overlay: overlayPlugin(dir) };
    console.log(`keystone ${keystone.url}; work in ${dir}`);
    const baseline = await runWith('designate-mdns', ctx);
    const zonecast = await runWith('zonecast', ctx);

    console.log('');
    for (const [name, run] of [['designate-mdns', baseline], ['zonecast', zonecast]] as const) {
      console.log(run === null ? `${name}: could not run` :
        `${name}: ${count(run.results, 'passed')} passed, ${count(run.results, 'failed')} failed, ${count(run.results, 'skipped')} skipped in ${run.seconds} s`);
    }
    const { passedBoth, regressions } = baseline === null ? { passedBoth: 0, regressions: 0 } : compare(baseline, zonecast);
    const failed = regressions + (baseline === null ? 1 : 0) + (zonecast === null ? 1 : 0);
    console.log(`\ntempest against Designate: ${Math.round((Date.now() - started) / 1000)} s in all${values.keep ? `; logs and tempest output in ${dir}` : ''}`);
    console.log(`${passedBoth} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    if (keystone !== null && keystone.process.exitCode === null) {
      const exited = new Promise((r) => keystone!.process.once('exit', r));
      keystone.process.kill('SIGTERM');
      await exited;
    }
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
