// bench:designate-mdns — zonecast designate-mdns beside Debian's designate-mdns (Designate 15.0.2), on the
// same Designate database (Zed's schema, rows as central writes them) and the same zones, one server at a
// time pinned to core 0, the client on core 1:
// - UDP queries/second of SOA and A questions (dnsperf), zonecast checking the database for every question;
// - SQL statements per DNS question (MariaDB's Questions counter over sequential questions) and database CPU;
// - AXFR of a 100,000-record zone: the first transfer (zonecast reads and compiles the zone for it), later
//   ones, and the first transfer of a new version after a change, time to the first message and to the last,
//   with MariaDB moved to the client's core meanwhile (a database runs on its own machine in a deployment:
//   on the server's core its share of a transfer only blurs the server's; during the query rates it stays
//   free to use both cores, since dnsperf fills the client's);
// - IXFR after one changed record: bytes sent, beside designate-mdns's full transfer.
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DesignateDb, type Zone } from '../test/helpers/designate-db.ts';
import { freePort, soaQuery, waitUntilServing } from './lib/dns-probe.ts';
import { runDnsperf, type DnsperfResult } from './lib/dnsperf.ts';
import { ensurePackages, requireBinary } from './lib/packages.ts';
import { CLIENT_CPU, cpuSeconds, startServer, stopServer, type Server } from './lib/proc.ts';
import { environment, fmt, table, writeResults } from './lib/report.ts';
import { timeTransfer, type TransferTiming } from './lib/xfr-probe.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    records: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
  },
});
const seconds = Number(values.seconds);
const bigRecords = Number(values.records);
const rounds = Number(values.rounds);
type Name = 'designate-mdns' | 'zonecast';
const NAMES: Name[] = ['designate-mdns', 'zonecast'];

ensurePackages(['dnsperf']);
// Debian's designate-mdns: installed by .ci/run (with the debconf answers there) for the live tests.
requireBinary('designate-mdns');
// The client (dnsperf, the transfers, this process) on the other core.
execFileSync('taskset', ['-cp', String(CLIENT_CPU), String(process.pid)], { stdio: 'ignore' });
const work = mkdtempSync(join(tmpdir(), 'zonecast-bench-dmdns-'));
const db = await DesignateDb.create('zed');
let bigZone: Zone | null = null;
const mariadb = Number(execFileSync('pgrep', ['-o', '-x', 'mariadbd']).toString().trim());
/** MariaDB's CPUs as found, given back after the transfers. */
const mariadbCpus = execFileSync('taskset', ['-cp', String(mariadb)]).toString().trim().split(': ').at(-1)!;

