// bench:axfr — a full zone transfer of a large zone, Knot vs zonecast: wall time to a dig client on the
// other core (the first AXFR after the start, when zonecast renders its image, and later ones), server CPU
// seconds, and how long queries for another name waited meanwhile (a server that
// stalls during a transfer shows it here).
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';
import { ensureDataset } from './lib/dataset.ts';
import { soaQuery } from './lib/dns-probe.ts';
import { ensurePackages, requireBinary } from './lib/packages.ts';
import { CLIENT_CPU, cpuSeconds, pinned } from './lib/proc.ts';
import { environment, fmt, table, writeResults } from './lib/report.ts';
import { selectServers, withServer, type ServerName } from './lib/servers.ts';
import { ORIGIN } from './lib/zone-gen.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
  },
});
const records = Number(values.records);
const rounds = Number(values.rounds);
const servers = selectServers(values.only);

interface Row {
  server: ServerName;
  round: number;
  wallMs: number;
  serverCpuMs: number;
  received: number;
  probeMaxMs: number;
  probes: number;
}

ensurePackages(['knot', 'bind9-dnsutils']);
const ds = ensureDataset(records);
const env = { ...environment(), records };
const rows: Row[] = [];

/** dig on the client core; its last line says how many records arrived. */
function transfer(port: number): Promise<{ ms: number; received: number }> {
  const [file, argv] = pinned(CLIENT_CPU, requireBinary('dig'), ['@127.0.0.1', '-p', String(port), ORIGIN, 'AXFR', '+noall', '+stats']);
  const started = performance.now();
  return new Promise((resolve, reject) =>
    execFile(file, argv, { maxBuffer: 1 << 20 }, (err, out) => {
      if (err) return reject(err);
      const m = /XFR size: (\d+) records/.exec(out);
      resolve({ ms: performance.now() - started, received: m ? Number(m[1]) : 0 });
    }),
  );
}

/** SOA queries every 10 ms during the transfer: the slowest answer shows whether answering stalled. */
function probe(port: number): { stop: () => { maxMs: number; count: number } } {
  const sock = createSocket('udp4');
  const sent = new Map<number, number>();
  let maxMs = 0;
  let count = 0;
  let id = 0;
  sock.on('message', (msg) => {
    const at = sent.get(msg.readUInt16BE(0));
    if (at === undefined) return;
    maxMs = Math.max(maxMs, performance.now() - at);
    count++;
  });
  const timer = setInterval(() => {
    id = (id + 1) & 0xffff;
    sent.set(id, performance.now());
    sock.send(soaQuery(id, ORIGIN), port, '127.0.0.1');
  }, 10);
  return { stop: () => { clearInterval(timer); sock.close(); return { maxMs, count }; } };
}

for (const name of servers) {
  await withServer(name, ds, async (server, port) => {
    // Round 0 is the first AXFR of the serial: zonecast renders its AXFR image then, sending while it renders.
    for (let round = 0; round <= rounds; round++) {
      const cpuBefore = cpuSeconds(server.pid);
      const p = probe(port);
      const { ms, received } = await transfer(port);
      const { maxMs, count } = p.stop();
      rows.push({ server: name, round, wallMs: ms, serverCpuMs: (cpuSeconds(server.pid) - cpuBefore) * 1000, received, probeMaxMs: maxMs, probes: count });
      console.log(`${name} round ${round}: ${fmt(ms)} ms wall, ${fmt(rows.at(-1)!.serverCpuMs)} ms server CPU, ${fmt(received)} records`);
    }
  });
}

const best = (server: ServerName, key: 'wallMs' | 'serverCpuMs') => Math.min(...rows.filter((r) => r.server === server && r.round > 0).map((r) => r[key]));
const first = (server: ServerName) => rows.find((r) => r.server === server && r.round === 0)!.wallMs;
const text =
  `AXFR of ${fmt(records)} records to dig on core ${CLIENT_CPU}, server on core 0; round 0 is the first AXFR after the start, then ${rounds} more\n\n` +
  table(
    ['server', 'round', 'wall ms', 'server CPU ms', 'records', 'probe max ms', 'probes'],
    rows.map((r) => [r.server, String(r.round), fmt(r.wallMs), fmt(r.serverCpuMs), fmt(r.received), fmt(r.probeMaxMs, 1), fmt(r.probes)]),
  ) +
  (servers.length === 2
    ? `\n\nzonecast / knot, first AXFR: wall ${fmt(first('zonecast') / first('knot'), 2)}` +
      `\nzonecast / knot (best of rounds 1-${rounds}): wall ${fmt(best('zonecast', 'wallMs') / best('knot', 'wallMs'), 2)}, ` +
      `server CPU ${fmt(best('zonecast', 'serverCpuMs') / best('knot', 'serverCpuMs'), 2)}\n`
    : '\n');
console.log(`\n${text}`);
console.log(`written: ${writeResults('axfr', env, rows, text).join(', ')}`);
