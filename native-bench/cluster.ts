// bench:cluster — the distributed mode against the embedded one, in the same run: recordset creates per
// second through the API(s) and the time from each 202 to the change answering on every mdns instance, for
//   embedded: `zonecast start` (in-process transport, one process) on SQLite, and on MariaDB to tell the
//   database's share from the messaging's,
//   1×: one api, one central and one mdns process over MariaDB and RabbitMQ,
//   2×: two of each (each request alternates between the APIs; a change counts when both mdns answer it);
// then the worst convergence after central is killed between its commit and its announcement (the fault
// hook), with the default [service:mdns] sync_interval.
// Everything runs on this 2-core machine, so the 2× figures share the cores with twice the processes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { api, BENCH_HEADERS, UNLIMITED_QUOTAS, untilApiAnswers } from './lib/api-client.ts';
import { freePort } from './lib/dns-probe.ts';
import { environment, fmt, table, writeResults } from './lib/report.ts';
import { BENCH_DIR } from './lib/dataset.ts';
import { ask } from '../test/helpers/client.ts';
import { startCluster, type Cluster, type ServiceInstance } from '../test/helpers/cluster.ts';
import { createScratchDatabase } from '../test/helpers/mariadb.ts';

const { values } = parseArgs({
  options: {
    creates: { type: 'string', default: '400' },
    clients: { type: 'string', default: '10' },
    zones: { type: 'string', default: '10' },
    changes: { type: 'string', default: '150' },
    kills: { type: 'string', default: '3' },
  },
});
const CREATES = Number(values.creates);
const CLIENTS = Number(values.clients);
const ZONES = Number(values.zones);
const CHANGES = Number(values.changes);
const KILLS = Number(values.kills);
// Operators' defaults, not the tests' short intervals.
// The cluster helper reads each process's 'running' line, so its processes log at info.
const DEFAULTS = { ZONECAST_SERVICE_MDNS_SYNC_INTERVAL: '5', ZONECAST_HEARTBEAT_EMITTER_HEARTBEAT_INTERVAL: '10', ZONECAST_DEFAULT_RPC_RESPONSE_TIMEOUT: '60', ...UNLIMITED_QUOTAS };

interface Deployment {
  name: string;
  apiPorts: number[];
  dnsPorts: number[];
  close(): Promise<void>;
}

async function answered(port: number, name: string): Promise<boolean> {
  return ((await ask(port, name, 'A'))?.answers.length ?? 0) > 0;
}

/** `zonecast start`: SQLite in a scratch directory, or a scratch MariaDB database (same engine as the cluster). */
async function startEmbedded(engine: 'sqlite' | 'mariadb'): Promise<Deployment> {
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-bench-cluster-'));
  const db = engine === 'mariadb' ? await createScratchDatabase() : null;
  const [apiPort, dnsPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [join(BENCH_DIR, '..', 'bin', 'zonecast.ts'), 'start', '--data-dir', dir,
    ...(db ? ['--connection', db.url] : []),
    '--api-listen', `127.0.0.1:${apiPort}`, '--listen', `127.0.0.1:${dnsPort}`], { cwd: dir, env: { ...process.env, ...DEFAULTS, ZONECAST_LOG_LEVEL: 'warn' }, stdio: 'ignore' });
  await untilApiAnswers(apiPort);
  return {
    name: `embedded (start, ${engine === 'sqlite' ? 'SQLite' : 'MariaDB'})`, apiPorts: [apiPort], dnsPorts: [dnsPort],
    close: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Distributed extends Deployment {
  cluster: Cluster;
  centrals: ServiceInstance[];
}

async function startDistributed(n: number): Promise<Distributed> {
  const cluster = await startCluster(DEFAULTS);
  const centrals: ServiceInstance[] = [];
  for (let i = 0; i < n; i++) centrals.push(await cluster.start('central'));
  const apis = await Promise.all(Array.from({ length: n }, () => cluster.start('api')));
  const mdns = await Promise.all(Array.from({ length: n }, () => cluster.start('mdns')));
  return { name: `${n}× api+central+mdns (MariaDB, RabbitMQ)`, apiPorts: apis.map((a) => a.port), dnsPorts: mdns.map((m) => m.port), cluster, centrals, close: () => cluster.close() };
}

async function measure(d: Deployment): Promise<{ createsPerSec: number; p50: number; p99: number; max: number }> {
  const zone = await api(d.apiPorts[0], 'POST', '/v2/zones', { name: 'bench-cluster.example.', email: 'h@bench.example' });
  const path = `/v2/zones/${zone.id}/recordsets`;
  // Creates spread over ZONES zones: changes to one zone are serialized by its row lock, as in Designate.
  const loadZones: string[] = [];
  for (let z = 0; z < ZONES; z++) loadZones.push((await api(d.apiPorts[0], 'POST', '/v2/zones', { name: `load${z}.bench-cluster.example.`, email: 'h@bench.example' })).id);
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    for (let i = next++; i < CREATES; i = next++) {
      const z = i % ZONES;
      await api(d.apiPorts[i % d.apiPorts.length], 'POST', `/v2/zones/${loadZones[z]}/recordsets`, { name: `r${i}.load${z}.bench-cluster.example.`, type: 'A', records: ['192.0.2.1'] });
    }
  }));
  const createsPerSec = CREATES / ((performance.now() - started) / 1000);
  const latencies: number[] = [];
  for (let i = 0; i < CHANGES; i++) {
    const name = `probe${i}.bench-cluster.example`;
    await api(d.apiPorts[i % d.apiPorts.length], 'POST', path, { name: `${name}.`, type: 'A', records: ['192.0.2.2'] });
    const accepted = performance.now();
    const waiting = new Set(d.dnsPorts);
    while (waiting.size > 0) {
      for (const port of [...waiting]) if (await answered(port, name)) waiting.delete(port);
      if (performance.now() - accepted > 30_000) throw new Error(`${name} not served within 30 s`);
    }
    latencies.push(performance.now() - accepted);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { createsPerSec, p50: pct(50), p99: pct(99), max: latencies.at(-1)! };
}

