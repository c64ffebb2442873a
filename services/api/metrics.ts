// The API's Prometheus metrics: requests by method, route pattern and status, and their latency. Served at
// /metrics on the API's port with every other metric of the process (services/metrics/registry.ts). Routes
// are labelled by pattern (/v2/zones/:zone_id), never by path, so ids do not multiply the series.
import { Counter, Histogram } from 'prom-client';
import { metricsRegistry, scrapeMetrics } from '../metrics/registry.ts';

const requests = new Counter({
  name: 'zonecast_api_requests_total', help: 'API requests answered, by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const, registers: [metricsRegistry],
});
const duration = new Histogram({
  name: 'zonecast_api_request_duration_seconds', help: 'Time from a request to its answer, by method and route pattern',
  labelNames: ['method', 'route'] as const, buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

export interface ApiMetrics {
  /** One answered request: `route` is the pattern it matched, or what stood in for one ('unmatched'). */
  observe(method: string, route: string, status: number, seconds: number): void;
  /** The exposition text and its content type. */
  scrape(): Promise<{ text: string; contentType: string }>;
}

export const apiMetrics: ApiMetrics = {
  observe(method, route, status, seconds) {
    requests.inc({ method, route, status: String(status) });
    duration.observe({ method, route }, seconds);
  },
  scrape: scrapeMetrics,
};
