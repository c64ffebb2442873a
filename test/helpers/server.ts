// Starts the mdns engine in this process on an ephemeral port, serving a zone directory.
import { resolve } from 'node:path';
import { CompilePool } from '../../engine/pool/compile-pool.ts';
import { createLogger } from '../../services/log.ts';
import { MDNS_DEFAULTS, MdnsServer, type MdnsOptions } from '../../services/mdns/server.ts';
import { ZoneDirectory, type ZoneDirectoryOptions } from '../../services/mdns/zone-directory.ts';
import { JOURNAL_DEFAULTS } from '../../engine/xfr/journal.ts';

export const DEMO_ZONES = resolve(import.meta.dirname, '../../fixtures/zones');

export interface TestServer {
  server: MdnsServer;
  directory: ZoneDirectory;
  pool: CompilePool;
  port: number;
  close(): Promise<void>;
}

export async function startServer(
  options: Partial<MdnsOptions> = {}, zonesDir = DEMO_ZONES, directoryOptions: Partial<ZoneDirectoryOptions> = {},
): Promise<TestServer> {
  try {
    return await start(options, zonesDir, directoryOptions);
  } catch (err) {
    // uvu does not report an error thrown in a before hook before it exits; say it here.
    console.error('startServer failed:', err);
    throw err;
  }
}

async function start(options: Partial<MdnsOptions>, zonesDir: string, directoryOptions: Partial<ZoneDirectoryOptions>): Promise<TestServer> {
  // ZONECAST_TEST_LOG=info shows the servers' logs when a test needs explaining.
  const log = createLogger('mdns', process.env.ZONECAST_TEST_LOG ?? 'silent');
  // ZONECAST_TEST_MDNS_WORKERS=2 runs the same suites on answering threads (.ci/run does, for the answer suites).
  const workers = Number(process.env.ZONECAST_TEST_MDNS_WORKERS ?? MDNS_DEFAULTS.workers);
  const server = await MdnsServer.start({ ...MDNS_DEFAULTS, workers, listen: [{ host: '127.0.0.1', port: 0 }], ...options }, log);
  // The pool stays up with the server: AXFR images render in it after each zone starts serving.
  const pool = new CompilePool(1);
  const directory = new ZoneDirectory(server.zones, pool, {
    dir: zonesDir, keyring: server.keyring, journalDir: null, journal: JOURNAL_DEFAULTS, xfr: server.xfr, ...directoryOptions,
  }, log);
  try {
    await directory.sync();
  } catch (err) {
    await Promise.all([pool.close(), server.close()]);
    throw err;
  }
  return {
    server,
    directory,
    pool,
    port: server.endpoints[0].port,
    close: async () => {
      directory.close();
      await server.close();
      await pool.close();
    },
  };
}
