// Runs dnsperf on the client core and parses its statistics block.
import { execFile } from 'node:child_process';
import { requireBinary } from './packages.ts';
import { CLIENT_CPU, pinned } from './proc.ts';

export interface DnsperfOptions {
  port: number;
  queryFile: string;
  seconds: number;
  /** Client sockets (-c): spreads queries over source ports like real resolvers. */
  clients: number;
  /** Max queries in flight (-q): enough to keep one server thread busy. */
  outstanding: number;
}

export interface DnsperfResult {
  sent: number;
  completed: number;
  lost: number;
  qps: number;
  /** Latencies in milliseconds. */
  avgLatencyMs: number;
  minLatencyMs: number;
  maxLatencyMs: number;
  latencyStdDevMs: number;
  /** Response code counts, e.g. { NOERROR: 900, NXDOMAIN: 100 }. */
  rcodes: Record<string, number>;
}

export async function runDnsperf(o: DnsperfOptions): Promise<DnsperfResult> {
  // One dnsperf thread (-T 1): the client has exactly one core, like the server.
  const args = ['-s', '127.0.0.1', '-p', String(o.port), '-d', o.queryFile, '-l', String(o.seconds)];
  args.push('-c', String(o.clients), '-q', String(o.outstanding), '-T', '1');
  const [file, argv] = pinned(CLIENT_CPU, requireBinary('dnsperf'), args);
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(file, argv, { maxBuffer: 1 << 20 }, (err, out, errOut) =>
      err ? reject(new Error(`dnsperf failed: ${err.message}\n${errOut}`)) : resolve(out),
    ),
  );
  return parseDnsperf(stdout);
}

export function parseDnsperf(out: string): DnsperfResult {
  const num = (label: string): number => {
    const m = new RegExp(`${label}:\\s+([\\d.]+)`).exec(out);
    if (!m) throw new Error(`dnsperf output lacks "${label}":\n${out}`);
    return Number(m[1]);
  };
  const latency = /Average Latency \(s\):\s+([\d.]+) \(min ([\d.]+), max ([\d.]+)\)/.exec(out);
  if (!latency) throw new Error(`dnsperf output lacks latency:\n${out}`);
  const rcodes: Record<string, number> = {};
  const rcodeLine = /Response codes:\s+(.*)/.exec(out)?.[1] ?? '';
  for (const m of rcodeLine.matchAll(/([A-Z]+) (\d+)/g)) rcodes[m[1]] = Number(m[2]);
  return {
    sent: num('Queries sent'),
    completed: num('Queries completed'),
    lost: num('Queries lost'),
    qps: num('Queries per second'),
    avgLatencyMs: Number(latency[1]) * 1000,
    minLatencyMs: Number(latency[2]) * 1000,
    maxLatencyMs: Number(latency[3]) * 1000,
    latencyStdDevMs: num('Latency StdDev \\(s\\)') * 1000,
    rcodes,
  };
}
