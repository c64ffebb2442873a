// The producer's Prometheus metrics: periodic task runs by task and result, their durations, and the
// shards this instance holds (4096 over the producers alive: a gap or overlap shows as a sum off 4096).
import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '../metrics/registry.ts';

const runs = new Counter({
  name: 'zonecast_producer_task_runs_total', help: 'Periodic task runs, by task and result (ok, failed, no_shards)',
  labelNames: ['task', 'result'] as const, registers: [metricsRegistry],
});
const duration = new Histogram({
  name: 'zonecast_producer_task_duration_seconds', help: 'Time one periodic task run took, by task',
  labelNames: ['task'] as const, buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300], registers: [metricsRegistry],
});
const shards = new Gauge({
  name: 'zonecast_producer_shards', help: 'Zone shards (of 4096) this producer took at its last task run', registers: [metricsRegistry],
});

/** `held`: the shards the run took, null when it failed before learning them. */
export function countTaskRun(task: string, result: 'ok' | 'failed' | 'no_shards', seconds: number, held: number | null): void {
  runs.inc({ task, result });
  if (result !== 'no_shards') duration.observe({ task }, seconds);
  if (held !== null) shards.set(held);
}
