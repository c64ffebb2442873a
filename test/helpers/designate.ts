// A live OpenStack Designate (Debian's 1:15.0.2, Zed) for tests of `zonecast designate-mdns`: its own MariaDB
// database, RabbitMQ vhost and BIND 9 target, with designate-central, -api (noauth, or keystone if given),
// -worker and -producer started from the Debian packages. Debian's designate-mdns is not started unless a
// test asks for it (startDesignateMdns), so that zonecast can take its place on the masters address of
// pools.yaml.
// Everything lives in /tmp/zonecast-designate-XXXX (each process logs to NAME.log there); stop() kills each
// process group it started, drops the database, the read-only user and the vhost, and removes the directory.
//
// Needs designate-central designate-api designate-worker designate-producer designate-mdns bind9 bind9-utils,
// installed with the debconf answers "no" to their database, RabbitMQ and Keystone questions (.ci/run; the
// commands are in fixtures/designate-schema/README.md), MariaDB (root, no password) and RabbitMQ (guest).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { which } from '../../native-bench/lib/packages.ts';
import { ask } from './client.ts';
import { rabbitmqUnavailable } from './cluster.ts';
import { mariadbUnavailable } from './mariadb.ts';

/** Designate's compiled-in `[service:central] default_pool_id`; the liberty migration creates this pool. */
export const DEFAULT_POOL_ID = '794ccc2c-d751-44fe-b57f-8894c9f5c842';
const DB_HOST = '127.0.0.1';
const NEEDED = ['designate-manage', 'designate-central', 'designate-api', 'designate-worker', 'designate-producer', 'designate-mdns', 'named', 'rndc'];
// Designate's scripts run Debian's /usr/bin/python3 by their shebang; rndc (called by the bind9 backend) is
// in /usr/sbin, which a non-login PATH may lack.
const ENV = { ...process.env, PATH: `/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}` };

export interface DesignateOptions {
  /** Where pools.yaml tells the target to transfer from: zonecast's designate-mdns, or Debian's. */
  mdns: { host: string; port: number };
  /** Appended to designate.conf; a later value of an option wins (oslo.config merges repeated sections). */
  extraConf?: string;
  /**
   * Pools beside the default one, each with its own ns_records, the harness's BIND as nameserver and a `fake`
   * target (the worker creates nothing, so its zones end in ERROR: only the database and mdns see them). A
   * zone goes to one when created with `attributes: { pool_id }`: the harness then schedules by that attribute.
   */
  extraPools?: { id: string; name: string }[];
  /**
   * The API under `auth_strategy = keystone`, keystonemiddleware validating tokens as this service user (of
   * the Default domain) against `url`, the identity v3 URL; without it the API is noauth.
   */
  keystone?: { url: string; username: string; password: string; project: string };
}

export interface RunningDesignate {
  apiUrl: string;
  database: string;
  /** `[storage:sqlalchemy] connection` of the Designate services (root). */
  dbUrl: string;
  /** The same database as the SELECT-only user, for zonecast. */
  readOnlyDbUrl: string;
  readOnlyUser: { user: string; password: string };
  transportUrl: string;
  vhost: string;
  confPath: string;
  dir: string;
  poolId: string;
  mdns: { host: string; port: number };
  /** The pool's target and nameserver; `rndc` runs rndc against it and returns its output. */
  bind: { host: string; port: number; rndcPort: number; rndc(...args: string[]): string };
  stop(): Promise<void>;
}

/**
 * Null when Designate can run here; else why not, for the test to print as its skip. Under CI=true a missing
 * package or service throws instead: CI installs them, so a skip there would hide a broken setup.
 */
export async function designateUnavailable(): Promise<string | null> {
  const missing = NEEDED.filter((b) => which(b) === undefined);
  const why = missing.length > 0 ? `not installed: ${missing.join(' ')}` : ((await mariadbUnavailable()) ?? rabbitmqUnavailable());
  if (why !== null && process.env.CI === 'true') throw new Error(`Designate cannot run: ${why}`);
  return why;
}

interface Proc {
  name: string;
  log: string;
  child: ChildProcess;
  exited: Promise<void>;
}

