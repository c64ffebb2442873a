// A test server that also serves a catalog zone (RFC 9432) of its zones, wired as the mdns command would:
// the catalog starts once the zones have loaded, and is updated when a zone starts serving and after each
// directory sync (which is when removed zones leave the table).
import { createLogger } from '../../services/log.ts';
import { CatalogService, type CatalogServiceOptions } from '../../services/mdns/catalog.ts';
import type { MdnsOptions } from '../../services/mdns/server.ts';
import type { ZoneDirectoryOptions } from '../../services/mdns/zone-directory.ts';
import { startServer, type TestServer } from './server.ts';

export interface CatalogTestServer extends TestServer {
  catalog: CatalogService;
  /** directory.sync(), then the catalog update that follows it. */
  sync(): Promise<void>;
}

export async function startCatalogServer(
  options: Partial<MdnsOptions>, zonesDir: string, directoryOptions: Partial<ZoneDirectoryOptions>,
  catalogOptions: Omit<CatalogServiceOptions, 'xfr'>,
): Promise<CatalogTestServer> {
  let catalog: CatalogService | null = null;
  const s = await startServer(options, zonesDir, {
    ...directoryOptions,
    onServing: (zone, snapshot) => {
      directoryOptions.onServing?.(zone, snapshot);
      void catalog?.update();
    },
  });
  catalog = new CatalogService(s.server.zones, s.pool, { xfr: s.server.xfr, ...catalogOptions }, createLogger('mdns', 'silent'));
  // startServer has loaded the zones: the first version lists them all.
  await catalog.start();
  const service = catalog;
  return {
    ...s,
    catalog: service,
    sync: async () => {
      await s.directory.sync();
      await service.update();
    },
    close: async () => {
      service.close();
      await s.close();
    },
  };
}
