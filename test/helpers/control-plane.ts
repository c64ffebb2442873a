// The control plane for API tests: storage (SQLite or a scratch MariaDB database), the bus, central and the
// v2 API on an ephemeral port, with the default pool seeded. `controlPlaneSuite` registers one suite body
// once per storage engine; under CI=true an unreachable MariaDB fails instead of skipping.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, type Test } from 'uvu';
import * as assert from 'uvu/assert';
import { createApiServer, type ApiServer } from '../../services/api/server.ts';
import { mapServiceError, registerV2 } from '../../services/api/v2/index.ts';
import { Central } from '../../services/central/central.ts';
import { CENTRAL_DEFAULTS, type CentralOptions } from '../../services/central/context.ts';
import { createLogger } from '../../services/log.ts';
import { inProcessBus, type LocalBus } from '../../services/messaging/bus.ts';
import { openStorage } from '../../services/storage/open.ts';
import { DEFAULT_POOL_ID } from '../../services/storage/schema.ts';
import type { Storage } from '../../services/storage/storage.ts';
import { call, type Reply } from '../api/http.ts';
import { createScratchDatabase, mariadbUnavailable, MYSQL_URL } from './mariadb.ts';

export interface ControlPlane {
  storage: Storage;
  bus: LocalBus;
  central: Central;
  /** Every notification central sent (dns.zone.*, dns.recordset.*), oldest first. */
  notified: { eventType: string; payload: Record<string, unknown> }[];
  api: ApiServer;
  port: number;
  /** A JSON call as `project` (default project-a) with `roles` (default member). */
  request(method: string, path: string, opts?: CallOptions): Promise<Reply>;
  close(): Promise<void>;
}

export interface CallOptions {
  project?: string;
  roles?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Opened {
  storage: Storage;
  cleanup(): Promise<void>;
}

async function openSqlite(): Promise<Opened> {
  const dir = mkdtempSync(join(tmpdir(), 'zonecast-api-'));
  const storage = await openStorage(`sqlite:///${join(dir, 'zonecast.db')}`);
  return { storage, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function openMysql(): Promise<Opened> {
  const db = await createScratchDatabase();
  try {
    return { storage: await openStorage(db.url, { connectionLimit: 8, queueLimit: 200 }), cleanup: db.drop };
  } catch (err) {
    await db.drop();
    throw err;
  }
}

export async function startControlPlane(open: () => Promise<Opened>, options: Partial<CentralOptions> = {}): Promise<ControlPlane> {
  const opened = await open();
  const { storage } = opened;
  await storage.migrate();
  await storage.transaction((tx) => tx.createPool({
    id: DEFAULT_POOL_ID, name: 'default', description: 'Default pool',
    nsRecords: [{ hostname: 'ns1.example.org.', priority: 1 }, { hostname: 'ns2.example.org.', priority: 2 }],
  }));
  const log = createLogger('central', process.env.ZONECAST_TEST_LOG ?? 'silent');
  const bus = inProcessBus(log);
  const notified: ControlPlane['notified'] = [];
  const notifier = { info: (eventType: string, payload: Record<string, unknown>) => void notified.push({ eventType, payload }) };
  const central = new Central({ storage, bus, options: { ...CENTRAL_DEFAULTS, ...options }, log, notifier });
  central.start();
  const api = createApiServer({ logger: log, mapError: mapServiceError });
  registerV2(api, central);
  const { port } = await api.listen('127.0.0.1', 0);
  return {
    storage, bus, central, notified, api, port,
    request(method, path, opts = {}) {
      const headers: Record<string, string> = {
        'x-auth-project-id': opts.project ?? 'project-a',
        'x-roles': opts.roles ?? 'member',
        ...opts.headers,
      };
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      return call(port, method, path, { headers, body });
    },
    async close() {
      await central.close();
      await api.close();
      await bus.close();
      await storage.close();
      await opened.cleanup();
    },
  };
}

export interface PlaneContext {
  plane: ControlPlane;
}

/** Registers `body` as `<name>:sqlite` and `<name>:mysql` suites, each over a fresh control plane. */
export async function controlPlaneSuite(name: string, body: (t: Test<PlaneContext>) => void, options: Partial<CentralOptions> = {}): Promise<void> {
  const engines: [string, () => Promise<Opened>][] = [['sqlite', openSqlite]];
  const why = await mariadbUnavailable();
  if (why === null) engines.push(['mysql', openMysql]);
  else if (process.env.CI === 'true') {
    const t = suite(`${name}:mysql`);
    t('MariaDB is reachable', () => assert.unreachable(`MariaDB at ${MYSQL_URL} is unreachable: ${why}`));
    t.run();
  } else console.log(`${name}:mysql skipped: MariaDB is unreachable (${why})`);

  for (const [engine, open] of engines) {
    const t = suite<PlaneContext>(`${name}:${engine}`, {} as PlaneContext);
    t.before(async (ctx) => {
      try {
        ctx.plane = await startControlPlane(open, options);
      } catch (err) {
        console.error(`control plane on ${engine} failed to start:`, err);
        throw err;
      }
    });
    t.after(async (ctx) => ctx.plane?.close());
    body(t);
    t.run();
  }
}

/** A zone created through the API as `project`; fails the test unless accepted. */
export async function createZone(plane: ControlPlane, name: string, project = 'project-a'): Promise<any> {
  const r = await plane.request('POST', '/v2/zones', { project, body: { name, email: 'admin@example.com' } });
  assert.is(r.status, 202, r.text);
  return r.json;
}

/** Asserts Designate's error body: status, type and (optionally) message. */
export function refused(r: Reply, status: number, type: string, message?: RegExp): void {
  assert.is(r.status, status, r.text);
  assert.is(r.json.type, type, r.text);
  if (message) assert.match(r.json.message, message);
}