/** A process in a process group of its own (so stop() also reaches anything it forks), logging to `log`. */
function launch(name: string, cmd: string, args: string[], log: string, cwd: string): Proc {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { cwd, env: ENV, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: spawn failed`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { name, log, child, exited };
}

/** The last lines of a process's log, for an error: a failed start removes the directory the log is in. */
function tail(proc: Proc, lines = 15): string {
  const text = readFileSync(proc.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n    ');
  return `\n  ${proc.name}.log:\n    ${text}`;
}

/** Polls `probe` (a throw counts as not yet) until it holds; fails at once if one of `procs` has exited. */
async function waitFor(what: string, procs: Proc[], probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = procs.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode}) while waiting for ${what}:${tail(dead)}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms:${procs.map((p) => tail(p, 5)).join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM to the process group, SIGKILL after 10 s. */
async function kill(proc: Proc): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-proc.child.pid!, s);
    } catch {
      // the group is gone already
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 10_000);
  await proc.exited;
  clearTimeout(timer);
}

function rabbitmqctl(...args: string[]): void {
  execFileSync('rabbitmqctl', ['-q', ...args], { stdio: 'ignore', timeout: 60_000 });
}

/** A private named: zones come and go by rndc addzone/delzone, as Designate's bind9 backend does. */
async function startNamed(dir: string, procs: Proc[]): Promise<RunningDesignate['bind']> {
  const [port, rndcPort] = [await freePort(), await freePort()];
  const secret = randomBytes(32).toString('base64');
  writeFileSync(join(dir, 'rndc.key'), `key "rndc-key" { algorithm hmac-sha256; secret "${secret}"; };\n`);
  writeFileSync(join(dir, 'rndc.conf'), `include "${dir}/rndc.key";\noptions { default-key "rndc-key"; default-server 127.0.0.1; default-port ${rndcPort}; };\n`);
  writeFileSync(join(dir, 'named.conf'), `include "${dir}/rndc.key";
controls { inet 127.0.0.1 port ${rndcPort} allow { 127.0.0.1; } keys { "rndc-key"; }; };
options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  allow-new-zones yes;
  recursion no;
  dnssec-validation no;
  notify no;
  allow-notify { 127.0.0.1; };
};
`);
  // -g: foreground, logs on stderr; -u root keeps named from switching to a user that cannot write dir.
  const proc = launch('named', 'named', ['-g', '-u', 'root', '-c', join(dir, 'named.conf')], join(dir, 'named.log'), dir);
  procs.push(proc);
  const rndc = (...args: string[]) => execFileSync('rndc', ['-c', join(dir, 'rndc.conf'), ...args], { env: ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  await waitFor(`named on port ${port} answering rndc`, [proc], async () => (rndc('status'), true), 30_000);
  return { host: '127.0.0.1', port, rndcPort, rndc };
}

function designateConf(o: { db: string; transportUrl: string; apiPort: number; dir: string; mdns: DesignateOptions['mdns']; pools: boolean; keystone?: DesignateOptions['keystone'] }): string {
  return [
    // graceful_shutdown_timeout: the producer takes over 10 s to stop on SIGTERM otherwise.
    '[DEFAULT]', `transport_url = ${o.transportUrl}`, `state_path = ${o.dir}/state`, 'graceful_shutdown_timeout = 2',
    '[oslo_concurrency]', `lock_path = ${o.dir}/lock`,
    '[storage:sqlalchemy]', `connection = ${o.db}`,
    '[service:api]', `listen = 127.0.0.1:${o.apiPort}`, `api_base_uri = http://127.0.0.1:${o.apiPort}/`, `auth_strategy = ${o.keystone ? 'keystone' : 'noauth'}`,
    // The default, api-paste.ini, would be looked for beside this file.
    'api_paste_config = /etc/designate/api-paste.ini',
    '[service:central]', `default_pool_id = ${DEFAULT_POOL_ID}`, 'managed_resource_email = hostmaster@example.org',
    // The default filter (default_pool) ignores a zone's pool_id attribute; these honour it, else the default pool.
    ...(o.pools ? ['scheduler_filters = pool_id_attribute, in_doubt_default_pool'] : []),
    '[service:mdns]', `listen = ${o.mdns.host}:${o.mdns.port}`,
    // designate-tempest-plugin's CI polls fast so that a zone turns ACTIVE (or ERROR) in seconds.
    '[service:worker]', 'poll_delay = 1', 'poll_retry_interval = 2', 'poll_max_retries = 10', 'poll_timeout = 2',
    '[heartbeat_emitter]', 'heartbeat_interval = 2',
    ...(o.keystone ? [
      '[keystone_authtoken]', `www_authenticate_uri = ${o.keystone.url}`, `auth_url = ${o.keystone.url}`, 'auth_type = password',
      `username = ${o.keystone.username}`, `password = ${o.keystone.password}`, `project_name = ${o.keystone.project}`,
      'user_domain_name = Default', 'project_domain_name = Default',
    ] : []),
    '',
  ].join('\n');
}

