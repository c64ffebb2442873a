// bench:qps — UDP queries/second and server CPU per query, Knot vs zonecast,
// on the same zone and query files. With one thread each (zonecast's workers = 1,
// Knot's udp-workers = 1) the server runs on core 0 and dnsperf on core 1; with
// more, the server may use every core and dnsperf shares them.
import { parseArgs } from 'node:util';
import { ensureDataset } from './lib/dataset.ts';
import { runDnsperf, type DnsperfResult } from './lib/dnsperf.ts';
import { ensurePackages } from './lib/packages.ts';
import { cpuSeconds, memory } from './lib/proc.ts';
import { NX_SHARE, QUERY_MIXES, type QueryMix } from './lib/query-gen.ts';
import { environment, fmt, table, writeResults } from './lib/report.ts';
import { selectServers, withServer, type ServerName } from './lib/servers.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    records: { type: 'string', default: '100000' },
    // Unmeasured run first, so Node's JIT and both servers' caches are warm.
    warmup: { type: 'string', default: '2' },
    only: { type: 'string' },
    // Answering threads (zonecast's [service:mdns] workers) and Knot's udp-workers, one run per count.
    threads: { type: 'string', default: '1,2' },
  },
});
const threadCounts = values.threads.split(',').map(Number);
if (threadCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--threads takes counts like 1,2');
const seconds = Number(values.seconds);
const records = Number(values.records);
const warmup = Number(values.warmup);
const servers = selectServers(values.only);

interface Row extends DnsperfResult {
  server: ServerName;
  threads: number;
  mix: QueryMix;
  serverCpuSeconds: number;
  /** Server CPU time per completed query: the cost that matters on 2 cores. */
  serverCpuUsPerQuery: number;
  /** Share of its core the server used: below ~95% the client was the limit. */
  serverCpuShare: number;
  /** Resident memory after the run, zone loaded and caches warm. */
  rss: number;
}

ensurePackages(['knot', 'dnsperf']);
const ds = ensureDataset(records);
const env = { ...environment(), records, seconds };
const rows: Row[] = [];

for (const threads of threadCounts) {
  for (const name of servers) {
    await withServer(name, ds, async (server, port) => {
      for (const mix of QUERY_MIXES) {
        // More client sockets with more threads: the kernel spreads them over the server's sockets by port.
        const perf = { port, queryFile: ds.queryFiles[mix], clients: 8 * threads, outstanding: 200 * threads };
        if (warmup > 0) await runDnsperf({ ...perf, seconds: warmup });
        const cpuBefore = cpuSeconds(server.pid);
        const result = await runDnsperf({ ...perf, seconds });
        const cpu = cpuSeconds(server.pid) - cpuBefore;
        const row: Row = {
          server: name,
          threads,
          mix,
          ...result,
          serverCpuSeconds: cpu,
          serverCpuUsPerQuery: (cpu * 1e6) / result.completed,
          serverCpuShare: cpu / seconds,
          rss: memory(server.pid).rss,
        };
        rows.push(row);
        console.log(`${name} ×${threads} ${mix}: ${fmt(row.qps)} qps, ${fmt(row.serverCpuUsPerQuery, 2)} µs CPU/query, RSS ${fmt(row.rss / 2 ** 20)} MiB`);
      }
    }, threads);
  }
}

/** Percentage of responses with the given rcodes. */
const share = (r: Row, codes: string[]) =>
  (100 * codes.reduce((sum, c) => sum + (r.rcodes[c] ?? 0), 0)) / Math.max(1, r.completed);

const results = table(
  ['server', 'threads', 'mix', 'QPS', 'lost', 'avg ms', 'µs CPU/q', 'CPU %', 'RSS MiB', 'NXDOMAIN %', 'other rcode %'],
  rows.map((r) => [
    r.server,
    String(r.threads),
    r.mix,
    fmt(r.qps),
    fmt(r.lost),
    fmt(r.avgLatencyMs, 3),
    fmt(r.serverCpuUsPerQuery, 2),
    fmt(100 * r.serverCpuShare),
    fmt(r.rss / 2 ** 20),
    fmt(share(r, ['NXDOMAIN']), 1),
    fmt(100 - share(r, ['NOERROR', 'NXDOMAIN']), 1),
  ]),
  2,
);

const ratioRows = threadCounts.flatMap((threads) => QUERY_MIXES.flatMap((mix) => {
  const knot = rows.find((r) => r.server === 'knot' && r.threads === threads && r.mix === mix);
  const zc = rows.find((r) => r.server === 'zonecast' && r.threads === threads && r.mix === mix);
  if (!knot || !zc) return [];
  return [[String(threads), mix, fmt(zc.qps / knot.qps, 2), fmt(zc.serverCpuUsPerQuery / knot.serverCpuUsPerQuery, 2), fmt(zc.rss / knot.rss, 2)]];
}));
const ratios = ratioRows.length
  ? '\n\nzonecast / knot with as many threads (QPS: higher is better; CPU per query and RSS: lower is better)\n' +
    table(['threads', 'mix', 'QPS ratio', 'µs CPU/q ratio', 'RSS ratio'], ratioRows)
  : '';

const text = `${records} records, ${seconds} s per run, dnsperf -T 1 with -c 8 -q 200 per server thread; one thread: server on core 0, ` +
  `dnsperf on core 1; more: server on every core, sharing them with dnsperf\n\n${results}${ratios}`;
console.log(`\n${text}`);
// A server that answers wrongly fast is not fast: flag rcode mixes that differ
// from what the query file must produce.
for (const r of rows) {
  const nxOff = Math.abs(share(r, ['NXDOMAIN']) - 100 * NX_SHARE[r.mix]) > 0.5;
  if (nxOff || 100 - share(r, ['NOERROR', 'NXDOMAIN']) > 0.5) {
    console.warn(`warning: ${r.server} ${r.mix} answered ${JSON.stringify(r.rcodes)}: figures are not comparable`);
  }
}
console.log(`\nwritten: ${writeResults('qps', env, rows, text).join(', ')}`);
