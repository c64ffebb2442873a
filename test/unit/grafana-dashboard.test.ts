// The Grafana dashboard in dashboards/ reads only metrics that exist: every zonecast_* name in its queries
// is one some service registers (histograms by their _bucket, _sum and _count series).
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import '../../services/api/metrics.ts';
import '../../services/mdns/metrics.ts';
import '../../services/messaging/metered-transport.ts';
import '../../services/metrics/notify.ts';
import '../../services/producer/metrics.ts';
import '../../services/worker/metrics.ts';
import { collectProcessMetrics, metricsRegistry } from '../../services/metrics/registry.ts';

const dashboard = JSON.parse(readFileSync(new URL('../../dashboards/zonecast.json', import.meta.url), 'utf8'));

test('every metric the dashboard queries is registered', async () => {
  collectProcessMetrics();
  const registered = new Map((await metricsRegistry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]));
  const exprs: string[] = dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) => (p.targets ?? []).map((t) => t.expr));
  assert.ok(exprs.length >= 20, `${exprs.length} queries`);
  const names = new Set(exprs.flatMap((e) => e.match(/zonecast_[a-z0-9_]+/g) ?? []));
  for (const name of names) {
    const histogram = /_(bucket|sum|count)$/.exec(name);
    const base = histogram ? name.slice(0, histogram.index) : name;
    assert.ok(registered.has(base), `${name} is not a registered metric`);
    if (histogram) assert.is(registered.get(base), 'histogram', `${name}: ${base} is not a histogram`);
  }
});

test.run();