/** One pool of pools.yaml: its NS record, BIND as its nameserver, one target transferring from `mdns`. */
function poolYaml(p: { name: string; id: string; description: string; ns: string; target: string; options: string[] }, bind: RunningDesignate['bind'], mdns: DesignateOptions['mdns']): string {
  return `- name: ${p.name}
  id: ${p.id}
  description: ${p.description}
  attributes: {}
  ns_records:
    - hostname: ${p.ns}
      priority: 1
  nameservers:
    - host: ${bind.host}
      port: ${bind.port}
  targets:
    - type: ${p.target}
      description: ${p.description}
      masters:
        - host: ${mdns.host}
          port: ${mdns.port}
      options:
${[`host: ${bind.host}`, `port: ${bind.port}`, ...p.options].map((o) => `        ${o}\n`).join('')}`;
}

function poolsYaml(bind: RunningDesignate['bind'], dir: string, mdns: DesignateOptions['mdns'], extra: DesignateOptions['extraPools'] = []): string {
  const main = poolYaml({
    name: 'default', id: DEFAULT_POOL_ID, description: 'zonecast test pool, private named', ns: 'ns1.example.org.', target: 'bind9',
    options: [`rndc_host: 127.0.0.1`, `rndc_port: ${bind.rndcPort}`, `rndc_config_file: ${dir}/rndc.conf`, `rndc_key_file: ${dir}/rndc.key`, 'clean_zonefile: true'],
  }, bind, mdns);
  // A fake target creates nothing: zones of these pools are served by mdns (and scoped by its keys) only.
  const others = extra.map((p) => poolYaml({ name: p.name, id: p.id, description: 'zonecast test pool without a real target', ns: `ns1.${p.name}.example.org.`, target: 'fake', options: [] }, bind, mdns));
  return [main, ...others].join('');
}

/** Every process a harness started, startDesignateMdns's included, for its stop() to kill. */
const processes = new WeakMap<RunningDesignate, Proc[]>();

async function adminQuery(database: string | undefined, fn: (c: Connection) => Promise<unknown>): Promise<void> {
  const conn = await createConnection({ host: DB_HOST, user: 'root', database, connectTimeout: 3000 });
  try {
    await fn(conn);
  } finally {
    await conn.end();
  }
}

