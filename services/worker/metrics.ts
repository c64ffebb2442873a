// The worker's Prometheus metrics: zone changes carried to pools and how they ended, how long a change took
// from central's announcement to the pool serving it (the API's 202 to ACTIVE), and backend call failures.
import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from '../metrics/registry.ts';

const changes = new Counter({
  name: 'zonecast_worker_zone_changes_total', help: 'Zone changes carried to a pool, by action and the status reported to central (SUCCESS, ERROR, NO_ZONE)',
  labelNames: ['action', 'status'] as const, registers: [metricsRegistry],
});
const propagation = new Histogram({
  name: 'zonecast_worker_propagation_seconds',
  help: "Time from central announcing a committed change to the pool's nameservers serving it (SUCCESS only; recoveries count from their start), by action",
  labelNames: ['action'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registers: [metricsRegistry],
});
const backendErrors = new Counter({
  name: 'zonecast_worker_backend_errors_total', help: 'Backend calls to pool targets that failed (each retry counts), by target type and call',
  labelNames: ['type', 'call'] as const, registers: [metricsRegistry],
});

/** A change ended with `status`; `seconds` since it was announced, for the propagation histogram. */
export function countZoneChange(action: string, status: string, seconds: number): void {
  changes.inc({ action, status });
  if (status === 'SUCCESS') propagation.observe({ action }, Math.max(0, seconds));
}

export function countBackendError(type: string, call: 'create' | 'delete' | 'refresh'): void {
  backendErrors.inc({ type, call });
}
