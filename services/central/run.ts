// Assembles the central service: storage (migrated to the latest schema, with the default pool in an empty
// database), Designate's rules, and its methods served on `[service:central] topic`. Any number of central
// instances may run on one database: each zone change locks the zone's row, so serials never repeat.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config/options.ts';
import type { Logger } from '../log.ts';
import type { Bus } from '../messaging/bus.ts';
import type { Endpoints } from '../messaging/endpoints.ts';
import { openNotifier } from '../messaging/open-notifier.ts';
import { DuplicateError, type Storage } from '../storage/storage.ts';
import { redactUrl } from '../storage/open.ts';
import { Central } from './central.ts';
import { CENTRAL_DEFAULTS, QUOTA_RESOURCES, type CentralOptions } from './context.ts';
import { updatePools } from './pool-update.ts';
import { parsePoolsYaml } from './pools-yaml.ts';
import { serveCentral } from './rpcapi.ts';

/** Loaded into an empty database, so that a first start can host zones at once. */
export const DEFAULT_POOLS_FILE = resolve(import.meta.dirname, '../../fixtures/pools/default.yaml');

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
    heartbeatInterval: config.get<number>('heartbeat_emitter', 'heartbeat_interval'),
    quotas,
  };
}

/** Brings the schema to the latest version and gives an empty database the default pool. */
export async function prepareStorage(storage: Storage, url: string, log: Logger): Promise<void> {
  const version = await storage.migrate();
  // uptimeMs: how long the process took to get here (Node's start, modules, opening the database).
  log.info({ storage: redactUrl(url), schema: version, uptimeMs: Math.round(performance.now()) }, 'storage ready');
  const pools = await storage.transaction((tx) => tx.findPools());
  if (pools.length > 0) return;
  try {
    for (const r of await updatePools(storage, parsePoolsYaml(readFileSync(DEFAULT_POOLS_FILE, 'utf8')))) {
      log.info({ pool: r.name, id: r.id, file: DEFAULT_POOLS_FILE }, 'no pools yet: loaded the default pool');
    }
  } catch (err) {
    // Another central starting at the same moment loaded it first.
    if (!(err instanceof DuplicateError)) throw err;
  }
}

export interface CentralService {
  central: Central;
  close(): Promise<void>;
}

/** Central's rules over `storage`, following mdns's reports on `bus` and serving its RPC API on `endpoints`. */
export function startCentral(config: Config, storage: Storage, bus: Bus, endpoints: Endpoints, topic: string, log: Logger): CentralService {
  const notifications = openNotifier(config, `central.${endpoints.host}`, log);
  const central = new Central({ storage, bus, options: centralOptions(config), log, notifier: notifications.notifier });
  central.start();
  const stopServing = serveCentral(endpoints, central, topic);
  return {
    central,
    close: async () => {
      stopServing();
      await central.close();
      await notifications.close();
    },
  };
}
