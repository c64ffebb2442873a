// The API's Prometheus metrics (prom-client): requests by method, route pattern and status, and their
// latency, beside the process's own (CPU, memory, event-loop lag). Served at /metrics on the API's port.
// Routes are labelled by pattern (/v2/zones/:zone_id), never by path, so ids do not multiply the series.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'zonecast_api_requests_total', help: 'API requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const, registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'zonecast_api_request_duration_seconds', help: 'Time from a request to its answer, by method and route pattern',
    labelNames: ['method', 'route'] as const, buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'zonecast_' });
  }

  /** One answered request: `route` is the pattern it matched, or what stood in for one ('unmatched'). */
  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.duration.observe({ method, route }, seconds);
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
