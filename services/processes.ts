// One service per process (`zonecast central|api|mdns|worker|producer|sink`), any number of instances of each, talking over
// [DEFAULT] transport_url. Each logs one line saying which transport, database and addresses it uses, and
// heartbeats to central until it stops.
import { startApi } from './api/run.ts';
import { centralClient } from './central/rpcapi.ts';
import { prepareStorage, startCentral } from './central/run.ts';
import { ConfigError, preparedStorageUrl, type Config } from './config/options.ts';
import type { Logger } from './log.ts';
import { serveConfiguredMetrics } from './metrics/registry.ts';
import { startMdns, type MdnsService } from './mdns/run.ts';
import { MessagingBus } from './messaging/bus.ts';
import type { Endpoints } from './messaging/endpoints.ts';
import { openEndpoints, serviceTopics, startHeartbeat } from './messaging/open.ts';
import { openStorage, redactUrl } from './storage/open.ts';
import { LATEST_VERSION } from './storage/schema.ts';
import type { Storage } from './storage/storage.ts';
import { workerOptions } from './worker/options.ts';
import { startWorker } from './worker/run.ts';
import { startProducer } from './producer/run.ts';
import { enabledHandlers, Sink } from './sink/sink.ts';

export interface ServiceProcess {
  close(): Promise<void>;
  /** mdns only: re-read changed zone files (SIGHUP). */
  mdns?: MdnsService;
}

/** A lone service needs a broker: over the in-process transport nobody else could reach it. */
function clusterEndpoints(config: Config, service: string, log: Logger, prefetch?: number): Endpoints {
  if (config.get<string>('DEFAULT', 'transport_url') === '') {
    throw new ConfigError(`zonecast ${service} runs beside other services: it needs [DEFAULT] transport_url (--transport-url rabbit://…); 'zonecast start' runs everything in one process`);
  }
  return openEndpoints(config, log, prefetch);
}

/** How long a starting service waits for the broker before it starts anyway (answering 503 until it connects). */
const BROKER_WAIT_MS = 10_000;

/** Waits (bounded) for the broker, so a service that starts normally takes no request it must refuse. */
async function brokerReady(endpoints: Endpoints, log: Logger): Promise<void> {
  await endpoints.transport.ready(BROKER_WAIT_MS).catch((err: Error) =>
    log.warn({ transport: endpoints.transport.description, err: err.message }, 'starting without the message broker: calls fail with 503 until it is reached'));
}

/** Heartbeats, the start-up line, and a close that reports STOPPED first and closes the transport last. */
async function running(service: string, config: Config, endpoints: Endpoints, details: Record<string, unknown>, closeService: () => Promise<void>, log: Logger): Promise<() => Promise<void>> {
  await endpoints.ready();
  // The API serves /metrics on its own port; the others on [service:<name>] metrics_listen when set.
  const closeMetrics = service === 'api' ? async () => {} : await serveConfiguredMetrics(config, [service], log);
  const heartbeat = startHeartbeat(config, endpoints, service, log);
  log.info({ transport: endpoints.transport.description, host: endpoints.host, ...details }, `${service} running`);
  return async () => {
    await closeMetrics();
    await heartbeat.stop();
    await closeService();
    await endpoints.close();
    await endpoints.transport.close();
  };
}

/**
 * Opens `[storage] connection` for a service on `endpoints` and starts it with `start`; if that fails, the
 * database and the broker connections are closed again.
 */
async function withStorage(config: Config, endpoints: Endpoints, start: (storage: Storage, url: string) => Promise<ServiceProcess>): Promise<ServiceProcess> {
  const url = preparedStorageUrl(config);
  const storage = await openStorage(url);
  try {
    return await start(storage, url);
  } catch (err) {
    await storage.close();
    await endpoints.transport.close();
    throw err;
  }
}

export async function runCentral(config: Config, log: Logger): Promise<ServiceProcess> {
  const endpoints = clusterEndpoints(config, 'central', log);
  return withStorage(config, endpoints, async (storage, url) => {
    await prepareStorage(storage, url, log);
    const topics = serviceTopics(config);
    const central = startCentral(config, storage, new MessagingBus(endpoints, topics), endpoints, topics.central, log);
    const close = await running('central', config, endpoints, { database: redactUrl(url), topic: topics.central }, async () => {
      await central.close();
      await storage.close();
    }, log);
    return { close };
  });
}

