// The process's Prometheus metrics (prom-client): one registry per process, whatever services it runs, so
// `zonecast start` shows every service's series on one page and a lone service shows its own. Each service
// defines its metrics beside its code, registered here; the process's own (CPU, memory, event-loop lag,
// GC) join once something serves them. Served by the API at /metrics on its port, and by any service on
// `[service:<name>] metrics_listen`.
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Config } from '../config/options.ts';
import type { Logger } from '../log.ts';
import { formatEndpoint, parseEndpoint } from '../mdns/endpoint.ts';

export const metricsRegistry = new Registry();

let processMetrics = false;

/** The process's own metrics (zonecast_process_*, zonecast_nodejs_*), registered once per process. */
export function collectProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'zonecast_' });
}

/** The exposition text of every metric of this process, and its content type. */
export async function scrapeMetrics(): Promise<{ text: string; contentType: string }> {
  collectProcessMetrics();
  return { text: await metricsRegistry.metrics(), contentType: metricsRegistry.contentType };
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * An HTTP server answering GET /metrics on `listen` (HOST:PORT) for a service that has no HTTP port of its
 * own; anything else gets 404. Prometheus scrapes every few seconds: nothing here is logged per request.
 */
export async function serveMetrics(listen: string, log: Logger): Promise<MetricsServer> {
  const endpoint = parseEndpoint(listen, 9102, 'metrics_listen');
  collectProcessMetrics();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET or HEAD only\n');
      return;
    }
    scrapeMetrics().then(({ text, contentType }) => {
      res.writeHead(200, { 'content-type': contentType });
      res.end(req.method === 'HEAD' ? undefined : text);
    }, (err: Error) => {
      log.error({ err: err.message }, 'metrics scrape failed');
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics scrape failed: ${err.message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(endpoint.port, endpoint.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  log.info({ listen: formatEndpoint({ host: endpoint.host, port }) }, 'metrics at /metrics');
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/**
 * Serves /metrics on every distinct `[service:<name>] metrics_listen` that `services` set (`zonecast start`
 * reads all of them; a lone service its own). Returns the function that closes them.
 */
export async function serveConfiguredMetrics(config: Config, services: readonly string[], log: Logger): Promise<() => Promise<void>> {
  const addresses = new Set(services.map((name) => config.get<string>(`service:${name}`, 'metrics_listen')).filter((a) => a !== ''));
  const servers: MetricsServer[] = [];
  const close = async () => void (await Promise.all(servers.splice(0).map((s) => s.close())));
  try {
    for (const address of addresses) servers.push(await serveMetrics(address, log));
  } catch (err) {
    await close();
    throw err;
  }
  return close;
}

/** One sample of a metric read at scrape time: `metricName` for a histogram's _bucket, _sum and _count. */
export interface Sample {
  labels?: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * A metric whose samples are read when scraped, from counts kept elsewhere (the answering threads' shared
 * arrays, the zone table): nothing is counted twice and the hot path never calls prom-client.
 */
export function registerSampled(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', read: () => Sample[]): void {
  const get = async () => ({ name, help, type, aggregator: 'sum', values: read() });
  metricsRegistry.registerMetric({ name, help, type, aggregator: 'sum', get, reset: () => {} } as unknown as Parameters<Registry['registerMetric']>[0]);
}

/** A histogram's samples from per-bucket counts (not cumulative; +Inf last) under `bounds`. */
export function histogramSamples(name: string, labels: Record<string, string>, bounds: readonly number[], counts: readonly number[], sum: number): Sample[] {
  const samples: Sample[] = [];
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i];
    samples.push({ metricName: `${name}_bucket`, labels: { ...labels, le: i < bounds.length ? bounds[i] : '+Inf' }, value: cumulative });
  }
  samples.push({ metricName: `${name}_sum`, labels, value: sum }, { metricName: `${name}_count`, labels, value: cumulative });
  return samples;
}
