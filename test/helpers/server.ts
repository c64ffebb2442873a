// Starts the mdns engine in this process on an ephemeral port, serving a zone directory.
import { resolve } from 'node:path';
import { CompilePool } from '../../engine/pool/compile-pool.ts';
import { createLogger } from '../../services/log.ts';
import { MDNS_DEFAULTS, MdnsServer, type MdnsOptions } from '../../services/mdns/server.ts';
import { loadZoneDirectory } from '../../services/mdns/zone-directory.ts';

export const DEMO_ZONES = resolve(import.meta.dirname, '../../fixtures/zones');

export interface TestServer {
  server: MdnsServer;
  port: number;
  close(): Promise<void>;
}

export async function startServer(options: Partial<MdnsOptions> = {}, zonesDir = DEMO_ZONES): Promise<TestServer> {
  const log = createLogger('mdns', 'silent');
  const server = await MdnsServer.start({ ...MDNS_DEFAULTS, listen: [{ host: '127.0.0.1', port: 0 }], ...options }, log);
  const pool = new CompilePool(1);
  try {
    await loadZoneDirectory(zonesDir, server.zones, pool, log);
  } finally {
    await pool.close();
  }
  return {
    server,
    port: server.endpoints[0].port,
    close: () => server.close(),
  };
}
