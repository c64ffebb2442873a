// Assembles the mdns service from configuration: the DNS server, the compile and NOTIFY pools, the zones it
// serves (a zone-file directory, the database, or both) and the optional catalog zone.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { HostedZone } from '../../engine/answer/zone-table.ts';
import { UDP_IO_MODES, type UdpIo } from '../../engine/net/udp-listener.ts';
import { NotifyPool } from '../../engine/notify/notify-pool.ts';
import { CompilePool } from '../../engine/pool/compile-pool.ts';
import type { ZoneSnapshot } from '../../engine/snapshot/snapshot.ts';
import { parseTsigKeySpec, TsigKeyring } from '../../engine/tsig/keys.ts';
import { FleetCache } from '../cache/fleet-cache.ts';
import { ConfigError, type Config, type ConfigValue } from '../config/options.ts';
import type { Logger } from '../log.ts';
import type { Bus } from '../messaging/bus.ts';
import type { Storage, Zone } from '../storage/storage.ts';
import { CatalogService } from './catalog.ts';
import { parseEndpoint } from './endpoint.ts';
import { NotifyLedger } from './notify-ledger.ts';
import { Notifier, parseRemote } from './notifier.ts';
import { compileMetrics } from './metrics.ts';
import { MdnsServer } from './server.ts';
import { StoredSecondaries } from './stored-secondaries.ts';
import { StoredTsigKeys } from './stored-tsigkeys.ts';
import { StoredSync, type StoredZoneFollower } from './stored-sync.ts';
import { StoredZones } from './stored-zones.ts';
import { ZoneDirectory } from './zone-directory.ts';
import { LocalImages } from './local-images.ts';
import { SharedImages } from './shared-images.ts';
import { ZoneImages, type ImageStore } from './zone-images.ts';

export interface MdnsService {
  server: MdnsServer;
  /** Re-reads changed zone files (SIGHUP). */
  reloadFiles(): Promise<void>;
  close(): Promise<void>;
}

export interface MdnsSources {
  /**
   * Serve the zones of this database, reloading on the bus's 'zone.changed' and comparing with storage every
   * sync_interval and after each reconnection to the broker (`onReconnect`).
   */
  stored?: { storage: Storage; bus: Bus; onReconnect?: (listener: () => void) => () => void };
  /** Transfer access when [service:mdns] allow_transfer is empty (the embedded default allows loopback). */
  defaultAllowTransfer?: string[];
}

function nonNegative(value: number, option: string): number {
  if (value < 0) throw new ConfigError(`[service:mdns] ${option} must not be negative`);
  return value;
}

/** `[cache] enabled` with memcache_servers: the fleet cache the instances share compiled images through. */
function fleetCache(config: Config, log: Logger): FleetCache | null {
  const cache = <T extends ConfigValue>(name: string) => config.get<T>('cache', name);
  if (!cache<boolean>('enabled')) return null;
  const servers = cache<string[]>('memcache_servers');
  if (servers.length === 0) throw new ConfigError('[cache] enabled needs memcache_servers (host:port, ...)');
  for (const server of servers) {
    if (!/^[^\s:]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/.test(server)) throw new ConfigError(`[cache] memcache_servers: '${server}' is not host:port`);
  }
  return new FleetCache({
    servers, deadRetry: cache<number>('memcache_dead_retry'), socketTimeout: cache<number>('memcache_socket_timeout'), expirationTime: cache<number>('expiration_time'),
  }, log);
}

