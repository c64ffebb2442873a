// `zonecast start`: every service in one process over the embedded defaults — SQLite in [DEFAULT] state_path
// (or [storage] connection), the in-process transport — serving the v2 API and DNS from the same database.
// With [DEFAULT] transport_url set, the same process joins a cluster over RabbitMQ: its central serves other
// instances' API calls and its mdns hears every instance's zone changes.
import { startApi, type ApiService } from './api/run.ts';
import type { Central } from './central/central.ts';
import { prepareStorage, startCentral } from './central/run.ts';
import { preparedStorageUrl, type Config } from './config/options.ts';
import { createLogger, type Logger } from './log.ts';
import { serveConfiguredMetrics } from './metrics/registry.ts';
import { startMdns, type MdnsService } from './mdns/run.ts';
import { MessagingBus } from './messaging/bus.ts';
import { openEndpoints, serviceTopics, startHeartbeat } from './messaging/open.ts';
import { openStorage, redactUrl } from './storage/open.ts';
import type { Storage } from './storage/storage.ts';
import { startWorker } from './worker/run.ts';
import { startProducer } from './producer/run.ts';
import { enabledHandlers, Sink } from './sink/sink.ts';
import type { Worker } from './worker/worker.ts';


export interface AllServices {
  storage: Storage;
  central: Central;
  mdns: MdnsService;
  api: ApiService;
  worker: Worker;
  close(): Promise<void>;
}

export async function startAll(config: Config, log: Logger): Promise<AllServices> {
  const url = preparedStorageUrl(config);
  const storage = await openStorage(url);
  const closers: (() => Promise<void>)[] = [() => storage.close()];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c();
  };
  try {
    await prepareStorage(storage, url, log);
    const endpoints = openEndpoints(config, log);
    closers.push(() => endpoints.transport.close(), () => endpoints.close());
    const topics = serviceTopics(config);
    const bus = new MessagingBus(endpoints, topics);
    const central = startCentral(config, storage, bus, endpoints, topics.central, createLogger('central', log.level));
    closers.push(central.close);
    // Central follows zone.served before mdns loads, so the reports of the first load turn zones ACTIVE.
    const mdns = await startMdns(config, createLogger('mdns', log.level), {
      stored: { storage, bus, onReconnect: (l) => endpoints.transport.onReconnect(l) }, defaultAllowTransfer: ['127.0.0.0/8', '::1'],
    });
    closers.push(() => mdns.close());
    // Idle unless a pool has targets: then it carries the pool's zones to them, as a lone worker would.
    const worker = startWorker(config, storage, bus, createLogger('worker', log.level));
    closers.push(() => worker.close());
    const producer = await startProducer(config, storage, central.central, bus, endpoints.host, createLogger('producer', log.level));
    closers.push(() => producer.close());
    // Notifications come over RabbitMQ only: without transport_url there is nothing to listen to.
    const transportUrl = config.get<string>('DEFAULT', 'transport_url');
    const sinkLog = createLogger('sink', log.level);
    const handlers = enabledHandlers(config, sinkLog);
    if (handlers.length > 0 && transportUrl === '') sinkLog.warn('[service:sink] enabled_notification_handlers is set, but without [DEFAULT] transport_url there are no notifications to listen to');
    if (handlers.length > 0 && transportUrl !== '') {
      const sink = new Sink(central.central, handlers, sinkLog);
      await sink.start(transportUrl, 10_000);
      closers.push(() => sink.close());
    }
    const api = await startApi(config, central.central, createLogger('api', log.level));
    closers.push(() => api.close());
    // Besides the API's /metrics: any service's metrics_listen serves the same page (every service's series).
    closers.push(await serveConfiguredMetrics(config, ['central', 'mdns', 'worker', 'producer', 'sink'], log));
    await endpoints.ready();
    for (const serviceName of ['central', 'mdns', 'worker', 'producer', 'api']) {
      const heartbeat = startHeartbeat(config, endpoints, serviceName, log);
      closers.push(() => heartbeat.stop());
    }
    log.info({
      transport: endpoints.transport.description, host: endpoints.host, database: redactUrl(url),
      listen: api.ports, dns: mdns.server.endpoints.map((e) => `${e.host}:${e.port}`),
    }, 'start running');
    return { storage, central: central.central, mdns, api, worker, close };
  } catch (err) {
    await close();
    throw err;
  }
}
