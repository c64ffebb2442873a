// `zonecast start`: every service in one process over the embedded defaults — SQLite in [DEFAULT] state_path
// (or [storage] connection), the in-process bus — serving the v2 API and DNS from the same database.
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startApi, type ApiService } from './api/run.ts';
import { Central } from './central/central.ts';
import { CENTRAL_DEFAULTS, QUOTA_RESOURCES, type CentralOptions } from './central/context.ts';
import { updatePools } from './central/pools.ts';
import { parsePoolsYaml } from './central/pools-yaml.ts';
import { storageUrl, type Config } from './config/options.ts';
import { createLogger, type Logger } from './log.ts';
import { startMdns, type MdnsService } from './mdns/run.ts';
import { InProcessBus } from './messaging/bus.ts';
import { openStorage, redactUrl } from './storage/open.ts';
import type { Storage } from './storage/storage.ts';

/** Loaded into an empty database, so that a first start can host zones at once. */
export const DEFAULT_POOLS_FILE = resolve(import.meta.dirname, '../fixtures/pools/default.yaml');

export interface AllServices {
  storage: Storage;
  central: Central;
  mdns: MdnsService;
  api: ApiService;
  close(): Promise<void>;
}

export function centralOptions(config: Config): CentralOptions {
  const central = <T extends string | number>(name: string) => config.get<T>('service:central', name);
  const quotas = { ...CENTRAL_DEFAULTS.quotas };
  for (const resource of QUOTA_RESOURCES) quotas[resource] = config.get<number>('DEFAULT', `quota_${resource}`);
  return {
    ...CENTRAL_DEFAULTS,
    defaultPoolId: central<string>('default_pool_id'),
    minTtl: central<number>('min_ttl'),
    maxZoneNameLength: central<number>('max_zone_name_len'),
    maxRecordsetNameLength: central<number>('max_recordset_name_len'),
    managedResourceEmail: central<string>('managed_resource_email'),
    supportedRecordTypes: config.get<string[]>('DEFAULT', 'supported_record_type').map((t) => t.toUpperCase()),
    defaultTtl: config.get<number>('DEFAULT', 'default_ttl'),
    serialBatchInterval: config.get<number>('producer_task:increment_serial', 'interval'),
    quotas,
  };
}

export async function startAll(config: Config, log: Logger): Promise<AllServices> {
  const url = storageUrl(config);
  if (config.get<string>('storage', 'connection') === '') mkdirSync(config.get<string>('DEFAULT', 'state_path'), { recursive: true });
  const storage = await openStorage(url);
  const closers: (() => Promise<void>)[] = [() => storage.close()];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const version = await storage.migrate();
    log.info({ storage: redactUrl(url), schema: version }, 'storage ready');
    const pools = await storage.transaction((tx) => tx.findPools());
    if (pools.length === 0) {
      for (const r of await updatePools(storage, parsePoolsYaml(readFileSync(DEFAULT_POOLS_FILE, 'utf8')))) {
        log.info({ pool: r.name, id: r.id, file: DEFAULT_POOLS_FILE }, 'no pools yet: loaded the default pool');
      }
    }
    const bus = new InProcessBus((topic, err) => log.error({ topic, err }, 'bus handler failed'));
    closers.push(() => bus.close());
    const central = new Central({ storage, bus, options: centralOptions(config), log: createLogger('central', log.level) });
    central.start();
    closers.push(() => central.close());
    // Subscribed before mdns loads, so the zone.served of the first load turns zones ACTIVE.
    const mdns = await startMdns(config, createLogger('mdns', log.level), {
      stored: { storage, bus }, defaultAllowTransfer: ['127.0.0.0/8', '::1'],
    });
    closers.push(() => mdns.close());
    const api = await startApi(config, central, createLogger('api', log.level));
    closers.push(() => api.close());
    return { storage, central, mdns, api, close };
  } catch (err) {
    await close();
    throw err;
  }
}
