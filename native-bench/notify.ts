// bench:notify — one zone change NOTIFYing 1,000 and 10,000 secondaries through the pool (engine/notify).
// The secondaries are UDP ports on 127.0.0.1 in responder processes pinned to core 1; this process and its
// pool thread get core 0. Each round times pool.notify() until every target has an outcome, with an initial
// timeout of 1 s: a single lost datagram would show as a round over 1 s.
// Run: npm run bench:notify [-- --targets 1000,10000 --rounds 5]
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { NotifyPool, notifySummary } from '../engine/notify/notify-pool.ts';
import type { NotifyTarget } from '../engine/notify/fanout.ts';
import { CLIENT_CPU, pinned, SERVER_CPU } from './lib/proc.ts';
import { environment, fmt, table, writeResults } from './lib/report.ts';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '1000,10000' },
    rounds: { type: 'string', default: '5' },
  },
});
const sizes = values.targets.split(',').map(Number);
const rounds = Number(values.rounds);
const RETRIES = 2;
const INITIAL_TIMEOUT_MS = 1000;
// Descriptors a responder keeps for itself (stdio, epoll, libuv internals) beside its sockets.
const FD_RESERVE = 256;

interface Responder {
  child: ChildProcess;
  ports: number[];
}

if (spawnSync('pgrep', ['-x', 'dnsperf']).status === 0) throw new Error('dnsperf is running: one benchmark at a time');

/** Node raises its soft descriptor limit to the hard one at start-up, so the hard limit is what a responder gets. */
function portsPerProcess(): number {
  const hard = execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  return hard === 'unlimited' ? Infinity : Number(hard) - FD_RESERVE;
}

async function startResponder(count: number): Promise<Responder> {
  const [cmd, args] = pinned(CLIENT_CPU, process.execPath, [new URL('./lib/notify-responder.ts', import.meta.url).pathname, String(count)]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => { throw new Error(`responder exited (${code}) before binding`); });
  const ready = once(lines, 'line').then(([line]: string[]) => line.slice('ports '.length).split(',').map(Number));
  return { child, ports: await Promise.race([ready, exited]) };
}

/** Spreads `total` ports over as few processes as the descriptor limit allows. */
async function startResponders(total: number): Promise<Responder[]> {
  const per = Math.min(total, portsPerProcess());
  const counts = Array.from({ length: Math.ceil(total / per) }, (_, i) => Math.min(per, total - i * per));
  return Promise.all(counts.map(startResponder));
}

async function stopResponder(r: Responder): Promise<number> {
  const lines = createInterface({ input: r.child.stdout! });
  const answered = once(lines, 'line').then(([line]: string[]) => Number(line.split(' ')[1]));
  r.child.kill('SIGTERM');
  return answered;
}

// Core 0 for this process and the pool thread it is about to start (threads inherit the affinity).
execFileSync('taskset', ['-a', '-p', '-c', String(SERVER_CPU), String(process.pid)], { stdio: 'ignore' });
const responders = await startResponders(Math.max(...sizes));
const ports = responders.flatMap((r) => r.ports);
const pool = new NotifyPool();
const request = (targets: NotifyTarget[]) => ({
  zone: 'bench.test.', targets, retries: RETRIES, initialTimeoutMs: INITIAL_TIMEOUT_MS,
  soa: { ttl: 3600, mname: 'ns1.bench.test.', rname: 'hostmaster.bench.test.', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 60 },
});

interface Row {
  targets: number;
  round: number;
  wallMs: number;
  fanoutMs: number;
  acknowledged: number;
  retransmissions: number;
}

const rows: Row[] = [];
let sent = 0;
for (const size of sizes) {
  const targets = ports.slice(0, size).map((port) => ({ host: '127.0.0.1', port }));
  for (let round = 0; round <= rounds; round++) {
    const started = performance.now();
    const outcomes = await pool.notify(request(targets));
    const wallMs = performance.now() - started;
    const summary = notifySummary(request(targets), outcomes);
    const attempts = outcomes.reduce((n, o) => n + o.attempts, 0);
    sent += attempts;
    // Round 0 warms up the JIT and the pool thread, and is not reported.
    if (round > 0) rows.push({ targets: size, round, wallMs, fanoutMs: summary.ms, acknowledged: summary.acknowledged, retransmissions: attempts - size });
  }
}
await pool.close();
const answered = (await Promise.all(responders.map(stopResponder))).reduce((a, b) => a + b, 0);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const text = [
  table(['targets', 'round', 'all done ms', 'fan-out ms', 'acknowledged', 'retransmitted'], rows.map((r) => [
    fmt(r.targets), String(r.round), fmt(r.wallMs, 1), fmt(r.fanoutMs, 1), fmt(r.acknowledged), fmt(r.retransmissions),
  ]), 0),
  '',
  ...sizes.map((size) => {
    const mine = rows.filter((r) => r.targets === size);
    return `${fmt(size)} targets: median ${fmt(median(mine.map((r) => r.wallMs)), 1)} ms until every target acknowledged ` +
      `(${fmt(median(mine.map((r) => r.fanoutMs)), 1)} ms inside the task), ${mine.every((r) => r.acknowledged === size) ? 'all' : 'NOT all'} acknowledged`;
  }),
  `responders: ${responders.length} process(es), ${fmt(ports.length)} ports, ${fmt(answered)} answered of ${fmt(sent)} sent`,
  '"all done ms": pool.notify() call to resolve, including the hop to the pool thread, socket set-up and the',
  'outcomes back; "fan-out ms": inside the task, from the start of the fan-out to the last acknowledgement.',
].join('\n');
console.log(text);
const env = { ...environment(), retries: RETRIES, initialTimeoutMs: INITIAL_TIMEOUT_MS };
console.log(`\nwrote ${writeResults('notify', env, rows, text).join(', ')}`);
