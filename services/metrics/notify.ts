// NOTIFY metrics, for both senders: mdns (also_notifies) and the worker (its pools' targets).
import { Counter } from 'prom-client';
import type { NotifyOutcome } from '../../engine/notify/fanout.ts';
import { metricsRegistry } from './registry.ts';

const notifyMessages = new Counter({
  name: 'zonecast_notify_messages_total', help: 'NOTIFY datagrams sent (first tries and retransmissions), by sender (mdns: also_notifies; worker: pool targets)',
  labelNames: ['sender'] as const, registers: [metricsRegistry],
});
const notifyTargets = new Counter({
  name: 'zonecast_notify_targets_total', help: 'NOTIFYs by how each target ended: acknowledged, timeout, error (an error rcode, or not sendable), superseded (a newer serial took over)',
  labelNames: ['sender', 'status'] as const, registers: [metricsRegistry],
});

/** One fan-out's outcomes: shared by mdns's also_notifies and the worker's NOTIFYs to pool targets. */
export function countNotifyOutcomes(sender: 'mdns' | 'worker', outcomes: readonly NotifyOutcome[]): void {
  let sent = 0;
  for (const o of outcomes) {
    sent += o.attempts;
    notifyTargets.inc({ sender, status: o.status });
  }
  notifyMessages.inc({ sender }, sent);
}