export async function runApi(config: Config, log: Logger): Promise<ServiceProcess> {
  const endpoints = clusterEndpoints(config, 'api', log);
  const topics = serviceTopics(config);
  const central = centralClient(endpoints.transport, topics.central, config.get<number>('DEFAULT', 'rpc_response_timeout') * 1000);
  await brokerReady(endpoints, log);
  const api = await startApi(config, central, log);
  const close = await running('api', config, endpoints, { listen: api.ports, central: topics.central }, () => api.close(), log);
  return { close };
}

/** A service that reads storage needs its schema current: central migrates it, the others wait for that. */
async function requireSchema(storage: Storage, url: string): Promise<void> {
  const version = await storage.version();
  if (version < LATEST_VERSION) throw new Error(`${redactUrl(url)}: schema at version ${version}, not ${LATEST_VERSION}; start a central or run 'zonecast manage db-sync' first`);
}

/** mdns over the database (no zones_dir): the zones central stores, kept current by the bus and by sync. */
export async function runStoredMdns(config: Config, log: Logger): Promise<ServiceProcess> {
  const endpoints = clusterEndpoints(config, 'mdns', log);
  return withStorage(config, endpoints, async (storage, url) => {
    await requireSchema(storage, url);
    const bus = new MessagingBus(endpoints, serviceTopics(config));
    await brokerReady(endpoints, log);
    const mdns = await startMdns(config, log, {
      stored: { storage, bus, onReconnect: (l) => endpoints.transport.onReconnect(l) }, defaultAllowTransfer: ['127.0.0.0/8', '::1'],
    });
    const listen = mdns.server.endpoints.map((e) => `${e.host}:${e.port}`);
    const close = await running('mdns', config, endpoints, { database: redactUrl(url), listen }, async () => {
      await mdns.close();
      await storage.close();
    }, log);
    return { close, mdns };
  });
}

/** The worker: zone changes of pools with targets, carried to their nameservers; pools read from storage. */
export async function runWorker(config: Config, log: Logger): Promise<ServiceProcess> {
  // As many changes in hand as it carries at once: each cast is acknowledged when its change has landed.
  const endpoints = clusterEndpoints(config, 'worker', log, workerOptions(config).threads);
  return withStorage(config, endpoints, async (storage, url) => {
    await requireSchema(storage, url);
    const topics = serviceTopics(config);
    const worker = startWorker(config, storage, new MessagingBus(endpoints, topics), log);
    const close = await running('worker', config, endpoints, { database: redactUrl(url), topic: topics.worker }, async () => {
      await worker.close();
      await storage.close();
    }, log);
    return { close };
  });
}

/** The producer: periodic tasks over this instance's share of the zone shards. */
export async function runProducer(config: Config, log: Logger): Promise<ServiceProcess> {
  const endpoints = clusterEndpoints(config, 'producer', log);
  return withStorage(config, endpoints, async (storage, url) => {
    await requireSchema(storage, url);
    const topics = serviceTopics(config);
    const central = centralClient(endpoints.transport, topics.central, config.get<number>('DEFAULT', 'rpc_response_timeout') * 1000);
    const producer = await startProducer(config, storage, central, new MessagingBus(endpoints, topics), endpoints.host, log);
    const close = await running('producer', config, endpoints, { database: redactUrl(url), member: producer.member }, async () => {
      await producer.close();
      await storage.close();
    }, log);
    return { close };
  });
}

/** The sink: Nova's and Neutron's notifications on RabbitMQ turned into managed records through central. */
export async function runSink(config: Config, log: Logger): Promise<ServiceProcess> {
  const endpoints = clusterEndpoints(config, 'sink', log);
  const topics = serviceTopics(config);
  const central = centralClient(endpoints.transport, topics.central, config.get<number>('DEFAULT', 'rpc_response_timeout') * 1000);
  const enabled = enabledHandlers(config, log);
  const sink = new Sink(central, enabled, log);
  await sink.start(config.get<string>('DEFAULT', 'transport_url'), BROKER_WAIT_MS);
  const close = await running('sink', config, endpoints, { handlers: enabled.map((e) => e.handler.name) }, () => sink.close(), log);
  return { close };
}
