// bench:api — the v2 API of `zonecast start` (the embedded default: SQLite, one process) under autocannon,
// and the time from a recordset change's 202 to DNS answering with it.
//   GET /v2/zones (100 zones), POST recordsets (10 concurrent clients), GET the recordsets of a
//   10,000-recordset zone; then, in a 100,000-record zone, recordset creates, updates and deletes one after
//   another.
// Designate cannot run on this machine, so its figures are the ones measured on Designate 15 (issue 4:
// GET /v2/zones ≈ 140 req/s, recordset creates ≈ 9/s with 10 clients); the ratios are against those.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { freePort } from './lib/dns-probe.ts';
import { startServer, stopServer, cpuSeconds } from './lib/proc.ts';
import { environment, fmt, table, writeResults } from './lib/report.ts';
import { BENCH_DIR } from './lib/dataset.ts';
import { ask } from '../test/helpers/client.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    zones: { type: 'string', default: '100' },
    recordsets: { type: 'string', default: '10000' },
    big: { type: 'string', default: '100000' },
    changes: { type: 'string', default: '150' },
  },
});
const DURATION = Number(values.duration);
const DESIGNATE = { listZones: 140, createRecordsets: 9 };

const dir = mkdtempSync(join(tmpdir(), 'zonecast-bench-api-'));
const apiPort = await freePort();
const dnsPort = await freePort();
const unlimited = Object.fromEntries(['zones', 'zone_recordsets', 'zone_records', 'recordset_records', 'api_export_size']
  .map((q) => [`ZONECAST_DEFAULT_QUOTA_${q.toUpperCase()}`, '-1']));
Object.assign(process.env, unlimited, { ZONECAST_LOG_LEVEL: 'warn', ZONECAST_OSLO_MIDDLEWARE_MAX_REQUEST_BODY_SIZE: String(256 * 2 ** 20) });
const server = startServer('zonecast', process.execPath, [
  join(BENCH_DIR, '..', 'bin', 'zonecast.ts'), 'start', '--data-dir', dir,
  '--api-listen', `127.0.0.1:${apiPort}`, '--listen', `127.0.0.1:${dnsPort}`,
], { cwd: dir });
const base = `http://127.0.0.1:${apiPort}`;
const headers = { 'content-type': 'application/json', 'x-auth-project-id': 'bench' };

async function api(method: string, path: string, body?: unknown, type = 'application/json'): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method, headers: { ...headers, 'content-type': type },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

async function waitForApi(): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      await fetch(`${base}/healthcheck`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`the API never came up:\n${server.tail.join('\n')}`);
}