export async function startDesignate(options: DesignateOptions): Promise<RunningDesignate> {
  const why = await designateUnavailable();
  if (why !== null) throw new Error(`Designate cannot run: ${why}`);
  const id = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const database = `zonecast_designate_${id}`;
  const vhost = `zonecast-designate-${id}`;
  const readOnlyUser = { user: `zc_ro_${randomBytes(4).toString('hex')}`, password: randomBytes(12).toString('hex') };
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-designate-'));
  const procs: Proc[] = [];
  const stop = async () => {
    await Promise.all(procs.map(kill));
    await adminQuery(undefined, async (c) => {
      await c.query(`DROP USER IF EXISTS '${readOnlyUser.user}'@'127.0.0.1', '${readOnlyUser.user}'@'localhost'`);
      await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
    });
    try {
      rabbitmqctl('delete_vhost', vhost);
    } catch {
      // never created
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // utf8, as Designate's install guide creates it: in utf8mb4 later migrations fail (see the README).
    await adminQuery(undefined, async (c) => {
      await c.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8 COLLATE utf8_general_ci`);
      for (const host of ['127.0.0.1', 'localhost']) {
        await c.query(`CREATE USER '${readOnlyUser.user}'@'${host}' IDENTIFIED BY '${readOnlyUser.password}'`);
        await c.query(`GRANT SELECT ON \`${database}\`.* TO '${readOnlyUser.user}'@'${host}'`);
      }
    });
    rabbitmqctl('add_vhost', vhost);
    rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
    const transportUrl = `rabbit://guest:guest@127.0.0.1:5672/${vhost}`;
    const dbUrl = `mysql+pymysql://root@${DB_HOST}/${database}?charset=utf8mb4`;
    const readOnlyDbUrl = `mysql+pymysql://${readOnlyUser.user}:${readOnlyUser.password}@${DB_HOST}/${database}?charset=utf8mb4`;
    const apiPort = await freePort();
    const confPath = join(dir, 'designate.conf');
    writeFileSync(confPath, designateConf({ db: dbUrl, transportUrl, apiPort, dir, mdns: options.mdns, pools: (options.extraPools ?? []).length > 0, keystone: options.keystone }) + (options.extraConf ?? ''));
    mkdirSync(join(dir, 'state'));
    mkdirSync(join(dir, 'lock'));
    const manage = (...args: string[]) =>
      execFileSync('designate-manage', ['--config-file', confPath, ...args], { cwd: dir, env: ENV, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    const [bind] = await Promise.all([startNamed(dir, procs), Promise.resolve().then(() => manage('database', 'sync'))]);
    const service = (name: string) => procs.push(launch(name, `designate-${name}`, ['--config-file', confPath], join(dir, `${name}.log`), dir));
    ['central', 'api', 'producer'].forEach(service);
    const heartbeats = async (names: string[]) => {
      let seen: string[] = [];
      await adminQuery(database, async (c) => {
        const [rows] = await c.query('SELECT service_name FROM service_statuses');
        seen = (rows as { service_name: string }[]).map((r) => r.service_name);
      });
      return names.every((n) => seen.includes(n));
    };
    // pool update is a call to central; the worker reads its pool once, so it starts after the update.
    await waitFor('designate-central heartbeating', procs, () => heartbeats(['central']));
    writeFileSync(join(dir, 'pools.yaml'), poolsYaml(bind, dir, options.mdns, options.extraPools));
    manage('pool', 'update', '--file', join(dir, 'pools.yaml'));
    service('worker');
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    // Under keystone /v2 answers 401 without a token; the version document needs none.
    const probe = options.keystone ? '/' : '/v2/zones';
    await waitFor(`designate-api answering GET ${probe}`, procs, async () => (await fetch(`${apiUrl}${probe}`)).ok);
    await waitFor('api, worker and producer heartbeating', procs, () => heartbeats(['api', 'worker', 'producer']));
    const running = {
      apiUrl, database, dbUrl, readOnlyDbUrl, readOnlyUser, transportUrl, vhost, confPath, dir,
      poolId: DEFAULT_POOL_ID, mdns: options.mdns, bind, stop,
    };
    processes.set(running, procs);
    return running;
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Debian's designate-mdns on `port` (the port the pool's masters name, for it to be the one BIND transfers
 * from), with the harness's designate.conf; resolves once it answers DNS. d.stop() stops it too.
 */
export async function startDesignateMdns(d: RunningDesignate, port: number): Promise<{ stop(): Promise<void> }> {
  const conf = join(d.dir, `mdns-${port}.conf`);
  writeFileSync(conf, `[service:mdns]\nlisten = ${d.mdns.host}:${port}\n`);
  const log = join(d.dir, `mdns-${port}.log`);
  const proc = launch('mdns', 'designate-mdns', ['--config-file', d.confPath, '--config-file', conf], log, d.dir);
  processes.get(d)?.push(proc);
  try {
    await waitFor(`designate-mdns answering on ${port}`, [proc], async () => (await ask(port, 'example.invalid.', 'SOA')) !== null);
  } catch (err) {
    await kill(proc);
    throw err;
  }
  return { stop: () => kill(proc) };
}
