// A private Keystone for the tempest harness: Debian's keystone under uwsgi on its own port, with its state
// (SQLite, fernet and credential keys) in a directory of the run, bootstrapped with an admin. One uwsgi
// worker of one thread: SQLite takes one writer, and keystone's pool shares no connection across threads.
// Nothing of the machine's own /etc/keystone is read or written.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

export interface Keystone {
  /** The identity v3 URL, e.g. http://127.0.0.1:35357/v3 */
  url: string;
  adminPassword: string;
  process: ChildProcess;
}

const REGION = 'RegionOne';
/** The project of service users, by the name deployments give it. */
export const SERVICE_PROJECT = 'service';

/**
 * One HTTP exchange on a connection of its own: uwsgi's http-socket closes a kept-alive connection, which
 * fetch would reuse and fail on.
 */
function exchange(method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: any }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method, agent: false,
      headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...(token ? { 'x-auth-token': token } : {}) },
    }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text === '' ? null : JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function keystoneConf(dir: string): string {
  return [
    '[DEFAULT]', `log_file = ${join(dir, 'keystone.log')}`,
    '[database]', `connection = sqlite:///${join(dir, 'keystone.db')}`,
    '[token]', 'provider = fernet',
    '[fernet_tokens]', `key_repository = ${join(dir, 'fernet-keys')}`,
    '[fernet_receipts]', `key_repository = ${join(dir, 'fernet-keys')}`,
    '[credential]', `key_repository = ${join(dir, 'credential-keys')}`,
    '',
  ].join('\n');
}

/** Keystone on 127.0.0.1:`port`, its state under `dir`, with an admin user of password `adminPassword`. */
export async function startKeystone(dir: string, port: number, adminPassword: string): Promise<Keystone> {
  mkdirSync(join(dir, 'fernet-keys'), { recursive: true });
  mkdirSync(join(dir, 'credential-keys'), { recursive: true });
  const conf = join(dir, 'keystone.conf');
  writeFileSync(conf, keystoneConf(dir));
  const url = `http://127.0.0.1:${port}/v3`;
  const manage = (...args: string[]) => execFileSync('keystone-manage', ['--config-file', conf, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const owner = ['--keystone-user', 'root', '--keystone-group', 'root'];
  manage('db_sync');
  manage('fernet_setup', ...owner);
  manage('credential_setup', ...owner);
  manage('bootstrap', '--bootstrap-password', adminPassword, '--bootstrap-region-id', REGION,
    '--bootstrap-admin-url', `${url}/`, '--bootstrap-public-url', `${url}/`, '--bootstrap-internal-url', `${url}/`);
  // Write-ahead logging (kept in the file): some of keystone's writes, a service's after a project's, commit
  // while another of its connections still reads, which in SQLite's default journal mode fails with
  // "database is locked" after 5 s; under WAL readers do not block the writer.
  execFileSync('/usr/bin/python3', ['-c', `import sqlite3; sqlite3.connect(${JSON.stringify(join(dir, 'keystone.db'))}).execute('pragma journal_mode=wal')`]);
  const child = spawn('uwsgi', [
    '--plugins', 'python3', '--http-socket', `127.0.0.1:${port}`, '--wsgi-file', '/usr/bin/keystone-wsgi-public',
    '--master', '--processes', '1', '--threads', '1', '--die-on-term', '--logto', join(dir, 'uwsgi.log'),
    // http-socket mode closes a kept-alive connection without a word; saying so keeps clients from reusing it.
    '--add-header', 'Connection: close',
    '--env', `OS_KEYSTONE_CONFIG_FILES=${conf}`,
  ], { cwd: dir, stdio: 'ignore' });
  const keystone = { url, adminPassword, process: child };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`keystone (uwsgi) exited with ${child.exitCode}: see ${join(dir, 'uwsgi.log')}`);
    const up = await exchange('GET', `${url}/`).then((r) => r.status === 200, () => false);
    if (up) return keystone;
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`keystone did not answer on ${url} within 60 s`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** An admin token scoped to the admin project (keystone-manage bootstrap's). */
async function adminToken(keystone: Keystone): Promise<string> {
  const r = await exchange('POST', `${keystone.url}/auth/tokens`, {
    auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: keystone.adminPassword } } },
      scope: { project: { name: 'admin', domain: { id: 'default' } } },
    },
  });
  if (r.status !== 201) throw new Error(`keystone admin token: ${r.status} ${JSON.stringify(r.json)}`);
  return String(r.headers['x-subject-token']);
}

/** A POST as the admin, expecting 201; returns the created resource's body. */
async function adminPost(keystone: Keystone, token: string, path: string, body: unknown): Promise<Record<string, { id: string }>> {
  const r = await exchange('POST', `${keystone.url}${path}`, body, token);
  if (r.status !== 201) throw new Error(`keystone POST ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json as Record<string, { id: string }>;
}

/**
 * The `dns` service and its public endpoint, so that tempest's clients find the API in the catalog; the
 * returned function removes both (Keystone deletes a service's endpoints with it), for another API to take
 * its place.
 */
export async function registerDnsEndpoint(keystone: Keystone, apiUrl: string): Promise<() => Promise<void>> {
  const token = await adminToken(keystone);
  const { service } = await adminPost(keystone, token, '/services', { service: { type: 'dns', name: 'designate', description: 'zonecast' } });
  for (const iface of ['public', 'internal', 'admin']) {
    await adminPost(keystone, token, '/endpoints', { endpoint: { service_id: service.id, interface: iface, url: apiUrl, region_id: REGION } });
  }
  return async () => {
    const r = await exchange('DELETE', `${keystone.url}/services/${service.id}`, undefined, await adminToken(keystone));
    if (r.status !== 204) throw new Error(`keystone DELETE /services/${service.id}: ${r.status} ${JSON.stringify(r.json)}`);
  };
}

/**
 * A service user, as a deployment gives Designate's API for keystonemiddleware: `name` with `password`,
 * admin of the project SERVICE_PROJECT (made here), which lets it validate the tokens the API is sent.
 */
export async function createServiceUser(keystone: Keystone, name: string, password: string): Promise<void> {
  const token = await adminToken(keystone);
  const { project } = await adminPost(keystone, token, '/projects', { project: { name: SERVICE_PROJECT, domain_id: 'default' } });
  const { user } = await adminPost(keystone, token, '/users', { user: { name, password, domain_id: 'default', default_project_id: project.id } });
  const roles = await exchange('GET', `${keystone.url}/roles?name=admin`, undefined, token);
  const admin = (roles.json as { roles: { id: string }[] }).roles[0];
  if (admin === undefined) throw new Error('keystone has no admin role (keystone-manage bootstrap makes it)');
  const r = await exchange('PUT', `${keystone.url}/projects/${project.id}/users/${user.id}/roles/${admin.id}`, undefined, token);
  if (r.status !== 204) throw new Error(`keystone role assignment: ${r.status} ${JSON.stringify(r.json)}`);
}