/** Central's writes: a small zone for questions, a big one for transfers. */
async function fill(): Promise<{ small: Zone; big: Zone }> {
  const small = await db.createZone('bench.test.');
  for (let i = 1; i <= 100; i++) await db.addRecordset(small, `www${i}.bench.test.`, 'A', [`192.0.2.${i % 250 + 1}`], { bump: false });
  const big = await db.createZone('big.test.');
  const started = performance.now();
  await db.addBulk(big, bigRecords);
  console.log(`big.test.: ${bigRecords} records written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { small, big };
}

/** r1.big.test.'s address changed and the zone's serial raised (or set), as central commits a change. */
async function changeR1(address: string, serial?: number): Promise<void> {
  await db.conn.query("UPDATE records JOIN recordsets ON records.recordset_id = recordsets.id SET records.data = ? WHERE recordsets.zone_id = ? AND recordsets.name = 'r1.big.test.'", [address, bigZone!.id]);
  await db.bumpSerial(bigZone!, serial);
}

function queryFile(name: string, lines: string[]): string {
  const file = join(work, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function start(name: Name, port: number): Server {
  if (name === 'designate-mdns') {
    const conf = join(work, 'designate.conf');
    writeFileSync(conf, [
      '[DEFAULT]', 'transport_url = rabbit://guest:guest@127.0.0.1:5672/', '[heartbeat_emitter]', 'emitter_type = noop',
      '[storage:sqlalchemy]', `connection = ${db.readOnlyUrl}`, '[service:mdns]', `listen = 127.0.0.1:${port}`, 'workers = 1',
    ].join('\n'));
    return startServer(name, requireBinary('designate-mdns'), ['--config-file', conf]);
  }
  const conf = join(work, 'zonecast.conf');
  writeFileSync(conf, ['[storage:sqlalchemy]', `connection = ${db.readOnlyUrl}`, '[service:mdns]', `listen = 127.0.0.1:${port}`].join('\n'));
  return startServer(name, process.execPath, [new URL('../bin/zonecast.ts', import.meta.url).pathname, 'designate-mdns', '--config-file', conf]);
}

/** Every thread of MariaDB's on `cpus`. */
function pinMariadb(cpus: string): void {
  execFileSync('taskset', ['-a', '-cp', cpus, String(mariadb)], { stdio: 'ignore' });
}

async function questionsCounter(): Promise<number> {
  const [rows] = await db.conn.query("SHOW GLOBAL STATUS LIKE 'Questions'");
  return Number((rows as { Value: string }[])[0].Value);
}

/** SQL statements the server sends per question, over `count` questions asked one after another. */
async function statementsPerQuestion(port: number, make: (i: number) => Buffer, count = 200): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const before = await questionsCounter();
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      sock.once('message', () => { clearTimeout(timer); resolve(); });
      sock.send(make(i), port, '127.0.0.1');
    });
  }
  // Our own two SHOW STATUS statements count too.
  const statements = (await questionsCounter()) - before - 1;
  sock.close();
  return statements / count;
}

function aQuery(id: number, name: string): Buffer {
  const q = soaQuery(id, name);
  q.writeUInt16BE(1, q.length - 4);
  return q;
}

interface QpsRow extends DnsperfResult { server: Name; question: string; dbCpuUsPerQuery: number; serverCpuShare: number }
interface XfrRow extends TransferTiming { server: Name; what: string }
const qpsRows: QpsRow[] = [];
const xfrRows: XfrRow[] = [];
const sqlRows: { server: Name; question: string; statements: number }[] = [];

try {
  const { big } = await fill();
  bigZone = big;
  const files = {
    SOA: queryFile('soa.txt', ['bench.test SOA']),
    A: queryFile('a.txt', Array.from({ length: 100 }, (_, i) => `www${i + 1}.bench.test A`)),
  };
  const bigSerial = big.serial;
  for (const name of NAMES) {
    const port = await freePort();
    const server = start(name, port);
    try {
      await waitUntilServing(server, port, 'bench.test', 60_000);
      sqlRows.push({ server: name, question: 'SOA', statements: await statementsPerQuestion(port, (i) => soaQuery(i, 'bench.test')) });
      sqlRows.push({ server: name, question: 'A', statements: await statementsPerQuestion(port, (i) => aQuery(i, `www${i % 100 + 1}.bench.test`)) });
      // designate-mdns answers a few hundred a second: more in flight only times out.
      const load = name === 'zonecast' ? { clients: 8, outstanding: 200 } : { clients: 4, outstanding: 20 };
      for (const [question, queryFile] of Object.entries(files)) {
        await runDnsperf({ port, queryFile, seconds: 2, ...load });
        const cpu = cpuSeconds(server.pid);
        const dbCpu = cpuSeconds(mariadb);
        const result = await runDnsperf({ port, queryFile, seconds, ...load });
        qpsRows.push({
          ...result, server: name, question, serverCpuShare: (cpuSeconds(server.pid) - cpu) / seconds,
          dbCpuUsPerQuery: result.completed > 0 ? ((cpuSeconds(mariadb) - dbCpu) * 1e6) / result.completed : NaN,
        });
      }
      pinMariadb(String(CLIENT_CPU));
      for (let round = 1; round <= rounds; round++) {
        xfrRows.push({ ...(await timeTransfer(port, 'big.test.')), server: name, what: round === 1 ? 'AXFR, first' : `AXFR, round ${round}` });
      }
      // One record changed, as central changes it (the serial and the SOA with it), then the first AXFR of
      // that version from a server that has been running and is idle (zonecast's compile of the first
      // version, which the later rounds did not wait for, is done).
      await new Promise((r) => setTimeout(r, 2000));
      await changeR1('198.51.100.2');
      xfrRows.push({ ...(await timeTransfer(port, 'big.test.')), server: name, what: 'AXFR, first of a new version' });
      await new Promise((r) => setTimeout(r, 2000));
      await changeR1('198.51.100.1');
      xfrRows.push({ ...(await timeTransfer(port, 'big.test.', big.serial - 1)), server: name, what: 'IXFR after one change' });
      // Back to the first version for the next server (its serial as before, so its transfers ask the same).
      await changeR1('10.0.0.1', bigSerial);
    } finally {
      pinMariadb(mariadbCpus);
      await stopServer(server);
    }
  }
} finally {
  await db.drop();
  rmSync(work, { recursive: true, force: true });
}

const ratio = (question: string, key: 'qps') => {
  const [d, z] = NAMES.map((n) => qpsRows.find((r) => r.server === n && r.question === question)![key]);
  return z / d;
};
const text = [
  table(['server', 'question', 'qps', 'lost', 'avg ms', 'server core', 'db CPU µs/q'], qpsRows.map((r) => [
    r.server, r.question, fmt(r.qps), fmt(r.lost), fmt(r.avgLatencyMs, 2), `${fmt(r.serverCpuShare * 100)}%`, fmt(r.dbCpuUsPerQuery, 1),
  ])),
  `qps ratio zonecast / designate-mdns: SOA ${fmt(ratio('SOA', 'qps'), 1)}x, A ${fmt(ratio('A', 'qps'), 1)}x`,
  '',
  table(['server', 'question', 'SQL statements per question'], sqlRows.map((r) => [r.server, r.question, fmt(r.statements, 2)])),
  '',
  table(['server', 'transfer', 'first message ms', 'total ms', 'bytes', 'messages', 'records', 'style'], xfrRows.map((r) => [
    r.server, r.what, fmt(r.firstMessageMs, 1), fmt(r.totalMs, 1), fmt(r.bytes), fmt(r.messages), fmt(r.records), r.style,
  ])),
].join('\n');
console.log(text);
const env = { ...environment(), records: bigRecords, seconds };
for (const path of writeResults('designate-mdns', env, { qps: qpsRows, sql: sqlRows, transfers: xfrRows }, text)) console.log(`wrote ${path}`);
