// bench:propagation — how fast a change lands on a pool of real nameservers through the worker: `zonecast
// start` (SQLite, in-process transport, the worker's default timings) whose default pool has three targets,
// BIND (rndc), Knot (knotc) and NSD (nsd-control) by default, each also a nameserver the worker polls.
//   1. `--changes` recordset creates, each once the previous one is ACTIVE and served everywhere (plus `--gap`
//      ms): the time from the API's 202 to the zone showing ACTIVE, and to the new serial answering on every
//      target (and on each). Twice: over `--spread` zones in turn, as changes usually come, and on one zone
//      back to back, where BIND and Knot hold a NOTIFY that arrives right after their previous transfer;
//   2. `--zones` zone creates from `--clients` clients: zones per second until every one is ACTIVE (backend
//      calls — rndc addzone, knotc transactions, nsd-control addzone — and the first transfers included).
// Designate 15.0.2 measured on this machine (issue 10): 1.25 s from 202 to ACTIVE with poll_delay = 1, at
// least 5 s with its defaults; the ratios below are against those figures.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { api, UNLIMITED_QUOTAS, untilApiAnswers } from './lib/api-client.ts';
import { freePort } from './lib/dns-probe.ts';
import { BENCH_DIR } from './lib/dataset.ts';
import { environment, fmt, table, writeResults } from './lib/report.ts';
import { soaOf } from '../test/helpers/backend-checks.ts';
import { poolYaml } from '../test/helpers/pooled-system.ts';
import { startTarget, type TargetDaemon, type TargetType } from '../test/helpers/targets.ts';

const { values } = parseArgs({
  options: {
    changes: { type: 'string', default: '100' },
    zones: { type: 'string', default: '60' },
    clients: { type: 'string', default: '6' },
    targets: { type: 'string', default: 'bind9,knot2,nsd4' },
    gap: { type: 'string', default: '0' },
    spread: { type: 'string', default: '10' },
  },
});
const GAP_MS = Number(values.gap);
const SPREAD = Number(values.spread);
const CHANGES = Number(values.changes);
const ZONES = Number(values.zones);
const CLIENTS = Number(values.clients);
const TYPES = values.targets.split(',') as TargetType[];
const DESIGNATE_POLL_DELAY_1_MS = 1250;
const DESIGNATE_DEFAULTS_MS = 5000;
const CLI = join(BENCH_DIR, '..', 'bin', 'zonecast.ts');

