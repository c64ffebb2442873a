// `zonecast designate-mdns`: the mdns engine in place of designate-mdns inside a running Designate. Zones
// come from Designate's own database (read-only) as questions ask for them, each checked against the
// database before it is answered (router.ts); DNS is served on [service:mdns] listen over UDP and TCP,
// AXFR and IXFR included.
import { QueryHandler } from '../../engine/answer/handler.ts';
import { ZoneTable } from '../../engine/answer/zone-table.ts';
import { TransferAcl } from '../../engine/net/acl.ts';
import { openDnsListeners } from '../../engine/net/dns-listeners.ts';
import type { TcpListener } from '../../engine/net/tcp-listener.ts';
import type { UdpBatchListener } from '../../engine/net/udp-batch.ts';
import type { UdpListener } from '../../engine/net/udp-listener.ts';
import { CompilePool } from '../../engine/pool/compile-pool.ts';
import { TsigKeyring } from '../../engine/tsig/keys.ts';
import { JOURNAL_DEFAULTS } from '../../engine/xfr/journal.ts';
import { XFR_DEFAULTS } from '../../engine/xfr/options.ts';
import { TransferService } from '../../engine/xfr/service.ts';
import type { Logger } from '../log.ts';
import { formatEndpoint, type Endpoint } from '../mdns/endpoint.ts';
import { compileMetrics, meterServer, transferMetrics } from '../mdns/metrics.ts';
import { MDNS_DEFAULTS, requestErrors } from '../mdns/server.ts';
import { DesignateDatabase } from './database.ts';
import type { DesignateMdnsSettings } from './options.ts';
import { ZoneReader } from './reader.ts';
import { DesignateRouter } from './router.ts';
import { readSchema, type DesignateSchema } from './schema.ts';
import { ServedZones, type PoolRoute } from './served-zones.ts';
import { warmUpZoneReads } from './warm-up.ts';
import { startDesignateMessaging, type DesignateMessaging } from './messaging.ts';
import { SecondaryNotifies } from './secondary-notify.ts';
import { DesignateKeys } from './tsig-keys.ts';
import { meterDropin } from './metrics.ts';

/** A statement, or the wait for a connection, that takes longer fails: a rebuild is then tried again later. */
const STATEMENT_TIMEOUT_MS = 10_000;
/** Check rounds at once, each holding a connection; rebuilds take others from the same pool. */
const MAX_ROUNDS = 4;

export interface DesignateMdns {
  readonly endpoints: Endpoint[];
  readonly schema: DesignateSchema;
  readonly router: DesignateRouter;
  readonly served: ServedZones;
  readonly database: DesignateDatabase;
  readonly messaging: DesignateMessaging;
  close(): Promise<void>;
}

export async function startDesignateMdns(settings: DesignateMdnsSettings, log: Logger): Promise<DesignateMdns> {
  const database = new DesignateDatabase({ ...settings.database, connectionLimit: 2 * MAX_ROUNDS }, STATEMENT_TIMEOUT_MS);
  const udp: (UdpListener | UdpBatchListener)[] = [];
  const tcp: TcpListener[] = [];
  let pool: CompilePool | null = null;
  let messaging: DesignateMessaging | null = null;
  const unmeter: (() => void)[] = [];
  const close = async () => {
    await Promise.all([...udp.map((u) => u.close()), ...tcp.map((t) => t.close())]);
    for (const stop of unmeter) stop();
    await messaging?.close();
    await pool?.close();
    await database.close();
  };
  try {
    const schema = await readSchema(database, database.database);
    log.info({
      database: database.label, alembic: schema.alembicVersion, catalogZones: schema.zoneTypes.has('CATALOG'),
      incrementSerial: schema.incrementSerial, recordTypes: [...schema.recordTypes].join(','),
    }, 'Designate schema read');
    const reader = new ZoneReader(database);
    const keyring = new TsigKeyring();
    pool = new CompilePool(undefined, compileMetrics);
    const xfr = { maxMessageSize: settings.maxMessageSize, reserve: XFR_DEFAULTS.reserve };
    // designate-mdns transfers to anyone who asks (TSIG keys scope what they see): its targets' addresses
    // are in pools.yaml, not in its configuration.
    const everyone = new TransferAcl(['0.0.0.0/0', '::/0']);
    // One zone table per pool, each counted as mdns's metrics count a server.
    const routeFor = (table: ZoneTable): PoolRoute => {
      const handler = new QueryHandler(table, { udpPayloadSize: MDNS_DEFAULTS.udpPayloadSize, responseCacheSize: MDNS_DEFAULTS.responseCacheSize, keyring });
      unmeter.push(meterServer({ zones: table, queryStats: () => [handler.stats] }));
      return { handler, transfers: new TransferService(table, { defaultAcl: everyone, ...xfr, keyring, log, observer: transferMetrics }) };
    };
    const served = new ServedZones(reader, pool, { xfr, journal: JOURNAL_DEFAULTS, routeFor }, log);
    const keys = new DesignateKeys(keyring, reader, log);
    messaging = startDesignateMessaging(settings, schema, log);
    const router = new DesignateRouter(served, reader, keys, {
      defaultPoolId: settings.defaultPoolId, enforceTsig: settings.enforceTsig, checkTimeoutMs: settings.checkTimeoutMs,
      maxRounds: MAX_ROUNDS, refused: routeFor(new ZoneTable()), notifies: new SecondaryNotifies(reader, keyring, messaging.performZoneXfr, log),
    }, log);
    unmeter.push(meterDropin({ counts: router.counts, get statements() { return database.statements; } }));
    const onError = requestErrors(log);
    const fallback = served.scope(settings.defaultPoolId).route.handler as QueryHandler;
    // Before listening, so that no question waits behind it (warm-up.ts). The compile goes on in its
    // thread; one cut short by a quick shutdown is of no interest.
    const warmUpZone = warmUpZoneReads(xfr);
    pool.compileText({ ...warmUpZone, source: 'warm-up zone' }).catch(() => undefined);
    for (const endpoint of settings.listen) {
      // Worker processes bind the same addresses: the kernel spreads questions and connections over them.
      const reusePort = settings.workers > 1;
      const opened = await openDnsListeners(fallback, endpoint.host, endpoint.port, 'dgram', {
        receiveBufferSize: MDNS_DEFAULTS.udpReceiveBuffer, onError, router: router.route, reusePort,
      }, {
        idleTimeout: settings.tcpRecvTimeout, messageTimeout: settings.tcpRecvTimeout, maxConnections: MDNS_DEFAULTS.tcpMaxConnections,
        maxConnectionsPerSource: MDNS_DEFAULTS.tcpMaxConnectionsPerSource, backlog: settings.tcpBacklog, router: router.route, onError, reusePort,
      });
      udp.push(opened.udp);
      tcp.push(opened.tcp);
      log.info({ listen: formatEndpoint({ host: endpoint.host, port: opened.udp.address.port }) }, 'listening (udp, tcp)');
    }
    return {
      endpoints: udp.map((u) => ({ host: u.address.address, port: u.address.port })),
      schema, router, served, database, messaging, close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
