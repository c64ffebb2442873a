// bench:reload — a new serial of a large zone: 10 records and the serial change in a 1,000,000-record file.
// Time from the reload trigger (SIGHUP for zonecast, knotc zone-reload for Knot) until the new serial
// answers; then, for zonecast, IXFR of that change from the old serial: round trip on the client and the
// server's CPU per response.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import { ensureDataset, WORK_DIR } from './lib/dataset.ts';
import { soaQuery } from './lib/dns-probe.ts';
import { ensurePackages, requireBinary } from './lib/packages.ts';
import { cpuSeconds } from './lib/proc.ts';
import { environment, fmt, table, writeResults } from './lib/report.ts';
import { selectServers, withServer, type ServerName } from './lib/servers.ts';
import { ORIGIN } from './lib/zone-gen.ts';
import { createSocket } from 'node:dgram';
import net from 'node:net';

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, only: { type: 'string' } } });
const records = Number(values.records);
const servers = selectServers(values.only);
const run = promisify(execFile);
const IXFR_ROUNDS = 50;

ensurePackages(['knot']);
const ds = ensureDataset(records);
const dir = join(WORK_DIR, 'reload', 'zones');
mkdirSync(dir, { recursive: true });
const zoneFile = join(dir, `${ORIGIN.slice(0, -1)}.zone`);
const original = readFileSync(ds.zoneFile, 'latin1');
const OLD_SERIAL = 2024010101;
const NEW_SERIAL = OLD_SERIAL + 1;
const changed = changeTenRecords(original);

/** The same zone with the serial raised and the address of 10 A records changed. */
function changeTenRecords(text: string): string {
  const lines = text.split('\n');
  lines[0] = lines[0].replace(` ${OLD_SERIAL} `, ` ${NEW_SERIAL} `);
  let done = 0;
  for (let i = Math.floor(lines.length / 11); i < lines.length && done < 10; i += Math.floor(lines.length / 11)) {
    for (let j = i; j < lines.length; j++) {
      const m = / IN A (\d+\.\d+\.\d+)\.(\d+)$/.exec(lines[j]);
      if (!m) continue;
      lines[j] = lines[j].replace(/ IN A .*$/, ` IN A ${m[1]}.${(Number(m[2]) + 1) % 256}`);
      done++;
      break;
    }
  }
  return lines.join('\n');
}

function serialOf(port: number): Promise<number> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => { sock.close(); resolve(-1); }, 200);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      const answer = (dnsPacket.decode(msg).answers ?? [])[0] as { data?: { serial?: number } } | undefined;
      resolve(answer?.data?.serial ?? -1);
    });
    sock.send(soaQuery(1, ORIGIN), port, '127.0.0.1');
  });
}

async function waitSerial(port: number, serial: number, since: number): Promise<number> {
  while ((await serialOf(port)) !== serial) await new Promise((r) => setTimeout(r, 10));
  return performance.now() - since;
}

/** One IXFR over TCP from OLD_SERIAL: resolves with the round trip and the answer count of its message. */
function ixfr(port: number): Promise<{ ms: number; answers: number }> {
  const query = dnsPacket.streamEncode({
    type: 'query', id: 9, questions: [{ type: 'IXFR', name: ORIGIN.slice(0, -1) } as never],
    authorities: [{ type: 'SOA', name: ORIGIN, data: { mname: 'ns1', rname: 'h', serial: OLD_SERIAL, refresh: 1, retry: 1, expire: 1, minimum: 1 } } as never],
  });
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(query));
    let data = Buffer.alloc(0);
    let settled = false;
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (settled || data.length < 2 || data.length < 2 + data.readUInt16BE(0)) return;
      settled = true;
      resolve({ ms: performance.now() - started, answers: data.readUInt16BE(2 + 6) });
      // Only the first message matters; leaving mid-transfer resets the connection, which is expected.
      socket.destroy();
    });
    socket.on('error', (err) => { if (!settled) reject(err); });
  });
}

interface Row { server: ServerName; reloadMs: number; ixfrMedianMs?: number; ixfrServerCpuMs?: number; ixfrRecords?: number }
const rows: Row[] = [];
for (const name of servers) {
  writeFileSync(zoneFile, original);
  await withServer(name, { ...ds, zoneDir: dir, zoneFile }, async (server, port) => {
    writeFileSync(zoneFile, changed);
    const started = performance.now();
    if (name === 'zonecast') process.kill(server.pid, 'SIGHUP');
    else await run(requireBinary('knotc'), ['-s', join(WORK_DIR, 'knot', 'knot.sock'), 'zone-reload', ORIGIN]);
    const reloadMs = await waitSerial(port, NEW_SERIAL, started);
    console.log(`${name}: new serial answering ${fmt(reloadMs)} ms after the reload trigger`);
    const row: Row = { server: name, reloadMs };
    if (name === 'zonecast') {
      // The journal step is diffed after the new serial serves; until then IXFR answers with the whole zone.
      try {
        while ((await ixfr(port)).answers > 100) await new Promise((r) => setTimeout(r, 50));
      } catch (err) {
        console.log(server.tail.join('\n'));
        throw err;
      }
      const times: number[] = [];
      const cpuBefore = cpuSeconds(server.pid);
      let answers = 0;
      for (let i = 0; i < IXFR_ROUNDS; i++) {
        const r = await ixfr(port);
        times.push(r.ms);
        answers = r.answers;
      }
      row.ixfrServerCpuMs = ((cpuSeconds(server.pid) - cpuBefore) * 1000) / IXFR_ROUNDS;
      row.ixfrMedianMs = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
      row.ixfrRecords = answers;
    }
    rows.push(row);
  });
}
copyFileSync(ds.zoneFile, zoneFile);

const text = `${fmt(records)} records, 10 changed plus the serial; server on core 0\n\n` + table(
  ['server', 'reload ms', 'IXFR round trip ms (median)', 'IXFR server CPU ms', 'IXFR records'],
  rows.map((r) => [r.server, fmt(r.reloadMs), r.ixfrMedianMs === undefined ? '-' : fmt(r.ixfrMedianMs, 2),
    r.ixfrServerCpuMs === undefined ? '-' : fmt(r.ixfrServerCpuMs, 2), r.ixfrRecords === undefined ? '-' : fmt(r.ixfrRecords)]),
) + '\n';
console.log(`\n${text}`);
console.log(`written: ${writeResults('reload', environment(), rows, text).join(', ')}`);
