// `zonecast designate-mdns` as an operator starts it: a real process reading Designate-style files by
// oslo.config's rules (--config-file in order, then a --config-dir's *.conf in name order, the last value
// winning), serving the database they name, its metrics on [service:mdns] metrics_listen, stopping on
// SIGTERM; a file that does not exist stops it at once with a message naming it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { call } from '../api/http.ts';
import { query, udp } from '../helpers/client.ts';
import { DesignateDb } from '../helpers/designate-db.ts';
import { mariadbUnavailable } from '../helpers/mariadb.ts';
import { sample } from '../helpers/metrics.ts';
import { until } from '../helpers/until.ts';

const CLI = resolve(import.meta.dirname, '../../bin/zonecast.ts');
const missing = await mariadbUnavailable();
if (missing !== null && process.env.CI === 'true') throw new Error(`MariaDB is required under CI=true: ${missing}`);

const t = suite('zonecast designate-mdns, the command');

/** No such process, or a zombie nobody reaps (its parent was killed, and PID 1 here may not reap). */
function gone(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return true;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')')).startsWith(') Z');
}

t('a missing --config-file stops it at once, naming the file', () => {
  const run = spawnSync(process.execPath, [CLI, 'designate-mdns', '--config-file', '/nonexistent/designate.conf'], { encoding: 'utf8', timeout: 30_000 });
  assert.is(run.status, 2);
  assert.match(run.stderr, /config file not found: \/nonexistent\/designate\.conf/);
});

t('an option it does not take is refused', () => {
  const run = spawnSync(process.execPath, [CLI, 'designate-mdns', '--listen', '127.0.0.1:53'], { encoding: 'utf8', timeout: 30_000 });
  assert.is(run.status, 2);
  assert.match(run.stderr, /--config-file and --config-dir only/);
});

if (missing !== null) {
  t.skip('MariaDB not reachable', () => {});
} else {
  t('reads files as oslo.config does, serves, shows metrics and stops on SIGTERM', async () => {
    const db = await DesignateDb.create('2024.1');
    const dir = mkdtempSync(join(tmpdir(), 'zonecast-dmdns-conf-'));
    const [wrong, dns, metrics] = [await freePort(), await freePort(), await freePort()];
    // designate.conf as Designate has it (its own user, a listen address the later files override) ...
    writeFileSync(join(dir, 'designate.conf'), `[DEFAULT]\nhost = a\n[storage:sqlalchemy]\nconnection = mysql+pymysql://nobody@127.0.0.1/nothing\n[service:mdns]\nlisten = 127.0.0.1:${wrong}\n`);
    // ... the operator's file with the read-only user, and a directory whose later file wins the listen address.
    writeFileSync(join(dir, 'zonecast.conf'), `[storage:sqlalchemy]\nconnection = ${db.readOnlyUrl}\n[service:mdns]\nlisten = 127.0.0.1:${wrong}\nmetrics_listen = 127.0.0.1:${metrics}\n`);
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d', '10-listen.conf'), `[service:mdns]\nlisten = 127.0.0.1:${wrong}\n`);
    writeFileSync(join(dir, 'conf.d', '20-listen.conf'), `[service:mdns]\nlisten = 127.0.0.1:${dns}\n`);
    writeFileSync(join(dir, 'conf.d', 'ignored.txt'), '[service:mdns]\nlisten = nonsense\n');
    const child = spawn(process.execPath, [CLI, 'designate-mdns', '--config-file', join(dir, 'designate.conf'), '--config-file', join(dir, 'zonecast.conf'), '--config-dir', join(dir, 'conf.d')], {
      stdio: 'ignore', env: { ...process.env, ZONECAST_LOG_LEVEL: 'warn' },
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const zone = await db.createZone('command.test.');
      await until('the zone answered on the port of the last file', async () => (await udp(dns, query('command.test', 'SOA'))).rcode === 'NOERROR', 20_000);
      const soa = await udp(dns, query('command.test', 'SOA'));
      assert.is((soa.answers[0].data as { serial: number }).serial, zone.serial);
      const scraped = await call(metrics, 'GET', '/metrics');
      assert.ok(sample(scraped.text, 'zonecast_designate_mdns_questions_checked_total') >= 2);
      assert.ok(sample(scraped.text, 'zonecast_designate_mdns_sql_statements_total') >= 2);
      assert.ok(sample(scraped.text, 'zonecast_dns_queries_total', 'transport="udp",qtype="SOA",rcode="NOERROR"') >= 2);
      child.kill('SIGTERM');
      assert.is(await exited, 0, 'a clean exit on SIGTERM');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  });

  t('workers = 2: a second process answers on the same address; killed, it is replaced; its parent killed, it stops', async () => {
    const db = await DesignateDb.create('master');
    const dir = mkdtempSync(join(tmpdir(), 'zonecast-dmdns-workers-'));
    const dns = await freePort();
    writeFileSync(join(dir, 'designate.conf'), `[storage:sqlalchemy]\nconnection = ${db.readOnlyUrl}\n[service:mdns]\nlisten = 127.0.0.1:${dns}\nworkers = 2\n`);
    const parent = spawn(process.execPath, [CLI, 'designate-mdns', '--config-file', join(dir, 'designate.conf')], {
      stdio: 'ignore', env: { ...process.env, ZONECAST_LOG_LEVEL: 'warn' },
    });
    const workersOf = () => {
      const out = spawnSync('pgrep', ['-P', String(parent.pid)], { encoding: 'utf8' }).stdout.trim();
      return out === '' ? [] : out.split('\n').map(Number);
    };
    let workers: number[] = [];
    try {
      await db.createZone('workers.test.');
      await until('the parent and its worker answer', async () => {
        workers = workersOf();
        return workers.length === 1 && (await udp(dns, query('workers.test', 'SOA'))).rcode === 'NOERROR';
      }, 30_000);
      // Questions from many source ports reach both processes: each answers every one it gets.
      for (let i = 0; i < 40; i++) assert.is((await udp(dns, query('workers.test', 'SOA'))).rcode, 'NOERROR');
      process.kill(workers[0], 'SIGKILL');
      await until('a new worker in its place', async () => workersOf().length === 1 && workersOf()[0] !== workers[0], 20_000);
      workers = workersOf();
      for (let i = 0; i < 20; i++) assert.is((await udp(dns, query('workers.test', 'SOA'))).rcode, 'NOERROR');
      parent.kill('SIGKILL');
      await until('the worker stops once its parent is gone', async () => gone(workers[0]), 20_000).catch((err: Error) => {
        throw new Error(`${err.message}: ${spawnSync('ps', ['-o', 'pid,ppid,stat,cmd', '-p', String(workers[0])], { encoding: 'utf8' }).stdout}`);
      });
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
      for (const pid of workers) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  });
}

t.run();