/** Imports a zone of `count` A records as a master file and waits until it answers on DNS. */
async function importZone(name: string, count: number): Promise<any> {
  const lines = [`$ORIGIN ${name}`, '$TTL 300', `@ IN SOA ns1.example.org. hostmaster.example.org. 1 3600 600 86400 300`, '@ IN NS ns1.example.org.'];
  for (let i = 0; i < count; i++) lines.push(`h${i} IN A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  const started = performance.now();
  const task = await api('POST', '/v2/zones/tasks/imports', `${lines.join('\n')}\n`, 'text/dns');
  let done = task;
  while (done.status === 'PENDING') {
    await new Promise((r) => setTimeout(r, 200));
    done = await api('GET', `/v2/zones/tasks/imports/${task.id}`);
  }
  if (done.status !== 'COMPLETE') throw new Error(`import of ${name} ended ${done.status}: ${done.message}`);
  const zone = await api('GET', `/v2/zones/${done.zone_id}`);
  while ((await ask(dnsPort, name, 'SOA'))?.answers.length !== 1) await new Promise((r) => setTimeout(r, 100));
  console.log(`imported ${name} (${fmt(count)} records) in ${fmt((performance.now() - started) / 1000, 1)} s`);
  return zone;
}

async function load(title: string, opts: autocannon.Options): Promise<{ title: string; rps: number; p99: number; errors: number; cpu: number }> {
  const cpu0 = cpuSeconds(server.pid);
  const result = await autocannon({ duration: DURATION, connections: 10, ...opts });
  const cpu = cpuSeconds(server.pid) - cpu0;
  const errors = result.non2xx + result.errors + result.timeouts;
  console.log(`${title}: ${fmt(result.requests.average)} req/s, p99 ${result.latency.p99} ms, errors ${errors}`);
  return { title, rps: result.requests.average, p99: result.latency.p99, errors, cpu: (cpu / result.requests.total) * 1e6 };
}

try {
  await waitForApi();
  for (let i = 0; i < Number(values.zones); i++) await api('POST', '/v2/zones', { name: `z${i}.bench.example.`, email: 'hostmaster@bench.example' });
  const target = await api('POST', '/v2/zones', { name: 'creates.bench.example.', email: 'hostmaster@bench.example' });
  const listed = await importZone('list.bench.example.', Number(values.recordsets));

  const results = [];
  results.push(await load('GET /v2/zones', { url: `${base}/v2/zones`, headers }));
  let n = 0;
  results.push(await load('POST recordsets', {
    url: `${base}/v2/zones/${target.id}/recordsets`, method: 'POST', headers,
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ name: `r${n++}.creates.bench.example.`, type: 'A', records: ['192.0.2.1'] }) }) }],
  }));
  results.push(await load(`GET recordsets (${fmt(Number(values.recordsets))}-recordset zone)`, { url: `${base}/v2/zones/${listed.id}/recordsets`, headers }));

  // One change at a time, from the 202 until DNS shows it (polling over UDP): a name is created, its
  // records replaced, then it is deleted, in turn.
  const big = await importZone('big.bench.example.', Number(values.big));
  const latencies: number[] = [];
  const zonePath = `/v2/zones/${big.id}/recordsets`;
  let current: { id: string; name: string } | null = null;
  const answers = async (name: string) => (await ask(dnsPort, name, 'A'))?.answers.map((a) => a.data as string) ?? null;
  for (let i = 0; i < Number(values.changes); i++) {
    let shown: (got: string[] | null) => boolean;
    if (current === null) {
      const name = `new${i}.big.bench.example.`;
      current = { id: (await api('POST', zonePath, { name, type: 'A', records: ['192.0.2.99'] })).id, name };
      shown = (got) => got?.[0] === '192.0.2.99';
    } else if (i % 3 === 1) {
      await api('PUT', `${zonePath}/${current.id}`, { records: ['192.0.2.100'] });
      shown = (got) => got?.[0] === '192.0.2.100';
    } else {
      await api('DELETE', `${zonePath}/${current.id}`);
      shown = (got) => got?.length === 0;
    }
    const accepted = performance.now();
    const name = current.name.slice(0, -1);
    while (!shown(await answers(name))) { /* poll */ }
    latencies.push(performance.now() - accepted);
    if (i % 3 === 2) current = null;
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];

  const text = [
    table(['load (10 clients, autocannon)', 'req/s', 'p99 ms', 'errors', 'server CPU µs/req', 'vs Designate 15'], results.map((r) => [
      r.title, fmt(r.rps), fmt(r.p99), fmt(r.errors), fmt(r.cpu),
      r.title === 'GET /v2/zones' ? `${fmt(r.rps / DESIGNATE.listZones, 1)}×` : r.title === 'POST recordsets' ? `${fmt(r.rps / DESIGNATE.createRecordsets, 1)}×` : '',
    ])),
    '',
    `202 → change answering on DNS, one-recordset create/update/delete in a ${fmt(Number(values.big))}-record zone (${latencies.length} changes):`,
    `  p50 ${fmt(pct(50))} ms, p90 ${fmt(pct(90))} ms, p99 ${fmt(pct(99))} ms, max ${fmt(latencies.at(-1)!)} ms`,
  ].join('\n');
  console.log(`\n${text}`);
  for (const f of writeResults('api', environment(), { results, latencies }, text)) console.log(`wrote ${f}`);
} catch (err) {
  console.error(`server output:\n${server.tail.join('\n')}`);
  throw err;
} finally {
  await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
}
