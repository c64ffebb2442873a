// The two casts designate-mdns sends Designate's services, in oslo.messaging's format over RabbitMQ: the
// heartbeat `central.update_service_status` every [heartbeat_emitter] heartbeat_interval (so
// /v2/service_statuses lists mdns; STOPPED on shutdown where the schema knows it), and
// `worker.perform_zone_xfr` for a NOTIFY that announces a new serial of a SECONDARY zone. RabbitMQ away:
// DNS goes on, each cast waits a bounded time and is then dropped with a log line; heartbeats resume with
// the connection. Without transport_url nothing is sent.
import { AMQP_CONNECTION_DEFAULTS } from '../messaging/amqp-connection.ts';
import { HeartbeatEmitter } from '../messaging/heartbeat.ts';
import { adminContext, CENTRAL_RPC_VERSION, designateHeartbeatArgs, WORKER_RPC_VERSION } from '../messaging/oslo-codec.ts';
import { OSLO_DEFAULTS, OsloTransport } from '../messaging/oslo-transport.ts';
import { parseTransportUrl } from '../messaging/transport-url.ts';
import type { Logger } from '../log.ts';
import type { DesignateMdnsSettings } from './options.ts';
import type { DesignateSchema } from './schema.ts';
import type { ZoneTransferCast } from './secondary-notify.ts';

export interface DesignateMessaging {
  /** Null without transport_url. */
  readonly performZoneXfr: ZoneTransferCast | null;
  readonly transport: OsloTransport | null;
  /** Reports STOPPED (where the schema has it) and disconnects. */
  close(): Promise<void>;
}

export function startDesignateMessaging(settings: DesignateMdnsSettings, schema: DesignateSchema, log: Logger): DesignateMessaging {
  const url = settings.transportUrl;
  if (url === '') {
    log.warn('[DEFAULT] transport_url is empty: no heartbeats (mdns is missing from /v2/service_statuses) and NOTIFYs for SECONDARY zones start no transfer');
    return { performZoneXfr: null, transport: null, close: async () => {} };
  }
  // Designate's admin context names system scope 'all' up to 16.x; 17.0.0 (the release that added
  // zones.increment_serial) dropped it, and its scope-enforcing policies refuse it.
  const systemScope = schema.incrementSerial ? null : 'all';
  const transport = new OsloTransport(parseTransportUrl(url), url, {
    ...AMQP_CONNECTION_DEFAULTS, ...OSLO_DEFAULTS,
    exchange: settings.controlExchange, durable: settings.exchange.durable, autoDelete: settings.exchange.autoDelete,
    versions: { [settings.topics.central]: CENTRAL_RPC_VERSION, [settings.topics.worker]: WORKER_RPC_VERSION },
    context: () => adminContext({ allTenants: false, systemScope }),
  }, log);
  const heartbeat = settings.heartbeats
    ? new HeartbeatEmitter(transport, {
      serviceName: 'mdns', hostname: settings.hostname, interval: settings.heartbeatInterval, centralTopic: settings.topics.central,
      args: designateHeartbeatArgs, sendStopped: schema.stoppedStatus,
    }, log)
    : null;
  heartbeat?.start();
  return {
    transport,
    // A DNS request's context, as designate-mdns's middleware makes it: all tenants.
    performZoneXfr: (args) => transport.cast({ topic: settings.topics.worker }, 'perform_zone_xfr', args, { context: adminContext({ allTenants: true, systemScope }) }),
    close: async () => {
      await heartbeat?.stop();
      await transport.close();
    },
  };
}
