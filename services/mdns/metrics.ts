// mdns's Prometheus metrics. Answering is counted by each query handler in its QueryStats (a thread's in
// shared memory) and read here at scrape time; zones served and snapshot bytes are read off the zone
// tables; transfers and compile-pool tasks are counted as they end, off the answering path (NOTIFY, which
// the worker sends too: services/metrics/notify.ts).
import { Counter, Histogram } from 'prom-client';
import { QueryStats, QueryStatsView, ANSWER_TIME_BUCKETS, STAT_TRANSPORTS, rcodeName } from '../../engine/answer/query-stats.ts';
import type { ZoneTable } from '../../engine/answer/zone-table.ts';
import type { TaskObserver } from '../../engine/pool/compile-pool.ts';
import type { TransferObserver } from '../../engine/xfr/service.ts';
import { histogramSamples, metricsRegistry, registerSampled, type Sample } from '../metrics/registry.ts';

/** A running mdns server, as its metrics see it. */
export interface MeteredServer {
  zones: ZoneTable;
  /** Every QueryStats its handlers count in (one per answering thread, or the main thread's). */
  queryStats(): QueryStats[];
}

const servers = new Set<MeteredServer>();
/** What closed servers counted, so that totals never go down while the process lives. */
const retired = new QueryStats();

const view = () => new QueryStatsView([retired, ...[...servers].flatMap((s) => s.queryStats())]);
const perTransport = (read: (v: QueryStatsView, t: number) => number): Sample[] => {
  const v = view();
  return STAT_TRANSPORTS.map((transport, t) => ({ labels: { transport }, value: read(v, t) }));
};

registerSampled('zonecast_dns_queries_total', 'DNS queries answered, by transport, question type and rcode (zone transfers apart)', 'counter',
  () => [...view().queries()].map(([transport, qtype, rcode, value]) => ({ labels: { transport, qtype, rcode }, value })));
registerSampled('zonecast_dns_requests_by_opcode_total', 'DNS requests other than QUERY answered (NOTIFY from primaries, UPDATE refused), by transport and opcode', 'counter',
  () => [...view().opcodes()].map(([transport, opcode, value]) => ({ labels: { transport, opcode }, value })));
registerSampled('zonecast_dns_dropped_total', 'DNS requests given no answer (too short, or responses sent to us)', 'counter',
  () => perTransport((v, t) => v.dropped(t)));
registerSampled('zonecast_dns_response_cache_hits_total', 'Answers taken whole from the response cache', 'counter',
  () => perTransport((v, t) => v.cacheHits(t)));
registerSampled('zonecast_dns_response_cache_misses_total', 'Cacheable questions the response cache did not hold', 'counter',
  () => perTransport((v, t) => v.cacheMisses(t)));
registerSampled('zonecast_dns_answer_duration_seconds', 'Time from reading a DNS request to its answer being ready, by transport', 'histogram', () => {
  const v = view();
  return STAT_TRANSPORTS.flatMap((transport, t) => {
    const { buckets, sum } = v.answerTimes(t);
    return histogramSamples('zonecast_dns_answer_duration_seconds', { transport }, ANSWER_TIME_BUCKETS, buckets, sum);
  });
});
registerSampled('zonecast_mdns_zones', 'Zones served (with a loaded version)', 'gauge', () => {
  let zones = 0;
  for (const s of servers) for (const z of s.zones) if (z.snapshot !== null) zones++;
  return [{ value: zones }];
});
registerSampled('zonecast_mdns_snapshot_bytes', 'Bytes of the zone snapshots being served', 'gauge', () => {
  let bytes = 0;
  for (const s of servers) for (const z of s.zones) bytes += z.snapshot?.bytes.byteLength ?? 0;
  return [{ value: bytes }];
});

/** Counts `server` until the returned function is called (when it closes); its counts are kept after. */
export function meterServer(server: MeteredServer): () => void {
  servers.add(server);
  return () => {
    if (!servers.delete(server)) return;
    for (const stats of server.queryStats()) retired.add(stats);
  };
}

const transfers = new Counter({
  name: 'zonecast_xfr_transfers_total', help: 'Zone transfers sent, by style (axfr; ixfr; soa: IXFR of a client already current) and result (complete, aborted)',
  labelNames: ['style', 'result'] as const, registers: [metricsRegistry],
});
const transferBytes = new Counter({
  name: 'zonecast_xfr_bytes_total', help: 'Bytes of zone transfer messages written, by style', labelNames: ['style'] as const, registers: [metricsRegistry],
});
const transferDuration = new Histogram({
  name: 'zonecast_xfr_duration_seconds', help: 'Time to stream a zone transfer, first message to last, by style',
  labelNames: ['style'] as const, buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60], registers: [metricsRegistry],
});
const transfersRefused = new Counter({
  name: 'zonecast_xfr_refused_total', help: 'Transfer requests answered with an error instead (NOTAUTH, REFUSED, SERVFAIL, FORMERR), by type and rcode',
  labelNames: ['type', 'rcode'] as const, registers: [metricsRegistry],
});

export const transferMetrics: TransferObserver = {
  finished(reply, stats) {
    transfers.inc({ style: reply.style, result: stats.complete ? 'complete' : 'aborted' });
    transferBytes.inc({ style: reply.style }, stats.bytes);
    transferDuration.observe({ style: reply.style }, stats.ms / 1000);
  },
  refused(type, rcode) {
    transfersRefused.inc({ type, rcode: rcodeName(rcode) });
  },
};

const poolTasks = new Histogram({
  name: 'zonecast_mdns_compile_duration_seconds',
  help: 'Compile-pool tasks from queued to done, by task (compileText: a whole zone; patchText: a change applied; renderAxfr; buildCatalog; ...) and result',
  labelNames: ['task', 'result'] as const, buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30], registers: [metricsRegistry],
});

export const compileMetrics: TaskObserver = (task, seconds, ok) => poolTasks.observe({ task, result: ok ? 'ok' : 'failed' }, seconds);
