// Every service's metrics after real work, in `zonecast start` with a real Knot as its pool's target: the
// API's requests, central's bus traffic, the worker's zone changes and propagation time, its NOTIFYs, the
// transfers Knot pulled from mdns, the queries mdns answered, its compile tasks, the producer's task runs.
// Scraped over HTTP, from the API's /metrics and from [service:mdns] metrics_listen, which show the same page.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort } from '../../native-bench/lib/dns-probe.ts';
import { call } from '../api/http.ts';
import { moved, sample } from '../helpers/metrics.ts';
import { startPooledSystem, type PooledSystem } from '../helpers/pooled-system.ts';
import { startTarget, type TargetDaemon } from '../helpers/targets.ts';
import { until } from '../helpers/until.ts';

interface Ctx {
  knot: TargetDaemon | null;
  sys: PooledSystem;
  metricsPort: number;
}

const t = suite<Ctx>('service metrics', {} as Ctx);

t.before(async (ctx) => {
  const mdnsPort = await freePort();
  ctx.knot = await startTarget('knot2', mdnsPort);
  if (ctx.knot === null) return;
  ctx.metricsPort = await freePort();
  ctx.sys = await startPooledSystem(mdnsPort, [ctx.knot], { ZONECAST_SERVICE_MDNS_METRICS_LISTEN: `127.0.0.1:${ctx.metricsPort}` });
});

t.after(async (ctx) => {
  await ctx.sys?.close();
  await ctx.knot?.cleanup();
});

/** The sum of every sample of `name` whose labels contain each of `parts`. */
function total(text: string, name: string, ...parts: string[]): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels = line.slice(name.length, line.lastIndexOf(' '));
    if (parts.every((p) => labels.includes(p))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

t('a zone and a record carried to Knot move the counters of every service', async (ctx) => {
  if (ctx.knot === null) return;
  const scrapeApi = async () => (await call(ctx.sys.all.api.ports[0], 'GET', '/metrics')).text;
  const before = await scrapeApi();
  const created = await ctx.sys.api('POST', '/v2/zones', { name: 'metered.example.', email: 'ops@example.org' });
  assert.is(created.status, 202, created.text);
  await ctx.sys.untilStatus(created.json.id, 'ACTIVE', 20_000);
  const rs = await ctx.sys.api('POST', `/v2/zones/${created.json.id}/recordsets`, { name: 'www.metered.example.', type: 'A', records: ['192.0.2.7'] });
  assert.is(rs.status, 202, rs.text);
  await ctx.sys.untilStatus(created.json.id, 'ACTIVE', 20_000);
  // The producer's recovery task runs every second here. Transfers streamed by an answering thread are
  // reported to the main thread by message, so they may show a scrape later than the zone turned ACTIVE.
  let after = '';
  const transfersDone = (text: string) => total(text, 'zonecast_xfr_transfers_total', 'result="complete"');
  await until('a producer task run and both transfers counted', async () => {
    after = await scrapeApi();
    return moved(before, after, 'zonecast_producer_task_runs_total', 'task="worker_periodic_recovery",result="ok"') >= 1 &&
      transfersDone(after) - transfersDone(before) >= 2;
  }, 5000).catch(() => {}); // the assertions below say which one is missing

  assert.ok(moved(before, after, 'zonecast_producer_task_runs_total', 'task="worker_periodic_recovery",result="ok"') >= 1, 'a producer task run counted');
  assert.is(moved(before, after, 'zonecast_api_requests_total', 'method="POST",route="/v2/zones",status="202"'), 1);
  assert.ok(total(after, 'zonecast_bus_sent_duration_seconds_count', 'kind="cast"', 'method="create_zone"', 'result="ok"') >= 1, 'central cast create_zone');
  assert.ok(total(after, 'zonecast_bus_handled_total', 'method="create_zone"', 'result="ok"') >= 1, 'the worker handled it');
  assert.is(moved(before, after, 'zonecast_worker_zone_changes_total', 'action="CREATE",status="SUCCESS"'), 1);
  assert.is(moved(before, after, 'zonecast_worker_zone_changes_total', 'action="UPDATE",status="SUCCESS"'), 1);
  assert.is(moved(before, after, 'zonecast_worker_propagation_seconds_count', 'action="CREATE"'), 1);
  assert.ok(moved(before, after, 'zonecast_worker_propagation_seconds_sum', 'action="CREATE"') > 0);
  assert.ok(moved(before, after, 'zonecast_notify_targets_total', 'sender="worker",status="acknowledged"') >= 2, 'Knot acknowledged the NOTIFYs');
  assert.ok(moved(before, after, 'zonecast_notify_messages_total', 'sender="worker"') >= 2);
  assert.ok(transfersDone(after) - transfersDone(before) >= 2,
    `Knot transferred the zone, then the change: ${after.split('\n').filter((l) => l.startsWith('zonecast_xfr_transfers_total')).join('; ')}`);
  assert.ok(total(after, 'zonecast_dns_queries_total', 'qtype="SOA"', 'rcode="NOERROR"') > total(before, 'zonecast_dns_queries_total', 'qtype="SOA"', 'rcode="NOERROR"'),
    "the worker's SOA checks of mdns");
  assert.ok(total(after, 'zonecast_mdns_compile_duration_seconds_count', 'result="ok"') > total(before, 'zonecast_mdns_compile_duration_seconds_count', 'result="ok"'));
  assert.ok(sample(after, 'zonecast_mdns_zones') >= 1);
  assert.ok(sample(after, 'zonecast_producer_shards') === 4096, 'the lone producer holds every shard');

  // metrics_listen serves the same registry: the worker's series are there too.
  const listened = await call(ctx.metricsPort, 'GET', '/metrics');
  assert.is(listened.status, 200);
  assert.ok(sample(listened.text, 'zonecast_worker_zone_changes_total', 'action="CREATE",status="SUCCESS"') >= 1);
  assert.is((await call(ctx.metricsPort, 'GET', '/other')).status, 404);
});

t.run();
