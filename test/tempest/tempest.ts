// The tempest side of the harnesses (run.ts against `zonecast start`, designate-run.ts against Debian's
// Designate): installing Debian's tempest and designate-tempest-plugin, overlaying the plugin with the ddt
// data files its package lacks, laying out a workspace with its tempest.conf, running a suite and reading
// each test's outcome and traceback from what tempest prints.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempestConf, type TempestConfInput } from './tempest-conf.ts';

const HERE = import.meta.dirname;
const PLUGIN_DIR = '/usr/lib/python3/dist-packages/designate_tempest_plugin';
const TEMPEST_DIR = '/usr/lib/python3/dist-packages/tempest';
export const SUITES = { api: 'designate_tempest_plugin\\.tests\\.api\\.', scenario: 'designate_tempest_plugin\\.tests\\.scenario\\.' } as const;
export type Suite = keyof typeof SUITES;

/** Installs the Debian packages the run needs, with a policy-rc.d that keeps their services from starting. */
export function ensurePackages(): void {
  const present: Record<string, boolean> = {
    keystone: existsSync('/usr/bin/keystone-manage') && existsSync('/usr/bin/keystone-wsgi-public'),
    'uwsgi-core': existsSync('/usr/bin/uwsgi'),
    'uwsgi-plugin-python3': existsSync('/usr/lib/uwsgi/plugins/python3_plugin.so'),
    tempest: existsSync('/usr/bin/tempest'),
    'designate-tempest-plugin': existsSync(PLUGIN_DIR),
  };
  const missing = Object.keys(present).filter((p) => !present[p]);
  if (missing.length === 0) return;
  console.log(`installing: ${missing.join(' ')}`);
  const policy = '/usr/sbin/policy-rc.d';
  const ours = !existsSync(policy);
  if (ours) writeFileSync(policy, '#!/bin/sh\n# zonecast tempest harness: no service starts during the install\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    if (ours) rmSync(policy, { force: true });
  }
}

/** The plugin package with the ddt data files it lacks, first on PYTHONPATH. */
export function overlayPlugin(dir: string): string {
  const overlay = join(dir, 'overlay');
  cpSync(PLUGIN_DIR, join(overlay, 'designate_tempest_plugin'), { recursive: true });
  cpSync(join(HERE, 'ddt-data'), join(overlay, 'designate_tempest_plugin'), { recursive: true, force: false, errorOnExist: false });
  return overlay;
}

/**
 * What `tempest init` lays out, made by hand in `workspace` (init would also register it in ~/.tempest),
 * with its tempest.conf; tempest's log goes to tempest.log there.
 */
export function makeWorkspace(workspace: string, conf: Omit<TempestConfInput, 'logFile'>): string {
  mkdirSync(join(workspace, 'etc'), { recursive: true });
  writeFileSync(join(workspace, '.stestr.conf'), [
    '[DEFAULT]', `test_path=${TEMPEST_DIR}/test_discover`, `top_dir=${TEMPEST_DIR}`, 'group_regex=([^\\.]*\\.)*', '',
  ].join('\n'));
  writeFileSync(join(workspace, 'etc', 'tempest.conf'), tempestConf({ ...conf, logFile: join(workspace, 'tempest.log') }));
  return workspace;
}

export type Outcome = 'passed' | 'failed' | 'skipped';

/** Each test's outcome from tempest's (stestr's) subunit-trace lines: `{0} name[id-…] [1.2s] ... ok`. */
export function outcomes(output: string): Map<string, Outcome> {
  const seen = new Map<string, Outcome>();
  for (const line of output.split('\n')) {
    const m = /^\{\d+\} (\S+?)(?:\[[^\]]*\])? (?:\[[\d.]+s\] )?\.\.\. (ok|FAILED|SKIPPED)/.exec(line) ??
      /^\{\d+\} (setUpClass \(\S+\)|tearDownClass \(\S+\)) (?:\[[\d.]+s\] )?\.\.\. (ok|FAILED|SKIPPED)/.exec(line);
    if (m === null) continue;
    seen.set(m[1], m[2] === 'ok' ? 'passed' : m[2] === 'FAILED' ? 'failed' : 'skipped');
  }
  return seen;
}

/** The traceback tempest printed for `test` (its block after the run), cut to `lines` lines. */
export function failureDetail(output: string, test: string, lines = 40): string {
  const at = output.search(new RegExp(`^${test.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\[[^\\]]*\\])?\\n-{10,}`, 'm'));
  if (at < 0) return '';
  return output.slice(at).split('\n').slice(0, lines).map((l) => `    ${l}`).join('\n');
}

export function count(results: Map<string, Outcome>, outcome: Outcome): number {
  return [...results.values()].filter((v) => v === outcome).length;
}

export interface SuiteRun {
  results: Map<string, Outcome>;
  output: string;
  seconds: number;
}

/**
 * `tempest run` of `suite` (narrowed by `regex`, if given) in `workspace`; prints its counts under `label`
 * and keeps tempest's output in `<workspace>/<suite>.out`. An empty `results` means the suite ran nothing.
 */
export async function runSuite(o: { label: string; suite: Suite; regex?: string; concurrency: string; workspace: string; overlay: string }): Promise<SuiteRun> {
  // The group keeps an alternation in `regex` inside the suite's prefix.
  const regex = `^${SUITES[o.suite]}${o.regex ? `.*(?:${o.regex})` : ''}`;
  console.log(`\n== ${o.label}: tempest run --regex '${regex}' --concurrency ${o.concurrency}`);
  const started = Date.now();
  const output = await new Promise<string>((done) => {
    let text = '';
    const child = spawn('tempest', ['run', '--regex', regex, '--concurrency', o.concurrency], {
      cwd: o.workspace, env: { ...process.env, PYTHONPATH: o.overlay, TEMPEST_CONFIG_DIR: join(o.workspace, 'etc') }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => { text += chunk; });
    child.stderr.on('data', (chunk: Buffer) => { text += chunk; });
    child.on('close', () => done(text));
  });
  writeFileSync(join(o.workspace, `${o.suite}.out`), output);
  const results = outcomes(output);
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`${o.label}: ${results.size} tests in ${seconds} s`);
  if (results.size === 0) console.log(output.split('\n').slice(-40).join('\n'));
  console.log(`${o.label}: ${count(results, 'passed')} passed, ${count(results, 'failed')} failed, ${count(results, 'skipped')} skipped`);
  return { results, output, seconds };
}