export async function startMdns(config: Config, log: Logger, sources: MdnsSources = {}): Promise<MdnsService> {
  const opt = <T extends ConfigValue>(name: string) => config.get<T>('service:mdns', name);
  const zonesDir = opt<string>('zones_dir');
  if (zonesDir === '' && !sources.stored) throw new ConfigError('mdns needs a zone directory: --zones DIR or [service:mdns] zones_dir');
  const udpIo = opt<string>('udp_io');
  if (!UDP_IO_MODES.includes(udpIo as UdpIo)) throw new ConfigError(`udp_io must be one of ${UDP_IO_MODES.join(', ')}, not '${udpIo}'`);
  const allowTransfer = opt<string[]>('allow_transfer');
  const workers = nonNegative(opt<number>('workers'), 'workers');
  // Read before anything listens, so that a mistake stops the start with nothing to clean up.
  const tsigKeys = opt<string[]>('tsig_keys').map((spec) => parseTsigKeySpec(spec));
  const configuredKeys = new TsigKeyring();
  for (const key of tsigKeys) configuredKeys.add(key);
  const alsoNotifies = opt<string[]>('also_notifies').map((t) => {
    try {
      return parseRemote(t, configuredKeys);
    } catch (err) {
      throw new ConfigError(`[service:mdns] also_notifies: ${(err as Error).message}`);
    }
  });
  const server = await MdnsServer.start({
    listen: opt<string[]>('listen').map((l) => parseEndpoint(l)),
    workers: workers === 0 ? availableParallelism() : workers,
    udpPayloadSize: opt<number>('udp_payload_size'),
    udpReceiveBuffer: nonNegative(opt<number>('udp_receive_buffer'), 'udp_receive_buffer'),
    udpIo: udpIo as UdpIo,
    tcpIdleTimeout: nonNegative(opt<number>('tcp_idle_timeout'), 'tcp_idle_timeout'),
    tcpMessageTimeout: nonNegative(opt<number>('tcp_message_timeout'), 'tcp_message_timeout'),
    tcpMaxConnections: nonNegative(opt<number>('tcp_max_connections'), 'tcp_max_connections'),
    tcpMaxConnectionsPerSource: nonNegative(opt<number>('tcp_max_connections_per_source'), 'tcp_max_connections_per_source'),
    responseCacheSize: nonNegative(opt<number>('response_cache_size'), 'response_cache_size'),
    allowTransfer: allowTransfer.length > 0 ? allowTransfer : (sources.defaultAllowTransfer ?? []),
    tsigKeys,
    maxMessageSize: opt<number>('max_message_size'),
  }, log);
  const threads = opt<number>('compile_threads');
  const pool = new CompilePool(threads > 0 ? threads : undefined, compileMetrics);
  const notifyPool = new NotifyPool();
  const notifier = new Notifier(notifyPool, {
    targets: alsoNotifies,
    retries: nonNegative(opt<number>('notify_retries'), 'notify_retries'),
    initialTimeoutMs: nonNegative(opt<number>('notify_timeout'), 'notify_timeout'),
    ledger: NotifyLedger.open(resolve(config.get<string>('DEFAULT', 'state_path'), 'notified.json'), log),
  }, log);
  const journal = { maxEntries: opt<number>('journal_max_entries'), maxBytes: opt<number>('journal_max_bytes') };
  // Created before any zone loads: a zone named like the catalog then loses to the catalog.
  const catalogName = opt<string>('catalog_zone');
  const catalog = catalogName === '' ? null : new CatalogService(server.zones, pool, {
    name: catalogName, xfr: server.xfr, journal, catalog: { refresh: opt<number>('catalog_refresh') },
    onServing: (zone, snapshot) => notifier.announce(zone, snapshot),
  }, log);
  const directory: ZoneDirectory | null = zonesDir === '' ? null : new ZoneDirectory(server.zones, pool, {
    dir: resolve(zonesDir),
    keyring: server.keyring,
    journalDir: resolve(opt<string>('journal_dir')),
    journal,
    xfr: server.xfr,
    onServing: (zone, snapshot) => {
      notifier.announce(zone, snapshot, directory!.alsoNotifyOf(zone));
      void catalog?.update();
    },
    onRemoved: (zone) => {
      notifier.removed(zone);
      void catalog?.update();
    },
  }, log);
  // Zones from the database, primary and secondary alike, announce each new serial and keep the catalog current.
  const fleet = sources.stored ? fleetCache(config, log) : null;
  const imageStores: ImageStore[] = [];
  if (sources.stored && opt<boolean>('zone_images')) imageStores.push(new LocalImages(resolve(config.get<string>('DEFAULT', 'state_path'), 'zone-images'), log));
  if (fleet !== null) imageStores.push(new SharedImages(fleet, log));
  const images = imageStores.length > 0 ? new ZoneImages(imageStores, {}, log) : undefined;
  const fromStorage = {
    xfr: server.xfr,
    journal,
    onServing: (zone: HostedZone, snapshot: ZoneSnapshot) => {
      notifier.announce(zone, snapshot);
      void catalog?.update();
    },
    onRemoved: (zone: HostedZone) => {
      notifier.removed(zone);
      void catalog?.update();
    },
  };
  const { stored: db } = sources;
  // TSIG keys from the API join the keyring before any stored zone loads, and scope who may transfer it.
  const storedKeys = db ? new StoredTsigKeys(db.storage, db.bus, server.keyring, log) : null;
  const transferPolicy = (zone: Zone) => storedKeys!.policyFor(zone, server.transferAcl);
  const secondaries = db ? new StoredSecondaries(server.zones, pool, db.storage, db.bus, { ...fromStorage, transferPolicy }, log) : null;
  const stored = db ? new StoredZones(server.zones, pool, db.storage, db.bus, { ...fromStorage, transferPolicy, images, threads: server.threads }, log) : null;
  const sync = db ? new StoredSync(db.storage, new Map<Zone['type'], StoredZoneFollower>([['PRIMARY', stored!], ['SECONDARY', secondaries!]]), log) : null;
  const stopFollowingReconnects = db?.onReconnect?.(() => void sync!.sync('reconnected to the broker'));

  const close = async () => {
    stopFollowingReconnects?.();
    await sync?.close();
    catalog?.close();
    directory?.close();
    secondaries?.close();
    storedKeys?.close();
    await stored?.close();
    await server.close();
    await Promise.all([pool.close(), notifyPool.close()]);
    notifier.close();
    fleet?.close();
  };
  try {
    if (directory) {
      const summary = await directory.sync();
      log.info({ ...summary, zones: server.zones.size }, 'zone directory loaded');
    }
    await storedKeys?.start();
    await stored?.start();
    await secondaries?.start();
    sync?.start(opt<number>('sync_interval'));
    // After the first load, so consumers never see a catalog of only the zones that compiled first.
    await catalog?.start();
    directory?.watch();
  } catch (err) {
    await close();
    throw err;
  }
  return {
    server,
    reloadFiles: async () => {
      await directory?.sync();
    },
    close,
  };
}