/** Resolves with the ms from `since` at which `probe` first holds (asked back to back), or throws after 60 s. */
async function when(since: number, what: string, probe: () => Promise<boolean>): Promise<number> {
  for (;;) {
    if (await probe()) return performance.now() - since;
    if (performance.now() - since > 60_000) throw new Error(`${what}: not within 60 s`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

interface Latencies {
  toActive: number[];
  toServed: number[];
  perTarget: number[][];
}

/**
 * `CHANGES` recordset creates, each made once the previous one is ACTIVE and served by every target (plus
 * GAP_MS), cycling over `zones` zones: how long from each 202 to ACTIVE and to the serial on the targets.
 */
async function changesOneAtATime(zones: number): Promise<Latencies> {
  const ids: string[] = [];
  for (let z = 0; z < zones; z++) {
    const zone = await api(apiPort, 'POST', '/v2/zones', { name: `p${z}.spread${zones}.example.`, email: 'h@bench.example' });
    ids.push(zone.id);
    await when(performance.now(), 'zone ACTIVE', async () => (await api(apiPort, 'GET', `/v2/zones/${zone.id}`)).status === 'ACTIVE');
  }
  const out: Latencies = { toActive: [], toServed: [], perTarget: targets.map(() => []) };
  for (let i = 0; i < CHANGES; i++) {
    const z = i % zones;
    const name = `p${z}.spread${zones}.example.`;
    await api(apiPort, 'POST', `/v2/zones/${ids[z]}/recordsets`, { name: `c${i}.${name}`, type: 'A', records: ['192.0.2.1'] });
    const accepted = performance.now();
    const { serial } = await api(apiPort, 'GET', `/v2/zones/${ids[z]}`);
    const [active, ...served] = await Promise.all([
      when(accepted, 'ACTIVE', async () => (await api(apiPort, 'GET', `/v2/zones/${ids[z]}`)).status === 'ACTIVE'),
      ...targets.map((t) => when(accepted, `${t.type} at ${serial}`, async () => (await soaOf(t.port, name)).serial === serial)
        .catch((err: Error) => Promise.reject(new Error(`${err.message}; its last lines:\n${t.tail().join('\n')}`)))),
    ]);
    out.toActive.push(active);
    out.toServed.push(Math.max(...served));
    served.forEach((ms, t) => out.perTarget[t].push(ms));
    await new Promise((r) => setTimeout(r, GAP_MS));
  }
  for (const list of [out.toActive, out.toServed, ...out.perTarget]) list.sort((a, b) => a - b);
  return out;
}

function rowsOf(title: string, l: Latencies): string[][] {
  const p50 = pct(l.toActive, 50);
  return [
    [`${title}: 202 → ACTIVE`, fmt(p50, 1), fmt(pct(l.toActive, 99), 1), fmt(l.toActive.at(-1)!, 1),
      `${fmt(DESIGNATE_POLL_DELAY_1_MS / p50, 1)}×`, `${fmt(DESIGNATE_DEFAULTS_MS / p50, 1)}×`],
    ['  202 → serial on every target', fmt(pct(l.toServed, 50), 1), fmt(pct(l.toServed, 99), 1), fmt(l.toServed.at(-1)!, 1), '', ''],
    ...targets.map((t, i) => [`    on ${t.type}`, fmt(pct(l.perTarget[i], 50), 1), fmt(pct(l.perTarget[i], 99), 1), fmt(l.perTarget[i].at(-1)!, 1), '', '']),
  ];
}

const summary = (l: Latencies) => ({
  toActive: { p50: pct(l.toActive, 50), p99: pct(l.toActive, 99), max: l.toActive.at(-1) },
  toServed: { p50: pct(l.toServed, 50), p99: pct(l.toServed, 99), max: l.toServed.at(-1) },
  perTarget: Object.fromEntries(targets.map((t, i) => [t.type, { p50: pct(l.perTarget[i], 50), p99: pct(l.perTarget[i], 99) }])),
});

const mdnsPort = await freePort();
const apiPort = await freePort();
const targets: TargetDaemon[] = [];
const dir = mkdtempSync(join(tmpdir(), 'zonecast-bench-propagation-'));
let child: ReturnType<typeof spawn> | null = null;
try {
  for (const type of TYPES) {
    const target = await startTarget(type, mdnsPort);
    if (target === null) throw new Error(`${type}: its daemon is not installed (see .ci/run)`);
    targets.push(target);
  }
  // The operator's way: schema and pools first (`zonecast manage`), then `zonecast start`.
  const env = { ...process.env, ...UNLIMITED_QUOTAS, ZONECAST_DEFAULT_STATE_PATH: dir, ZONECAST_LOG_LEVEL: process.env.ZONECAST_LOG_LEVEL ?? 'warn' };
  writeFileSync(join(dir, 'pools.yaml'), poolYaml(targets));
  execFileSync(process.execPath, [CLI, 'manage', 'db-sync'], { env, cwd: dir });
  execFileSync(process.execPath, [CLI, 'manage', 'pool-update', '--file', join(dir, 'pools.yaml')], { env, cwd: dir, stdio: 'ignore' });
  child = spawn(process.execPath, [CLI, 'start', '--api-listen', `127.0.0.1:${apiPort}`, '--listen', `127.0.0.1:${mdnsPort}`], { env, cwd: dir, stdio: 'inherit' });
  await untilApiAnswers(apiPort);

  // 1. One change at a time, over `--spread` zones in turn, then on one zone back to back.
  const spread = await changesOneAtATime(SPREAD);
  const oneZone = await changesOneAtATime(1);

  // 2. Zone creates through the backends.
  const ids: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    for (let i = next++; i < ZONES; i = next++) ids.push((await api(apiPort, 'POST', '/v2/zones', { name: `z${i}.creates.example.`, email: 'h@bench.example' })).id);
  }));
  await when(started, 'every zone ACTIVE', async () => {
    const { zones } = await api(apiPort, 'GET', '/v2/zones?limit=1000');
    const created = (zones as { name: string; status: string }[]).filter((z) => z.name.endsWith('.creates.example.'));
    return created.length === ZONES && created.every((z) => z.status === 'ACTIVE');
  });
  const createsPerSec = ZONES / ((performance.now() - started) / 1000);

  const pool = targets.map((t) => t.type).join(', ');
  const text = [
    `pool: ${pool} (each a target and a polled nameserver); ${CHANGES} recordset creates, one at a time, ${GAP_MS} ms apart`,
    table(['', 'p50 ms', 'p99 ms', 'max ms', 'Designate (poll_delay 1) / zonecast p50', 'Designate (defaults) / zonecast p50'],
      [...rowsOf(`over ${SPREAD} zones in turn`, spread), ...rowsOf('on one zone, back to back', oneZone)]),
    '',
    `zone creates until ACTIVE on all ${targets.length} targets: ${fmt(createsPerSec, 1)} zones/s (${ZONES} zones, ${CLIENTS} clients)`,
  ].join('\n');
  console.log(`\n${text}`);
  const data = { pool, gapMs: GAP_MS, spread: SPREAD, overZones: summary(spread), oneZone: summary(oneZone), createsPerSec };
  for (const f of writeResults('propagation', environment(), data, text)) console.log(`wrote ${f}`);
} finally {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  for (const t of targets) await t.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