/** Kills central between commit and announcement; how long until every mdns serves the change anyway. */
async function worstConvergence(d: Distributed): Promise<number[]> {
  const zone = await api(d.apiPorts[0], 'GET', '/v2/zones?name=bench-cluster.example.');
  const path = `/v2/zones/${zone.zones[0].id}/recordsets`;
  // Only a central that dies between commit and announcement takes calls from here on.
  for (const c of d.centrals) await d.cluster.kill9(c);
  const times: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    const faulty = await d.cluster.start('central', { ZONECAST_FAULT_KILL_BEFORE_ANNOUNCE: '1' });
    const name = `unannounced${k}.bench-cluster.example`;
    // The API waits out rpc_response_timeout for a reply that never comes; nobody waits for it here. Until
    // the API sees the new central (it asks the broker once a second) it answers 503 at once: sent again.
    void (async () => {
      while (faulty.exitedAt === null) {
        const res = await fetch(`http://127.0.0.1:${d.apiPorts[0]}${path}`, { method: 'POST', headers: BENCH_HEADERS, body: JSON.stringify({ name: `${name}.`, type: 'A', records: ['192.0.2.3'] }) }).catch(() => null);
        if (res?.status !== 503) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await faulty.exited;
    const waiting = new Set(d.dnsPorts);
    while (waiting.size > 0) {
      for (const port of [...waiting]) if (await answered(port, name)) waiting.delete(port);
      if (Date.now() - faulty.exitedAt! > 60_000) throw new Error(`${name} not served within 60 s`);
    }
    times.push(Date.now() - faulty.exitedAt!);
  }
  return times;
}

const rows: string[][] = [];
const data: Record<string, unknown> = {};
let embeddedP99 = 0;
let convergence: number[] = [];
for (const start of [() => startEmbedded('sqlite'), () => startEmbedded('mariadb'), () => startDistributed(1), () => startDistributed(2)]) {
  const d = await start();
  try {
    const m = await measure(d);
    if (d.name.startsWith('embedded') && embeddedP99 === 0) embeddedP99 = m.p99;
    data[d.name] = m;
    rows.push([d.name, fmt(m.createsPerSec), fmt(m.p50, 1), fmt(m.p99, 1), fmt(m.max, 1), embeddedP99 ? `${fmt(m.p99 / embeddedP99, 2)}×` : '']);
    console.log(`${d.name}: ${fmt(m.createsPerSec)} creates/s, 202 → served p50 ${fmt(m.p50, 1)} ms p99 ${fmt(m.p99, 1)} ms`);
    if ('cluster' in d && d.dnsPorts.length === 2) convergence = await worstConvergence(d as Distributed);
  } finally {
    await d.close();
  }
}
const text = [
  table(['deployment', `creates/s (${CLIENTS} clients, ${ZONES} zones)`, '202 → served p50 ms', 'p99 ms', 'max ms', 'p99 vs embedded SQLite'], rows),
  '',
  `central killed between commit and announcement (${KILLS} times, sync_interval 5 s): every mdns served the change after ${convergence.map((t) => fmt(t)).join(', ')} ms (worst ${fmt(Math.max(...convergence))} ms)`,
].join('\n');
console.log(`\n${text}`);
data.convergence = convergence;
for (const f of writeResults('cluster', environment(), data, text)) console.log(`wrote ${f}`);
